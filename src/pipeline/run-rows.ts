/**
 * The one lifecycle of every command that reads rows and writes rows (relabel, score, pairs, generate):
 * open the outputs, let the command stage every input through them, finish, commit or remove, print the
 * summary and the warnings every run owes its user, and fail a run that wrote nothing. One try/finally:
 * whatever happens, nothing half-written is left under a final name and every resource is closed.
 */
import type { Logger } from '../io/log.js';
import { formatLocation } from '../core/errors.js';
import { type Io, stopIfInterrupted } from '../io/io.js';
import { jsonRecord, printable } from '../io/log.js';
import type { RunConfig } from './config.js';
import { RowPolicy } from './row-policy.js';
import { RunOutput, type RunOutputOptions } from './run-output.js';
import {
  type BaseReport,
  type ConflictWords,
  conflictError,
  nothingWrittenError,
  type RunCounts,
  setAsideReport,
} from './summary.js';

/** A command's part of the run: the stage, its report and summary, and what it adds around the commit. */
export interface RowsStage<R extends BaseReport> {
  command: string;
  /** What a row of the input is, in the warnings ("prompts" for pairs and generate). */
  noun?: 'rows' | 'prompts';
  /** The run writes no rows (--emit-batch): -o is not opened and an empty output is no failure. */
  noRows?: boolean;
  /** --order concat: the second copies wait in a spool. */
  spool?: boolean;
  /** CSV output meant for people: formula-like cells are guarded. */
  guardFormulas?: boolean;
  gzipLevel?: number;
  /** Read every input and write its rows through `out`, setting rows aside through `policy`. */
  run(out: RunOutput, policy: RowPolicy): Promise<void>;
  /** The command's report, from the base every run has. */
  report(base: BaseReport): R;
  /** Written to stderr at the end unless --quiet. */
  summary(report: R, seconds: number): string;
  /**
   * Files that commit with the rows, all or nothing, written through `out.file` (an --emit-batch file,
   * dataset_info.json); `empty`: no rows will be kept.
   */
  beforeCommit?(out: RunOutput, empty: boolean): Promise<void>;
  /** What follows a successful commit (the trainer snippet on stdout); `empty`: no rows were kept. */
  afterCommit?(report: R, empty: boolean): Promise<void>;
  /** Why most scores would contradict their labels, as the command knows it (the stop's hint). */
  conflictCause?(): string;
  /** What a conflict is in this command's data (default: a chosen response scored lower). */
  conflictWords?: ConflictWords;
  /** The command's own warnings, after the shared ones. */
  warnings?(): void;
  /** Always called, last: the command's resources (a server session, worker threads). */
  close?(): Promise<void>;
}

export async function runRows<R extends BaseReport>(
  config: RunConfig,
  counts: RunCounts,
  stage: RowsStage<R>,
  io: Io,
  logger: Logger,
  shard?: string,
): Promise<R> {
  const started = Date.now();
  let out: RunOutput | null = null;
  try {
    const options: RunOutputOptions = {
      output: config.output,
      outputFormat: config.outputFormat,
      gzipLevel: stage.gzipLevel,
      rejects: config.rejects,
      report: config.report,
      spool: stage.spool,
      guardFormulas: stage.guardFormulas,
      noRows: stage.noRows,
      split: config.split,
      maxShardBytes: config.maxShardBytes,
      audit: config.audit,
      // A command that can stop on label conflicts holds its first rows back from stdout until it knows.
      holdStdout: stage.conflictCause !== undefined,
      version: config.version,
    };
    out = await RunOutput.open(options, io);
    await stage.run(out, new RowPolicy(config, counts, out.rejects));
    // A signal during the last chunk of work still stops the run before anything is published.
    stopIfInterrupted(io.signal);
    await out.finish();
    const conflicts = conflictError(
      counts,
      { maxConflictRate: config.maxConflictRate, sentRows: out.sentRows },
      stage.conflictCause?.() ?? 'are the score columns swapped, or are lower scores better in this data?',
      false,
      stage.conflictWords,
    );
    if (conflicts) throw conflicts;
    await out.release();
    const report = stage.report(baseReport(stage, config, counts));
    const empty = !stage.noRows && report.rows_written === 0 && !config.allowEmptyOutput;
    await stage.beforeCommit?.(out, empty);
    await out.commit(report, { rows: !empty });
    await stage.afterCommit?.(report, empty);
    if (!config.quiet) {
      const summary = stage.summary(report, (Date.now() - started) / 1000);
      // A JSON log is read by a program: the summary is one record of it, with the report's figures.
      io.stderr.write(
        config.logFormat === 'json'
          ? jsonRecord('info', summary.split('\n')[0] ?? '', { report, summary })
          : printable(summary),
      );
    }
    const duplicates = counts.duplicateKeyWarning();
    if (duplicates) logger.warn(duplicates);
    const unsaved = counts.unsavedSetAsideWarning(out.rejects !== null, stage.noun);
    if (unsaved) logger.warn(unsaved);
    stage.warnings?.();
    if (empty) throw nothingWrittenError(counts, config.inputs, config.rejects, shard);
    return report;
  } finally {
    await stage.close?.();
    await out?.close();
  }
}

function baseReport(stage: RowsStage<BaseReport>, config: RunConfig, counts: RunCounts): BaseReport {
  const base: BaseReport = {
    command: stage.command,
    radpo_version: config.version,
    output: stage.noRows ? null : config.output === '-' ? '<stdout>' : config.output,
    rows_read: counts.rowsRead,
    rows_written: counts.rowsWritten,
    set_aside: setAsideReport(counts),
  };
  const dup = counts.firstDuplicateKey;
  if (dup)
    base.duplicate_keys = {
      rows: counts.duplicateKeys,
      first: `${formatLocation(dup.location)} ${JSON.stringify(dup.key)}`,
    };
  return base;
}
