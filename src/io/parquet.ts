/**
 * Parquet, the Hub's own file format (e.g. HuggingFaceH4/ultrafeedback_binarized's
 * train_prefs-00000-of-00001.parquet): read with hyparquet, a slice of rows at a time so memory is
 * bounded by one slice, nested list/struct columns (message lists) decoded; written with
 * hyparquet-writer, one row group at a time, atomically (temporary file renamed at the end).
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { RadpoError, type Location } from '../core/errors.js';
import type { SourceRecord } from './source-record.js';
import { openTarget, type OutputTarget } from './target.js';
import { writeAllSync } from './descriptor.js';

/** Rows decoded per read: bounded memory even when a file has one huge row group. */
const READ_SLICE_ROWS = 2000;
/** Rows per written row group (~20 MB of relabeled UltraFeedback rows). */
const WRITE_GROUP_ROWS = 1000;

/** INT64 columns decode to BigInt, which JSON cannot hold: make them numbers (exact up to 2^53). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== '__proto__') out[k] = plain(v);
    return out;
  }
  return value;
}

export async function* readParquet(path: string): AsyncGenerator<SourceRecord[]> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new RadpoError('io', `${path}: no such file`, 'check the path');
    throw new RadpoError('io', `${path}: not a readable Parquet file (${e.message})`);
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = rowStart + Number(group.num_rows);
    for (let start = rowStart; start < groupEnd; start += READ_SLICE_ROWS) {
      const end = Math.min(groupEnd, start + READ_SLICE_ROWS);
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end, compressors });
      } catch (err) {
        throw new RadpoError('io', `${path}: rows ${start + 1}-${end} cannot be decoded (${(err as Error).message})`);
      }
      yield rows.map((row, i) => {
        const location: Location = { source: path, line: start + i + 1, unit: 'row' };
        const value = plain(row);
        return { value, raw: value, location };
      });
    }
    rowStart = groupEnd;
  }
}

type SchemaElement = Record<string, unknown> & { name: string };

/** A Parquet schema for a value: strings, numbers, booleans, lists and structs, all optional. */
/** Columns radpo writes that are whole numbers: INT64, as datasets and pandas expect (a line number is no double). */
const INTEGER_COLUMNS = new Set(['source_line', 'rank']);

function schemaFor(name: string, value: unknown, path: string): SchemaElement[] {
  if (typeof value === 'string')
    return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }];
  if (typeof value === 'number')
    return [
      {
        name,
        type: INTEGER_COLUMNS.has(name) && Number.isInteger(value) ? 'INT64' : 'DOUBLE',
        repetition_type: 'OPTIONAL',
      },
    ];
  if (typeof value === 'boolean') return [{ name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' }];
  if (Array.isArray(value)) {
    if (value.length === 0)
      throw new RadpoError(
        'io',
        `Parquet output: cannot tell the element type of the empty list "${path}" in the first row`,
        'write JSONL instead',
      );
    return [
      { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...schemaFor('element', value[0], `${path}[]`),
    ];
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return [
      { name, repetition_type: 'OPTIONAL', num_children: entries.length },
      ...entries.flatMap(([k, v]) => schemaFor(k, v, `${path}.${k}`)),
    ];
  }
  throw new RadpoError(
    'io',
    `Parquet output: no column type for ${value === null ? 'null' : typeof value} in "${path}" of the first row`,
    'write JSONL instead',
  );
}

/** INT64 columns take BigInt values: convert the whole numbers of the integer columns, at any depth. */
function withBigInts(value: unknown, name: string): unknown {
  if (typeof value === 'number') return INTEGER_COLUMNS.has(name) && Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map((v) => withBigInts(v, name));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withBigInts(v, k)]));
  return value;
}

/** Does `value` fit the shape the first row fixed? (Parquet files have one schema.) */
function fits(value: unknown, model: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof model !== 'object' || model === null) return typeof value === typeof model;
  if (Array.isArray(model)) return Array.isArray(value) && value.every((v) => fits(v, model[0]));
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.keys(value).every(
    (k) =>
      Object.hasOwn(model, k) && fits((value as Record<string, unknown>)[k], (model as Record<string, unknown>)[k]),
  );
}

/** Row objects to a Parquet file, written atomically. */
export class ParquetOutput {
  private rows: Record<string, unknown>[] = [];
  private model: Record<string, unknown> | null = null;
  private columns: string[] = [];
  private writer: import('hyparquet-writer').ParquetWriter | null = null;
  private closed = false;

  private constructor(
    private readonly target: OutputTarget,
    private readonly fd: number,
  ) {}

  /** Opens the output now (atomically replaced at commit, or a device written in place: see target.ts). */
  static async create(path: string): Promise<ParquetOutput> {
    const target = await openTarget(path);
    try {
      return new ParquetOutput(target, target.fd ?? openSync(target.path, target.flags));
    } catch (err) {
      await target.abort();
      throw new RadpoError('io', `cannot write ${path}: ${(err as Error).message}`, 'check the output path');
    }
  }

  async add(row: Record<string, unknown>): Promise<void> {
    if (this.model === null) {
      this.model = row;
      this.columns = Object.keys(row);
    } else if (!fits(row, this.model) || Object.keys(row).some((k) => !this.columns.includes(k))) {
      throw new RadpoError(
        'io',
        `Parquet output: a row does not fit the schema set by the first row ` +
          `(columns ${this.columns.join(', ')}; this row has ${Object.keys(row).join(', ')} or other value types)`,
        'write JSONL (-o FILE.jsonl), which allows rows of different shapes',
      );
    }
    this.rows.push(row);
    if (this.rows.length >= WRITE_GROUP_ROWS) await this.flushGroup();
  }

  private async flushGroup(): Promise<void> {
    if (this.rows.length === 0) return;
    if (this.writer === null) {
      const { ParquetWriter, ByteWriter } = await import('hyparquet-writer');
      const schema = [
        { name: 'root', num_children: this.columns.length },
        ...this.columns.flatMap((c) => schemaFor(c, this.model![c], c)),
      ];
      const bytes = new ByteWriter();
      const fd = this.fd;
      // Each row group's bytes go to the file as soon as it is encoded.
      (bytes as unknown as { flush: () => void }).flush = () => {
        writeAllSync(fd, new Uint8Array(bytes.buffer, 0, bytes.index));
        bytes.index = 0;
      };
      (bytes as unknown as { finish: () => void }).finish = () => (bytes as unknown as { flush: () => void }).flush();
      this.writer = new ParquetWriter({ writer: bytes, schema: schema as never, createdBy: 'radpo' });
    }
    const columnData = this.columns.map((name) => ({
      name,
      data: this.rows.map((r) => withBigInts(r[name] ?? null, name)),
    }));
    await this.writer.write({ columnData: columnData as never, rowGroupSize: this.rows.length });
    this.rows = [];
  }

  async commit(): Promise<void> {
    await this.flushGroup();
    if (this.writer === null) {
      // No rows: a valid Parquet file still needs a schema; write an empty one with no columns.
      const { ParquetWriter, ByteWriter } = await import('hyparquet-writer');
      const bytes = new ByteWriter();
      this.writer = new ParquetWriter({
        writer: bytes,
        schema: [{ name: 'root', num_children: 0 }] as never,
        createdBy: 'radpo',
      });
      this.writer.finish();
      writeAllSync(this.fd, new Uint8Array(bytes.getBuffer()));
    } else this.writer.finish();
    if (!this.target.inPlace) fsyncSync(this.fd);
    if (this.target.fd === undefined) closeSync(this.fd);
    this.closed = true;
    await this.target.commit();
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.target.fd === undefined) closeSync(this.fd);
    }
    await this.target.abort();
  }
}
