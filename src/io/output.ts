/**
 * Output: serializers (JSONL, JSON array, CSV) and sinks (stdout, or a file written atomically:
 * a temporary file in the same folder, renamed over the final name only when the run succeeds).
 */
import { close as fsClose, fsync, open as fsOpen } from 'node:fs';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import type { Writable } from 'node:stream';
import { RadpoError } from '../core/errors.js';
import { chunkBytes, expandRaw, type Chunk, type RawTable } from './rawjson.js';
import { floatScores, floatText, SCORE_COLUMNS } from '../core/layouts.js';
import { DEFAULT_GZIP_LEVEL, isGzipName, type OutputFileFormat } from './choices.js';
import { namesStdout, openTarget } from './target.js';
import { descriptorStream } from './descriptor.js';
import { WRITE_ERRORS, writeError } from './write-errors.js';

/**
 * Turns rows into output text. `row` serializes and frames one row; `frame` frames a row already
 * serialized as JSON (by a worker thread). Stateful: the first row fixes the CSV header and opens
 * the JSON array.
 */
export interface Serializer {
  /** CSV may answer in parts (raw bytes from the fast path); JSON formats answer text. */
  row(row: Record<string, unknown>, table?: RawTable): string | Array<string | Buffer>;
  frame(json: Chunk): Array<string | Buffer>;
  /** JSON formats: the text before and after the next row (what `frame` puts around it), for a sink's writeAll. */
  framing?(): readonly [string, string];
  /** Text that closes the output (the JSON array's "]"). */
  end(): string;
}

/**
 * `guardFormulas` (CSV meant for people: spreadsheets): a text cell that starts with = + - @ or a tab or
 * carriage return gets a leading ' so that a spreadsheet shows it instead of running it as a formula
 * (OWASP's advice against CSV injection). Numbers are left alone.
 */
const JSONL_FRAMING = ['', '\n'] as const;

export function createSerializer(format: OutputFileFormat, { guardFormulas = false } = {}): Serializer {
  if (format === 'jsonl')
    return {
      row: (r) => `${JSON.stringify(r)}\n`,
      frame: (json) => (Array.isArray(json) ? [...json, '\n'] : [json, '\n']),
      framing: () => JSONL_FRAMING,
      end: () => '',
    };
  if (format === 'json') {
    let count = 0;
    const sep = () => (count++ === 0 ? '[\n' : ',\n');
    return {
      row: (r) => `${sep()}${JSON.stringify(r)}`,
      frame: (json) => (Array.isArray(json) ? [sep(), ...json] : [sep(), json]),
      framing: () => [sep(), ''],
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
        else csvCell(value, table ?? null, parts, guardFormulas);
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

/** How a spreadsheet formula (or a DDE payload) starts. */
const FORMULA_START = /^[=+\-@\t\r]/;

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
function csvCell(value: unknown, table: RawTable | null, out: Array<string | Buffer>, guard: boolean): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'string') {
    let text = value;
    if (table && value.includes('\u0000')) {
      const json = expandRaw(JSON.stringify(value), table);
      text = JSON.parse(typeof json === 'string' ? json : chunkBytes(json).toString('utf8')) as string;
    }
    out.push(csvText(guard && FORMULA_START.test(text) ? `'${text}` : text));
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
  out.push('"', doubleQuotes(chunkBytes(json)), '"');
}

/**
 * A byte destination with backpressure. Files commit in two steps so that every output of a run can be
 * made durable before any of them takes its final name: `prepare` (every byte written, flushed, fsynced,
 * closed — the step that meets a full disk) then `publish` (the rename). `commit` is both; `abort`
 * leaves nothing behind. Every failure is a RadpoError naming the file and the cause.
 */
export interface Sink {
  write(data: string | Buffer): Promise<void> | void;
  /** A row in parts, with the text before and after it: one call instead of one per part (where a sink has it). */
  writeAll?(parts: ReadonlyArray<string | Buffer>, before: string, after: string): Promise<void> | void;
  prepare(): Promise<void>;
  publish(): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Small writes are gathered into chunks of this size. Not larger: on this project's Linux VMs one write of
 * 1 MB cost the kernel up to 6× the system time of four writes of 256 KB (measured: 440 MB of output, a
 * fresh file, 1.0-1.5 s against 0.2-0.3 s of system time), and larger chunks save nothing.
 */
const FLUSH_AT = 256 << 10;

/**
 * When the writer may fill its output chunk again. A fresh chunk for every write costs page faults (some
 * 60 per 256 KB chunk: 0.1-0.2 s of system time over 440 MB here), so one chunk is reused, but only where
 * the stream is known to let go of it: at once for a SyncWriteStream (stdout on a file: written before
 * write returns), after the write's callback for the file and gzip streams radpo opens itself. Any other
 * stream (a pipe that queues, a caller's collecting Writable) may keep the buffer: a fresh one each time.
 */
type ChunkReuse = 'never' | 'after-write' | 'after-callback';

/** Text up to this many UTF-16 units is copied by a loop while it is ASCII (a call into C++ costs more). */
const SHORT_TEXT = 32;

/**
 * Gathers writes into ~256 KB chunks, waits for 'drain' when the stream is full, and keeps its first error.
 * Every part is copied (text encoded) into the chunk as it comes: a row's parts (the fast path's raw slices
 * and the structure between them, some thirty per pair) used to be listed, measured and copied at the flush,
 * each through three layers of calls; that was a sixth of relabel's CPU time on real rows.
 */
class BufferedWriter {
  broken: Error | null = null;
  private chunk: Buffer | null = null;
  private at = 0;
  /** Chunks the stream has let go of, to fill again (see ChunkReuse). */
  private readonly free: Buffer[] = [];
  /** A chunk went to the stream since the last flush: it may ask to wait. */
  private sent = false;
  /** The stream asked to wait (its write returned false: full, or failed). */
  private full = false;
  constructor(
    private readonly stream: Writable,
    private readonly reuse: ChunkReuse = 'never',
  ) {
    stream.on('error', (err) => {
      this.broken ??= err;
    });
  }

  write(data: string | Buffer): Promise<void> | void {
    if (this.broken) throw this.broken;
    this.put(data);
    if (this.at >= FLUSH_AT || this.sent) return this.flush();
  }

  /** A row: the text before it, its parts, the text after it (the output format's framing). */
  writeAll(parts: ReadonlyArray<string | Buffer>, before: string, after: string): Promise<void> | void {
    if (this.broken) throw this.broken;
    if (before !== '') this.put(before);
    for (let i = 0; i < parts.length; i++) this.put(parts[i]!);
    if (after !== '') this.put(after);
    if (this.at >= FLUSH_AT || this.sent) return this.flush();
  }

  private put(data: string | Buffer): void {
    const n = data.length;
    if (typeof data === 'string') {
      // UTF-8 takes at most three bytes per UTF-16 unit.
      const chunk = this.room(n * 3);
      const at = this.at;
      if (n <= SHORT_TEXT) {
        let k = 0;
        while (k < n) {
          const c = data.charCodeAt(k);
          if (c >= 0x80) break;
          chunk[at + k++] = c;
        }
        if (k === n) {
          this.at = at + n;
          return;
        }
      }
      this.at = at + chunk.write(data, at, 'utf8');
    } else if (n >= FLUSH_AT) {
      // Large bytes go as they are, after what is gathered.
      this.send();
      if (!this.stream.write(data)) this.full = true;
      this.sent = true;
    } else {
      const chunk = this.room(n);
      chunk.set(data, this.at);
      this.at += n;
    }
  }

  /** The chunk, with room for `bytes` more: when it has not, what it holds is sent and another one taken. */
  private room(bytes: number): Buffer {
    const chunk = this.chunk;
    if (chunk !== null && this.at + bytes <= chunk.length) return chunk;
    this.send();
    let next = this.free.pop();
    if (next === undefined || next.length < bytes) next = Buffer.allocUnsafeSlow(Math.max(bytes, FLUSH_AT * 2));
    this.chunk = next;
    return next;
  }

  /** What the chunk holds, to the stream; the chunk is filled again once the stream has let go of it. */
  private send(): void {
    const chunk = this.chunk;
    if (chunk === null) return;
    const filled = this.at;
    this.chunk = null;
    this.at = 0;
    if (filled === 0) {
      this.free.push(chunk);
      return;
    }
    this.sent = true;
    const data = chunk.subarray(0, filled);
    let ok: boolean;
    if (this.reuse === 'after-callback') {
      ok = this.stream.write(data, (err) => {
        if (!err && this.free.length < 2) this.free.push(chunk);
      });
    } else {
      ok = this.stream.write(data);
      if (this.reuse === 'after-write') this.free.push(chunk);
    }
    if (!ok) this.full = true;
  }

  flush(): Promise<void> | void {
    if (this.broken) throw this.broken;
    this.send();
    this.sent = false;
    // Always in the call that sent: 'drain' (or the error) cannot have come in between.
    if (this.full) {
      this.full = false;
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

/** The writer's write, its failures (thrown now, or a rejected wait for drain) turned into the sink's errors. */
function writeFailingAs(writer: BufferedWriter, failed: (err: unknown) => unknown): Pick<Sink, 'write' | 'writeAll'> {
  const failing = (wait: Promise<void> | void) => (wait ? wait.catch((err) => Promise.reject(failed(err))) : undefined);
  return {
    write: (text) => {
      try {
        return failing(writer.write(text));
      } catch (err) {
        throw failed(err);
      }
    },
    writeAll: (parts, before, after) => {
      try {
        return failing(writer.writeAll(parts, before, after));
      } catch (err) {
        throw failed(err);
      }
    },
  };
}

/** End a stream and wait until every byte has left it, or for its error (never a silent success). */
export async function endStream(stream: Writable): Promise<void> {
  stream.end();
  await finished(stream);
}

/**
 * stdout (or any stream the CLI was given). Not closed at the end: it belongs to the caller. With a
 * `label` (stdout), write errors say what they wrote to and that the output there is incomplete.
 */
export function streamSink(stream: Writable, label?: string): Sink {
  // Node's stream for stdout on a regular file writes each chunk with writeSync before write() returns.
  const sync = stream.constructor?.name === 'SyncWriteStream';
  const writer = new BufferedWriter(stream, sync ? 'after-write' : 'never');
  // A stream cannot be written atomically: say so, and that what it got so far is incomplete.
  const failed = (err: unknown) =>
    label === undefined || (err as NodeJS.ErrnoException).code === 'EPIPE'
      ? err
      : writeError(
          err,
          label,
          undefined,
          `what reached ${label.replace(/^to /, '')} is incomplete: discard it ` +
            '(-o FILE writes atomically: all or nothing)',
        );
  const flush = async () => {
    try {
      await writer.flush();
    } catch (err) {
      throw failed(err);
    }
  };
  return {
    ...writeFailingAs(writer, failed),
    prepare: flush,
    publish: async () => undefined,
    commit: flush,
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
 * at publish) when the path is a file or does not exist yet, or written in place when it names a device
 * or a FIFO (see target.ts). A name ending in .gz is gzip-compressed. Every byte reaches the file or the
 * run fails: short writes continue, errors (a full disk) are the run's.
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
      `cannot write ${path}: ${
        e.code === 'ENOENT' ? 'the folder does not ' + 'exist' : (WRITE_ERRORS[e.code ?? ''] ?? e.message)
      }`,
      'check the output path',
    );
  }
  // The descriptor is ours to fsync and close: the stream never closes it, and writes every byte.
  const file = descriptorStream(fd, 4 << 20);
  let written = 0;
  file.on('write-done', (bytes: number) => {
    written += bytes;
  });
  let gzip: Gzip | null = null;
  let head: Writable = file;
  let piped: Promise<void> | null = null;
  if (isGzipName(path)) {
    gzip = createGzip({ level: gzipLevel });
    piped = pipeline(gzip, file);
    piped.catch(() => undefined);
    head = gzip;
  }
  const writer = new BufferedWriter(head, 'after-callback');
  let closed = false;
  // A descriptor radpo did not open (stdout by another name) stays open.
  const close = () =>
    target.fd !== undefined
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => fsClose(fd, (err) => (err ? reject(err) : resolve())));
  const failed = (err: unknown) => writeError(err, path, written);
  let prepared = false;
  const sink: Sink = {
    ...writeFailingAs(writer, failed),
    async prepare() {
      try {
        await writer.flush();
        if (gzip) {
          gzip.end();
          await piped;
        } else await endStream(file);
        if (writer.broken) throw writer.broken;
        // On disk before the rename makes it the file: a crash after commit never leaves it empty.
        if (!target.inPlace)
          await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
        await close();
      } catch (err) {
        throw failed(err);
      }
      closed = true;
      prepared = true;
    },
    async publish() {
      if (!prepared) await sink.prepare();
      try {
        await target.commit();
      } catch (err) {
        throw new RadpoError('io', `cannot move ${path} into place: ${(err as Error).message}`);
      }
    },
    async commit() {
      await sink.prepare();
      await sink.publish();
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
  return sink;
}

/** A sink for outputs that write their own file (Parquet): accepts nothing, commits nothing. */
export function nullSink(): Sink {
  const nothing = async () => undefined;
  return { write: () => undefined, prepare: nothing, publish: nothing, commit: nothing, abort: nothing };
}

export async function openSink(target: string, stdout: Writable, gzipLevel = DEFAULT_GZIP_LEVEL): Promise<Sink> {
  return (await namesStdout(target)) ? streamSink(stdout, 'to stdout') : fileSink(target, gzipLevel);
}
