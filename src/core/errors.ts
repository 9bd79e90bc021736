/**
 * Every failure radpo reports carries a code from this fixed set, so scripts can match on it
 * (it is written to the rejects file and the report) and tests can assert on it.
 */
import { deeperThan } from './depth.js';
import type { Hint, HintWords } from './hints.js';

/** Why one input row was set aside. These appear as `reason` in the rejects file. */
export const ROW_REASONS = [
  'malformed_record', // the line/element/CSV row is not valid JSON/CSV
  'line_too_long', // over --max-line-bytes
  'bad_encoding', // the record's bytes are not UTF-8
  'missing_field', // a column the shape needs is absent
  'bad_field', // present but of the wrong type (e.g. chosen is a number)
  'bad_score', // score missing, not numeric, or out of the scale
  'missing_score', // --scores file has no entry for this row's key
  'unmatched_scores', // --scores file: its responses for this key are not the row's (or cannot be told apart)
  'empty_response', // chosen or rejected is empty / whitespace only
  'prompt_mismatch', // implicit prompt: chosen and rejected conversations differ before the answer
  'identical_responses', // chosen and rejected text are the same (breaks trainers' prompt extraction)
  'tie_dropped', // --ties drop and the two scores are equal
  'below_min_gap', // relabel --min-gap: the two scores differ by less than the gap (their order may be judge noise)
  'judge_unparseable', // the judge answered, but no score could be read from it (after --parse-retries)
  'judge_failed', // the judge did not answer (after --max-retries), or its batch result was an error
  'judge_rejected', // the judge refused this one request (400/413/422: longer than its context, failed validation)
  'judge_missing', // --from-batch: the batch files do not answer this row's request (no --live-fallback)
  'no_preference', // nothing to prefer: a tie label, or no two responses of a prompt differ by more than the gap
  'policy_failed', // radpo generate: the policy server refused, did not answer, or answered no samples
  'policy_missing', // radpo generate: the batch result files do not answer this prompt's samples
] as const;
export type RowReason = (typeof ROW_REASONS)[number];

/** Codes of errors that stop the whole run. */
type FatalCode =
  | 'usage' // bad flags or arguments: exit 2
  | 'io' // a file cannot be opened, read or written, a server cannot be reached
  | 'data' // the input as a whole cannot be used (no scores anywhere, already relabeled, not a Parquet file)
  | 'config' // the setup is wrong: a server refuses the model or every request alike, a rubric or template does not fit
  | 'no_scores' // no score columns found and no other source given
  | 'schema' // the input shape cannot be detected or does not fit --schema
  | 'too_many_errors' // --max-errors exceeded
  | 'row' // a row error under --on-error fail
  | 'nothing_written' // every row was set aside, or there were none (--allow-empty-output accepts it)
  | 'interrupted'; // SIGINT/SIGTERM: exit 130 like a shell

/** Where in the input something happened: file (or `<stdin>`) and 1-based line, or CSV data row. */
export interface Location {
  source: string;
  line: number;
  /** 'line' for JSONL/JSON (line where the record starts), 'row' for CSV data rows. */
  unit: 'line' | 'row';
}

export function formatLocation(loc: Location): string {
  return `${loc.source}:${loc.unit === 'line' ? '' : 'row '}${loc.line}`;
}

export interface RowErrorDetails {
  field?: string;
  expected?: string;
  found?: string;
  /** What the user can do about it (a key the CLI words with its flags, or plain text). */
  hint?: Hint;
}

/**
 * A problem with one input row. The core throws these without a location (it does not know where the
 * row came from); the pipeline attaches the location before reporting.
 */
export class RowError extends Error {
  readonly reason: RowReason;
  readonly details: RowErrorDetails;
  location: Location | undefined;
  constructor(reason: RowReason, summary: string, details: RowErrorDetails = {}) {
    super(summary);
    this.name = 'RowError';
    this.reason = reason;
    this.details = details;
  }

  /**
   * The complete, human-readable message: where, what field, expected vs found, and (unless `withHint` is false) what
   * to do.
   */
  describe(words: HintWords, withHint = true): string {
    const parts: string[] = [];
    if (this.location) parts.push(`${formatLocation(this.location)}:`);
    if (this.details.field !== undefined) parts.push(`field "${this.details.field}":`);
    parts.push(this.message);
    let text = parts.join(' ');
    if (this.details.expected !== undefined || this.details.found !== undefined) {
      text += ` (expected ${this.details.expected ?? '?'}, found ${this.details.found ?? '?'})`;
    }
    if (withHint && this.details.hint !== undefined) text += `. ${words(this.details.hint)}`;
    return text;
  }
}

/** An error that ends the run. src/main.ts turns its code into an exit code (usage 2, interrupted 130, else 1). */
export class RadpoError extends Error {
  readonly code: FatalCode;
  readonly hint: Hint | undefined;
  constructor(code: FatalCode, message: string, hint?: Hint) {
    super(message);
    this.name = 'RadpoError';
    this.code = code;
    this.hint = hint;
  }
}

/**
 * A value that does not parse: a scale, a shard, a column path, an attribute spec. The core knows the
 * text and what it expected, not where the text came from; the CLI words it with the flag's name.
 */
export class ValueError extends Error {
  constructor(
    /** The text as given. */
    readonly text: string,
    /** What a good value looks like ("MIN-MAX such as 1-10 or 0-4"), when the text has the wrong form. */
    readonly expected: string | undefined,
    /** What is wrong with a text of the right form ("MIN must be below MAX"). */
    readonly problem?: string,
    readonly hint?: string,
  ) {
    super(problem ?? `expected ${expected}`);
    this.name = 'ValueError';
  }
}

export function usageError(message: string, hint?: string): RadpoError {
  return new RadpoError('usage', message, hint);
}

/** Shorten a value for an error message: long strings are cut, objects are JSON-encoded. */
export function preview(value: unknown, max = 60): string {
  let text: string;
  if (value === undefined) return 'nothing';
  // Shown from the start only: a value nested past what JSON.stringify can walk is described, not printed.
  if (deeperThan(value, 100)) return Array.isArray(value) ? 'a deeply nested array' : 'a deeply nested object';
  if (typeof value === 'string') text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  if (typeof value === 'string') return `a string ${text}`;
  if (Array.isArray(value)) return `an array ${text}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object ${text}`;
  return `${typeof value} ${text}`;
}
