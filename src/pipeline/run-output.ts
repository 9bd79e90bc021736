/**
 * Everything a run writes, opened and closed in one place for every command: the rows (a text sink
 * for JSONL/JSON/CSV, optionally gzipped, or Parquet), the rejects file (`-` = stdout), the spool that
 * holds second copies for `--order concat`, and the --report JSON. Nothing is visible under a final name
 * until `commit`; `close` without a commit removes every temporary file.
 */
import { createInterface } from 'node:readline';
import { outputFileFormat, type OutputFileFormat } from '../io/choices.js';
import { checkpoint, type Io, stopIfInterrupted } from '../io/io.js';
import {
  createSerializer,
  fileSink,
  nullSink,
  openSink,
  streamSink,
  type Serializer,
  type Sink,
} from '../io/output.js';
import { ScratchFile } from '../io/scratch.js';
import { Redactor } from '../io/redact.js';
import { ParquetOutput } from '../io/parquet.js';
import { namesStdout } from '../io/target.js';
import type { Chunk, RawTable } from '../io/rawjson.js';
import { HubFolder, isFolderOutput } from '../hub/folder.js';
import { usageError } from '../core/errors.js';

export interface RunOutputOptions {
  output: string;
  outputFormat?: OutputFileFormat;
  gzipLevel?: number;
  rejects?: string;
  report?: string;
  /** --order concat: rows added `later` wait in a temporary file and follow all the others. */
  spool?: boolean;
  /** CSV for people (--json-in-csv, the text layout): formula-like cells get a leading ' (see output.ts). */
  guardFormulas?: boolean;
  /** The run writes no rows (--emit-batch): -o is not opened. */
  noRows?: boolean;
  /** `-o DIR/`: the split a Hub-ready dataset folder's shards are named after (default: the inputs', or train). */
  split?: string;
  maxShardBytes?: number;
  /** Rows for stdout wait until the label-conflict check lets them go (`release`): see HeldSink. */
  holdStdout?: boolean;
  /** The version a dataset folder's card records. */
  version?: string;
  /** -o DIR/: the JSON of `radpo audit --json`, whose headline figures the card shows (--audit). */
  audit?: string;
}

/** A sink whose every write is redacted first. */
function redactingSink(sink: Sink, secrets: Redactor): Sink {
  return {
    ...sink,
    write: (data) => sink.write(secrets.redact(typeof data === 'string' ? data : data.toString('utf8'))),
  };
}

/** What commits in two steps (see Sink): prepared (durable under a temporary name), then published. */
interface Committable {
  prepare(): Promise<void>;
  publish(): Promise<void>;
}

/** Write every part; a promise only when the sink asked to wait (keeps the per-row path synchronous). */
function writeParts(sink: Pick<Sink, 'write'>, parts: ReadonlyArray<string | Buffer>): Promise<void> | void {
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

/**
 * Rows bound for stdout wait here until the run has seen enough scored pairs to know their scores do not
 * contradict their labels (pipeline/summary.ts's conflict stop): a stop then leaves stdout empty instead of
 * a pipe half-fed with swapped goals. Bounded: past `HOLD_BYTES` the rows go on (the stop's message then
 * says that what reached stdout is incomplete).
 */
const HOLD_BYTES = 8 << 20;

class HeldSink implements Sink {
  private held: Array<string | Buffer> | null = [];
  private heldBytes = 0;
  constructor(private readonly sink: Sink) {}
  /** Something reached the sink under it: a stop can no longer leave stdout empty. */
  get sent(): boolean {
    return this.held === null;
  }
  write(data: string | Buffer): Promise<void> | void {
    if (this.held === null) return this.sink.write(data);
    this.held.push(data);
    this.heldBytes += data.length;
    if (this.heldBytes >= HOLD_BYTES) return this.release();
  }
  writeAll(parts: ReadonlyArray<string | Buffer>, before: string, after: string): Promise<void> | void {
    if (this.held === null && this.sink.writeAll) return this.sink.writeAll(parts, before, after);
    return writeParts(
      this,
      before === '' ? [...parts, after] : after === '' ? [before, ...parts] : [before, ...parts, after],
    );
  }
  release(): Promise<void> | void {
    if (this.held === null) return;
    const held = this.held;
    this.held = null;
    return writeParts(this.sink, held);
  }
  async prepare(): Promise<void> {
    await this.release();
    await this.sink.prepare();
  }
  publish(): Promise<void> {
    return this.sink.publish();
  }
  async commit(): Promise<void> {
    await this.release();
    await this.sink.commit();
  }
  abort(): Promise<void> {
    // What is held never reaches stdout: a stopped run leaves it as it found it.
    this.held = null;
    return this.sink.abort();
  }
}

export class RunOutput {
  private committed = false;
  /** Files that commit with the rows (the report, dataset_info.json, an --emit-batch file). */
  private readonly extras: Array<{ path: string; sink: Sink }> = [];
  private constructor(
    readonly fileFormat: OutputFileFormat,
    private readonly serializer: Serializer,
    private readonly sink: Sink,
    private readonly parquet: ParquetOutput | null,
    /** Where set-aside rows go (null without --rejects). */
    readonly rejects: Sink | null,
    private readonly spool: ScratchFile | null,
    private readonly reportPath: string | undefined,
    private readonly secrets: Redactor,
    private readonly signal: AbortSignal | undefined,
    /** `-o DIR/`: the dataset folder (it is also `sink`, and takes Parquet rows itself). */
    private readonly folder: { out: HubFolder; version: string; argv: readonly string[] } | null = null,
  ) {}

  static async open(options: RunOutputOptions, io: Io): Promise<RunOutput> {
    const folderOut = !options.noRows && isFolderOutput(options.output);
    if (options.audit !== undefined && !folderOut)
      throw usageError(
        '--audit goes with -o DIR/: its figures go into the dataset card',
        'write -o DIR/, or drop --audit',
      );
    // A dataset folder holds Parquet unless told otherwise: the Hub's own format.
    const fileFormat = folderOut
      ? (options.outputFormat ?? 'parquet')
      : outputFileFormat(options.output, options.outputFormat);
    let parquet: ParquetOutput | null = null;
    const opened: Sink[] = [];
    try {
      const folder = folderOut
        ? await HubFolder.open(options.output, options.split, fileFormat, io, options.maxShardBytes, options.audit)
        : null;
      if (folder) opened.push(folder);
      if (fileFormat === 'parquet' && !options.noRows && !folder) parquet = await ParquetOutput.create(options.output);
      const rowsToStdout = await namesStdout(options.output);
      const rejectsToStdout = options.rejects !== undefined && (await namesStdout(options.rejects));
      const sink =
        folder ??
        (parquet || options.noRows
          ? nullSink()
          : rowsToStdout && options.holdStdout
            ? new HeldSink(streamSink(io.stdout, 'to stdout'))
            : await openSink(rowsToStdout ? '-' : options.output, io.stdout, options.gzipLevel));
      opened.push(sink);
      const rejectsFile =
        options.rejects === undefined
          ? null
          : rejectsToStdout
            ? streamSink(io.stdout, 'to stdout')
            : await fileSink(options.rejects);
      // Set-aside rows carry server messages and answers: no secret reaches the rejects file.
      const redacted = rejectsFile && io.secrets ? redactingSink(rejectsFile, io.secrets) : rejectsFile;
      // Rejects on stdout wait with the rows (HeldSink): a stop leaves stdout empty either way.
      const rejects = redacted && rejectsToStdout && options.holdStdout ? new HeldSink(redacted) : redacted;
      if (rejects) opened.push(rejects);
      // Flat memory for any input size, stdin included.
      const spool = options.spool ? await ScratchFile.open(SPOOL) : null;
      const secrets = io.secrets ?? new Redactor();
      return new RunOutput(
        fileFormat,
        createSerializer(fileFormat, { guardFormulas: options.guardFormulas }),
        sink,
        parquet,
        rejects,
        spool,
        options.report,
        secrets,
        io.signal,
        folder ? { out: folder, version: options.version ?? '', argv: io.argv ?? [] } : null,
      );
    } catch (err) {
      await parquet?.abort();
      for (const sink of opened) await sink.abort();
      throw err;
    }
  }

  /** A row object (with the fast path's raw table, when its strings point into raw bytes). */
  add(row: Record<string, unknown>, table?: RawTable, later = false): Promise<void> | void {
    if (this.folder?.out.format === 'parquet') {
      if (later && this.spool) return this.spool.write(`${JSON.stringify(row)}\n`);
      return this.folder.out.add(row);
    }
    if (this.parquet) {
      if (later && this.spool) return this.spool.write(`${JSON.stringify(row)}\n`);
      return this.parquet.add(row);
    }
    const text = this.serializer.row(row, table);
    return writeParts(this.target(later), typeof text === 'string' ? [text] : text);
  }

  /** A row already serialized as JSON text (by a worker thread or the fast path). */
  addJson(json: Chunk, later = false): Promise<void> | void {
    const target = this.target(later);
    if (target.writeAll && this.serializer.framing) {
      const [before, after] = this.serializer.framing();
      return target.writeAll(typeof json === 'string' || !Array.isArray(json) ? [json] : json, before, after);
    }
    return writeParts(target, this.serializer.frame(json));
  }

  /** `-o DIR/`: a dataset folder, whose splits must share their columns. */
  get isFolder(): boolean {
    return this.folder !== null;
  }

  /** Rows (or rejects) reached stdout, no longer held: a stop now leaves them there. */
  get sentRows(): boolean {
    return [this.sink, this.rejects].some((sink) => sink instanceof HeldSink && sink.sent);
  }

  /** The scores were checked against their labels: rows and rejects held for stdout may go (see HeldSink). */
  async release(): Promise<void> {
    for (const sink of [this.sink, this.rejects]) if (sink instanceof HeldSink) await sink.release();
  }

  private target(later: boolean): Pick<Sink, 'write' | 'writeAll'> {
    return later && this.spool ? this.spool : this.sink;
  }

  /** Append the spooled rows and close the serialization (the JSON array's "]"). Call once, after the last row. */
  async finish(): Promise<void> {
    if (this.spool) {
      const spooled = await this.spool.readBack();
      const rows = this.parquet ?? (this.folder?.out.format === 'parquet' ? this.folder.out : null);
      if (rows) {
        const lines = createInterface({ input: spooled, crlfDelay: Infinity });
        for await (const line of lines) {
          await checkpoint(this.signal);
          if (line) await rows.add(JSON.parse(line) as Record<string, unknown>);
        }
      } else {
        for await (const chunk of spooled) {
          await checkpoint(this.signal);
          const w = this.sink.write(chunk as string);
          if (w) await w;
        }
      }
    }
    await this.sink.write(this.serializer.end());
  }

  /** A file that commits with the rows, all or nothing (written by the caller, before `commit`). */
  async file(path: string): Promise<Sink> {
    const sink = await fileSink(path);
    this.extras.push({ path, sink });
    return sink;
  }

  /**
   * Make the rows, the rejects, the report and the extra files visible under their final names, together:
   * every one is written out, fsynced and closed before the first is renamed, so a failure (a full disk)
   * leaves no final name touched. `rows: false` keeps only the rejects and the report (they say why a run
   * wrote nothing) and removes the rows.
   */
  async commit(report: object, { rows = true } = {}): Promise<void> {
    if (this.reportPath) {
      const sink = await this.file(this.reportPath);
      await sink.write(this.secrets.redact(`${JSON.stringify(report, null, 2)}\n`));
    }
    if (this.folder && rows) {
      const argv = this.folder.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
      await this.folder.out.writeCard({
        version: this.folder.version,
        commandLine: this.secrets.redact(['radpo', ...argv].join(' ')),
        report: report as never,
      });
    }
    const rowsFile: Committable = this.parquet ?? this.sink;
    if (!rows) {
      await this.sink.abort();
      await this.parquet?.abort();
    }
    const group: Committable[] = [
      ...(this.rejects === null ? [] : [this.rejects]),
      ...this.extras.map((e) => e.sink),
      ...(rows ? [rowsFile] : []),
    ];
    for (const member of group) {
      stopIfInterrupted(this.signal);
      await member.prepare();
    }
    // Past this point the run publishes: a signal now is too late to stop it half-way (renames are quick).
    stopIfInterrupted(this.signal);
    // The rows last: once they carry their final name, everything that goes with them already does.
    for (const member of group) await member.publish();
    this.committed = true;
  }

  /** Always called last: without a commit, nothing is left behind; the spool goes either way. */
  async close(): Promise<void> {
    if (!this.committed) {
      await this.parquet?.abort();
      await this.sink.abort();
      await this.rejects?.abort();
      for (const { sink } of this.extras) await sink.abort();
    }
    await this.spool?.close();
  }
}

/** How messages name the spool. */
const SPOOL = 'the --order concat spool (a temporary file in $TMPDIR)';
