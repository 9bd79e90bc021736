/**
 * Output: serializers (JSONL, JSON array, CSV) and sinks (stdout, or a file written atomically:
 * a temporary file in the same folder, renamed over the final name only when the run succeeds).
 */
import { close as fsClose, createWriteStream, fsync, open as fsOpen } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { RadpoError } from '../core/errors.js';
import { chunkBytes, expandRaw, type Chunk, type RawTable } from './rawjson.js';
import { floatScores, floatText, SCORE_COLUMNS } from '../core/layouts.js';
import { DEFAULT_GZIP_LEVEL, isGzipName, type OutputFileFormat } from './choices.js';
import { openTarget } from './target.js';
import { descriptorStream } from './descriptor.js';

/**
 * Turns rows into output text. `row` serializes and frames one row; `frame` frames a row already
 * serialized as JSON (by a worker thread). Stateful: the first row fixes the CSV header and opens
 * the JSON array.
 */
export interface Serializer {
  /** CSV may answer in parts (raw bytes from the fast path); JSON formats answer text. */
  row(row: Record<string, unknown>, table?: RawTable): string | Array<string | Buffer>;
  frame(json: Chunk): Array<string | Buffer>;
  /** Text that closes the output (the JSON array's "]"). */
  end(): string;
}

export function createSerializer(format: OutputFileFormat): Serializer {
  if (format === 'jsonl')
    return {
      row: (r) => `${JSON.stringify(r)}\n`,
      frame: (json) => (Array.isArray(json) ? [...json, '\n'] : [json, '\n']),
      end: () => '',
    };
  if (format === 'json') {
    let count = 0;
    const sep = () => (count++ === 0 ? '[\n' : ',\n');
    return {
      row: (r) => `${sep()}${JSON.stringify(r)}`,
      frame: (json) => (Array.isArray(json) ? [sep(), ...json] : [sep(), json]),
      end: () => (count === 0 ? '[]\n' : '\n]\n'),
    };
  }
  let columns: string[] | null = null;
  return {
    row(r, table) {
      const parts: Array<string | Buffer> = [];
      if (columns === null) {
        columns = Object.keys(r);
        for (const [i, c] of columns.entries()) parts.push(i ? ',' : '', csvText(c));
        parts.push('\n');
      }
      const cols = columns;
      const extra = Object.keys(r).filter((k) => !cols.includes(k));
      if (extra.length > 0) {
        throw new RadpoError(
          'io',
          `CSV output: a row has columns the first row did not have (${extra.join(', ')})`,
          'write JSONL instead (-o FILE.jsonl), which allows differing columns',
        );
      }
      cols.forEach((c, i) => {
        if (i) parts.push(',');
        const value = r[c];
        // Scores in one form per column (floats), as in the JSON layouts.
        if (SCORE_COLUMNS.has(c) && typeof value === 'number') parts.push(floatText(value));
        else if (SCORE_COLUMNS.has(c) && value && typeof value === 'object')
          parts.push(csvText(floatScores(`{"${c}":${JSON.stringify(value)}}`).slice(c.length + 4, -1)));
        else csvCell(value, table ?? null, parts);
      });
      parts.push('\n');
      return parts.every((p) => typeof p === 'string') ? parts.join('') : parts;
    },
    // Rows reach CSV as row objects; JSON text is read back only where a caller has nothing else.
    frame(json) {
      const out = this.row(
        JSON.parse(typeof json === 'string' ? json : chunkBytes(json).toString('utf8')) as Record<string, unknown>,
      );
      return typeof out === 'string' ? [out] : out;
    },
    end: () => '',
  };
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvText(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Raw JSON bytes (which hold no line breaks) with every quote byte doubled, in one new buffer. */
function doubleQuotes(buf: Buffer): Buffer {
  let quotes = 0;
  for (let at = buf.indexOf(0x22); at >= 0; at = buf.indexOf(0x22, at + 1)) quotes += 1;
  if (quotes === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + quotes);
  let from = 0;
  let to = 0;
  for (let at = buf.indexOf(0x22); at >= 0; at = buf.indexOf(0x22, at + 1)) {
    to += buf.copy(out, to, from, at + 1);
    out[to++] = 0x22;
    from = at + 1;
  }
  buf.copy(out, to, from);
  return out;
}

/**
 * One CSV cell: text as is, numbers and booleans as text, lists and objects as JSON. With the fast
 * path's raw table, JSON cells splice the raw bytes in (quote-doubled) instead of decoding them.
 */
function csvCell(value: unknown, table: RawTable | null, out: Array<string | Buffer>): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'string') {
    if (table && value.includes('\u0000')) {
      const json = expandRaw(JSON.stringify(value), table);
      out.push(csvText(JSON.parse(typeof json === 'string' ? json : Buffer.concat(json).toString('utf8')) as string));
    } else out.push(csvText(value));
    return;
  }
  if (typeof value !== 'object') {
    out.push(csvText(String(value)));
    return;
  }
  const json = table ? expandRaw(JSON.stringify(value), table) : JSON.stringify(value);
  if (typeof json === 'string') {
    out.push(csvText(json));
    return;
  }
  out.push('"', doubleQuotes(Buffer.concat(json)), '"');
}

/** A byte destination with backpressure. `commit` makes the result visible; `abort` leaves nothing behind. */
export interface Sink {
  write(data: string | Buffer): Promise<void> | void;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

const FLUSH_AT = 1 << 20;

/** Buffers small writes into ~1 MB chunks and waits for 'drain' when the stream is full. */
class BufferedWriter {
  private pending: Array<string | Buffer> = [];
  private pendingLength = 0;
  private pendingBuffers = false;
  broken: Error | null = null;
  private readonly vectored: boolean;
  constructor(private readonly stream: Writable) {
    this.vectored = typeof (stream as unknown as { _writev?: unknown })._writev === 'function';
    stream.on('error', (err) => {
      this.broken = err;
    });
  }
  write(data: string | Buffer): Promise<void> | void {
    this.pending.push(data);
    if (typeof data !== 'string') this.pendingBuffers = true;
    this.pendingLength += data.length;
    if (this.pendingLength >= FLUSH_AT) return this.flush();
  }
  flush(): Promise<void> | void {
    if (this.broken) throw this.broken;
    if (this.pending.length === 0) return;
    let ok: boolean;
    if (this.vectored && this.pending.length > 1) {
      // Hand the parts over as one vectored write (fs.writev) instead of copying them together.
      this.stream.cork();
      for (const part of this.pending) this.stream.write(part);
      this.stream.uncork();
      ok = !this.stream.writableNeedDrain;
    } else {
      const text = this.pendingBuffers
        ? Buffer.concat(this.pending.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)))
        : this.pending.length === 1
          ? this.pending[0]!
          : this.pending.join('');
      ok = this.stream.write(text);
    }
    this.pending = [];
    this.pendingLength = 0;
    this.pendingBuffers = false;
    if (!ok) {
      return new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          this.stream.off('error', onError);
          resolve();
        };
        const onError = (err: Error) => {
          this.stream.off('drain', onDrain);
          reject(err);
        };
        this.stream.once('drain', onDrain);
        this.stream.once('error', onError);
      });
    }
  }
}

function endStream(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/** stdout (or any stream the CLI was given). Not closed at the end: it belongs to the caller. */
export function streamSink(stream: Writable): Sink {
  const writer = new BufferedWriter(stream);
  return {
    write: (text) => writer.write(text),
    commit: async () => {
      await writer.flush();
    },
    abort: async () => {
      try {
        await writer.flush();
      } catch {
        /* the reader went away */
      }
    },
  };
}

/**
 * A file output: written atomically (a temporary file beside it, fsynced, renamed over the final name
 * at commit) when the path is a file or does not exist yet, or written in place when it names a device
 * or a FIFO (see target.ts). A name ending in .gz is gzip-compressed.
 */
export async function fileSink(path: string, gzipLevel = DEFAULT_GZIP_LEVEL): Promise<Sink> {
  const target = await openTarget(path);
  let fd: number;
  try {
    fd =
      target.fd ??
      (await new Promise<number>((resolve, reject) =>
        fsOpen(target.path, target.flags, 0o666, (err, opened) => (err ? reject(err) : resolve(opened))),
      ));
  } catch (err) {
    await target.abort();
    const e = err as NodeJS.ErrnoException;
    throw new RadpoError(
      'io',
      `cannot write ${path}: ${e.code === 'ENOENT' ? 'the folder does not exist' : e.message}`,
      'check the output path',
    );
  }
  // The descriptor is ours to fsync and close: the stream never closes it. One radpo did not open
  // (stdout by another name) may be a non-blocking pipe: descriptorStream writes every byte there.
  const file: Writable =
    target.fd !== undefined
      ? descriptorStream(fd, 4 << 20)
      : createWriteStream('', { fd, autoClose: false, highWaterMark: 4 << 20 });
  let gzip: Gzip | null = null;
  let head: Writable = file;
  if (isGzipName(path)) {
    gzip = createGzip({ level: gzipLevel });
    gzip.pipe(file);
    head = gzip;
  }
  const writer = new BufferedWriter(head);
  let closed = false;
  // A descriptor radpo did not open (stdout by another name) stays open.
  const close = () =>
    target.fd !== undefined
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => fsClose(fd, (err) => (err ? reject(err) : resolve())));
  return {
    write: (text) => writer.write(text),
    async commit() {
      await writer.flush();
      if (gzip) {
        const fileDone = new Promise<void>((resolve, reject) => {
          file.once('finish', () => resolve());
          file.once('error', reject);
        });
        gzip.end();
        await fileDone;
      } else await endStream(file);
      // On disk before the rename makes it the file: a crash after commit never leaves it empty.
      if (!target.inPlace)
        await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
      await close();
      closed = true;
      await target.commit();
    },
    async abort() {
      if (!closed) {
        closed = true;
        gzip?.destroy();
        file.destroy();
        await close().catch(() => undefined);
      }
      await target.abort();
    },
  };
}

/** A sink for outputs that write their own file (Parquet): accepts nothing, commits nothing. */
export function nullSink(): Sink {
  return { write: () => undefined, commit: async () => undefined, abort: async () => undefined };
}

export async function openSink(target: string, stdout: Writable, gzipLevel = DEFAULT_GZIP_LEVEL): Promise<Sink> {
  return target === '-' ? streamSink(stdout) : fileSink(target, gzipLevel);
}

/** A whole JSON Lines file at once (a batch request file), written like every output. */
export async function writeJsonLines(path: string, rows: Iterable<unknown>): Promise<void> {
  const sink = await fileSink(path);
  try {
    for (const row of rows) {
      const w = sink.write(`${JSON.stringify(row)}\n`);
      if (w) await w;
    }
    await sink.commit();
  } catch (err) {
    await sink.abort();
    throw err;
  }
}
