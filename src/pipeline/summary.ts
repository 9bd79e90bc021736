/**
 * Run counts for the stderr summary and the --report JSON. The counts reconcile by construction:
 * rows_read = pairs_relabeled + set_aside.total, and rows_written = 2 × pairs_relabeled.
 */
import { formatScore } from '../core/goal.js';
import { wilson, Z95, Z999 } from '../core/stats.js';
import { RadpoError, formatLocation, type Location, type RowReason } from '../core/errors.js';
import { bar, counted, formatCount } from './text.js';

export interface InputSummary {
  source: string;
  format: string;
  shape: string;
  scores: string;
  rows: number;
  /** Columns that look like prompt content and are not read (named in a warning too). */
  unused_columns?: string[];
}

/** The histogram's one name when the goal has no attributes. */
const ONE_GOAL: readonly string[] = [''];

export class RunCounts {
  rowsRead = 0;
  pairsRelabeled = 0;
  rowsWritten = 0;
  ties = 0;
  /** Pairs with scores and a label (chosen over rejected), and those whose scores say the opposite. */
  labelled = 0;
  contradicting = 0;
  /** Rows with a score --precision rounded. */
  roundedScores = 0;
  /** The first goal score with more than four digits after the point (without --precision). */
  longFraction: number | null = null;
  /** Rows skipped because another --shard owns them (not part of rows_read). */
  otherShards = 0;
  /** Rows with a key given twice in one object, and the first of them. */
  duplicateKeys = 0;
  firstDuplicateKey: { key: string; location: Location } | null = null;
  readonly setAside = new Map<RowReason, number>();
  /** attribute name ('' for the overall score) -> formatted score -> count of written rows with that goal */
  readonly goalHistogram = new Map<string, Map<number, number>>();

  get setAsideTotal(): number {
    let total = 0;
    for (const n of this.setAside.values()) total += n;
    return total;
  }

  addDuplicateKey(found: { key: string; location: Location }): void {
    this.duplicateKeys += 1;
    this.firstDuplicateKey ??= found;
  }

  /** The warning for rows whose JSON gave a key twice (null when there were none). */
  duplicateKeyWarning(): string | null {
    const first = this.firstDuplicateKey;
    if (!first) return null;
    return (
      `${counted(this.duplicateKeys, 'row has', 'rows have')} a key given twice in one JSON object ` +
      `(first: ${formatLocation(first.location)}, ${JSON.stringify(first.key)}); the last value was used, as ` +
      `JSON.parse does`
    );
  }

  /**
   * The warning for rows set aside with no --rejects file to keep them (null when there were none, or they were kept).
   */
  unsavedSetAsideWarning(keptInRejects: boolean, noun: 'rows' | 'prompts' = 'rows'): string | null {
    if (keptInRejects || this.setAsideTotal === 0) return null;
    const rows =
      noun === 'rows'
        ? counted(this.setAsideTotal, 'row was', 'rows were')
        : counted(this.setAsideTotal, 'prompt was', 'prompts were');
    return `${rows} set aside and not saved; pass --rejects FILE to keep them with their reasons`;
  }

  addSetAside(reason: RowReason): void {
    this.setAside.set(reason, (this.setAside.get(reason) ?? 0) + 1);
  }

  addGoal(attributes: readonly string[] | null, scores: readonly number[]): void {
    // A loop, not forEach over a fresh array: this runs twice per pair.
    const names = attributes ?? ONE_GOAL;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      let h = this.goalHistogram.get(name);
      if (!h) this.goalHistogram.set(name, (h = new Map()));
      const s = scores[i]!;
      h.set(s, (h.get(s) ?? 0) + 1);
    }
  }
}

/** What every command's --report holds; each command's report extends it. */
export interface BaseReport {
  command: string;
  radpo_version: string;
  /** Where the rows went ('<stdout>'), or null when the run writes no rows (a batch file only). */
  output: string | null;
  rows_read: number;
  rows_written: number;
  set_aside: { total: number; by_reason: Record<string, number> };
  /** Only when some row had a key twice: how many, and the first. */
  duplicate_keys?: { rows: number; first: string };
}

/** Rows written with one goal score. */
interface ScoreCount {
  score: number;
  rows: number;
}

export interface RunReport extends BaseReport {
  inputs: InputSummary[];
  output: string;
  rejects: string | null;
  format: string;
  placement: string;
  order: string;
  goal: { template: string; scale: { min: number; max: number }; attributes: readonly string[] | null };
  rows_read: number;
  pairs_relabeled: number;
  rows_written: number;
  set_aside: { total: number; by_reason: Record<string, number> };
  ties: { count: number; policy: string };
  contradicting_label: number;
  /** Rows written per goal score, ascending; per attribute when the goal has several. */
  goal_score_histogram: ScoreCount[] | Record<string, ScoreCount[]>;
  shard?: { shard: string; rows_in_other_shards: number };
  /** Worker threads that ran (0: the main thread), and the most input bytes that were in flight at once. */
  threads?: { workers: number; in_flight_high_water_bytes: number };
  /** With --precision: the digits, and the rows whose scores it changed. */
  rounded_scores?: { digits: number; rows: number };
  judge?: Record<string, unknown>;
}

function histogramBins(h: Map<number, number>): ScoreCount[] {
  return [...h.keys()].sort((a, b) => a - b).map((score) => ({ score, rows: h.get(score)! }));
}

export function histogramReport(counts: RunCounts): RunReport['goal_score_histogram'] {
  if (counts.goalHistogram.size === 0) return [];
  if (counts.goalHistogram.size === 1 && counts.goalHistogram.has(''))
    return histogramBins(counts.goalHistogram.get('')!);
  const out: Record<string, ScoreCount[]> = {};
  for (const [name, h] of counts.goalHistogram) out[name] = histogramBins(h);
  return out;
}

export function setAsideReport(counts: RunCounts): RunReport['set_aside'] {
  const byReason: Record<string, number> = {};
  for (const key of [...counts.setAside.keys()].sort()) byReason[key] = counts.setAside.get(key)!;
  return { total: counts.setAsideTotal, by_reason: byReason };
}

/** The human summary printed on stderr at the end of a run. */
export function renderSummary(report: RunReport, seconds: number): string {
  const lines: string[] = [];
  const n = formatCount;
  lines.push(
    `radpo ${report.command}: ${counted(report.rows_read, 'row')} read, ${counted(report.rows_written, 'row')}` +
      ` written ` +
      `to ${report.output} in ${seconds.toFixed(1)}s`,
  );
  for (const input of report.inputs) {
    lines.push(`  input ${input.source} (${input.format}, ${counted(input.rows, 'row')})`);
    lines.push(`    shape:  ${input.shape}`);
    lines.push(`    scores: ${input.scores}`);
  }
  lines.push(
    `  pairs relabeled: ${n(report.pairs_relabeled)} × 2 copies ` +
      `(format ${report.format}, placement ${report.placement}, order ${report.order})`,
  );
  if (report.threads)
    lines.push(`  threads: ${report.threads.workers === 0 ? 'the main thread' : `${report.threads.workers} workers`}`);
  const reasons = Object.entries(report.set_aside.by_reason).map(([k, v]) => `${k} ${n(v)}`);
  lines.push(
    `  set aside: ${n(report.set_aside.total)}${
      reasons.length ? ` (${reasons.join(', ')})` : ''
    }${report.rejects ? ` -> ${report.rejects}` : ''}`,
  );
  lines.push(`  ties: ${n(report.ties.count)} (${report.ties.policy === 'keep' ? 'kept' : 'dropped'})`);
  // Kept ties are relabeled but say nothing about their label: the rate is over the pairs whose scores differ.
  const untied = report.pairs_relabeled - (report.ties.policy === 'keep' ? report.ties.count : 0);
  lines.push(conflictLine(report.contradicting_label, untied));
  if (report.rounded_scores)
    lines.push(
      `  scores rounded to ${report.rounded_scores.digits} digits (--precision): ${n(report.rounded_scores.rows)} ` +
        `${report.rounded_scores.rows === 1 ? 'row' : 'rows'}`,
    );
  if (report.duplicate_keys)
    lines.push(
      `  rows with a key given twice: ${n(report.duplicate_keys.rows)} (first: ${report.duplicate_keys.first})`,
    );
  const hist = report.goal_score_histogram;
  const groups: Array<[string, ScoreCount[]]> = Array.isArray(hist) ? [['goal score', hist]] : Object.entries(hist);
  for (const [name, bins] of groups) {
    if (bins.length === 0) continue;
    lines.push(`  ${name} histogram (rows):`);
    const max = Math.max(...bins.map((b) => b.rows));
    const labels = bins.map((b) => formatScore(b.score));
    const width = Math.max(...labels.map((l) => l.length));
    for (const [i, b] of bins.entries()) {
      lines.push(`    ${labels[i]!.padStart(width)} ${String(b.rows).padStart(7)} ${bar(b.rows, max, 30)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Scored pairs below which the conflict stop never acts, and before which it never acts mid-run. */
const MIN_CONFLICT_PAIRS = 10;
const EARLY_CONFLICT_PAIRS = 100;

/**
 * A run whose scores contradict the labels of more than `max` of its scored pairs: that many conflicts
 * is no judge's noise but scores attached to the wrong side (swapped columns, a scores file read in
 * another order), so nothing is written. The rate must be above `max` beyond doubt (the lower end of
 * its 95% interval): a judge that agrees with the labels about half the time is weak, not swapped, and
 * 19 conflicts in 35 pairs say nothing either way. `cause` is the likely one, as the command knows it.
 * Mid-run (`early`) it acts from 100 pairs on: sooner than a bad row further on would. A mid-run check is
 * made again and again (every 64 pairs), and each one at 95% would stop runs whose whole data passes (a
 * weak judge near the bound: relabel stopped at 60.2% of the first 128 pairs where score, checking once,
 * passed the same file at 52.4%): mid-run the rate must be above `max` at 99.9%, so a stop there is one the
 * end of the run would make too, almost surely.
 */
/**
 * What a conflict is, in the command's data: relabel and score check a chosen/rejected label against the
 * scores (radpo audit lists such pairs); pairs checks ranks given beside the scores that picked its pairs.
 */
export interface ConflictWords {
  meaning: string;
  where: string;
}

const LABEL_CONFLICT: ConflictWords = {
  meaning: 'chosen scored lower',
  where: 'radpo audit FILE shows the conflicting pairs',
};

export function conflictError(
  counts: RunCounts,
  config: { maxConflictRate: number; sentRows: boolean },
  cause: string,
  early = false,
  words: ConflictWords = LABEL_CONFLICT,
): RadpoError | null {
  const max = config.maxConflictRate;
  const n = counts.labelled;
  if (n < (early ? EARLY_CONFLICT_PAIRS : MIN_CONFLICT_PAIRS) || counts.contradicting / n <= max) return null;
  const confidence = early ? 0.999 : 0.95;
  const [low] = wilson(counts.contradicting, n, early ? Z999 : Z95)!;
  if (low <= max) return null;
  const rate = counts.contradicting / counts.labelled;
  const pairs = `${early ? 'the first ' : ''}${formatCount(counts.labelled)} untied scored pairs`;
  // Rows for stdout are held until the check passes (pipeline/run-output.ts), unless there were too many.
  const written = config.sentRows
    ? 'the rows already sent to stdout (past the 8 MiB held back) carry these scores: discard them'
    : 'nothing was written';
  return new RadpoError(
    'data',
    `${formatCount(counts.contradicting)} of ${pairs} (${(100 * rate).toFixed(1)}%, at least ` +
      `${(100 * low).toFixed(1)}% at ${100 * confidence}% confidence) have scores that contradict their label ` +
      `(${words.meaning}), above --max-conflict-rate ${max}; ${written}`,
    `${cause}; if the scores are right and the labels are not, write the pairs anyway with --max-conflict-rate 1 ` +
      `(${words.where})`,
  );
}

/** Enough scored pairs were seen for the mid-run stop to have judged them (see conflictError's `early`). */
export function conflictWindowClosed(counts: RunCounts): boolean {
  return counts.labelled >= EARLY_CONFLICT_PAIRS;
}

/** The summary's line of label conflicts: under the stop, a pointer to the audit that lists them. */
export function conflictLine(contradicting: number, labelled: number, words: ConflictWords = LABEL_CONFLICT): string {
  const line = `  contradicting label (${words.meaning}): ${formatCount(contradicting)}`;
  if (contradicting === 0 || labelled === 0) return line;
  return `${line} (${((100 * contradicting) / labelled).toFixed(1)}% of untied scored pairs; ${words.where})`;
}

/**
 * A run that wrote no row fails (exit 1) unless --allow-empty-output: a CI step must not go on to train
 * on an empty file. The message says why: no rows at all, every row set aside (by reason), or every row
 * in another shard.
 */
export function nothingWrittenError(
  counts: RunCounts,
  inputs: readonly string[],
  rejects: string | undefined,
  shard?: string,
): RadpoError {
  // The --shard example only where a shard was asked for: the other commands have no --shard.
  const example = shard ? ' (e.g. a --shard of a small input)' : '';
  const hint = `pass --allow-empty-output to accept an empty output${example}`;
  const n = formatCount;
  if (counts.rowsRead === 0 && counts.otherShards > 0) {
    return new RadpoError(
      'nothing_written',
      `no row was written: shard ${shard} owns none of the input's ${counted(counts.otherShards, 'row')} (a row ` +
        `belongs to the shard of its prompt's hash)`,
      hint,
    );
  }
  if (counts.rowsRead === 0) {
    return new RadpoError(
      'nothing_written',
      `no row was written: the input is ` +
        `empty (${inputs.map((i) => (i === '-' ? '<stdin>' : i)).join(', ')} held no records)`,
      `check the input; ${hint}`,
    );
  }
  const reasons = setAsideReport(counts).by_reason;
  const why = Object.entries(reasons)
    .map(([reason, count]) => `${n(count)} ${reason}`)
    .join(', ');
  const where =
    rejects === undefined
      ? 'pass --rejects FILE to see each row with its reason'
      : rejects === '-'
        ? 'see the rejects on stdout'
        : `see ${rejects}`;
  return new RadpoError(
    'nothing_written',
    `no row was written: ` +
      `all ${n(counts.rowsRead)} ${counts.rowsRead === 1 ? 'row was' : 'rows were'} set aside: ${why}`,
    `${where}; ${hint}`,
  );
}
