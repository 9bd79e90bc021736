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
 * (canonicalJson). Whatever this parser does not handle exactly — invalid JSON, a `\u0000` escape
 * anywhere in the line (it could collide with placeholders), a lone surrogate, raw tabs in strings, deep
 * nesting — makes it return NEEDS_SLOW_PATH, and the caller uses JSON.parse, which also produces the
 * exact error message.
 */

/** Strings whose JSON text is at least this long are kept as bytes. Shorter ones are decoded. */
const RAW_MIN_BYTES = 128;
const MAX_DEPTH = 512;

export const NEEDS_SLOW_PATH: unique symbol = Symbol('needs slow path');

/** The raw string slices of one record; placeholders are indexes into it. Equal bytes share an index. */
export class RawTable {
  readonly slices: Buffer[] = [];

  placeholder(slice: Buffer): string {
    const { slices } = this;
    for (let i = 0; i < slices.length; i++) {
      const s = slices[i]!;
      if (s.length === slice.length && s.equals(slice)) return `\u0000${i}\u0000`;
    }
    slices.push(slice);
    return `\u0000${slices.length - 1}\u0000`;
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
const shortTexts = new Map<number, string>();

/**
 * The text of bytes [from, to): from the cache when the same ASCII bytes were decoded before (compared
 * byte for byte, never trusted on the hash alone), else decoded and, if ASCII, remembered. A record
 * has some thirty such strings; decoding each crossed into C++ and allocated a new string.
 */
function shortText(buf: Buffer, from: number, to: number): string {
  let hash = to - from;
  let ascii = true;
  for (let k = from; k < to; k++) {
    const b = buf[k]!;
    hash = (Math.imul(hash, 31) + b) | 0;
    if (b >= 0x80) ascii = false;
  }
  if (!ascii) return buf.toString('utf8', from, to);
  const cached = shortTexts.get(hash);
  if (cached !== undefined && cached.length === to - from) {
    let same = true;
    for (let k = 0; k < cached.length && same; k++) same = cached.charCodeAt(k) === buf[from + k];
    if (same) return cached;
  }
  const text = buf.toString('latin1', from, to);
  if (shortTexts.size >= 4096) shortTexts.clear();
  shortTexts.set(hash, text);
  return text;
}

class SlowPath extends Error {}
const SLOW = new SlowPath();

/**
 * Does the record hold a control character other than tab, newline and carriage return? Those are never
 * valid in JSON text (the three are valid only as white space between tokens, checked per string below).
 * Four bytes at a time: a word whose bytes are all 0x20 or more is passed by one subtraction and two
 * masks (a byte below 0x20 borrows into its high bit while its own high bit is clear); only a word that
 * fails is looked at byte by byte. A third of the cost of a regular expression over a latin1 copy.
 */
export function hasControlCharacter(buf: Buffer): boolean {
  const n = buf.length;
  const control = (c: number) => c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d;
  let i = 0;
  const head = Math.min(n, (4 - (buf.byteOffset & 3)) & 3);
  for (; i < head; i++) if (control(buf[i]!)) return true;
  const words = (n - i) >> 2;
  if (words > 0) {
    const u32 = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let w = 0; w < words; w++) {
      const x = u32[w]!;
      if (((x - 0x20202020) & ~x & 0x80808080) !== 0) {
        const at = i + w * 4;
        if (control(buf[at]!) || control(buf[at + 1]!) || control(buf[at + 2]!) || control(buf[at + 3]!)) return true;
      }
    }
    i += words * 4;
  }
  for (; i < n; i++) if (control(buf[i]!)) return true;
  return false;
}
const ESCAPED_NUL = Buffer.from('\\u0000');

/**
 * Parse one JSON record (a JSONL line or a JSON array element, without the trailing newline).
 * Returns the value (long strings as placeholders registered in `table`) or NEEDS_SLOW_PATH.
 * The bytes must be valid UTF-8: the readers (records.ts) check every record before they hand its bytes
 * over (checkUtf8), so this does not check it a second time.
 *
 * Longer than a screen on purpose: every byte of a JSON input passes through this one loop, whose
 * states share the position and the value stack; split into helpers, each would take and hand back
 * that state per token on the hottest path radpo has.
 */
export function parseRaw(buf: Buffer, table: RawTable): unknown {
  const n = buf.length;
  // Cheap whole-record checks that let the scanner below skip string contents with memchr.
  if (buf.indexOf(ESCAPED_NUL) >= 0) return NEEDS_SLOW_PATH;
  if (hasControlCharacter(buf)) return NEEDS_SLOW_PATH;

  let i = 0;
  const next = (byte: number, from: number) => {
    const at = buf.indexOf(byte, from);
    return at < 0 ? n : at;
  };
  let nextBackslash = next(0x5c, 0);
  // Tab, newline and carriage return may appear between tokens but not inside strings.
  let nextTab = next(0x09, 0);
  let nextNewline = next(0x0a, 0);
  let nextReturn = next(0x0d, 0);

  const ws = () => {
    while (i < n) {
      const c = buf[i]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };

  /** The end (index of the closing quote) of the string starting at i; validates escapes. */
  const stringEnd = (): { end: number; escaped: boolean; firstChange: number } => {
    // A short string (a key, a role, a score's name) is looked at byte by byte: cheaper than the searches
    // below, each a call into C++. Anything but plain bytes before its quote takes the general path.
    const limit = Math.min(n, i + 33);
    for (let k = i + 1; k < limit; k++) {
      const c = buf[k]!;
      if (c === 0x22) return { end: k, escaped: false, firstChange: -1 };
      if (c === 0x5c || c === 0x09 || c === 0x0a || c === 0x0d) break;
    }
    let p = i + 1;
    let escaped = false;
    // The first escape JSON.stringify would not write as it is (\/ or \uXXXX), -1 for none.
    let firstChange = -1;
    // The first quote at or after p: searched again only when an escape moved p past it (an escaped
    // quote), not after every escape (a response with fifty escaped newlines scanned its rest fifty times).
    let q = -1;
    while (true) {
      if (q < p) q = buf.indexOf(0x22, p);
      if (q < 0) throw SLOW;
      if (nextBackslash < p) nextBackslash = next(0x5c, p);
      if (nextBackslash > q) {
        if (nextTab <= i) nextTab = next(0x09, i);
        if (nextNewline <= i) nextNewline = next(0x0a, i);
        if (nextReturn <= i) nextReturn = next(0x0d, i);
        if (nextTab < q || nextNewline < q || nextReturn < q) throw SLOW;
        return { end: q, escaped, firstChange };
      }
      // An escape before the next quote: validate it and continue after it.
      const b = nextBackslash;
      const e = buf[b + 1];
      escaped = true;
      if (e === 0x22 || e === 0x5c || e === 0x6e || e === 0x72 || e === 0x62 || e === 0x66 || e === 0x74) p = b + 2;
      else if (e === 0x2f) {
        if (firstChange < 0) firstChange = b; // JSON.stringify never writes "\/"
        p = b + 2;
      } else if (e === 0x75) {
        for (let k = b + 2; k < b + 6; k++) {
          const h = buf[k];
          if (h === undefined || !((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66)))
            throw SLOW;
        }
        // A surrogate escape must come as a pair (\uD800-\uDBFF then \uDC00-\uDFFF): anything else goes to
        // the plain path, which sets a lone surrogate aside.
        const surrogate = surrogateEscape(b);
        if (surrogate === 'low') throw SLOW;
        if (surrogate === 'high') {
          if (buf[b + 6] !== 0x5c || buf[b + 7] !== 0x75 || surrogateEscape(b + 6) !== 'low') throw SLOW;
          for (let k = b + 8; k < b + 12; k++) if (!isHex(buf[k])) throw SLOW;
          p = b + 12;
          if (firstChange < 0) firstChange = b;
          nextBackslash = nextEscape(p);
          continue;
        }
        if (firstChange < 0) firstChange = b; // JSON.stringify writes most of these as raw characters
        p = b + 6;
      } else throw SLOW;
      nextBackslash = nextEscape(p);
    }
  };

  /** The next backslash from p: escapes often come in runs ("\n\n"), so look at p itself before searching. */
  const nextEscape = (from: number) => (buf[from] === 0x5c ? from : next(0x5c, from));

  const isHex = (h: number | undefined) =>
    h !== undefined && ((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66));

  /** The \uXXXX escape at `b` is a high (D800-DBFF) or low (DC00-DFFF) surrogate, or neither. */
  const surrogateEscape = (b: number): 'high' | 'low' | null => {
    if ((buf[b + 2]! | 0x20) !== 0x64) return null;
    const h = buf[b + 3]! | 0x20;
    if (h === 0x38 || h === 0x39 || h === 0x61 || h === 0x62) return 'high';
    if (h === 0x63 || h === 0x64 || h === 0x65 || h === 0x66) return 'low';
    return null;
  };

  const decodeString = (start: number, end: number, escaped: boolean): string => {
    if (!escaped)
      return end - start - 1 <= SHORT_TEXT_BYTES
        ? shortText(buf, start + 1, end)
        : buf.toString('utf8', start + 1, end);
    return JSON.parse(buf.toString('utf8', start, end + 1)) as string;
  };

  const string = (asKey: boolean): string => {
    const start = i;
    const { end, escaped, firstChange } = stringEnd();
    i = end + 1;
    if (!asKey && end - start - 1 >= RAW_MIN_BYTES) {
      // A response-sized string: keep its bytes, in the form JSON.stringify writes (escapes it would write
      // otherwise rewritten byte by byte, never decoded), unless it might be blank: blankness is checked
      // on the text.
      const bytes = firstChange < 0 ? buf.subarray(start + 1, end) : canonicalJson(buf, start + 1, end, firstChange);
      if (!mayBeBlank(bytes)) return table.placeholder(bytes);
    }
    return decodeString(start, end, escaped);
  };

  const number = (): number => {
    const start = i;
    if (buf[i] === 0x2d) i++;
    if (buf[i] === 0x30) i++;
    else if (buf[i]! >= 0x31 && buf[i]! <= 0x39) while (buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
    else throw SLOW;
    if (buf[i] === 0x2e) {
      i++;
      if (!(buf[i]! >= 0x30 && buf[i]! <= 0x39)) throw SLOW;
      while (buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
    }
    if (buf[i] === 0x65 || buf[i] === 0x45) {
      i++;
      if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
      if (!(buf[i]! >= 0x30 && buf[i]! <= 0x39)) throw SLOW;
      while (buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
    }
    return Number(buf.toString('latin1', start, i));
  };

  const literal = (text: string, value: unknown): unknown => {
    for (let k = 0; k < text.length; k++) if (buf[i + k] !== text.charCodeAt(k)) throw SLOW;
    i += text.length;
    return value;
  };

  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) throw SLOW;
    const c = buf[i];
    if (c === 0x22) return string(false);
    if (c === 0x7b) {
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
    if (c === 0x5b) {
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
    if (c === 0x74) return literal('true', true);
    if (c === 0x66) return literal('false', false);
    if (c === 0x6e) return literal('null', null);
    return number();
  };

  try {
    ws();
    const result = value(0);
    ws();
    if (i !== n) return NEEDS_SLOW_PATH;
    return result;
  } catch (err) {
    if (err === SLOW) return NEEDS_SLOW_PATH;
    throw err;
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

const hexValue = (h: number) => (h <= 0x39 ? h - 0x30 : (h | 0x20) - 0x57);
const hex4 = (buf: Buffer, at: number) =>
  (hexValue(buf[at]!) << 12) | (hexValue(buf[at + 1]!) << 8) | (hexValue(buf[at + 2]!) << 4) | hexValue(buf[at + 3]!);
const HEX = '0123456789abcdef';

/**
 * The content of a JSON string, bytes [from, to) between its quotes, rewritten as JSON.stringify writes
 * the same text: `\/` as `/`, a `\uXXXX` escape as the character's UTF-8 bytes (an escaped surrogate pair
 * as one 4-byte character), except the escapes JSON.stringify keeps: `\"`, `\\`, `\b \f \n \r \t` and
 * `\u00XX` in lower case for the other control characters. Every other byte is copied. This is what lets
 * Python's json.dumps output (non-ASCII escaped by default) through the fast path without decoding it into
 * a JavaScript string. The escapes were validated by the scan (hex digits, surrogates in pairs), and the
 * result is never longer than the input. `firstChange` is the first escape that changes.
 */
function canonicalJson(buf: Buffer, from: number, to: number, firstChange: number): Buffer {
  const out = Buffer.allocUnsafe(to - from);
  let o = buf.copy(out, 0, from, firstChange);
  let k = firstChange;
  while (k < to) {
    // k is at a backslash.
    const e = buf[k + 1]!;
    if (e === 0x75) {
      let cp = hex4(buf, k + 2);
      k += 6;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(buf, k + 2) - 0xdc00);
        k += 6;
      }
      if (cp < 0x20) {
        const short = cp === 8 ? 0x62 : cp === 9 ? 0x74 : cp === 10 ? 0x6e : cp === 12 ? 0x66 : cp === 13 ? 0x72 : 0;
        out[o++] = 0x5c;
        if (short !== 0) out[o++] = short;
        else o += out.write(`u00${HEX[cp >> 4]}${HEX[cp & 15]}`, o, 'latin1');
      } else if (cp === 0x22 || cp === 0x5c) {
        out[o++] = 0x5c;
        out[o++] = cp;
      } else if (cp < 0x80) out[o++] = cp;
      else if (cp < 0x800) {
        out[o++] = 0xc0 | (cp >> 6);
        out[o++] = 0x80 | (cp & 0x3f);
      } else if (cp < 0x10000) {
        out[o++] = 0xe0 | (cp >> 12);
        out[o++] = 0x80 | ((cp >> 6) & 0x3f);
        out[o++] = 0x80 | (cp & 0x3f);
      } else {
        out[o++] = 0xf0 | (cp >> 18);
        out[o++] = 0x80 | ((cp >> 12) & 0x3f);
        out[o++] = 0x80 | ((cp >> 6) & 0x3f);
        out[o++] = 0x80 | (cp & 0x3f);
      }
    } else if (e === 0x2f) {
      out[o++] = 0x2f;
      k += 2;
    } else {
      out[o++] = 0x5c;
      out[o++] = e;
      k += 2;
    }
    // The bytes up to the next escape are copied as they are: a short run in a loop, a long one by copy
    // (a call into C++).
    let next = buf.indexOf(0x5c, k);
    if (next < 0 || next > to) next = to;
    if (next - k < 32) while (k < next) out[o++] = buf[k++]!;
    else {
      o += buf.copy(out, o, k, next);
      k = next;
    }
  }
  return out.subarray(0, o);
}

const TOKEN = '\\u0000';

/**
 * Put the raw bytes back: every `\u0000<id>\u0000` in the serialized text (what JSON.stringify makes of
 * a placeholder, alone or inside a longer string) becomes the original JSON string content.
 */
export function expandRaw(text: string, table: RawTable): string | Array<string | Buffer> {
  if (table.size === 0) return text;
  let at = text.indexOf(TOKEN);
  if (at < 0) return text;
  // The text between the raw slices stays text: the writer encodes it straight into its output buffer.
  const parts: Array<string | Buffer> = [];
  let from = 0;
  while (at >= 0) {
    const close = text.indexOf(TOKEN, at + TOKEN.length);
    const id = Number(text.slice(at + TOKEN.length, close));
    if (at > from) parts.push(text.slice(from, at));
    parts.push(table.slices[id]!);
    from = close + TOKEN.length;
    at = text.indexOf(TOKEN, from);
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

/** Text, bytes, or text and bytes in parts (kept apart to avoid copying them together more than once). */
export type Chunk = string | Buffer | Array<string | Buffer>;

export function chunkBytes(chunk: Chunk): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (!Array.isArray(chunk)) return chunk;
  return Buffer.concat(chunk.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
}
