/**
 * The statistics `radpo audit` reports, written small and tested against scipy and scikit-learn
 * (`npm run test:interop`) instead of taking a numerics dependency for a dozen formulas. Pure. Every
 * function returns null where the figure is undefined (too few values, a constant column), never NaN.
 */

/** The arithmetic mean; null for no values. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** The normal quantile of a two-sided 95% interval (Φ⁻¹(0.975)). */
export const Z95 = 1.959963984540054;
/** The normal quantile of a two-sided 99.9% interval (Φ⁻¹(0.9995)). */
export const Z999 = 3.2905267314919255;

/** The Wilson score interval of k successes in n trials (95%, or the level of `z`); null when n = 0. */
export function wilson(k: number, n: number, z = Z95): [number, number] | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Pearson's r; null with fewer than 2 values or a constant column. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Ranks from 1, ties given their average rank (as scipy.stats.rankdata). */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]!] === x[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Spearman's ρ: Pearson's r of the average ranks. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  return pearson(averageRanks(x), averageRanks(y));
}

/** Pairs among runs of equal values in a sorted array: Σ t(t−1)/2. */
function tiedPairs(sorted: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    const t = j - i + 1;
    total += (t * (t - 1)) / 2;
    i = j + 1;
  }
  return total;
}

/** Strict inversions of `a` (pairs i < j with a[i] > a[j]), counted by merge sort; sorts `a`. */
function inversions(a: Float64Array): number {
  const n = a.length;
  let buffer: Float64Array = new Float64Array(n);
  let source: Float64Array = a;
  let count = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (source[j]! < source[i]!) {
          count += mid - i;
          buffer[k++] = source[j++]!;
        } else buffer[k++] = source[i++]!;
      }
      while (i < mid) buffer[k++] = source[i++]!;
      while (j < hi) buffer[k++] = source[j++]!;
    }
    [source, buffer] = [buffer, source];
  }
  if (source !== a) a.set(source);
  return count;
}

/**
 * Kendall's τ-b in O(n log n) (Knight's algorithm, as scipy.stats.kendalltau): sort by x then y, count
 * the discordant pairs as inversions of y, correct for ties in x, in y and in both.
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 2) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]! || y[a]! - y[b]!);
  const xs = Float64Array.from(order, (i) => x[i]!);
  const ys = Float64Array.from(order, (i) => y[i]!);
  const total = (n * (n - 1)) / 2;
  const xTies = tiedPairs(xs);
  let jointTies = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && xs[j + 1] === xs[i] && ys[j + 1] === ys[i]) j++;
    const t = j - i + 1;
    jointTies += (t * (t - 1)) / 2;
    i = j + 1;
  }
  const discordant = inversions(ys);
  const yTies = tiedPairs(ys);
  if (xTies === total || yTies === total) return null;
  const concordantMinusDiscordant = total - xTies - yTies + jointTies - 2 * discordant;
  return concordantMinusDiscordant / Math.sqrt(total - xTies) / Math.sqrt(total - yTies);
}

/**
 * Cohen's κ between two raters' categories, unweighted or quadratic-weighted. The categories are the
 * distinct values either rater used, in order, and a weight is the squared distance of their positions —
 * as scikit-learn's cohen_kappa_score. Null when fewer than 2 values, or when chance agreement is total.
 */
export function cohenKappa(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  weights: 'none' | 'quadratic' = 'none',
): number | null {
  const n = a.length;
  if (n < 1) return null;
  const labels = [...new Set([...Array.from(a), ...Array.from(b)])].sort((p, q) => p - q);
  const k = labels.length;
  if (k < 2) return null;
  const index = new Map(labels.map((v, i) => [v, i]));
  const confusion = new Float64Array(k * k);
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const r = index.get(a[i]!)!;
    const c = index.get(b[i]!)!;
    confusion[r * k + c]! += 1;
    rows[r]! += 1;
    cols[c]! += 1;
  }
  let observed = 0;
  let expected = 0;
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      const w = weights === 'quadratic' ? (r - c) ** 2 : r === c ? 0 : 1;
      observed += w * confusion[r * k + c]!;
      expected += (w * rows[r]! * cols[c]!) / n;
    }
  }
  if (expected === 0) return null;
  return 1 - observed / expected;
}

/**
 * ICC(2,1) (Shrout & Fleiss 1979): two-way random effects, absolute agreement, one rater. `runs` are the
 * raters (columns), each with one value per target (row). Null with fewer than 2 targets or no variance.
 */
export function icc21(runs: ReadonlyArray<ArrayLike<number>>): number | null {
  const k = runs.length;
  const n = runs[0]?.length ?? 0;
  if (k < 2 || n < 2) return null;
  let grand = 0;
  const rowMeans = new Float64Array(n);
  const colMeans = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < n; i++) {
      const v = runs[j]![i]!;
      rowMeans[i]! += v / k;
      colMeans[j]! += v / n;
      grand += v;
    }
  }
  grand /= n * k;
  let ssRows = 0;
  let ssCols = 0;
  let ssTotal = 0;
  for (let i = 0; i < n; i++) ssRows += k * (rowMeans[i]! - grand) ** 2;
  for (let j = 0; j < k; j++) ssCols += n * (colMeans[j]! - grand) ** 2;
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) ssTotal += (runs[j]![i]! - grand) ** 2;
  const msr = ssRows / (n - 1);
  const msc = ssCols / (k - 1);
  const mse = (ssTotal - ssRows - ssCols) / ((n - 1) * (k - 1));
  const denominator = msr + (k - 1) * mse + (k * (msc - mse)) / n;
  if (denominator === 0) return null;
  return (msr - mse) / denominator;
}

interface LogisticSlope {
  slope: number;
  /** 95% Wald interval from the cluster-robust (by prompt) standard error. */
  ci: [number, number];
  se: number;
}

const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

/**
 * The logistic fit P(the labelled side scores higher) = σ(β·Δ), with no intercept: a pair read either way
 * round gives the same likelihood, so the fit cannot depend on which response a file lists first. β is the
 * maximum-likelihood slope (Newton's method); its standard error is the sandwich estimator clustered by
 * `cluster` (pairs of one prompt are not independent). Null when no Δ is non-zero, or when the labels are
 * separable (no Δ on one side of 0: the slope is infinite).
 */
export function logisticSlope(deltas: ArrayLike<number>, cluster: ArrayLike<number>): LogisticSlope | null {
  const n = deltas.length;
  let positive = false;
  let negative = false;
  for (let i = 0; i < n; i++) {
    if (deltas[i]! > 0) positive = true;
    else if (deltas[i]! < 0) negative = true;
  }
  if (!positive || !negative) return null;
  let beta = 0;
  let information = 0;
  for (let iteration = 0; iteration < 100; iteration++) {
    let gradient = 0;
    information = 0;
    for (let i = 0; i < n; i++) {
      const d = deltas[i]!;
      const p = sigmoid(beta * d);
      gradient += d * (1 - p);
      information += d * d * p * (1 - p);
    }
    const step = gradient / information;
    beta += step;
    if (Math.abs(step) <= 1e-12 * Math.max(1, Math.abs(beta))) break;
  }
  const perCluster = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const d = deltas[i]!;
    const score = d * (1 - sigmoid(beta * d));
    perCluster.set(cluster[i]!, (perCluster.get(cluster[i]!) ?? 0) + score);
  }
  let meat = 0;
  for (const g of perCluster.values()) meat += g * g;
  const se = Math.sqrt(meat) / information;
  return { slope: beta, se, ci: [beta - 1.96 * se, beta + 1.96 * se] };
}

/** The q-quantile of sorted values with linear interpolation (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const position = q * (n - 1);
  const lo = Math.floor(position);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

/** Shannon entropy of counts, divided by ln(categories): 1 when every category is used equally. */
export function normalizedEntropy(counts: Iterable<number>, categories: number): number | null {
  if (categories < 2) return null;
  const values = [...counts];
  const total = values.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let h = 0;
  for (const c of values) if (c > 0) h -= (c / total) * Math.log(c / total);
  return h / Math.log(categories);
}

/**
 * The Wilson interval of a proportion measured on clustered data (pairs that share a prompt): the same
 * interval with n shrunk by the design effect, the cluster-robust variance of the proportion over the
 * binomial one (Kish's effective sample size). Deterministic (no resampling), never of width zero, and
 * equal to `wilson(k, n)` when every cluster holds one observation. Null when n = 0.
 */
export function clusteredWilson(
  successes: ArrayLike<number>,
  trials: ArrayLike<number>,
): { ci: [number, number]; effectiveN: number } | null {
  let k = 0;
  let n = 0;
  let clusters = 0;
  for (let c = 0; c < trials.length; c++) {
    k += successes[c]!;
    n += trials[c]!;
    if (trials[c]! > 0) clusters += 1;
  }
  if (n <= 0) return null;
  const p = k / n;
  let robust = 0;
  for (let c = 0; c < trials.length; c++) robust += (successes[c]! - p * trials[c]!) ** 2;
  // Var(p̂) = Σ (k_c − p n_c)² / n² (the sandwich estimator, no small-sample factor: with one observation
  // per cluster it is p(1−p)/n exactly, and the interval is Wilson's); the binomial one is p(1−p)/n.
  robust = clusters > 1 ? robust / (n * n) : 0;
  const binomial = (p * (1 - p)) / n;
  const effect = binomial > 0 && robust > 0 ? Math.max(1, robust / binomial) : 1;
  const effectiveN = n / effect;
  return { ci: wilson(p * effectiveN, effectiveN)!, effectiveN };
}
