/**
 * One input record as the readers hand it over (a type of its own, so readers and formats share it without a cycle).
 */
import type { Location, RowError } from '../core/errors.js';

export interface SourceRecord {
  /** The parsed record; undefined when `error` is set, or with `lazy` reading (see `bytes`). */
  value: unknown;
  /** With `lazy` reading of JSON formats: the record's JSON text, parsed later by the pipeline. */
  bytes?: Buffer;
  /** What goes into the rejects file as the row: the line text, or the CSV row. */
  raw: unknown;
  location: Location;
  error?: RowError;
  /** The first key that appeared twice in one object of the record (JSON.parse kept the last value). */
  duplicateKey?: string;
  /** CSV: columns whose cell looked like JSON but is no conversation, so it was kept as text. */
  jsonTextColumns?: string[];
  /** The pair's scores a judge gave (chosen, rejected; one per attribute), handed over with the record. */
  scores?: { chosen: number[]; rejected: number[] };
}
