/**
 * Everything a run writes, opened and closed in one place for every command: the rows (a text sink
 * for JSONL/JSON/CSV, optionally gzipped, or Parquet), the rejects file (`-` = stdout), the spool that
 * holds second copies for `--order concat`, and the --report JSON. Nothing is visible under a final name
 * until `commit`; `close` without a commit removes every temporary file.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { outputFileFormat, type OutputFileFormat } from '../io/choices.js';
import type { Io } from '../io/io.js';
import { createSerializer, fileSink, nullSink, openSink, streamSink, type Serializer, type Sink } from '../io/output.js';
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
    private readonly spool: { sink: Sink; path: string } | null,
    private readonly reportPath: string | undefined,
  ) {}

  static async open(options: RunOutputOptions, io: Io): Promise<RunOutput> {
    const fileFormat = outputFileFormat(options.output, options.outputFormat);
    const parquet = fileFormat === 'parquet' && !options.noRows ? ParquetOutput.create(options.output) : null;
    const opened: Sink[] = [];
    try {
      const sink = parquet || options.noRows ? nullSink() : await openSink(options.output, io.stdout, options.gzipLevel);
      opened.push(sink);
      const rejects = options.rejects === undefined ? null : options.rejects === '-' ? streamSink(io.stdout) : await fileSink(options.rejects);
      if (rejects) opened.push(rejects);
      let spool: { sink: Sink; path: string } | null = null;
      if (options.spool) {
        // Flat memory for any input size, stdin included.
        const path = join(tmpdir(), `radpo-spool-${process.pid}-${Math.random().toString(36).slice(2, 10)}.txt`);
        spool = { sink: await fileSink(path), path };
      }
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
      if (later && this.spool) return this.spool.sink.write(`${JSON.stringify(row)}\n`);
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
    return later && this.spool ? this.spool.sink : this.sink;
  }

  /** Append the spooled rows and close the serialization (the JSON array's "]"). Call once, after the last row. */
  async finish(): Promise<void> {
    if (this.spool) {
      await this.spool.sink.commit();
      if (this.parquet) {
        const lines = createInterface({ input: createReadStream(this.spool.path, { encoding: 'utf8' }), crlfDelay: Infinity });
        for await (const line of lines) if (line) await this.parquet.add(JSON.parse(line) as Record<string, unknown>);
      } else {
        for await (const chunk of createReadStream(this.spool.path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
          const w = this.sink.write(chunk as string);
          if (w) await w;
        }
      }
    }
    await this.sink.write(this.serializer.end());
  }

  /** Make the rows, the rejects and the report visible under their final names. */
  async commit(report: object): Promise<void> {
    await this.sink.commit();
    await this.parquet?.commit();
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
    if (this.spool) {
      await this.spool.sink.abort();
      await fsp.rm(this.spool.path, { force: true });
    }
  }
}
