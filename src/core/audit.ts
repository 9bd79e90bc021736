/**
 * `radpo audit`'s figures: can a file's scores be trusted to condition a policy on? Pure functions over
 * scored pairs held as columns (typed arrays), so a million pairs cost a few tens of MB and no text.
 * Definitions (Δ = chosen score − rejected score; the label is the pair's orientation, or a winner column)
 * are in docs/AUDIT.md; each figure here says which.
 */
import { formatScore, type Scale } from './goal.js';
import { seededRandom } from './random.js';
import {
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
}

/** Scores of the same pairs from somewhere else (a rerun, a reference); NaN where a pair has none. */
export interface PairScoreColumns {
  chosen: Float64Array;
  rejected: Float64Array;
}

interface AuditOptions {
  scale: Scale;
  /** Where the scale came from: --scale, a relabeled file's goal, the paper's 1-10 (every score fits) or as seen. */
  scaleSource: 'flag' | 'goal' | 'paper' | 'observed';
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
}

/** Something a reader of the figures must know; `code` is stable for scripts, the CLI adds what to do. */
export interface AuditWarning {
  code:
    | 'labels_from_scores'
    | 'labels_flipped'
    | 'few_pairs'
    | 'cached_rerun'
    | 'unmatched_rows'
    | 'aspects_only'
    | 'rows_not_audited';
  message: string;
  hint?: string;
}

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
  scale: { min: number; max: number; source: AuditOptions['scaleSource'] };
  scale_health: {
    scores: number;
    histogram: HistogramBin[];
    floor_share: number | null;
    ceiling_share: number | null;
    normalized_entropy: number | null;
    distinct_values: number;
    parse_failures: { count: number; rate: number | null };
  };
  ties: { count: number; rate: number | null };
  label_agreement: {
    ties_half: Estimate;
    ties_dropped: Estimate;
    ties_wrong: Estimate;
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
    /**
     * Agreement among the quarter of pairs whose scores differ most. A judge that sees a clear difference
     * should agree with a sound label nearly always there; a plateau well below 1 says labels were flipped
     * (or the judge is wrong where it is surest), and 1 − agreement estimates how many.
     */
    widest_gaps: null | { min_gap: number; pairs: number; agreement: number; ci: [number, number] };
  };
  min_gap_sweep: SweepRow[];
  suggested_min_gap: { gap: number | null; reason: string };
  retest?: RetestFigures;
  reference?: ReferenceFigures;
  aspects?: AspectFigures;
  bootstrap: { resamples: number; seed: number; unit: 'prompt' };
  warnings: AuditWarning[];
}

interface RetestFigures {
  runs: number;
  pairs: number;
  responses: number;
  mean_abs_diff: number | null;
  exact_repeat_rate: number | null;
  flip_rate: number | null;
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
  const distinct = new Map<number, number>();
  for (const s of scores) {
    if (s === min) floor += 1;
    if (s === max) ceiling += 1;
    distinct.set(s, (distinct.get(s) ?? 0) + 1);
  }
  // Entropy over the scale's own points (a judge that only says 7 and 8 on a 1-10 scale uses little of
  // it), or over 10 equal bins of the scale for continuous scores.
  const step = gridStep(scores);
  let entropy: number | null;
  if (step !== null) entropy = normalizedEntropy(distinct.values(), Math.round((max - min) / step) + 1);
  else {
    const bins = new Float64Array(10);
    for (const s of scores) bins[Math.max(0, Math.min(9, Math.floor(((s - min) / (max - min)) * 10)))]! += 1;
    entropy = normalizedEntropy(bins, 10);
  }
  return {
    scores: scores.length,
    histogram: scoreHistogram(scores),
    floor_share: rate(floor, scores.length),
    ceiling_share: rate(ceiling, scores.length),
    normalized_entropy: entropy,
    distinct_values: distinct.size,
    parse_failures: { count: options.unscored, rate: rate(options.unscored, options.rows) },
  };
}

/** 0, 0.5, 1, … up to the largest |Δ|; a coarser round step when that would be more than 40 gaps. */
function defaultGaps(maxGap: number): number[] {
  if (!(maxGap > 0)) return [0];
  let step = 0.5;
  if (maxGap / step > 40) {
    const raw = maxGap / 20;
    const power = 10 ** Math.floor(Math.log10(raw));
    step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  }
  const gaps: number[] = [];
  for (let g = 0; g <= maxGap + 1e-9; g += step) gaps.push(Number(g.toPrecision(12)));
  return gaps;
}

const kept = (absDelta: number, gap: number) => absDelta >= gap - 1e-9 * Math.max(1, gap);

/**
 * The counts every agreement figure and the sweep derive from, for one weighting of the prompts (all 1 for
 * the point figures; a bootstrap resample's multiplicities for its intervals): per gap bin, the weight of
 * side-labelled pairs whose Δ is positive, zero and negative.
 */
class GapCounts {
  /** The bin of each pair: how many gaps past 0 its |Δ| reaches (−1: a tie label, not counted). */
  readonly bin: Int32Array;
  readonly signIndex: Uint8Array;
  constructor(
    private readonly pairs: AuditPairs,
    readonly gaps: readonly number[],
  ) {
    this.bin = new Int32Array(pairs.count);
    this.signIndex = new Uint8Array(pairs.count);
    for (let i = 0; i < pairs.count; i++) {
      if (pairs.label[i] !== 1) {
        this.bin[i] = -1;
        continue;
      }
      const delta = pairs.chosen[i]! - pairs.rejected[i]!;
      let b = 0;
      while (b + 1 < gaps.length && kept(Math.abs(delta), gaps[b + 1]!)) b++;
      this.bin[i] = b;
      this.signIndex[i] = delta > 0 ? 0 : delta === 0 ? 1 : 2;
    }
  }

  /** Cumulative counts per gap: [positive, zero, negative] of the pairs kept at each gap. */
  count(weights: Int32Array | null): Float64Array {
    const g = this.gaps.length;
    const counts = new Float64Array(g * 3);
    const { bin, signIndex } = this;
    const prompt = this.pairs.prompt;
    for (let i = 0; i < bin.length; i++) {
      const b = bin[i]!;
      if (b < 0) continue;
      const w = weights === null ? 1 : weights[prompt[i]!]!;
      if (w !== 0) counts[b * 3 + signIndex[i]!]! += w;
    }
    for (let b = g - 2; b >= 0; b--) for (let s = 0; s < 3; s++) counts[b * 3 + s]! += counts[(b + 1) * 3 + s]!;
    return counts;
  }
}

/** The figures of one set of counts, in a fixed order: the three conventions, conflicts, each gap's agreement. */
function figuresOf(counts: Float64Array, gaps: number): Float64Array {
  const out = new Float64Array(4 + gaps);
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
  return out;
}

/**
 * Percentile bootstrap intervals of every figure of `figuresOf`, resampling prompts with replacement (the
 * pairs of a prompt, and radpo's two copies of a pair, move together). Seeded: same input and seed, same
 * intervals.
 */
function bootstrapIntervals(
  pairs: AuditPairs,
  counts: GapCounts,
  resamples: number,
  seed: number,
): Array<[number, number] | null> {
  const figures = 4 + counts.gaps.length;
  if (resamples <= 0 || pairs.prompts === 0) return Array.from({ length: figures }, () => null);
  const random = seededRandom(seed);
  const weights = new Int32Array(pairs.prompts);
  const draws = Array.from({ length: figures }, () => new Float64Array(resamples));
  for (let r = 0; r < resamples; r++) {
    weights.fill(0);
    for (let k = 0; k < pairs.prompts; k++) weights[Math.floor(random() * pairs.prompts)]! += 1;
    const values = figuresOf(counts.count(weights), counts.gaps.length);
    for (let f = 0; f < figures; f++) draws[f]![r] = values[f]!;
  }
  return draws.map((values) => {
    const finite = values.filter((v) => !Number.isNaN(v)).sort();
    if (finite.length < resamples / 2) return null;
    return [quantileSorted(finite, 0.025), quantileSorted(finite, 0.975)];
  });
}

const finiteOrNull = (x: number) => (Number.isNaN(x) ? null : x);

function labelFigures(pairs: AuditPairs, options: AuditOptions) {
  const maxGap = (() => {
    let m = 0;
    for (let i = 0; i < pairs.count; i++)
      if (pairs.label[i] === 1) m = Math.max(m, Math.abs(pairs.chosen[i]! - pairs.rejected[i]!));
    return m;
  })();
  const gaps = [...new Set(options.gaps ?? defaultGaps(maxGap))].sort((a, b) => a - b);
  if (gaps[0] !== 0) gaps.unshift(0);
  const counts = new GapCounts(pairs, gaps);
  const point = counts.count(null);
  const values = figuresOf(point, gaps.length);
  const intervals = bootstrapIntervals(pairs, counts, options.bootstrap, options.seed);
  const [pos, zero, neg] = [point[0]!, point[1]!, point[2]!];
  const n = pos + zero + neg;
  const estimate = (f: number, over: number): Estimate => ({
    value: finiteOrNull(values[f]!),
    ci: intervals[f]!,
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
    return {
      gap,
      pairs: p + z + m,
      share: n > 0 ? (p + z + m) / n : 0,
      prompts: promptsAt[j]!,
      agreement: finiteOrNull(values[4 + j]!),
      agreement_ci: intervals[4 + j]!,
      agreement_n: p + m,
      conflicts: m,
    };
  });
  return {
    n,
    ties: zero,
    conflicts: neg,
    agreement: {
      ties_half: estimate(0, n),
      ties_dropped: estimate(1, pos + neg),
      ties_wrong: estimate(2, n),
    },
    conflictCi: intervals[3]!,
    sweep,
  };
}

/** κ between the label (chosen better, or a tie) and the scores' verdict (chosen higher, equal, lower). */
function labelKappa(pairs: AuditPairs): AuditFigures['label_agreement']['cohen_kappa'] {
  let tieLabels = 0;
  for (let i = 0; i < pairs.count; i++) if (pairs.label[i] === 0) tieLabels += 1;
  if (tieLabels === 0) return null;
  const labels = new Float64Array(pairs.count);
  const verdicts = new Float64Array(pairs.count);
  for (let i = 0; i < pairs.count; i++) {
    labels[i] = pairs.label[i]!;
    verdicts[i] = sign(pairs.chosen[i]! - pairs.rejected[i]!);
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
  const fit = logisticSlope(deltas, clusters);
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
  };
}

function retest(pairs: AuditPairs, reruns: readonly PairScoreColumns[]): RetestFigures {
  let responses = 0;
  let absolute = 0;
  let squared = 0;
  let exact = 0;
  let compared = 0;
  let flips = 0;
  const matched = new Set<number>();
  for (const run of reruns) {
    for (let i = 0; i < pairs.count; i++) {
      const c2 = run.chosen[i]!;
      const r2 = run.rejected[i]!;
      if (Number.isNaN(c2) || Number.isNaN(r2)) continue;
      matched.add(i);
      compared += 1;
      if (sign(pairs.chosen[i]! - pairs.rejected[i]!) !== sign(c2 - r2)) flips += 1;
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
    flip_rate: identical ? null : rate(flips, compared),
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
 * The smallest swept gap whose lower bound on agreement reaches the target while at least half the pairs
 * are kept — and, when a rerun measured it, no smaller than the noise gap (below it a pair's order is noise).
 */
function suggestGap(
  sweep: readonly SweepRow[],
  target: number,
  noiseGap: number | null,
): AuditFigures['suggested_min_gap'] {
  const total = sweep[0]?.pairs ?? 0;
  const fits = sweep.find(
    (row) =>
      row.pairs >= total / 2 &&
      row.agreement_ci !== null &&
      row.agreement_ci[0] >= target &&
      (noiseGap === null || row.gap >= noiseGap),
  );
  const target100 = `${formatScore(target * 100)}%`;
  if (fits)
    return {
      gap: fits.gap,
      reason:
        `the smallest gap whose agreement's lower bound reaches ${target100} while keeping ` +
        `${formatScore(Math.round(fits.share * 1000) / 10)}% of the pairs` +
        (noiseGap === null ? '' : ` and at least the noise gap ${formatScore(Number(noiseGap.toFixed(2)))}`),
    };
  return {
    gap: null,
    reason:
      `no swept gap keeps half the pairs with agreement's lower bound at ${target100}` +
      (noiseGap === null ? '' : ` above the noise gap ${formatScore(Number(noiseGap.toFixed(2)))}`) +
      ': no threshold on these scores reaches the target — check the labels (see the warnings) or rescore with ' +
      'a stronger judge',
  };
}

/** Every figure of the audit. */
export function auditFigures(pairs: AuditPairs, options: AuditOptions): AuditFigures {
  const label = labelFigures(pairs, options);
  const tieLabels = pairs.count - label.n;
  let scoredTies = 0;
  for (let i = 0; i < pairs.count; i++)
    if (pairs.label[i] === 0 && pairs.chosen[i] === pairs.rejected[i]) scoredTies += 1;
  const calibrationFigures = calibration(pairs, options.targetAgreement);
  const retestFigures = options.reruns.length > 0 ? retest(pairs, options.reruns) : undefined;
  const warnings: AuditWarning[] = [];
  if (label.n >= 10 && label.conflicts === 0)
    warnings.push({
      code: 'labels_from_scores',
      message:
        'no pair has a chosen response scored below its rejected one: the labels look derived from these ' +
        'scores (binarized by score), so agreement measures nothing about the judge',
    });
  const widest = calibrationFigures.widest_gaps;
  if (widest && widest.pairs >= 30 && widest.ci[1] < 0.95)
    warnings.push({
      code: 'labels_flipped',
      message:
        `even the pairs whose scores differ most (|Δ| ≥ ${formatScore(widest.min_gap)}, ${widest.pairs} pairs) ` +
        `agree with their label only ${(widest.agreement * 100).toFixed(1)}% of the time: labels look flipped ` +
        `(about ${((1 - widest.agreement) * 100).toFixed(0)}%), or the judge is wrong where it is surest`,
    });
  if (label.n > 0 && label.n < 30)
    warnings.push({
      code: 'few_pairs',
      message: `only ${label.n} labelled pairs: the intervals are wide, read them before the values`,
    });
  if (retestFigures?.identical)
    warnings.push({
      code: 'cached_rerun',
      message:
        'every rerun score repeats the first exactly: the rerun looks like answers from a cache, not a ' +
        'second judgement, so no reliability is reported',
    });
  const noiseGap = retestFigures && !retestFigures.identical ? retestFigures.noise_gap : null;
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
    min_gap_sweep: label.sweep,
    suggested_min_gap: suggestGap(label.sweep, options.targetAgreement, noiseGap),
    ...(retestFigures ? { retest: retestFigures } : {}),
    ...(options.reference ? { reference: reference(pairs, options.reference) } : {}),
    ...(options.aspects ? { aspects: aspects(pairs, options.aspects, options.scale) } : {}),
    bootstrap: { resamples: options.bootstrap, seed: options.seed, unit: 'prompt' },
    warnings,
  };
}
