/**
 * `radpo audit`'s figures: can a file's scores be trusted to condition a policy on? Pure functions over
 * scored pairs held as columns (typed arrays), so a million pairs cost a few tens of MB and no text.
 * Definitions (Δ = chosen score − rejected score; the label is the pair's orientation, or a winner column)
 * are in docs/AUDIT.md; each figure here says which.
 */
import { formatScore, type Scale } from './goal.js';
import { seededRandom } from './random.js';
import { meetsMinGap } from './relabel.js';
import {
  clusteredWilson,
  cohenKappa,
  icc21,
  kendallTauB,
  logisticSlope,
  normalizedEntropy,
  pearson,
  quantileSorted,
  spearman,
  wilson,
} from './stats.js';

/** The pairs of a file, one entry per pair in reading order. */
export interface AuditPairs {
  count: number;
  chosen: Float64Array;
  rejected: Float64Array;
  /** 1: the label prefers the chosen response; 0: the label is a tie (winner columns only). */
  label: Uint8Array;
  /** The pair's prompt, as an index 0 … prompts−1 (the bootstrap resamples prompts). */
  prompt: Int32Array;
  prompts: number;
  /** Unicode code points of each side's final response (the length-bias rule counts code points). */
  chosenLength: Int32Array;
  rejectedLength: Int32Array;
  /** A hash of each response's text, to count a response once per prompt when pairs share one. */
  chosenText: Int32Array;
  rejectedText: Int32Array;
  /** Which slot the chosen response sat in: 1 response A, 0 response B, 2 not known (no winner layout). */
  chosenIsA: Uint8Array;
  /** The pair's group (--group-col) as an index into `groupNames`; −1: no group. */
  group: Int32Array;
  groupNames: readonly string[];
}

/** Scores of the same pairs from somewhere else (a rerun, a reference); NaN where a pair has none. */
export interface PairScoreColumns {
  chosen: Float64Array;
  rejected: Float64Array;
  /** A rerun's slot of the chosen response (as `AuditPairs.chosenIsA`): where it differs, the order was swapped. */
  chosenIsA?: Uint8Array;
}

interface AuditOptions {
  scale: Scale;
  /** Where the scale came from: --scale, a relabeled file's goal, the paper's 1-10 (every score fits) or as seen. */
  scaleSource: ScaleSource;
  /** Min-gap values to sweep (null: 0, 0.5, 1, … up to the largest |Δ|). */
  gaps: readonly number[] | null;
  targetAgreement: number;
  bootstrap: number;
  seed: number;
  /** Rows whose scores could not be read (missing, not numeric): scale health's parse failures. */
  unscored: number;
  rows: number;
  reruns: readonly PairScoreColumns[];
  reference: PairScoreColumns | null;
  aspects: { names: readonly string[]; columns: readonly PairScoreColumns[] } | null;
  /**
   * Called between chunks of long work (the bootstrap): the caller yields to the event loop there and
   * throws when the run was interrupted, so a Ctrl-C is seen within a chunk.
   */
  checkpoint?: () => Promise<void>;
}

/**
 * Where the scale came from: --scale, a relabeled file's goal, inferred from whole-number scores (1-5, 0-5,
 * 1-7), the paper's 1-10 (every score fits), or the range seen (no floor or ceiling share: meaningless there).
 */
export type ScaleSource = 'flag' | 'goal' | 'inferred' | 'paper' | 'observed';

/** Something a reader of the figures must know; `code` is stable for scripts, the CLI adds what to do. */
export interface AuditWarning {
  code: WarningCode;
  message: string;
  hint?: string;
}

/**
 * A number as the audit's table, page and messages show it: the score's own form, but a compact exponent
 * past a million (1e+300, not 301 digits), so huge scores cannot push the figures off the screen.
 */
export function displayNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e6 ? Number(x.toPrecision(4)).toExponential() : formatScore(x);
}

/** "1 pair", "2 pairs": a count with its noun. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A scale for reading: 1-10, but -1 to 1 (not -1-1) when it starts below zero. */
export function scaleText(scale: { min: number; max: number }): string {
  const [lo, hi] = [displayNumber(scale.min), displayNumber(scale.max)];
  return scale.min < 0 ? `${lo} to ${hi}` : `${lo}-${hi}`;
}

/** Every warning's stable code: the verdicts of core/audit-verdicts.ts, then what reading found. */
export type WarningCode =
  | 'no_signal'
  | 'scores_constant'
  | 'scores_coarse'
  | 'labels_from_scores'
  | 'wide_gap_disagreement'
  | 'labels_flipped'
  | 'length_bias'
  | 'position_bias'
  | 'scale_ceiling'
  | 'scale_floor'
  | 'scores_off_scale'
  | 'few_pairs'
  | 'one_prompt'
  | 'cached_rerun'
  | 'unmatched_rows'
  | 'join_rows_not_read'
  | 'uncovered_pairs'
  | 'aspects_only'
  | 'rows_not_audited'
  | 'group_missing'
  | 'duplicate_pairs';

/** A rate with its bootstrap interval and the count it is over. */
interface Estimate {
  value: number | null;
  ci: [number, number] | null;
  n: number;
}

interface SweepRow {
  gap: number;
  pairs: number;
  share: number;
  prompts: number;
  /** ties_dropped among the kept pairs. */
  agreement: number | null;
  agreement_ci: [number, number] | null;
  agreement_n: number;
  /**
   * The suggestion's bound, free of any seed: the lower end of the clustered Wilson interval (prompts as
   * clusters), and how far a bootstrap percentile bound of these resamples strays from it by Monte-Carlo
   * error alone (99%; 0 without a bootstrap). Null when no pair is scored apart.
   */
  bound: { value: number; mc_error: number } | null;
  conflicts: number;
}

interface HistogramBin {
  label: string;
  lo: number;
  hi: number;
  count: number;
}

interface CalibrationBin {
  lo: number;
  hi: number;
  pairs: number;
  agreement: number | null;
  ci: [number, number] | null;
}

export interface AuditFigures {
  pairs: number;
  prompts: number;
  scale: { min: number; max: number; source: ScaleSource };
  scale_health: {
    scores: number;
    histogram: HistogramBin[];
    floor_share: number | null;
    ceiling_share: number | null;
    normalized_entropy: number | null;
    distinct_values: number;
    /** Scores outside the scale (a --scale or goal the scores do not keep to); entropy is then not reported. */
    off_scale: number;
    parse_failures: { count: number; rate: number | null };
  };
  ties: { count: number; rate: number | null };
  label_agreement: {
    ties_half: Estimate;
    ties_dropped: Estimate;
    ties_wrong: Estimate;
    /** FastChat's "with tie": a tie label agrees with equal scores, a side with the higher score (tie labels only). */
    three_way: Estimate | null;
    /** κ on {chosen, tie, rejected}, each pair counted both ways round (the A/B order of a tie cannot move it). */
    cohen_kappa: number | null;
    tie_labels: { count: number; scored_tie_rate: number | null } | null;
  };
  conflicts: { count: number; rate: number | null; ci: [number, number] | null };
  length_bias: {
    min_difference: number;
    pairs: number;
    p_higher_score_longer: { value: number | null; n: number };
    p_label_longer: { value: number | null; n: number };
    longer_baseline: { ties_half: number | null; ties_dropped: number | null };
  };
  calibration: {
    bins: CalibrationBin[];
    logistic: null | { slope: number; ci: [number, number]; n: number; gap_at_target: number | null };
    /** Why there is no logistic fit (null when there is one). */
    logistic_missing: string | null;
    /**
     * Agreement among the quarter of pairs whose scores differ most. A judge that sees a clear difference
     * should agree with a sound label nearly always there; a plateau well below 1 says labels were flipped
     * (or the judge is wrong where it is surest), and 1 − agreement estimates how many.
     */
    widest_gaps: null | { min_gap: number; pairs: number; agreement: number; ci: [number, number] };
  };
  /** Winner layouts (A and B known): does the judge favour a slot? */
  position_bias: PositionBias | null;
  min_gap_sweep: SweepRow[];
  suggested_min_gap: Suggestion;
  groups: GroupFigures[] | null;
  retest?: RetestFigures;
  reference?: ReferenceFigures;
  aspects?: AspectFigures;
  bootstrap: { resamples: number; seed: number; unit: 'prompt' };
  /** Where the judge is surest (the widest quarter of gaps): what a rerun and a reference say of it. */
  evidence: {
    rerun: { pairs: number; changed: number | null };
    reference: { pairs: number; agreement: number | null };
  } | null;
  warnings: AuditWarning[];
}

interface PositionBias {
  /** Pairs with a side label, unequal scores and known slots: what both shares are over. */
  pairs: number;
  judge_prefers_a: number | null;
  label_prefers_a: number | null;
  /** judge_prefers_a − label_prefers_a, with its bootstrap interval (prompts resampled). */
  difference: { value: number | null; ci: [number, number] | null };
  /** A rerun with A and B swapped: the share of pairs whose verdict follows the response, not the slot. */
  swap_consistency: { value: number | null; n: number } | null;
}

export interface Suggestion {
  gap: number | null;
  /** The agreement the bound must reach (--target-agreement). */
  target: number;
  /**
   * ok: the bound clears the target beyond the bootstrap's Monte-Carlo error; borderline: the first gap
   * whose bound is within that error of the target (another seed could put it either side); none;
   * unsupported: a verdict says agreement with these labels carries no information, so no gap is read off it.
   */
  status: 'ok' | 'borderline' | 'none' | 'unsupported';
  /** With borderline: the smallest larger gap that clears the target beyond the error, if one does. */
  nearest: number | null;
  /** The retest noise gap (shown on the sweep; pairs closer than it may reorder on a rerun). */
  noise_gap: number | null;
  reason: string;
}

interface GroupFigures {
  group: string;
  pairs: number;
  prompts: number;
  label_agreement: { value: number | null; ci: [number, number] | null; n: number };
  conflicts: { count: number; rate: number | null };
  ties: { count: number; rate: number | null };
  length_bias: { p_higher_score_longer: number | null; p_label_longer: number | null; n: number };
}

interface RetestFigures {
  runs: number;
  pairs: number;
  responses: number;
  mean_abs_diff: number | null;
  exact_repeat_rate: number | null;
  /** reversal_rate + tie_change_rate: pairs whose verdict (higher, equal, lower) changed. */
  flip_rate: number | null;
  /** The higher-scored side changed (+ ↔ −). */
  reversal_rate: number | null;
  /** Equal scores became unequal or the other way (0 ↔ ±). */
  tie_change_rate: number | null;
  icc: number | null;
  noise_gap: number | null;
  identical: boolean;
  /** Run 1 against run 2 (the first rerun): each distinct point and how many responses sit on it. */
  points: Array<[number, number, number]>;
}

interface ReferenceFigures {
  responses: number;
  pearson: number | null;
  spearman: number | null;
  kendall_tau_b: number | null;
  quadratic_kappa: number | null;
  per_prompt_spearman: { mean: number | null; prompts: number };
  pair_agreement: { value: number | null; n: number };
}

interface AspectFigures {
  names: string[];
  pairs: number;
  conflicts: { count: number; rate: number | null };
  extreme_mismatches: { count: number; rate: number | null; threshold: number };
  per_aspect: Array<{ name: string; spearman_with_overall: number | null; conflicts: number }>;
}

/** The length rule of alpaca_eval's analysis: lengths that differ by this many code points or fewer are equal. */
const LENGTH_MARGIN = 30;

const sign = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);
const rate = (k: number, n: number) => (n > 0 ? k / n : null);

/** Code points of a string (a surrogate pair is one). */
export function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n -= 1;
        i += 1;
      }
    }
  }
  return n;
}

/** Exact counts when there are few distinct scores (judge ratings), else 10 equal-width bins (reward models). */
export function scoreHistogram(values: ArrayLike<number>): HistogramBin[] {
  if (values.length === 0) return [];
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) counts.set(values[i]!, (counts.get(values[i]!) ?? 0) + 1);
  if (counts.size <= 25) {
    return [...counts.keys()]
      .sort((a, b) => a - b)
      .map((v) => ({ label: formatScore(v), lo: v, hi: v, count: counts.get(v)! }));
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  const width = (max - min) / 10;
  const bins = Array.from({ length: 10 }, () => 0);
  for (let i = 0; i < values.length; i++) bins[Math.min(9, Math.floor((values[i]! - min) / width))]! += 1;
  const round = (x: number) => formatScore(Number(x.toPrecision(3)));
  return bins.map((count, i) => ({
    label: `${round(min + i * width)}..${round(min + (i + 1) * width)}`,
    lo: min + i * width,
    hi: min + (i + 1) * width,
    count,
  }));
}

/** The step of the grid every score sits on (1, 0.5, 0.1…), or null for continuous scores. */
function gridStep(values: ArrayLike<number>): number | null {
  for (const step of [1, 0.5, 0.25, 0.1]) {
    let on = true;
    for (let i = 0; i < values.length && on; i++) {
      const q = values[i]! / step;
      on = Math.abs(q - Math.round(q)) < 1e-9;
    }
    if (on) return step;
  }
  return null;
}

function scaleHealth(pairs: AuditPairs, options: AuditOptions): AuditFigures['scale_health'] {
  const scores = new Float64Array(pairs.count * 2);
  scores.set(pairs.chosen.subarray(0, pairs.count), 0);
  scores.set(pairs.rejected.subarray(0, pairs.count), pairs.count);
  const { min, max } = options.scale;
  let floor = 0;
  let ceiling = 0;
  let off = 0;
  const distinct = new Map<number, number>();
  for (const s of scores) {
    if (s === min) floor += 1;
    if (s === max) ceiling += 1;
    if (s < min || s > max) off += 1;
    distinct.set(s, (distinct.get(s) ?? 0) + 1);
  }
  // Entropy over the scale's own points (a judge that only says 7 and 8 on a 1-10 scale uses little of
  // it), or over 10 equal bins of the scale for continuous scores.
  const step = gridStep(scores);
  let entropy: number | null;
  // Scores off the scale have no point of it to count on: an entropy over its points would pass 1.
  if (off > 0) entropy = null;
  else if (step !== null) entropy = normalizedEntropy(distinct.values(), Math.round((max - min) / step) + 1);
  else {
    const bins = new Float64Array(10);
    for (const s of scores) bins[Math.max(0, Math.min(9, Math.floor(((s - min) / (max - min)) * 10)))]! += 1;
    entropy = normalizedEntropy(bins, 10);
  }
  return {
    scores: scores.length,
    histogram: scoreHistogram(scores),
    // A range read off the data has the lowest and highest scores at its ends by construction.
    floor_share: options.scaleSource === 'observed' ? null : rate(floor, scores.length),
    ceiling_share: options.scaleSource === 'observed' ? null : rate(ceiling, scores.length),
    normalized_entropy: entropy,
    distinct_values: distinct.size,
    off_scale: off,
    parse_failures: { count: options.unscored, rate: rate(options.unscored, options.rows) },
  };
}

/** 0, 0.5, 1, … up to the largest |Δ|; a coarser round step when that would be more than 40 gaps. */
function defaultGaps(maxGap: number): number[] {
  // A non-finite largest gap never gets here (such a pair is a bad score, set aside when read): guarded
  // anyway, as the loop below would never end.
  if (!(maxGap > 0) || !Number.isFinite(maxGap)) return [0];
  let step = 0.5;
  if (maxGap / step > 40) {
    const raw = maxGap / 20;
    const power = 10 ** Math.floor(Math.log10(raw));
    step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  }
  const gaps: number[] = [];
  for (let k = 0; k * step <= maxGap + 1e-9 * Math.max(1, maxGap); k++) gaps.push(Number((k * step).toPrecision(12)));
  return gaps;
}

/** Slots after the sweep's counts: tie labels (scores equal, unequal) and the position counts. */
const TIE_TIE = 0;
const TIE_OTHER = 1;
const AB_PAIRS = 2;
const AB_JUDGE_A = 3;
const AB_LABEL_A = 4;
const EXTRA = 5;

/**
 * The counts every agreement figure and the sweep derive from, for one weighting of the prompts (all 1 for
 * the point figures; a bootstrap resample's multiplicities for its intervals): per gap bin, the weight of
 * side-labelled pairs whose Δ is positive, zero and negative; then the tie labels and the slot counts.
 */
class GapCounts {
  /** The bin of each pair: how many gaps past 0 its |Δ| reaches (−1: a tie label, not in the sweep). */
  readonly bin: Int32Array;
  readonly signIndex: Uint8Array;
  /** Bits: 1 counted for position, 2 the judge scored A higher, 4 the label is A. */
  readonly slot: Uint8Array;
  constructor(
    private readonly pairs: AuditPairs,
    readonly gaps: readonly number[],
  ) {
    this.bin = new Int32Array(pairs.count);
    this.signIndex = new Uint8Array(pairs.count);
    this.slot = new Uint8Array(pairs.count);
    for (let i = 0; i < pairs.count; i++) {
      const delta = pairs.chosen[i]! - pairs.rejected[i]!;
      if (pairs.label[i] !== 1) {
        this.bin[i] = -1;
        this.signIndex[i] = delta === 0 ? TIE_TIE : TIE_OTHER;
        continue;
      }
      let b = 0;
      while (b + 1 < gaps.length && meetsMinGap(delta, gaps[b + 1]!)) b++;
      this.bin[i] = b;
      this.signIndex[i] = delta > 0 ? 0 : delta === 0 ? 1 : 2;
      const a = pairs.chosenIsA[i]!;
      if (delta !== 0 && a !== 2) this.slot[i] = 1 | (delta > 0 === (a === 1) ? 2 : 0) | (a === 1 ? 4 : 0);
    }
  }

  /** Cumulative counts per gap ([positive, zero, negative] of the pairs kept at each gap), then EXTRA slots. */
  count(weights: Int32Array | null): Float64Array {
    const g = this.gaps.length;
    const counts = new Float64Array(g * 3 + EXTRA);
    const extra = g * 3;
    const { bin, signIndex, slot } = this;
    const prompt = this.pairs.prompt;
    for (let i = 0; i < bin.length; i++) {
      const w = weights === null ? 1 : weights[prompt[i]!]!;
      if (w === 0) continue;
      const b = bin[i]!;
      if (b < 0) {
        counts[extra + signIndex[i]!]! += w;
        continue;
      }
      counts[b * 3 + signIndex[i]!]! += w;
      const s = slot[i]!;
      if (s !== 0) {
        counts[extra + AB_PAIRS]! += w;
        if (s & 2) counts[extra + AB_JUDGE_A]! += w;
        if (s & 4) counts[extra + AB_LABEL_A]! += w;
      }
    }
    for (let b = g - 2; b >= 0; b--) for (let s = 0; s < 3; s++) counts[b * 3 + s]! += counts[(b + 1) * 3 + s]!;
    return counts;
  }
}

/** Figures after the sweep's: three-way agreement, the position difference and its two shares. */
const THREE_WAY = 0;
const POSITION_DIFFERENCE = 1;
const JUDGE_A = 2;
const LABEL_A = 3;

/**
 * The figures of one set of counts, in a fixed order: the three conventions, conflicts, each gap's
 * agreement, then three-way agreement and the position figures.
 */
function figuresOf(counts: Float64Array, gaps: number): Float64Array {
  const out = new Float64Array(4 + gaps + 4);
  const [pos, zero, neg] = [counts[0]!, counts[1]!, counts[2]!];
  const n = pos + zero + neg;
  out[0] = n > 0 ? (pos + zero / 2) / n : Number.NaN;
  out[1] = pos + neg > 0 ? pos / (pos + neg) : Number.NaN;
  out[2] = n > 0 ? pos / n : Number.NaN;
  out[3] = n > 0 ? neg / n : Number.NaN;
  for (let j = 0; j < gaps; j++) {
    const p = counts[j * 3]!;
    const m = counts[j * 3 + 2]!;
    out[4 + j] = p + m > 0 ? p / (p + m) : Number.NaN;
  }
  const x = gaps * 3;
  const after = 4 + gaps;
  const tieLabels = counts[x + TIE_TIE]! + counts[x + TIE_OTHER]!;
  out[after + THREE_WAY] = tieLabels > 0 ? (pos + counts[x + TIE_TIE]!) / (n + tieLabels) : Number.NaN;
  const ab = counts[x + AB_PAIRS]!;
  out[after + JUDGE_A] = ab > 0 ? counts[x + AB_JUDGE_A]! / ab : Number.NaN;
  out[after + LABEL_A] = ab > 0 ? counts[x + AB_LABEL_A]! / ab : Number.NaN;
  out[after + POSITION_DIFFERENCE] = out[after + JUDGE_A]! - out[after + LABEL_A]!;
  return out;
}

/** A percentile interval. */
interface Interval {
  ci: [number, number];
}

/** Resamples per chunk of the bootstrap: between chunks, the caller's checkpoint may stop the run. */
const CHUNK = 64;

/**
 * Percentile bootstrap intervals of every figure of `figuresOf`, resampling prompts with replacement (the
 * pairs of a prompt, and radpo's two copies of a pair, move together). Seeded: same input and seed, same
 * intervals.
 */
async function bootstrapIntervals(
  pairs: AuditPairs,
  counts: GapCounts,
  options: Pick<AuditOptions, 'bootstrap' | 'seed' | 'checkpoint'>,
): Promise<Array<Interval | null>> {
  const resamples = options.bootstrap;
  const figures = 8 + counts.gaps.length;
  if (resamples <= 0 || pairs.prompts === 0) return Array.from({ length: figures }, () => null);
  const random = seededRandom(options.seed);
  const weights = new Int32Array(pairs.prompts);
  const draws = Array.from({ length: figures }, () => new Float64Array(resamples));
  for (let r = 0; r < resamples; r++) {
    if (r % CHUNK === 0) await options.checkpoint?.();
    weights.fill(0);
    for (let k = 0; k < pairs.prompts; k++) weights[Math.floor(random() * pairs.prompts)]! += 1;
    const values = figuresOf(counts.count(weights), counts.gaps.length);
    for (let f = 0; f < figures; f++) draws[f]![r] = values[f]!;
  }
  return draws.map((values) => {
    const finite = values.filter((v) => !Number.isNaN(v)).sort();
    if (finite.length < resamples / 2) return null;
    return {
      ci: [quantileSorted(finite, 0.025), quantileSorted(finite, 0.975)],
    };
  });
}

/**
 * The seed-free bound the suggestion decides on at gap index `j`: the clustered Wilson lower bound of the
 * agreement among kept pairs, and the Monte-Carlo error a percentile bootstrap of R resamples has around
 * such a bound — SE(2.5% quantile) ≈ σ·√(q(1−q)/R)/φ(z_q) = 2.671·σ/√R for a normal spread σ — times 2.576.
 */
function decisionBound(pairs: AuditPairs, counts: GapCounts, j: number, resamples: number): SweepRow['bound'] {
  const agree = new Float64Array(pairs.prompts);
  const decisive = new Float64Array(pairs.prompts);
  for (let i = 0; i < pairs.count; i++) {
    if (counts.bin[i]! < j || counts.signIndex[i] === 1) continue;
    decisive[pairs.prompt[i]!]! += 1;
    if (counts.signIndex[i] === 0) agree[pairs.prompt[i]!]! += 1;
  }
  const fit = clusteredWilson(agree, decisive);
  if (fit === null) return null;
  let k = 0;
  let n = 0;
  for (let c = 0; c < pairs.prompts; c++) {
    k += agree[c]!;
    n += decisive[c]!;
  }
  const p = k / n;
  const sigma = Math.sqrt((p * (1 - p)) / fit.effectiveN);
  return { value: fit.ci[0], mc_error: resamples > 0 ? (2.576 * 2.671 * sigma) / Math.sqrt(resamples) : 0 };
}

/**
 * A proportion's interval: the bootstrap's, unless it has width zero (every resample gave the same share:
 * 0%, 100%, or one prompt), where Wilson's interval of k in n stands in — never a zero-width interval.
 */
function proportionInterval(boot: Interval | null, k: number, n: number): [number, number] | null {
  if (boot === null) return null;
  if (boot.ci[1] - boot.ci[0] > 1e-12) return boot.ci;
  return wilson(k, n);
}

const finiteOrNull = (x: number) => (Number.isNaN(x) ? null : x);

async function labelFigures(pairs: AuditPairs, options: AuditOptions) {
  let maxGap = 0;
  for (let i = 0; i < pairs.count; i++)
    if (pairs.label[i] === 1) maxGap = Math.max(maxGap, Math.abs(pairs.chosen[i]! - pairs.rejected[i]!));
  const gaps = [...new Set(options.gaps ?? defaultGaps(maxGap))].sort((a, b) => a - b);
  if (gaps[0] !== 0) gaps.unshift(0);
  const counts = new GapCounts(pairs, gaps);
  const point = counts.count(null);
  const values = figuresOf(point, gaps.length);
  const intervals = await bootstrapIntervals(pairs, counts, options);
  const [pos, zero, neg] = [point[0]!, point[1]!, point[2]!];
  const n = pos + zero + neg;
  const estimate = (f: number, k: number, over: number): Estimate => ({
    value: finiteOrNull(values[f]!),
    ci: proportionInterval(intervals[f]!, k, over),
    n: over,
  });
  // Prompts that still have a pair at each gap: a prompt keeps one up to the largest bin of its pairs.
  const widestBin = new Int32Array(pairs.prompts).fill(-1);
  for (let i = 0; i < pairs.count; i++)
    widestBin[pairs.prompt[i]!] = Math.max(widestBin[pairs.prompt[i]!]!, counts.bin[i]!);
  const promptsAt = new Int32Array(gaps.length);
  for (const b of widestBin) if (b >= 0) promptsAt[b]! += 1;
  for (let j = gaps.length - 2; j >= 0; j--) promptsAt[j]! += promptsAt[j + 1]!;
  const sweep: SweepRow[] = gaps.map((gap, j) => {
    const p = point[j * 3]!;
    const z = point[j * 3 + 1]!;
    const m = point[j * 3 + 2]!;
    const ci = proportionInterval(intervals[4 + j]!, p, p + m);
    return {
      gap,
      pairs: p + z + m,
      share: n > 0 ? (p + z + m) / n : 0,
      prompts: promptsAt[j]!,
      agreement: finiteOrNull(values[4 + j]!),
      agreement_ci: ci,
      agreement_n: p + m,
      bound: decisionBound(pairs, counts, j, options.bootstrap),
      conflicts: m,
    };
  });
  const after = 4 + gaps.length;
  const x = gaps.length * 3;
  const tieTie = point[x + TIE_TIE]!;
  const tieLabels = tieTie + point[x + TIE_OTHER]!;
  const ab = point[x + AB_PAIRS]!;
  const difference = intervals[after + POSITION_DIFFERENCE];
  const position: PositionBias | null =
    ab > 0
      ? {
          pairs: ab,
          judge_prefers_a: finiteOrNull(values[after + JUDGE_A]!),
          label_prefers_a: finiteOrNull(values[after + LABEL_A]!),
          difference: { value: finiteOrNull(values[after + POSITION_DIFFERENCE]!), ci: difference?.ci ?? null },
          swap_consistency: null,
        }
      : null;
  return {
    n,
    ties: zero,
    conflicts: neg,
    agreement: {
      ties_half: estimate(0, pos + zero / 2, n),
      ties_dropped: estimate(1, pos, pos + neg),
      ties_wrong: estimate(2, pos, n),
      three_way: tieLabels > 0 ? estimate(after + THREE_WAY, pos + tieTie, n + tieLabels) : null,
    },
    conflictCi: proportionInterval(intervals[3]!, neg, n),
    sweep,
    position,
  };
}

/**
 * κ between the label (chosen better, tie) and the scores' verdict (chosen higher, equal, lower) on the
 * categories {chosen, tie, rejected}, each pair counted twice: as read and turned round. A tie label's
 * A/B order is arbitrary; counted both ways, no order of the tied rows can move κ.
 */
function labelKappa(pairs: AuditPairs): AuditFigures['label_agreement']['cohen_kappa'] {
  let tieLabels = 0;
  for (let i = 0; i < pairs.count; i++) if (pairs.label[i] === 0) tieLabels += 1;
  if (tieLabels === 0) return null;
  const labels = new Float64Array(pairs.count * 2);
  const verdicts = new Float64Array(pairs.count * 2);
  for (let i = 0; i < pairs.count; i++) {
    const label = pairs.label[i]!;
    const verdict = sign(pairs.chosen[i]! - pairs.rejected[i]!);
    labels[2 * i] = label;
    labels[2 * i + 1] = -label;
    verdicts[2 * i] = verdict;
    verdicts[2 * i + 1] = -verdict;
  }
  return cohenKappa(labels, verdicts);
}

function lengthBias(pairs: AuditPairs): AuditFigures['length_bias'] {
  let labelled = 0;
  let eligible = 0;
  let labelLonger = 0;
  let scored = 0;
  let higherLonger = 0;
  for (let i = 0; i < pairs.count; i++) {
    if (pairs.label[i] !== 1) continue;
    labelled += 1;
    const lengthGap = pairs.chosenLength[i]! - pairs.rejectedLength[i]!;
    if (Math.abs(lengthGap) <= LENGTH_MARGIN) continue;
    eligible += 1;
    if (lengthGap > 0) labelLonger += 1;
    const delta = pairs.chosen[i]! - pairs.rejected[i]!;
    if (delta === 0) continue;
    scored += 1;
    if (sign(delta) === sign(lengthGap)) higherLonger += 1;
  }
  return {
    min_difference: LENGTH_MARGIN,
    pairs: eligible,
    p_higher_score_longer: { value: rate(higherLonger, scored), n: scored },
    p_label_longer: { value: rate(labelLonger, eligible), n: eligible },
    // "Always pick the longer response" as a judge: a tie where lengths are within the margin.
    longer_baseline: {
      ties_half: rate(labelLonger + (labelled - eligible) / 2, labelled),
      ties_dropped: rate(labelLonger, eligible),
    },
  };
}

function calibration(pairs: AuditPairs, target: number): AuditFigures['calibration'] {
  const deltas: number[] = [];
  const clusters: number[] = [];
  for (let i = 0; i < pairs.count; i++) {
    if (pairs.label[i] !== 1) continue;
    const delta = pairs.chosen[i]! - pairs.rejected[i]!;
    if (delta === 0) continue;
    deltas.push(delta);
    clusters.push(pairs.prompt[i]!);
  }
  const magnitudes = [...new Set(deltas.map(Math.abs))].sort((a, b) => a - b);
  let edges: Array<[number, number]>;
  if (magnitudes.length <= 12) edges = magnitudes.map((m) => [m, m]);
  else {
    const sorted = deltas.map(Math.abs).sort((a, b) => a - b);
    const cuts = [...new Set(Array.from({ length: 11 }, (_, k) => quantileSorted(sorted, k / 10)))];
    edges = cuts.slice(0, -1).map((lo, k) => [lo, cuts[k + 1]!]);
  }
  const bins: CalibrationBin[] = edges.map(([lo, hi], k) => {
    const last = k === edges.length - 1;
    const inBin = (m: number) => (lo === hi ? m === lo : m >= lo && (m < hi || (last && m === hi)));
    let agree = 0;
    let total = 0;
    for (const d of deltas) {
      if (!inBin(Math.abs(d))) continue;
      total += 1;
      if (d > 0) agree += 1;
    }
    return { lo, hi, pairs: total, agreement: rate(agree, total), ci: wilson(agree, total) };
  });
  const raw = logisticSlope(deltas, clusters);
  // Gaps near the largest doubles overflow the fit (Δ² is infinite): no slope, said so, never a 0 or NaN.
  const fit = raw && [raw.slope, ...raw.ci].every(Number.isFinite) ? raw : null;
  const missing =
    fit !== null
      ? null
      : raw !== null
        ? 'the fit failed: the score gaps are too large to fit (rescale the scores)'
        : 'every pair scored apart agrees with its label, or every one disagrees: the slope is infinite';
  let widest: AuditFigures['calibration']['widest_gaps'] = null;
  if (deltas.length >= 8) {
    const sorted = deltas.map(Math.abs).sort((a, b) => a - b);
    const cut = quantileSorted(sorted, 0.75);
    let agree = 0;
    let total = 0;
    for (const d of deltas) {
      if (Math.abs(d) < cut) continue;
      total += 1;
      if (d > 0) agree += 1;
    }
    widest = { min_gap: cut, pairs: total, agreement: agree / total, ci: wilson(agree, total)! };
  }
  return {
    widest_gaps: widest,
    bins,
    logistic: fit && {
      slope: fit.slope,
      ci: fit.ci,
      n: deltas.length,
      gap_at_target: fit.slope > 0 ? Math.log(target / (1 - target)) / fit.slope : null,
    },
    logistic_missing: deltas.length === 0 ? 'no pair scored apart' : missing,
  };
}

function retest(pairs: AuditPairs, reruns: readonly PairScoreColumns[]): RetestFigures {
  let responses = 0;
  let absolute = 0;
  let squared = 0;
  let exact = 0;
  let compared = 0;
  let reversals = 0;
  let tieChanges = 0;
  const matched = new Set<number>();
  for (const run of reruns) {
    for (let i = 0; i < pairs.count; i++) {
      const c2 = run.chosen[i]!;
      const r2 = run.rejected[i]!;
      if (Number.isNaN(c2) || Number.isNaN(r2)) continue;
      matched.add(i);
      compared += 1;
      const [s1, s2] = [sign(pairs.chosen[i]! - pairs.rejected[i]!), sign(c2 - r2)];
      if (s1 * s2 < 0) reversals += 1;
      else if (s1 !== s2) tieChanges += 1;
      for (const d of [pairs.chosen[i]! - c2, pairs.rejected[i]! - r2]) {
        responses += 1;
        absolute += Math.abs(d);
        squared += d * d;
        if (d === 0) exact += 1;
      }
    }
  }
  // ICC over the responses every run scored: one column per run.
  const complete: number[] = [];
  for (let i = 0; i < pairs.count; i++)
    if (reruns.every((run) => !Number.isNaN(run.chosen[i]!) && !Number.isNaN(run.rejected[i]!))) complete.push(i);
  const column = (chosen: Float64Array, rejected: Float64Array) =>
    Float64Array.from({ length: complete.length * 2 }, (_, k) =>
      k % 2 === 0 ? chosen[complete[k >> 1]!]! : rejected[complete[k >> 1]!]!,
    );
  const runs = [column(pairs.chosen, pairs.rejected), ...reruns.map((r) => column(r.chosen, r.rejected))];
  const sigma = responses > 0 ? Math.sqrt(squared / responses / 2) : null;
  const points = new Map<string, [number, number, number]>();
  const first = reruns[0];
  if (first) {
    for (let i = 0; i < pairs.count && points.size < 5000; i++) {
      for (const [a, b] of [
        [pairs.chosen[i]!, first.chosen[i]!],
        [pairs.rejected[i]!, first.rejected[i]!],
      ] as const) {
        if (Number.isNaN(b)) continue;
        const key = `${a}\u0000${b}`;
        const point = points.get(key);
        if (point) point[2] += 1;
        else points.set(key, [a, b, 1]);
      }
    }
  }
  // A rerun that repeats every score (answers from a cache) measured nothing: no reliability is reported.
  const identical = responses > 0 && exact === responses;
  return {
    runs: reruns.length + 1,
    pairs: matched.size,
    responses,
    mean_abs_diff: rate(absolute, responses),
    exact_repeat_rate: rate(exact, responses),
    flip_rate: identical ? null : rate(reversals + tieChanges, compared),
    reversal_rate: identical ? null : rate(reversals, compared),
    tie_change_rate: identical ? null : rate(tieChanges, compared),
    icc: identical || complete.length < 2 ? null : icc21(runs),
    noise_gap: identical || sigma === null ? null : 1.96 * Math.SQRT2 * sigma,
    identical,
    points: [...points.values()],
  };
}

/** Each response once per prompt (pairs that share a response count it once), with both scores present. */
function responsesWith(pairs: AuditPairs, other: PairScoreColumns) {
  const seen = new Set<string>();
  const mine: number[] = [];
  const theirs: number[] = [];
  const prompt: number[] = [];
  for (let i = 0; i < pairs.count; i++) {
    for (const [score, ref, text] of [
      [pairs.chosen[i]!, other.chosen[i]!, pairs.chosenText[i]!],
      [pairs.rejected[i]!, other.rejected[i]!, pairs.rejectedText[i]!],
    ] as const) {
      if (Number.isNaN(ref)) continue;
      const key = `${pairs.prompt[i]}:${text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      mine.push(score);
      theirs.push(ref);
      prompt.push(pairs.prompt[i]!);
    }
  }
  return { mine, theirs, prompt };
}

function reference(pairs: AuditPairs, ref: PairScoreColumns): ReferenceFigures {
  const { mine, theirs, prompt } = responsesWith(pairs, ref);
  const byPrompt = new Map<number, { mine: number[]; theirs: number[] }>();
  for (let k = 0; k < mine.length; k++) {
    const group = byPrompt.get(prompt[k]!) ?? { mine: [], theirs: [] };
    group.mine.push(mine[k]!);
    group.theirs.push(theirs[k]!);
    byPrompt.set(prompt[k]!, group);
  }
  // Per prompt: Spearman over its responses, for prompts with at least 3 and neither side constant.
  let sum = 0;
  let prompts = 0;
  for (const group of byPrompt.values()) {
    if (group.mine.length < 3) continue;
    const rho = spearman(group.mine, group.theirs);
    if (rho === null) continue;
    sum += rho;
    prompts += 1;
  }
  let agree = 0;
  let both = 0;
  for (let i = 0; i < pairs.count; i++) {
    const mineSign = sign(pairs.chosen[i]! - pairs.rejected[i]!);
    const refSign = sign(ref.chosen[i]! - ref.rejected[i]!);
    if (mineSign === 0 || Number.isNaN(refSign) || refSign === 0) continue;
    both += 1;
    if (mineSign === refSign) agree += 1;
  }
  const categories = new Set([...mine, ...theirs]).size;
  return {
    responses: mine.length,
    pearson: pearson(mine, theirs),
    spearman: spearman(mine, theirs),
    kendall_tau_b: kendallTauB(mine, theirs),
    // Weighted κ is for ratings: past 100 distinct values (rewards) it measures nothing useful.
    quadratic_kappa: categories <= 100 ? cohenKappa(mine, theirs, 'quadratic') : null,
    per_prompt_spearman: { mean: prompts > 0 ? sum / prompts : null, prompts },
    pair_agreement: { value: rate(agree, both), n: both },
  };
}

/** The scale aspect ratings use: 1-5 or 1-10 when every rating fits in one, else the range seen. */
function aspectScale(columns: readonly PairScoreColumns[], count: number): Scale {
  let min = Infinity;
  let max = -Infinity;
  for (const c of columns) {
    for (let i = 0; i < count; i++) {
      for (const v of [c.chosen[i]!, c.rejected[i]!]) {
        if (Number.isNaN(v)) continue;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
  }
  if (min >= 1 && max <= 5) return { min: 1, max: 5 };
  if (min >= 1 && max <= 10) return { min: 1, max: 10 };
  return { min, max: max > min ? max : min + 1 };
}

function aspects(pairs: AuditPairs, given: NonNullable<AuditOptions['aspects']>, scale: Scale): AspectFigures {
  const ratings = aspectScale(given.columns, pairs.count);
  const norm = (x: number, s: Scale) => (x - s.min) / (s.max - s.min);
  const meanOf = (side: 'chosen' | 'rejected', i: number) => {
    let sum = 0;
    let n = 0;
    for (const c of given.columns) {
      const v = c[side][i]!;
      if (!Number.isNaN(v)) {
        sum += v;
        n += 1;
      }
    }
    return n > 0 ? sum / n : Number.NaN;
  };
  let compared = 0;
  let conflicts = 0;
  let responses = 0;
  let extreme = 0;
  const perAspect = given.names.map(() => 0);
  for (let i = 0; i < pairs.count; i++) {
    const [mc, mr] = [meanOf('chosen', i), meanOf('rejected', i)];
    const overall = pairs.chosen[i]! - pairs.rejected[i]!;
    for (const [o, m] of [
      [pairs.chosen[i]!, mc],
      [pairs.rejected[i]!, mr],
    ] as const) {
      if (Number.isNaN(m)) continue;
      responses += 1;
      if (Math.abs(norm(o, scale) - norm(m, ratings)) >= 0.5) extreme += 1;
    }
    if (!Number.isNaN(mc) && !Number.isNaN(mr)) {
      compared += 1;
      if (sign(overall) * sign(mc - mr) < 0) conflicts += 1;
    }
    given.columns.forEach((c, a) => {
      const d = c.chosen[i]! - c.rejected[i]!;
      if (!Number.isNaN(d) && sign(overall) * sign(d) < 0) perAspect[a]! += 1;
    });
  }
  return {
    names: [...given.names],
    pairs: compared,
    conflicts: { count: conflicts, rate: rate(conflicts, compared) },
    extreme_mismatches: { count: extreme, rate: rate(extreme, responses), threshold: 0.5 },
    per_aspect: given.names.map((name, a) => {
      const { mine, theirs } = responsesWith(pairs, given.columns[a]!);
      return { name, spearman_with_overall: spearman(mine, theirs), conflicts: perAspect[a]! };
    }),
  };
}

/**
 * The smallest swept gap whose agreement's lower bound reaches the target while at least half the pairs
 * are kept. The bound is the seed-free clustered Wilson one (`SweepRow.bound`), so the same input gives
 * the same suggestion for any seed; a bound within the bootstrap's own Monte-Carlo error of the target is
 * undecided, reported as borderline with the nearest larger gap that clears the target beyond the error.
 * The retest noise gap is shown beside it, not a floor.
 */
function suggestGap(sweep: readonly SweepRow[], target: number, noiseGap: number | null): Suggestion {
  const total = sweep[0]?.pairs ?? 0;
  const verdict = (j: number): 'above' | 'below' | 'borderline' => {
    const row = sweep[j]!;
    if (row.pairs < total / 2 || row.bound === null) return 'below';
    const { value, mc_error } = row.bound;
    if (value - mc_error >= target) return 'above';
    if (value + mc_error < target) return 'below';
    return 'borderline';
  };
  const verdicts = sweep.map((_, j) => verdict(j));
  const first = verdicts.findIndex((v) => v !== 'below');
  const target100 = `${displayNumber(target * 100)}%`;
  const noise = noiseGap === null ? '' : `; the retest noise gap is ${displayNumber(Number(noiseGap.toFixed(2)))}`;
  const share = (row: SweepRow) => `${displayNumber(Math.round(row.share * 1000) / 10)}%`;
  if (first < 0)
    return {
      gap: null,
      status: 'none',
      target,
      nearest: null,
      noise_gap: noiseGap,
      reason:
        `no swept gap keeps half the pairs with agreement's lower bound at ${target100}${noise}: no threshold ` +
        'on these scores reaches the target (see the warnings for why)',
    };
  const row = sweep[first]!;
  if (verdicts[first] === 'above')
    return {
      gap: row.gap,
      status: 'ok',
      target,
      nearest: null,
      noise_gap: noiseGap,
      reason:
        `the smallest gap whose agreement's lower bound reaches ${target100} while keeping ${share(row)} of ` +
        `the pairs${noise}`,
    };
  const next = verdicts.indexOf('above', first + 1);
  return {
    gap: row.gap,
    status: 'borderline',
    target,
    nearest: next < 0 ? null : sweep[next]!.gap,
    noise_gap: noiseGap,
    reason:
      `borderline: at this gap agreement's lower bound is within the bootstrap's Monte-Carlo error of ` +
      `${target100} (another seed could put it either side)` +
      (next < 0 ? '' : `; the nearest gap clearly above it is ${displayNumber(sweep[next]!.gap)}`) +
      noise,
  };
}

/** Per group (--group-col): the main figures, each agreement with its clustered Wilson interval. */
function groupFigures(pairs: AuditPairs): GroupFigures[] | null {
  if (pairs.groupNames.length === 0) return null;
  return pairs.groupNames.map((name, g) => {
    const agree = new Map<number, [number, number]>();
    const prompts = new Set<number>();
    let count = 0;
    let [pos, zero, neg] = [0, 0, 0];
    let [eligible, scored, higherLonger, labelLonger] = [0, 0, 0, 0];
    for (let i = 0; i < pairs.count; i++) {
      if (pairs.group[i] !== g) continue;
      count += 1;
      prompts.add(pairs.prompt[i]!);
      if (pairs.label[i] !== 1) continue;
      const delta = pairs.chosen[i]! - pairs.rejected[i]!;
      if (delta === 0) zero += 1;
      else {
        const cell = agree.get(pairs.prompt[i]!) ?? [0, 0];
        cell[1] += 1;
        if (delta > 0) {
          pos += 1;
          cell[0] += 1;
        } else neg += 1;
        agree.set(pairs.prompt[i]!, cell);
      }
      const lengthGap = pairs.chosenLength[i]! - pairs.rejectedLength[i]!;
      if (Math.abs(lengthGap) <= LENGTH_MARGIN) continue;
      eligible += 1;
      if (lengthGap > 0) labelLonger += 1;
      if (delta === 0) continue;
      scored += 1;
      if (sign(delta) === sign(lengthGap)) higherLonger += 1;
    }
    const cells = [...agree.values()];
    const interval = clusteredWilson(
      cells.map((c) => c[0]),
      cells.map((c) => c[1]),
    );
    const labelled = pos + zero + neg;
    return {
      group: name,
      pairs: count,
      prompts: prompts.size,
      label_agreement: { value: rate(pos, pos + neg), ci: interval?.ci ?? null, n: pos + neg },
      conflicts: { count: neg, rate: rate(neg, labelled) },
      ties: { count: zero, rate: rate(zero, labelled) },
      length_bias: {
        p_higher_score_longer: rate(higherLonger, scored),
        p_label_longer: rate(labelLonger, eligible),
        n: scored,
      },
    };
  });
}

/**
 * How sure other evidence makes the judge where it is surest (|Δ| at least the widest quarter's gap): how
 * often a rerun reverses those pairs, and how often a reference orders them as the judge does.
 */
function widestEvidence(
  pairs: AuditPairs,
  minGap: number,
  reruns: readonly PairScoreColumns[],
  reference: PairScoreColumns | null,
) {
  let [rerunPairs, reversed, referencePairs, referenceAgrees] = [0, 0, 0, 0];
  for (let i = 0; i < pairs.count; i++) {
    const delta = pairs.chosen[i]! - pairs.rejected[i]!;
    if (pairs.label[i] !== 1 || delta === 0 || Math.abs(delta) < minGap) continue;
    for (const run of reruns) {
      const again = run.chosen[i]! - run.rejected[i]!;
      if (Number.isNaN(again)) continue;
      rerunPairs += 1;
      if (sign(again) !== sign(delta)) reversed += 1;
    }
    const ref = reference ? reference.chosen[i]! - reference.rejected[i]! : Number.NaN;
    if (Number.isNaN(ref) || ref === 0) continue;
    referencePairs += 1;
    if (sign(ref) === sign(delta)) referenceAgrees += 1;
  }
  return {
    rerun: { pairs: rerunPairs, changed: rate(reversed, rerunPairs) },
    reference: { pairs: referencePairs, agreement: rate(referenceAgrees, referencePairs) },
  };
}

/** The rerun's scores of the pairs it read in the same A/B order as the input; NaN where it swapped them. */
function sameOrderOnly(pairs: AuditPairs, run: PairScoreColumns): PairScoreColumns {
  const slots = run.chosenIsA;
  if (!slots) return run;
  const keep = (column: Float64Array) =>
    column.map((x, i) => {
      const [mine, theirs] = [pairs.chosenIsA[i]!, slots[i]!];
      return mine !== 2 && theirs !== 2 && mine !== theirs ? Number.NaN : x;
    });
  return { chosen: keep(run.chosen), rejected: keep(run.rejected) };
}

/** Swap consistency: pairs a rerun read with A and B the other way round, whose verdict kept its response. */
function swapConsistency(pairs: AuditPairs, reruns: readonly PairScoreColumns[]): PositionBias['swap_consistency'] {
  let [n, same] = [0, 0];
  for (const run of reruns) {
    if (!run.chosenIsA) continue;
    for (let i = 0; i < pairs.count; i++) {
      const [mine, theirs] = [pairs.chosenIsA[i]!, run.chosenIsA[i]!];
      if (mine === 2 || theirs === 2 || mine === theirs) continue;
      const again = run.chosen[i]! - run.rejected[i]!;
      if (Number.isNaN(again)) continue;
      n += 1;
      if (sign(again) === sign(pairs.chosen[i]! - pairs.rejected[i]!)) same += 1;
    }
  }
  return n > 0 ? { value: same / n, n } : null;
}

/** Every figure of the audit; the verdicts (warnings) are core/audit-verdicts.ts's, from these figures. */
export async function auditFigures(pairs: AuditPairs, options: AuditOptions): Promise<AuditFigures> {
  const label = await labelFigures(pairs, options);
  const tieLabels = pairs.count - label.n;
  let scoredTies = 0;
  for (let i = 0; i < pairs.count; i++)
    if (pairs.label[i] === 0 && pairs.chosen[i] === pairs.rejected[i]) scoredTies += 1;
  const calibrationFigures = calibration(pairs, options.targetAgreement);
  // A pair a rerun read in the other order measures position (swap consistency), not retest noise: a
  // position-biased judge would reverse it on purpose, and count as noise twice.
  const sameOrder = options.reruns
    .map((run) => sameOrderOnly(pairs, run))
    .filter((run) => run.chosen.some((x) => !Number.isNaN(x)));
  const retestFigures = sameOrder.length > 0 ? retest(pairs, sameOrder) : undefined;
  const noiseGap = retestFigures && !retestFigures.identical ? retestFigures.noise_gap : null;
  const position = label.position && { ...label.position, swap_consistency: swapConsistency(pairs, options.reruns) };
  const widest = calibrationFigures.widest_gaps;
  const liveReruns = retestFigures?.identical ? [] : sameOrder;
  return {
    pairs: pairs.count,
    prompts: pairs.prompts,
    scale: { min: options.scale.min, max: options.scale.max, source: options.scaleSource },
    scale_health: scaleHealth(pairs, options),
    ties: { count: label.ties, rate: rate(label.ties, label.n) },
    label_agreement: {
      ...label.agreement,
      cohen_kappa: labelKappa(pairs),
      tie_labels: tieLabels > 0 ? { count: tieLabels, scored_tie_rate: rate(scoredTies, tieLabels) } : null,
    },
    conflicts: { count: label.conflicts, rate: rate(label.conflicts, label.n), ci: label.conflictCi },
    length_bias: lengthBias(pairs),
    calibration: calibrationFigures,
    position_bias: position,
    min_gap_sweep: label.sweep,
    suggested_min_gap: suggestGap(label.sweep, options.targetAgreement, noiseGap),
    groups: groupFigures(pairs),
    ...(retestFigures ? { retest: retestFigures } : {}),
    ...(options.reference ? { reference: reference(pairs, options.reference) } : {}),
    ...(options.aspects ? { aspects: aspects(pairs, options.aspects, options.scale) } : {}),
    bootstrap: { resamples: options.bootstrap, seed: options.seed, unit: 'prompt' },
    evidence: widest ? widestEvidence(pairs, widest.min_gap, liveReruns, options.reference) : null,
    warnings: [],
  };
}
