/**
 * Text inputs must be UTF-8 (a UTF-8 byte order mark is fine). Anything else is named, with where it
 * starts and how to convert it, instead of being decoded into U+FFFD replacement characters.
 */
import { isUtf8 } from 'node:buffer';
import { RadpoError, RowError, type Location } from '../core/errors.js';

const CONVERT = (name: string, from: string) =>
  `convert it first, e.g. iconv -f ${from} -t utf-8 ${name} > ${name.replace(/(\.[a-z]+)?$/i, '.utf8$1')}`;

/** A UTF-16 or UTF-32 file, by its byte order mark or by the NUL bytes ASCII text has in it. */
export function foreignEncoding(head: Buffer): string | null {
  if (head[0] === 0xff && head[1] === 0xfe && head[2] === 0 && head[3] === 0) return 'UTF-32LE';
  if (head[0] === 0 && head[1] === 0 && head[2] === 0xfe && head[3] === 0xff) return 'UTF-32BE';
  if (head[0] === 0xff && head[1] === 0xfe) return 'UTF-16LE';
  if (head[0] === 0xfe && head[1] === 0xff) return 'UTF-16BE';
  // No mark: "{" or "[" as UTF-16 is the character then a NUL (or a NUL then the character).
  if (head.length >= 4 && head[1] === 0 && head[3] === 0 && head[0] !== 0) return 'UTF-16LE';
  if (head.length >= 4 && head[0] === 0 && head[2] === 0 && head[1] !== 0) return 'UTF-16BE';
  return null;
}

export function foreignEncodingError(name: string, encoding: string): RadpoError {
  return new RadpoError(
    'io',
    `${name} is ${encoding} text, not UTF-8 (radpo reads UTF-8 only)`,
    CONVERT(name, encoding),
  );
}

/** The offset of the first byte that is not part of valid UTF-8 (-1 when all of it is). */
function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const need =
      b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    if (need > 0 && !isUtf8(buf.subarray(i, i + need + 1))) return i;
    i += need + 1;
  }
  return -1;
}

/** Is this record's text valid UTF-8? If not, the row error naming the byte and how to convert the file. */
export function checkUtf8(bytes: Buffer, loc: Location, fileOffset: number | null): RowError | null {
  if (isUtf8(bytes)) return null;
  const at = firstInvalidUtf8(bytes);
  const error = new RowError('bad_encoding', 'the text is not valid UTF-8', {
    expected: 'UTF-8 text',
    found:
      `byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at byte ${at} of the ` +
      `record${
        fileOffset === null ? '' : ` (byte offset ${fileOffset + at} in the file)`
      }, after ${JSON.stringify(bytes.subarray(Math.max(0, at - 20), at).toString('utf8'))}`,
    hint: CONVERT(loc.source, 'latin1').replace(
      'convert it first',
      'if the file is Latin-1 or Windows-1252, convert it first',
    ),
  });
  error.location = loc;
  return error;
}

/**
 * Pass bytes through, failing at the first invalid UTF-8 byte with its line and byte offset (for
 * formats read as one text stream, like CSV, where a bad byte cannot be pinned to one record).
 */
export async function* utf8Only(name: string, bytes: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  let line = 1;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of bytes) {
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      const joined = Buffer.concat([tail, chunk]);
      const at = Math.max(0, firstInvalidUtf8(joined));
      const before = joined.subarray(0, at);
      let lines = 0;
      for (let i = before.indexOf(10); i >= 0; i = before.indexOf(10, i + 1)) lines += 1;
      throw new RadpoError(
        'io',
        `${name}:${line + lines}: not valid UTF-8: ` +
          `byte 0x${joined[at]!.toString(16).padStart(2, '0')} at byte offset ${offset - tail.length + at}`,
        CONVERT(name, 'latin1').replace('convert it first', 'if the file is Latin-1 or Windows-1252, convert it first'),
      );
    }
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) line += 1;
    // Keep the last line's bytes, so the error can count lines and offsets from a whole character.
    const lastNl = chunk.lastIndexOf(10);
    tail = lastNl >= 0 ? chunk.subarray(lastNl + 1) : Buffer.concat([tail, chunk]).subarray(-4096);
    offset += chunk.length;
    yield chunk;
  }
  try {
    decoder.decode();
  } catch {
    throw new RadpoError(
      'io',
      `${name}:${line}: not valid UTF-8: the file ends inside a multi-byte character`,
      'check that the file is complete',
    );
  }
}
