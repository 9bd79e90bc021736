/**
 * Run counts for the stderr summary and the --report JSON. The counts reconcile by construction:
 * rows_read = pairs_relabeled + set_aside.total, and rows_written = 2 × pairs_relabeled.
 */
import { formatScore } from '../core/goal.js';
import type { RowReason } from '../core/errors.js';
import { bar, formatCount } from './text.js';

export interface InputSummary {
  source: string;
  format: string;
  shape: string;
  scores: string;
  rows: number;
}

export class RunCounts {
  rowsRead = 0;
  pairsRelabeled = 0;
  rowsWritten = 0;
  ties = 0;
  contradicting = 0;
  /** Rows skipped because another --shard owns them (not part of rows_read). */
  otherShards = 0;
  readonly setAside = new Map<RowReason, number>();
  /** attribute name ('' for the overall score) -> formatted score -> count of written rows with that goal */
  readonly goalHistogram = new Map<string, Map<number, number>>();

  get setAsideTotal(): number {
    let total = 0;
    for (const n of this.setAside.values()) total += n;
    return total;
  }

  addSetAside(reason: RowReason): void {
    this.setAside.set(reason, (this.setAside.get(reason) ?? 0) + 1);
  }

  addGoal(attributes: readonly string[] | null, scores: readonly number[]): void {
    (attributes ?? ['']).forEach((name, i) => {
      let h = this.goalHistogram.get(name);
      if (!h) this.goalHistogram.set(name, (h = new Map()));
      const s = scores[i]!;
      h.set(s, (h.get(s) ?? 0) + 1);
    });
  }
}

/** Rows written with one goal score. */
export interface ScoreCount {
  score: number;
  rows: number;
}

export interface RunReport {
  command: string;
  radpo_version: string;
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
  judge?: Record<string, unknown>;
}

function histogramBins(h: Map<number, number>): ScoreCount[] {
  return [...h.keys()].sort((a, b) => a - b).map((score) => ({ score, rows: h.get(score)! }));
}

export function histogramReport(counts: RunCounts): RunReport['goal_score_histogram'] {
  if (counts.goalHistogram.size === 0) return [];
  if (counts.goalHistogram.size === 1 && counts.goalHistogram.has('')) return histogramBins(counts.goalHistogram.get('')!);
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
  lines.push(`radpo ${report.command}: ${n(report.rows_read)} rows read, ${n(report.rows_written)} rows written to ${report.output} in ${seconds.toFixed(1)}s`);
  for (const input of report.inputs) {
    lines.push(`  input ${input.source} (${input.format}, ${n(input.rows)} rows)`);
    lines.push(`    shape:  ${input.shape}`);
    lines.push(`    scores: ${input.scores}`);
  }
  lines.push(`  pairs relabeled: ${n(report.pairs_relabeled)} × 2 copies (format ${report.format}, placement ${report.placement}, order ${report.order})`);
  const reasons = Object.entries(report.set_aside.by_reason).map(([k, v]) => `${k} ${n(v)}`);
  lines.push(`  set aside: ${n(report.set_aside.total)}${reasons.length ? ` (${reasons.join(', ')})` : ''}${report.rejects ? ` -> ${report.rejects}` : ''}`);
  lines.push(`  ties: ${n(report.ties.count)} (${report.ties.policy === 'keep' ? 'kept' : 'dropped'})`);
  lines.push(`  contradicting label (chosen scored lower): ${n(report.contradicting_label)}`);
  const hist = report.goal_score_histogram;
  const groups: Array<[string, ScoreCount[]]> = Array.isArray(hist) ? [['goal score', hist]] : Object.entries(hist);
  for (const [name, bins] of groups) {
    if (bins.length === 0) continue;
    lines.push(`  ${name} histogram (rows):`);
    const max = Math.max(...bins.map((b) => b.rows));
    const labels = bins.map((b) => formatScore(b.score));
    const width = Math.max(...labels.map((l) => l.length));
    bins.forEach((b, i) => lines.push(`    ${labels[i]!.padStart(width)} ${String(b.rows).padStart(7)} ${bar(b.rows, max, 30)}`));
  }
  return `${lines.join('\n')}\n`;
}
