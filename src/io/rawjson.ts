/**
 * The fast path for JSON records: a validating JSON parser over UTF-8 bytes that leaves long strings
 * undecoded. Decoding UTF-8 into JavaScript strings (and encoding it back) is most of the cost of
 * relabeling non-ASCII text in V8, and the responses are copied to the output unchanged, so their bytes
 * are carried through instead: each long string becomes a short placeholder token ("\0<id>\0") that the
 * core handles like any other string (it only moves response text around or prefixes it), and the
 * serializer (commands/relabel/splice.ts, or `expandRaw`) splices the bytes into the row.
 *
 * Output is byte-identical to JSON.parse + JSON.stringify because a long string is kept in the form
 * JSON.stringify writes: its bytes as they are, or, when it holds escapes JSON.stringify would not write
 * (`\/`, `\u00e9` as Python's json.dumps writes non-ASCII text by default), rewritten byte by byte
 * (canonicalJson). A string the record holds again (a binarized row's prompt, four times) is found by its
 * bytes and takes the first one's value, unscanned. Whatever this parser does not handle exactly — invalid
 * JSON, a `\u0000` escape anywhere in the line (it could collide with placeholders), a lone surrogate, raw
 * tabs in strings, deep nesting — makes it return NEEDS_SLOW_PATH, and the caller uses JSON.parse, which
 * also produces the exact error message.
 */
import { SCAN_WASM } from './scan-wasm.js';

/** Strings whose JSON text is at least this long are kept as bytes. Shorter ones are decoded. */
const RAW_MIN_BYTES = 128;
const MAX_DEPTH = 512;

export const NEEDS_SLOW_PATH: unique symbol = Symbol('needs slow path');

/** A placeholder's text, "\0<id>\0": the first ones made once, not per string of every record. */
const PLACEHOLDERS = Array.from({ length: 64 }, (_, id) => `\u0000${id}\u0000`);
const placeholderText = (id: number) => PLACEHOLDERS[id] ?? `\u0000${id}\u0000`;

/** The raw string slices of one record; placeholders are indexes into it. Equal bytes share an index. */
export class RawTable {
  readonly slices: Buffer[] = [];

  placeholder(slice: Buffer): string {
    const { slices } = this;
    for (let i = 0; i < slices.length; i++) {
      const s = slices[i]!;
      if (s.length === slice.length && s.equals(slice)) return placeholderText(i);
    }
    slices.push(slice);
    return placeholderText(slices.length - 1);
  }

  get size(): number {
    return this.slices.length;
  }

  /** The bytes a text stands for when it is exactly one placeholder, else null. */
  sliceOf(text: string): Buffer | null {
    const n = text.length;
    if (n < 3 || text.charCodeAt(0) !== 0 || text.charCodeAt(n - 1) !== 0) return null;
    let id = 0;
    for (let k = 1; k < n - 1; k++) {
      const d = text.charCodeAt(k) - 0x30;
      if (d < 0 || d > 9) return null;
      id = id * 10 + d;
    }
    return this.slices[id] ?? null;
  }
}

/** Keys and short values ("role", "assistant", "score_chosen") repeat in every record: decoded once. */
const SHORT_TEXT_BYTES = 24;
/** Direct-mapped: a slot per (length, first, middle and last byte); a clash replaces the slot's text. */
const SHORT_SLOTS = 4096;
const shortTexts: string[] = new Array(SHORT_SLOTS).fill('');

/**
 * The text of bytes [from, to): the slot's text when it is the same ASCII bytes (compared byte for byte),
 * else decoded and, if ASCII, put in the slot. A record has some thirty such strings; decoding each crossed
 * into C++ and allocated a new string, and hashing every byte to find it in a Map cost half as much again.
 */
function shortText(buf: Buffer, from: number, to: number): string {
  const length = to - from;
  if (length === 0) return '';
  const slot =
    (Math.imul(length, 0x9e3779b1) ^ (buf[from]! * 31) ^ (buf[to - 1]! * 977) ^ (buf[(from + to) >> 1]! << 5)) &
    (SHORT_SLOTS - 1);
  const cached = shortTexts[slot]!;
  if (cached.length === length) {
    let k = 0;
    while (k < length && cached.charCodeAt(k) === buf[from + k]) k++;
    if (k === length) return cached;
  }
  for (let k = from; k < to; k++) if (buf[k]! >= 0x80) return buf.toString('utf8', from, to);
  const text = buf.toString('latin1', from, to);
  shortTexts[slot] = text;
  return text;
}

class SlowPath extends Error {}
const SLOW = new SlowPath();

/**
 * The parser's state, one record at a time: module variables, not closures made per record (ten
 * closures per record were a tenth of the garbage the fast path made).
 */
let buf: Buffer = Buffer.alloc(0);
let n = 0;
let i = 0;
let table: RawTable;
/** Set by scanString: the string held an escape; the first escape JSON.stringify writes otherwise (or -1). */
let escaped = false;
let firstChange = -1;

/**
 * The string scanner (scan.wat, compiled into scan-wasm.ts): sixteen bytes at a time with SIMD, where
 * JavaScript could test four (a word) and returned from its loop at every escape. It reads the record from
 * its own memory, at OFFSET, followed by PAD zero bytes; memory bytes 0-3 hold the first escape that
 * changes. Without WebAssembly (node --jitless) every record takes the plain path.
 */
interface Scanner {
  scan(from: number): number;
  same(a: number, b: number, n: number): number;
  canon(from: number, to: number, first: number, out: number): number;
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
}
/** The part of the WebAssembly API used here (TypeScript's ES library and Node's types do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const OFFSET = 16;
const PAD = 32;
/** Larger records take the plain path: the scanner's memory never grows past this. */
const MAX_SCANNED_BYTES = 64 << 20;
const scanner: Scanner | null = (() => {
  try {
    const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly!;
    return new wasm.Instance(new wasm.Module(Buffer.from(SCAN_WASM, 'base64'))).exports as Scanner;
  } catch {
    return null;
  }
})();
let heap = new Uint8Array(scanner?.memory.buffer ?? new ArrayBuffer(0));
let firstChangeSlot = new Int32Array(heap.buffer, 0, heap.length >> 2);
/** Where canon writes a string's canonical form: after the record and its zeros (never longer than the record). */
let canonAt = 0;

/** The record's bytes into the scanner's memory (grown when it is too small), zeros after them. */
function load(bytes: Buffer): void {
  canonAt = OFFSET + bytes.length + PAD;
  const need = canonAt + bytes.length + PAD;
  if (heap.length < need) {
    scanner!.memory.grow(Math.ceil((need - heap.length) / 65536));
    heap = new Uint8Array(scanner!.memory.buffer);
    firstChangeSlot = new Int32Array(heap.buffer, 0, 1);
  }
  heap.set(bytes, OFFSET);
  heap.fill(0, OFFSET + bytes.length, canonAt);
}

/**
 * The index of the closing quote of the string that starts at i; sets `escaped` and `firstChange`. The scanner
 * passes plain bytes and every escape the fast path takes (short ones, `\/`, `\uXXXX` but `\u0000` and lone
 * surrogates); anywhere else it stops short of the quote (a control character, the end of the record, an escape it
 * does not take), and the record goes to the plain path: a `\u0000` could make a decoded string look like a
 * placeholder, and the plain path sets a lone surrogate aside.
 */
function scanString(): number {
  const r = scanner!.scan(i + 1 + OFFSET);
  const p = (r >>> 1) - OFFSET;
  if (buf[p] !== 0x22) throw SLOW;
  escaped = (r & 1) === 1;
  const changed = firstChangeSlot[0]!;
  firstChange = changed >= 0 ? changed - OFFSET : -1;
  return p;
}

function ws(): void {
  while (i < n) {
    const c = buf[i]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
}

/**
 * The string values of the record so far (from SEEN_MIN_BYTES of content on): where each one's content
 * starts and ends, and what it became. A record often holds the same text more than once (a binarized
 * row has its prompt four times, its chosen response twice: in prompt, chosen, rejected and messages);
 * a repeat is found by comparing bytes (memcmp) and gets the same value, without a second scan,
 * rewrite or decode. Equal bytes followed by a quote are the same string: the earlier one's content
 * was a whole valid string body, so the scan would stop at the same quote with the same result.
 */
const SEEN_MIN_BYTES = 16;
const SEEN_MAX = 16;
const seenStart = new Int32Array(SEEN_MAX);
const seenEnd = new Int32Array(SEEN_MAX);
const seenValue: string[] = new Array(SEEN_MAX).fill('');
let seenCount = 0;

/** The value of the string at i if it repeats one seen before (i then past it), else null. */
function repeated(): string | null {
  const from = i + 1;
  const first = buf[from];
  for (let s = 0; s < seenCount; s++) {
    const start = seenStart[s]!;
    const close = from + (seenEnd[s]! - start);
    if (
      buf[close] === 0x22 &&
      buf[start] === first &&
      scanner!.same(start + OFFSET, from + OFFSET, close - from) === 1
    ) {
      i = close + 1;
      return seenValue[s]!;
    }
  }
  return null;
}

/**
 * A string of fewer than SEEN_MIN_BYTES bytes without an escape (a key, a role): its text, found by a loop (a
 * call into the scanner costs more than such a scan), i then past it; else null, i unmoved. The text is the one
 * stringValue gives such a string, and a string this short is never one `repeated` looks for.
 */
function shortPlain(): string | null {
  const from = i + 1;
  const limit = Math.min(from + SEEN_MIN_BYTES, n);
  for (let k = from; k < limit; k++) {
    const c = buf[k]!;
    if (c === 0x22) {
      i = k + 1;
      return shortText(buf, from, k);
    }
    if (c === 0x5c || c < 0x20) return null;
  }
  return null;
}

function string(asKey: boolean): string {
  const short = shortPlain();
  if (short !== null) return short;
  if (!asKey && seenCount > 0) {
    const again = repeated();
    if (again !== null) return again;
  }
  const start = i;
  const end = scanString();
  i = end + 1;
  const value = stringValue(asKey, start, end);
  if (!asKey && end - start - 1 >= SEEN_MIN_BYTES && seenCount < SEEN_MAX) {
    seenStart[seenCount] = start + 1;
    seenEnd[seenCount] = end;
    seenValue[seenCount++] = value;
  }
  return value;
}

/** The value of the string whose quotes are at start and end (scanned: `escaped` and `firstChange` set). */
function stringValue(asKey: boolean, start: number, end: number): string {
  if (!asKey && end - start - 1 >= RAW_MIN_BYTES) {
    // A response-sized string: keep its bytes, in the form JSON.stringify writes (escapes it would write
    // otherwise rewritten byte by byte, never decoded), unless it might be blank: blankness is checked
    // on the text.
    const bytes = firstChange < 0 ? buf.subarray(start + 1, end) : canonicalJson(start + 1, end, firstChange);
    // Kept or decoded by the length of the form JSON.stringify writes, not of the input's: the same text
    // written with escapes (\u00e9) and without (é) must take the same form, or the two compare unequal
    // (an identical pair kept, a conversation's prompt turns taken to differ).
    if (bytes.length >= RAW_MIN_BYTES && !mayBeBlank(bytes)) return table.placeholder(bytes);
  }
  if (!escaped)
    return end - start - 1 <= SHORT_TEXT_BYTES ? shortText(buf, start + 1, end) : buf.toString('utf8', start + 1, end);
  return JSON.parse(buf.toString('utf8', start, end + 1)) as string;
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

/** 10^0 … 10^22: every one exact as a double. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A number's value. Most are short decimals (scores such as 8.5): their digits make an integer below
 * 10^15 and the value is it divided by 10^fraction digits, where both are exact doubles and the division is
 * correctly rounded, so it is the double Number() gives (the nearest one) without making a string. Longer
 * numbers and exponents go through Number().
 */
function number(): number {
  const start = i;
  const negative = buf[i] === 0x2d;
  if (negative) i++;
  let digits = 0;
  let mantissa = 0;
  if (buf[i] === 0x30) i++;
  else if (buf[i]! >= 0x31 && buf[i]! <= 0x39)
    while (isDigit(buf[i])) {
      mantissa = mantissa * 10 + (buf[i++]! - 0x30);
      digits++;
    }
  else throw SLOW;
  let fraction = 0;
  if (buf[i] === 0x2e) {
    i++;
    if (!isDigit(buf[i])) throw SLOW;
    while (isDigit(buf[i])) {
      mantissa = mantissa * 10 + (buf[i++]! - 0x30);
      fraction++;
    }
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) {
    i++;
    if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
    if (!isDigit(buf[i])) throw SLOW;
    while (isDigit(buf[i])) i++;
  } else if (digits + fraction <= 15) {
    const value = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
    return negative ? -value : value;
  }
  return Number(buf.toString('latin1', start, i));
}

function literal(text: string, result: unknown): unknown {
  for (let k = 0; k < text.length; k++) if (buf[i + k] !== text.charCodeAt(k)) throw SLOW;
  i += text.length;
  return result;
}

function object(depth: number): Record<string, unknown> {
  i++;
  const obj: Record<string, unknown> = {};
  ws();
  if (buf[i] === 0x7d) {
    i++;
    return obj;
  }
  while (true) {
    if (buf[i] !== 0x22) throw SLOW;
    const key = string(true);
    ws();
    if (buf[i] !== 0x3a) throw SLOW;
    i++;
    ws();
    const v = value(depth + 1);
    // A key given twice: the plain path keeps the last value and counts the row.
    if (Object.hasOwn(obj, key)) throw SLOW;
    // JSON.parse makes "__proto__" an own property; plain assignment would set the prototype.
    if (key === '__proto__')
      Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
    else obj[key] = v;
    ws();
    const d = buf[i];
    if (d === 0x2c) {
      i++;
      ws();
    } else if (d === 0x7d) {
      i++;
      return obj;
    } else throw SLOW;
  }
}

function array(depth: number): unknown[] {
  i++;
  const arr: unknown[] = [];
  ws();
  if (buf[i] === 0x5d) {
    i++;
    return arr;
  }
  while (true) {
    arr.push(value(depth + 1));
    ws();
    const d = buf[i];
    if (d === 0x2c) {
      i++;
      ws();
    } else if (d === 0x5d) {
      i++;
      return arr;
    } else throw SLOW;
  }
}

function value(depth: number): unknown {
  if (depth > MAX_DEPTH) throw SLOW;
  const c = buf[i];
  if (c === 0x22) return string(false);
  if (c === 0x7b) return object(depth);
  if (c === 0x5b) return array(depth);
  if (c === 0x74) return literal('true', true);
  if (c === 0x66) return literal('false', false);
  if (c === 0x6e) return literal('null', null);
  return number();
}

const EMPTY = Buffer.alloc(0);
const NO_TABLE = new RawTable();

/**
 * Parse one JSON record (a JSONL line or a JSON array element, without the trailing newline).
 * Returns the value (long strings as placeholders registered in `raw`) or NEEDS_SLOW_PATH.
 * The bytes must be valid UTF-8: the readers (records.ts) check every record before they hand its bytes
 * over (checkUtf8), so this does not check it a second time. Control characters, escapes, structure and
 * depth are checked here, in the one pass that parses.
 */
export function parseRaw(bytes: Buffer, raw: RawTable): unknown {
  buf = bytes;
  n = bytes.length;
  i = 0;
  table = raw;
  seenCount = 0;
  if (scanner === null || n > MAX_SCANNED_BYTES) return NEEDS_SLOW_PATH;
  load(bytes);
  try {
    ws();
    const result = value(0);
    ws();
    return i === n ? result : NEEDS_SLOW_PATH;
  } catch (err) {
    if (err === SLOW) return NEEDS_SLOW_PATH;
    throw err;
  } finally {
    // Let go of the record's bytes.
    buf = EMPTY;
    table = NO_TABLE;
    seenValue.fill('', 0, seenCount);
    seenCount = 0;
  }
}

/**
 * Could this string's text be blank (all white space to String.prototype.trim)? Only its first character is
 * looked at: white space, an escape (\n, \t…), or the first byte of a non-ASCII white space (U+00A0,
 * U+1680, U+2000-U+205F, U+3000, U+FEFF). Such a string is decoded, and the core checks its text.
 */
function mayBeBlank(bytes: Buffer): boolean {
  const c = bytes[0]!;
  return (
    c <= 0x20 || c === 0x5c || (c === 0xc2 && bytes[1] === 0xa0) || c === 0xe1 || c === 0xe2 || c === 0xe3 || c === 0xef
  );
}

/**
 * The content of a JSON string, bytes [from, to) of the record between its quotes, rewritten as JSON.stringify
 * writes the same text: `\/` as `/`, a `\uXXXX` escape as the character's UTF-8 bytes (an escaped surrogate pair
 * as one 4-byte character), except the escapes JSON.stringify keeps: `\"`, `\\`, `\b \f \n \r \t` and
 * `\u00XX` in lower case for the other control characters. Every other byte is copied. This is what lets
 * Python's json.dumps output (non-ASCII escaped by default) through the fast path without decoding it into
 * a JavaScript string. The escapes were validated by the scan (hex digits, surrogates in pairs), and the
 * result is never longer than the input. `firstChange` is the first escape that changes. The rewriting is the
 * scanner's `canon` (scan.wat), in its memory after the record; the bytes are copied out, since the memory
 * holds the next record next.
 */
function canonicalJson(from: number, to: number, firstChange: number): Buffer {
  const end = scanner!.canon(from + OFFSET, to + OFFSET, firstChange + OFFSET, canonAt);
  return Buffer.from(heap.subarray(canonAt, end));
}

const TOKEN = '\\u0000';

/**
 * The next `\u0000` at or after `from` that JSON.stringify wrote for a NUL, not the text `\\u0000` (a
 * backslash, written `\\`, then "u0000": a response about C strings): an escape's backslash follows an even
 * run of backslashes.
 */
function nextToken(text: string, from: number): number {
  let at = text.indexOf(TOKEN, from);
  while (at >= 0) {
    let before = 0;
    while (at - before - 1 >= 0 && text.charCodeAt(at - before - 1) === 0x5c) before++;
    if (before % 2 === 0) return at;
    at = text.indexOf(TOKEN, at + 1);
  }
  return -1;
}

/**
 * Put the raw bytes back: every `\u0000<id>\u0000` in the serialized text (what JSON.stringify makes of
 * a placeholder, alone or inside a longer string) becomes the original JSON string content. The parser sends
 * every line with a `\u0000` escape of its own to the plain path, so a NUL here is always a placeholder's.
 */
export function expandRaw(text: string, table: RawTable): string | Array<string | Buffer> {
  if (table.size === 0) return text;
  let at = nextToken(text, 0);
  if (at < 0) return text;
  // The text between the raw slices stays text: the writer encodes it straight into its output buffer.
  const parts: Array<string | Buffer> = [];
  let from = 0;
  while (at >= 0) {
    const close = nextToken(text, at + TOKEN.length);
    const slice = close < 0 ? undefined : table.slices[Number(text.slice(at + TOKEN.length, close))];
    if (slice === undefined) throw new Error(`expandRaw: a placeholder without its slice at ${at}`);
    if (at > from) parts.push(text.slice(from, at));
    parts.push(slice);
    from = close + TOKEN.length;
    at = nextToken(text, from);
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

/** A value of a parsed record as JSON.parse gives it: the placeholders in its strings replaced by their bytes. */
export function rawValue<T>(value: T, table: RawTable | null): T {
  if (table === null || table.size === 0 || (typeof value === 'string' && !value.includes('\u0000'))) return value;
  return JSON.parse(chunkBytes(expandRaw(JSON.stringify(value), table)).toString('utf8')) as T;
}

/** Text, bytes, or text and bytes in parts (kept apart to avoid copying them together more than once). */
export type Chunk = string | Buffer | Array<string | Buffer>;

export function chunkBytes(chunk: Chunk): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (!Array.isArray(chunk)) return chunk;
  return Buffer.concat(chunk.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
}
