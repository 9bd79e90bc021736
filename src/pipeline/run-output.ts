/**
 * Everything a run writes, opened and closed in one place for every command: the rows (a text sink
 * for JSONL/JSON/CSV, optionally gzipped, or Parquet), the rejects file (`-` = stdout), the spool that
 * holds second copies for `--order concat`, and the --report JSON. Nothing is visible under a final name
 * until `commit`; `close` without a commit removes every temporary file.
 */
import {
  close,
  constants,
  createReadStream,
  createWriteStream,
  open,
  promises as fsp,
  type WriteStream,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { outputFileFormat, type OutputFileFormat } from '../io/choices.js';
import type { Io } from '../io/io.js';
import {
  createSerializer,
  fileSink,
  nullSink,
  openSink,
  streamSink,
  type Serializer,
  type Sink,
} from '../io/output.js';
import { registerTemporary, releaseTemporary } from '../io/temp-files.js';
import { ParquetOutput } from '../io/parquet.js';
import type { Chunk, RawTable } from '../io/rawjson.js';

export interface RunOutputOptions {
  output: string;
  outputFormat?: OutputFileFormat;
  gzipLevel?: number;
  rejects?: string;
  report?: string;
  /** --order concat: rows added `later` wait in a temporary file and follow all the others. */
  spool?: boolean;
  /** The run writes no rows (--emit-batch): -o is not opened. */
  noRows?: boolean;
}

/** Write every part; a promise only when the sink asked to wait (keeps the per-row path synchronous). */
function writeParts(sink: Sink, parts: ReadonlyArray<string | Buffer>): Promise<void> | void {
  let waiting: Promise<void> | null = null;
  for (const part of parts) {
    if (waiting) waiting = waiting.then(() => sink.write(part));
    else {
      const w = sink.write(part);
      if (w) waiting = w;
    }
  }
  return waiting ?? undefined;
}

export class RunOutput {
  private committed = false;
  private constructor(
    readonly fileFormat: OutputFileFormat,
    private readonly serializer: Serializer,
    private readonly sink: Sink,
    private readonly parquet: ParquetOutput | null,
    /** Where set-aside rows go (null without --rejects). */
    readonly rejects: Sink | null,
    private readonly spool: Spool | null,
    private readonly reportPath: string | undefined,
  ) {}

  static async open(options: RunOutputOptions, io: Io): Promise<RunOutput> {
    const fileFormat = outputFileFormat(options.output, options.outputFormat);
    let parquet: ParquetOutput | null = null;
    const opened: Sink[] = [];
    try {
      if (fileFormat === 'parquet' && !options.noRows) parquet = await ParquetOutput.create(options.output);
      const sink =
        parquet || options.noRows ? nullSink() : await openSink(options.output, io.stdout, options.gzipLevel);
      opened.push(sink);
      const rejects =
        options.rejects === undefined
          ? null
          : options.rejects === '-'
            ? streamSink(io.stdout)
            : await fileSink(options.rejects);
      if (rejects) opened.push(rejects);
      // Flat memory for any input size, stdin included.
      const spool = options.spool ? await Spool.open() : null;
      return new RunOutput(fileFormat, createSerializer(fileFormat), sink, parquet, rejects, spool, options.report);
    } catch (err) {
      await parquet?.abort();
      for (const sink of opened) await sink.abort();
      throw err;
    }
  }

  /** A row object (with the fast path's raw table, when its strings point into raw bytes). */
  add(row: Record<string, unknown>, table?: RawTable, later = false): Promise<void> | void {
    if (this.parquet) {
      if (later && this.spool) return this.spool.write(`${JSON.stringify(row)}\n`);
      return this.parquet.add(row);
    }
    const text = this.serializer.row(row, table);
    return writeParts(this.target(later), typeof text === 'string' ? [text] : text);
  }

  /** A row already serialized as JSON text (by a worker thread or the fast path). */
  addJson(json: Chunk, later = false): Promise<void> | void {
    return writeParts(this.target(later), this.serializer.frame(json));
  }

  private target(later: boolean): Sink {
    return later && this.spool ? this.spool : this.sink;
  }

  /** Append the spooled rows and close the serialization (the JSON array's "]"). Call once, after the last row. */
  async finish(): Promise<void> {
    if (this.spool) {
      const spooled = await this.spool.readBack();
      if (this.parquet) {
        const lines = createInterface({ input: spooled, crlfDelay: Infinity });
        for await (const line of lines) if (line) await this.parquet.add(JSON.parse(line) as Record<string, unknown>);
      } else {
        for await (const chunk of spooled) {
          const w = this.sink.write(chunk as string);
          if (w) await w;
        }
      }
    }
    await this.sink.write(this.serializer.end());
  }

  /**
   * Make the rows, the rejects and the report visible under their final names. `rows: false` keeps
   * only the rejects and the report (they say why a run wrote nothing) and removes the rows.
   */
  async commit(report: object, { rows = true } = {}): Promise<void> {
    if (rows) {
      await this.sink.commit();
      await this.parquet?.commit();
    } else {
      await this.sink.abort();
      await this.parquet?.abort();
    }
    await this.rejects?.commit();
    if (this.reportPath) {
      const sink = await fileSink(this.reportPath);
      await sink.write(`${JSON.stringify(report, null, 2)}\n`);
      await sink.commit();
    }
    this.committed = true;
  }

  /** Always called last: without a commit, nothing is left behind; the spool goes either way. */
  async close(): Promise<void> {
    if (!this.committed) {
      await this.parquet?.abort();
      await this.sink.abort();
      await this.rejects?.abort();
    }
    await this.spool?.close();
  }
}

/**
 * The second copies of --order concat, waiting for the first ones to be written: a temporary file that
 * is unlinked as soon as it is opened, so the kernel reclaims it however the run ends (SIGKILL too).
 */
class Spool implements Sink {
  private closed = false;
  private constructor(
    private readonly fd: number,
    private readonly stream: WriteStream,
    private readonly sink: Sink,
  ) {}

  static async open(): Promise<Spool> {
    const path = join(tmpdir(), `.radpo-spool-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
    registerTemporary(path);
    const fd = await new Promise<number>((resolve, reject) =>
      open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600, (err, opened) =>
        err ? reject(err) : resolve(opened),
      ),
    );
    await fsp.unlink(path);
    releaseTemporary(path);
    const stream = createWriteStream('', { fd, autoClose: false, highWaterMark: 4 << 20 });
    return new Spool(fd, stream, streamSink(stream));
  }

  write(data: string | Buffer): Promise<void> | void {
    return this.sink.write(data);
  }

  /** Everything written, from the start, as text. */
  async readBack(): Promise<NodeJS.ReadableStream> {
    await this.sink.commit();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    return createReadStream('', { fd: this.fd, start: 0, autoClose: false, encoding: 'utf8', highWaterMark: 1 << 20 });
  }

  commit = async (): Promise<void> => undefined;
  abort = async (): Promise<void> => this.close();

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
    await new Promise<void>((resolve) => close(this.fd, () => resolve()));
  }
}
