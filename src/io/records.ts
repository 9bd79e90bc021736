/**
 * Record readers for JSONL, JSON (top-level array) and CSV. Each yields batches of records with their
 * location, streaming (memory bounded by --max-line-bytes and one read chunk, whatever the file size).
 * A record that cannot be parsed is yielded with an `error` so the pipeline applies --on-error to it.
 */
import type Papa from 'papaparse';
import { RadpoError, RowError, usageError, type Location } from '../core/errors.js';
import { deeperThan, MAX_DEPTH } from '../core/depth.js';
import { isOwnHeader, SCORE_COLUMNS } from '../core/layouts.js';
import type { Readable } from 'node:stream';
import { openBytes, type PeekableBytes } from './bytes.js';
import { firstDuplicateKey } from './duplicate-keys.js';
import { checkUtf8, foreignEncoding, foreignEncodingError, utf8Only } from './encoding.js';
import { readParquet } from './parquet.js';

export type { InputFormat } from './choices.js';
import type { InputFormat } from './choices.js';

export type { SourceRecord } from './source-record.js';
import type { SourceRecord } from './source-record.js';

interface ReadOptions {
  maxLineBytes: number;
  /** Where a reader's warnings about the file go (the run's logger: -q and --log-format apply). */
  warn?: (message: string) => void;
  /** JSON formats: hand over each record's bytes unparsed (the pipeline's fast path parses them). */
  lazy?: boolean;
}

/** The record's text for the rejects file: the line as read, or the CSV row. */
export function rawOf(record: SourceRecord): unknown {
  if (record.bytes) return record.bytes.toString('utf8');
  return record.raw;
}

/** JSON.parse with the error turned into a malformed_record row error. */
export function parseJsonRecord(record: SourceRecord, isJsonFile: boolean): SourceRecord {
  if (!record.bytes) return record;
  const parsed = parseJson(record.bytes.toString('utf8'), record.location, isJsonFile);
  return { ...parsed, bytes: record.bytes };
}

/**
 * Open an input (a path, or '-' for stdin) as batches of records in whatever format it is. Parquet
 * needs random access to its footer, so it is read from files only.
 */
export async function openRecords(
  input: string,
  stdin: Readable,
  explicit: InputFormat | undefined,
  options: ReadOptions,
): Promise<{ name: string; format: InputFormat; records: AsyncGenerator<SourceRecord[]> }> {
  if (explicit === 'parquet' || (explicit === undefined && /\.parquet$/i.test(input))) {
    if (input === '-')
      throw usageError('Parquet input must be a file, not stdin (its index is at the end of the file)');
    return { name: input, format: 'parquet', records: readParquet(input) };
  }
  const { name, bytes } = await openBytes(input, stdin);
  const encoding = foreignEncoding(await bytes.peek(4));
  if (encoding) throw foreignEncodingError(name, encoding);
  // A clone without `git lfs pull` keeps a small text pointer under the data's name, whatever its extension:
  // read as data it would be a CSV of two odd rows.
  if ((await bytes.peek(64)).toString('latin1').startsWith(LFS_POINTER)) {
    throw new RadpoError(
      'data',
      `${name} is a Git LFS pointer, not the data itself (the clone did not fetch the LFS content)`,
      'run git lfs pull in that repository (or download the file itself), then run radpo again',
    );
  }
  const format = await detectInputFormat(name, bytes, explicit);
  if (format === 'parquet') {
    if (input === '-')
      throw usageError('Parquet input must be a file, not stdin (its index is at the end of the file)');
    return { name: input, format, records: readParquet(input) };
  }
  return { name, format, records: readRecords(name, bytes, format, options) };
}

const LFS_POINTER = 'version https://git-lfs.github.com/spec/';

/** Pick the format from the name (ignoring .gz), then from the first non-blank byte. */
export async function detectInputFormat(
  name: string,
  bytes: PeekableBytes,
  explicit?: InputFormat,
): Promise<InputFormat> {
  if (explicit) return explicit;
  const base = name.toLowerCase().replace(/\.gz$/, '');
  if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) return 'jsonl';
  if (base.endsWith('.csv')) return 'csv';
  if (base.endsWith('.parquet')) return 'parquet';
  const peeked = await bytes.peek(4096);
  if (peeked.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  const head = peeked.toString('utf8').replace(/^\uFEFF/, '');
  const first = head.trimStart()[0];
  // `datasets.Dataset.to_json("x.json")` writes JSON Lines, so a .json file is sniffed too.
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  if (base.endsWith('.json')) return 'json';
  if (head.trim() === '') return 'jsonl';
  return 'csv';
}

function tooLong(loc: Location, bytes: number, limit: number, head: string): SourceRecord {
  const error = new RowError('line_too_long', `the record is ${bytes} bytes, over the limit of ${limit}`, {
    expected: `at most ${limit} bytes`,
    found: `${bytes} bytes`,
    hint: 'raise --max-line-bytes if such long records are real, or check that the file is what you think it is',
  });
  error.location = loc;
  return { value: undefined, raw: { truncated: true, head }, location: loc, error };
}

/** A high surrogate without its low one, or a low one without its high one (code units, no `u` flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first string (or key) holding a lone UTF-16 surrogate, or null. Iterative: depth is bounded already. */
function loneSurrogate(value: unknown): string | null {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (LONE_SURROGATE.test(item)) return item;
    } else if (item !== null && typeof item === 'object') {
      if (Array.isArray(item)) stack.push(...item);
      else
        for (const [key, child] of Object.entries(item)) {
          if (LONE_SURROGATE.test(key)) return key;
          stack.push(child);
        }
    }
  }
  return null;
}

/** A record with a lone surrogate: strict UTF-8 readers (Arrow, datasets) refuse it, so it is set aside. */
function badSurrogate(text: string, loc: Location, found: string): SourceRecord {
  const at = LONE_SURROGATE.exec(found)!.index;
  const unit = found.charCodeAt(at);
  const error = new RowError('bad_encoding', 'a string holds a lone UTF-16 surrogate (an escape with no pair)', {
    expected: 'text that is valid Unicode',
    found: `\\u${unit.toString(16).padStart(4, '0')} at character ${at} of a string`,
    hint: 'strict UTF-8 readers (Arrow, datasets) refuse it; fix or remove the row',
  });
  error.location = loc;
  return { value: undefined, raw: text, location: loc, error };
}

/** Records per batch at most (a batch is otherwise one chunk of input, about 64 KB to 1 MB). */
const MAX_BATCH_RECORDS = 1024;

/** A record nested past MAX_DEPTH: set aside with its text (its value is never walked). */
function tooDeep(text: string, loc: Location): SourceRecord {
  const error = new RowError('bad_field', `nested deeper than ${MAX_DEPTH} levels`, {
    expected: `a record nested at most ${MAX_DEPTH} levels deep`,
    found: `${text.length} bytes of deeper nesting`,
    hint: 'such a record is no preference pair; fix or remove it',
  });
  error.location = loc;
  return { value: undefined, raw: text, location: loc, error };
}

function parseJson(text: string, loc: Location, isJsonFile: boolean): SourceRecord {
  try {
    const value = JSON.parse(text) as unknown;
    if (deeperThan(value, MAX_DEPTH)) return tooDeep(text, loc);
    // Only a \u escape can make a lone surrogate (UTF-8 bytes cannot): look only then.
    const lone = text.includes('\\u') ? loneSurrogate(value) : null;
    if (lone !== null) return badSurrogate(text, loc, lone);
    const duplicateKey = value !== null && typeof value === 'object' ? firstDuplicateKey(text) : null;
    return duplicateKey === null
      ? { value, raw: text, location: loc }
      : { value, raw: text, location: loc, duplicateKey };
  } catch (err) {
    const error = new RowError('malformed_record', `not valid JSON: ${(err as Error).message}`, {
      expected: 'one JSON object per line',
      found: text.length > 80 ? `${JSON.stringify(text.slice(0, 80))}…` : JSON.stringify(text),
      hint: isJsonFile
        ? 'a .json file must hold one top-level array, or JSON Lines'
        : 'fix the line, or pass --on-error skip --rejects FILE to set it aside',
    });
    error.location = loc;
    return { value: undefined, raw: text, location: loc, error };
  }
}

function isBlank(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** JSON Lines: one record per line; blank lines are skipped (but counted for line numbers). */
export async function* readJsonl(
  name: string,
  bytes: AsyncIterable<Buffer>,
  options: ReadOptions,
): AsyncGenerator<SourceRecord[]> {
  const limit = options.maxLineBytes;
  const isJsonFile = /\.json(\.gz)?$/i.test(name);
  let carry: Buffer[] = [];
  let carryLength = 0;
  let overflow = false;
  let overflowHead = '';
  let line = 0;
  let offset = 0;
  const finishLine = (piece: Buffer, out: SourceRecord[]) => {
    line += 1;
    const lineOffset = offset;
    offset += carryLength + piece.length + 1;
    const loc: Location = { source: name, line, unit: 'line' };
    if (overflow) {
      out.push(tooLong(loc, carryLength + piece.length, limit, overflowHead));
      overflow = false;
      carry = [];
      carryLength = 0;
      return;
    }
    const total = carryLength + piece.length;
    if (total > limit) {
      out.push(
        tooLong(
          loc,
          total,
          limit,
          Buffer.concat([...carry, piece])
            .subarray(0, 200)
            .toString('utf8'),
        ),
      );
      carry = [];
      carryLength = 0;
      return;
    }
    let line_ = carry.length === 0 ? piece : Buffer.concat([...carry, piece]);
    carry = [];
    carryLength = 0;
    if (line_[line_.length - 1] === 13) line_ = line_.subarray(0, line_.length - 1);
    if (line === 1 && line_[0] === 0xef && line_[1] === 0xbb && line_[2] === 0xbf) line_ = line_.subarray(3);
    if (isBlank(line_)) return;
    const badText = checkUtf8(line_, loc, lineOffset);
    if (badText) out.push({ value: undefined, raw: line_.toString('latin1'), location: loc, error: badText });
    else if (options.lazy) out.push({ value: undefined, raw: undefined, bytes: line_, location: loc });
    else out.push(parseJson(line_.toString('utf8'), loc, isJsonFile));
  };
  for await (const chunk of bytes) {
    let out: SourceRecord[] = [];
    let start = 0;
    while (true) {
      // Batches of at most MAX_BATCH_RECORDS: a chunk of tiny rows does not put thousands of rows in flight.
      if (out.length >= MAX_BATCH_RECORDS) {
        yield out;
        out = [];
      }
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        const rest = chunk.subarray(start);
        if (overflow) carryLength += rest.length;
        else if (carryLength + rest.length > limit) {
          overflowHead = Buffer.concat([...carry, rest])
            .subarray(0, 200)
            .toString('utf8');
          overflow = true;
          carry = [];
          carryLength += rest.length;
        } else if (rest.length > 0) {
          carry.push(rest);
          carryLength += rest.length;
        }
        break;
      }
      finishLine(chunk.subarray(start, nl), out);
      start = nl + 1;
    }
    if (out.length > 0) yield out;
  }
  if (carryLength > 0 || overflow) {
    const out: SourceRecord[] = [];
    finishLine(Buffer.alloc(0), out);
    if (out.length > 0) yield out;
  }
}

enum Json {
  Before, // before the opening [
  Between, // between elements (expecting a value or ])
  InValue, // inside a nested value
  InString,
  Escape,
  After, // after the closing ]
}

/**
 * A top-level JSON array, one element at a time: a byte scanner finds each element's extent (tracking
 * strings and nesting), then JSON.parse reads it. Memory is bounded by the largest element.
 * One state machine in one function (longer than a screen): its states share the scan position,
 * depth and line count across chunk boundaries, which helpers would have to pass back and forth.
 */
export async function* readJsonArray(
  name: string,
  bytes: AsyncIterable<Buffer>,
  options: ReadOptions,
): AsyncGenerator<SourceRecord[]> {
  const limit = options.maxLineBytes;
  let state = Json.Before as Json;
  let depth = 0;
  let line = 1;
  let elementLine = 1;
  let parts: Buffer[] = [];
  let partsLength = 0;
  let overflow = false;
  let inScalar = false; // a top-level scalar element (number, true, …) — an error, but scanned through
  let stringAtTop = false;
  let seenAny = false;
  const fail = (message: string): never => {
    throw new RadpoError(
      'io',
      `${name}:${line}: ${message}`,
      'a .json input must be one top-level array of records (or JSON Lines)',
    );
  };
  for await (const chunk of bytes) {
    const out: SourceRecord[] = [];
    let elementStart = -1; // start of the current element within this chunk
    if (state === Json.InValue || state === Json.InString || state === Json.Escape || inScalar) elementStart = 0;
    const endElement = (endIndex: number) => {
      const piece = chunk.subarray(elementStart, endIndex);
      const loc: Location = { source: name, line: elementLine, unit: 'line' };
      const total = partsLength + piece.length;
      if (overflow || total > limit)
        out.push(
          tooLong(
            loc,
            total,
            limit,
            Buffer.concat([...parts, piece])
              .subarray(0, 200)
              .toString('utf8'),
          ),
        );
      else {
        const element = parts.length ? Buffer.concat([...parts, piece]) : piece;
        const badText = checkUtf8(element, loc, null);
        if (badText) out.push({ value: undefined, raw: element.toString('latin1'), location: loc, error: badText });
        else if (options.lazy) out.push({ value: undefined, raw: undefined, bytes: element, location: loc });
        else out.push(parseJson(element.toString('utf8'), loc, true));
      }
      parts = [];
      partsLength = 0;
      overflow = false;
      elementStart = -1;
      inScalar = false;
      stringAtTop = false;
    };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 10) line += 1;
      switch (state) {
        case Json.Before:
          if (b === 0x5b) state = Json.Between;
          // A UTF-8 byte order mark (EF BB BF) may precede the array.
          else if (line === 1 && (b === 0xef || b === 0xbb || b === 0xbf)) break;
          else if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09)
            fail(`expected "[" to open the top-level array, found "${String.fromCharCode(b)}"`);
          break;
        case Json.Between:
          if (inScalar) {
            if (b === 0x2c || b === 0x5d || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
              endElement(i);
              if (b === 0x5d) state = Json.After;
            }
          } else if (b === 0x7b || b === 0x5b) {
            state = Json.InValue;
            depth = 1;
            elementStart = i;
            elementLine = line;
            seenAny = true;
          } else if (b === 0x22) {
            state = Json.InString;
            stringAtTop = true;
            depth = 0;
            elementStart = i;
            elementLine = line;
            seenAny = true;
          } else if (b === 0x5d) state = Json.After;
          else if (b === 0x2c || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
            /* separators */
          } else {
            inScalar = true;
            elementStart = i;
            elementLine = line;
            seenAny = true;
          }
          break;
        case Json.InValue:
          if (b === 0x22) state = Json.InString;
          else if (b === 0x7b || b === 0x5b) depth += 1;
          else if (b === 0x7d || b === 0x5d) {
            depth -= 1;
            if (depth === 0) {
              endElement(i + 1);
              state = Json.Between;
            }
          }
          break;
        case Json.InString:
          if (b === 0x5c) state = Json.Escape;
          else if (b === 0x22) {
            if (stringAtTop) {
              endElement(i + 1);
              state = Json.Between;
            } else state = Json.InValue;
          }
          break;
        case Json.Escape:
          state = Json.InString;
          break;
        case Json.After:
          if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) fail('unexpected text after the closing "]"');
          break;
      }
    }
    if (elementStart >= 0) {
      const rest = chunk.subarray(elementStart);
      if (overflow || partsLength + rest.length > limit) {
        if (!overflow) parts = [Buffer.concat([...parts, rest]).subarray(0, 200)];
        overflow = true;
      } else parts.push(rest);
      partsLength += rest.length;
    }
    if (out.length > 0) yield out;
  }
  if (state === Json.Before && !seenAny) {
    return; // empty input: no records
  }
  if (state !== Json.After) fail('the top-level array is not closed (the file looks truncated)');
}

/** CSV with a header row (papaparse): quoted fields may span lines. Cells holding JSON message lists are decoded. */
export async function* readCsv(
  name: string,
  bytes: AsyncIterable<Buffer>,
  options: ReadOptions,
): AsyncGenerator<SourceRecord[]> {
  const { Readable } = await import('node:stream');
  // Loaded here, not at start-up: JSON runs (most of them) never need it, and it costs ~20 ms to load.
  const { default: Papa } = await import('papaparse');
  const stream = Readable.from(boundCsvRecords(name, utf8Only(name, bytes), options.maxLineBytes), {
    objectMode: false,
  });
  // Decode UTF-8 across chunk boundaries before papaparse sees text.
  stream.setEncoding('utf8');
  const queue: SourceRecord[] = [];
  let row = 0;
  let radpoOwn: boolean | undefined;
  let finished = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  let parserRef: Papa.Parser | null = null;
  let paused = false;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  stream.on('error', (err) => {
    failure = err;
    finished = true;
    notify();
  });
  // A header that names a column twice: the first is read under the name, each repeat is renamed here (so
  // papaparse never prints its own console warning) and radpo says which column it used.
  const columns = new Map<string, number[]>();
  const header = (raw: string, index: number) => {
    const text = index === 0 ? raw.replace(/^\uFEFF/, '') : raw;
    const seen = columns.get(text);
    columns.set(text, [...(seen ?? []), index + 1]);
    return seen === undefined ? text : `${text} (column ${index + 1})`;
  };
  Papa.parse<Record<string, string>>(stream as unknown as File, {
    header: true,
    skipEmptyLines: 'greedy',
    transformHeader: header,
    step(results, parser) {
      parserRef = parser;
      if (row === 0) warnRepeatedColumns(name, columns, options.warn);
      row += 1;
      const loc: Location = { source: name, line: row, unit: 'row' };
      const data = results.data;
      const serious = results.errors.find((e) => e.code !== 'UndetectableDelimiter');
      const first = Object.values(data)[0];
      if (typeof first === 'string' && first.startsWith(TOO_LONG)) {
        const size = Number(first.slice(TOO_LONG.length));
        queue.push(tooLong(loc, size, options.maxLineBytes, '(not kept: over the limit)'));
      } else if (serious) {
        const error = new RowError('malformed_record', `not a valid CSV row: ${serious.message}`, {
          expected: `${results.meta.fields?.length ?? '?'} fields as in the header`,
          found:
            serious.code === 'TooFewFields' || serious.code === 'TooManyFields'
              ? `${csvFieldCount(data)} fields`
              : serious.code,
          hint: 'check the quoting of the row (fields with commas, quotes or newlines must be quoted)',
        });
        error.location = loc;
        queue.push({ value: undefined, raw: data, location: loc, error });
      } else {
        const size = Object.values(data).reduce((a, v) => a + (typeof v === 'string' ? v.length : 0), 0);
        if (size > options.maxLineBytes)
          queue.push(tooLong(loc, size, options.maxLineBytes, JSON.stringify(data).slice(0, 200)));
        else
          queue.push({
            ...decodeJsonCells(data, (radpoOwn ??= isOwnHeader(results.meta.fields ?? []))),
            raw: data,
            location: loc,
          });
      }
      if (queue.length >= 256 && !paused) {
        // Backpressure: papaparse's own pause stops parsing but not its reading of the stream, so the
        // stream is paused too (otherwise the whole file would pile up in papaparse's chunk queue).
        paused = true;
        parser.pause();
        stream.pause();
      }
      notify();
    },
    complete() {
      finished = true;
      notify();
    },
    error(err: Error) {
      failure = err;
      finished = true;
      notify();
    },
  });
  while (true) {
    if (queue.length > 0) {
      const batch = queue.splice(0, queue.length);
      if (paused && parserRef) {
        paused = false;
        stream.resume();
        (parserRef as Papa.Parser).resume();
      }
      yield batch;
      continue;
    }
    if (failure) throw failure;
    if (finished) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

function warnRepeatedColumns(name: string, columns: Map<string, number[]>, warn?: (message: string) => void) {
  for (const [column, at] of columns) {
    if (at.length < 2) continue;
    const others = at.slice(1).map((n) => JSON.stringify(`${column} (column ${n})`));
    warn?.(
      `${name}: the CSV header names ${JSON.stringify(column)} ${at.length} times (columns ${at.join(', ')}): ` +
        `radpo reads column ${at[0]} as ${JSON.stringify(column)} and keeps the others as ${others.join(', ')}`,
    );
  }
}

/** What stands in for a CSV record over the limit, so that papaparse never buffers it (a NUL starts it). */
const TOO_LONG = '\u0000radpo:too-long:';

/**
 * CSV records handed to papaparse whole, or not at all: a record (quotes tracked, so a newline inside a
 * quoted field does not end it) longer than `maxBytes` is dropped as it streams by and replaced by one
 * short line that says so. Memory stays bounded by the limit whatever one record holds (a 100 MB cell, a
 * 1 GB line with no end). Quote and newline bytes are ASCII, never part of a multi-byte UTF-8 character.
 */
async function* boundCsvRecords(name: string, chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let record: Buffer[] = [];
  let recordBytes = 0;
  let dropping = false;
  let inQuotes = false;
  let header = true;
  const finish = (out: Buffer[]) => {
    if (dropping) out.push(Buffer.from(`${TOO_LONG}${recordBytes}\n`));
    else out.push(...record);
    record = [];
    recordBytes = 0;
    dropping = false;
    header = false;
  };
  const add = (part: Buffer) => {
    recordBytes += part.length;
    if (!dropping) record.push(part);
    if (!dropping && recordBytes > maxBytes) {
      if (header)
        throw new RadpoError(
          'data',
          `${name}: the CSV header is longer than ${maxBytes} bytes (--max-line-bytes)`,
          'check that the file is CSV, or raise --max-line-bytes',
        );
      dropping = true;
      record = [];
    }
  };
  for await (const chunk of chunks) {
    const out: Buffer[] = [];
    let from = 0;
    let at = 0;
    while (at < chunk.length) {
      const quote = chunk.indexOf(0x22, at);
      if (inQuotes) {
        if (quote < 0) break;
        inQuotes = false;
        at = quote + 1;
        continue;
      }
      const newline = chunk.indexOf(0x0a, at);
      if (quote >= 0 && (newline < 0 || quote < newline)) {
        inQuotes = true;
        at = quote + 1;
        continue;
      }
      if (newline < 0) break;
      add(chunk.subarray(from, newline + 1));
      finish(out);
      from = at = newline + 1;
    }
    if (from < chunk.length) add(chunk.subarray(from));
    if (out.length > 0) yield Buffer.concat(out);
  }
  if (recordBytes > 0) {
    const out: Buffer[] = [];
    finish(out);
    yield Buffer.concat(out);
  }
}

/** Fields papaparse found in a row: the named ones plus any past the header (kept in __parsed_extra). */
function csvFieldCount(data: Record<string, unknown>): number {
  const extra = data.__parsed_extra;
  return Object.keys(data).filter((k) => k !== '__parsed_extra').length + (Array.isArray(extra) ? extra.length : 0);
}

/** Columns of radpo's layouts that hold text (or JSON) and never a bare number. */
const RADPO_TEXT_COLUMNS = new Set([
  'prompt',
  'chosen',
  'rejected',
  'messages',
  'conversations',
  'context',
  'completions',
  'copy',
  'source_file',
]);

function looksLikeJson(text: string): boolean {
  const t = text.trim();
  return (t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'));
}

const isMessage = (m: unknown) =>
  m !== null && typeof m === 'object' && !Array.isArray(m) && ('role' in m || 'from' in m);

/**
 * CSV cells hold text; JSON in a cell is decoded where it is a conversation: a message list, a single
 * message, or a list of turns (strings). In radpo's own CSV output every JSON cell (score objects,
 * NeMo completions) and every number is read back as it was written.
 */
function decodeJsonCells(
  row: Record<string, string>,
  radpoOwn: boolean,
): { value: Record<string, unknown>; jsonTextColumns?: string[] } {
  const out: Record<string, unknown> = {};
  let kept: string[] | undefined;
  for (const [key, value] of Object.entries(row)) {
    if (key === '__parsed_extra' || key === '__proto__') continue;
    out[key] = typeof value === 'string' ? decodeCell(key, value, radpoOwn) : value;
    if (out[key] === value && typeof value === 'string' && looksLikeJson(value)) (kept ??= []).push(key);
  }
  return kept ? { value: out, jsonTextColumns: kept } : { value: out };
}

function decodeCell(key: string, value: string, radpoOwn: boolean): unknown {
  if (looksLikeJson(value)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      return value; // plain text that happens to look like JSON
    }
    if (deeperThan(parsed, MAX_DEPTH)) return value; // kept as text: never walked
    if (radpoOwn) return parsed;
    // A list of turns may hold null where a model gave no answer (the Kaggle arena's "[null]"): decoded, so the
    // reader refuses the turn, never written as the text "[null]".
    if (
      Array.isArray(parsed) &&
      parsed.length > 0 &&
      (parsed.every(isMessage) || parsed.every((t) => typeof t === 'string' || t === null))
    )
      return parsed;
    if (isMessage(parsed)) return parsed;
    return value;
  }
  // radpo wrote numbers as String(n): text that is exactly that was a number ("007" stays text), except
  // in the columns that hold text in every layout (a response may well be "13").
  if (
    radpoOwn &&
    !RADPO_TEXT_COLUMNS.has(key) &&
    value !== '' &&
    (String(Number(value)) === value || (SCORE_COLUMNS.has(key) && /^-?\d+\.\d+$/.test(value)))
  )
    return Number(value);
  return value;
}

function readRecords(
  name: string,
  bytes: PeekableBytes,
  format: Exclude<InputFormat, 'parquet'>,
  options: ReadOptions,
): AsyncGenerator<SourceRecord[]> {
  if (format === 'json') return readJsonArray(name, bytes, options);
  if (format === 'csv') return readCsv(name, bytes, options);
  return readJsonl(name, bytes, options);
}
