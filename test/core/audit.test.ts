/**
 * The audit's statistics in the core: edge cases table by table, and the bootstrap's coverage on
 * synthetic data whose true agreement is known.
 */
import { describe, expect, it } from 'vitest';
import { type AuditPairs, auditFigures, codePoints } from '../../src/core/audit.js';
import { seededRandom } from '../../src/core/random.js';
import {
  averageRanks,
  cohenKappa,
  icc21,
  kendallTauB,
  logisticSlope,
  mean,
  normalizedEntropy,
  pearson,
  spearman,
  wilson,
} from '../../src/core/stats.js';

describe('statistics: values and edge cases', () => {
  it.each([
    ['none', [], null],
    ['one', [7.5], 7.5],
    ['several, left to right as reduce adds them', [0.1, 0.2, 0.3], (0.1 + 0.2 + 0.3) / 3],
  ])('mean: %s', (_name, values, expected) => {
    expect(mean(values)).toBe(expected);
  });

  it.each([
    ['constant x', [1, 1, 1], [1, 2, 3], null],
    ['one value', [1], [2], null],
    ['perfect', [1, 2, 3], [2, 4, 6], 1],
    ['inverse', [1, 2, 3], [3, 2, 1], -1],
  ])('pearson: %s', (_name, x, y, expected) => {
    const r = pearson(x, y);
    if (expected === null) expect(r).toBeNull();
    else expect(r).toBeCloseTo(expected, 12);
  });

  it.each([
    ['ties in both', [1, 1, 2, 3], [1, 2, 2, 3], 0.8],
    ['constant y', [1, 2, 3], [5, 5, 5], null],
    ['perfect with ties', [1, 1, 2], [3, 3, 4], 1],
    ['reversed', [1, 2, 3, 4], [4, 3, 2, 1], -1],
  ])('kendall τ-b: %s', (_name, x, y, expected) => {
    const t = kendallTauB(x, y);
    if (expected === null) expect(t).toBeNull();
    else expect(t).toBeCloseTo(expected, 12);
  });

  it('average ranks give ties their mean rank; spearman is pearson of ranks', () => {
    expect([...averageRanks([10, 20, 20, 5])]).toEqual([2, 3.5, 3.5, 1]);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(1, 12);
  });

  it('wilson: none for n = 0, stays inside [0, 1] at the edges', () => {
    expect(wilson(0, 0)).toBeNull();
    const [lo, hi] = wilson(10, 10)!;
    expect(hi).toBeCloseTo(1, 12);
    expect(lo).toBeCloseTo(0.7224672001371107, 9); // statsmodels proportion_confint(10, 10, method='wilson')
    expect(wilson(0, 10)![0]).toBe(0);
  });

  it("cohen's κ: 1 for identical raters, null when every value is one category", () => {
    expect(cohenKappa([1, 2, 3, 1], [1, 2, 3, 1])).toBeCloseTo(1, 12);
    expect(cohenKappa([1, 1], [1, 1])).toBeNull();
    // As scikit-learn's cohen_kappa_score([1, 2, 3], [1, 2, 2], weights='quadratic').
    expect(cohenKappa([1, 2, 3], [1, 2, 2], 'quadratic')).toBeCloseTo(2 / 3, 12);
  });

  it('ICC(2,1): 1 for identical runs, lower when a run is shifted (absolute agreement)', () => {
    expect(
      icc21([
        [1, 2, 3, 4],
        [1, 2, 3, 4],
      ]),
    ).toBeCloseTo(1, 12);
    const shifted = icc21([
      [1, 2, 3, 4],
      [2, 3, 4, 5],
    ])!;
    expect(shifted).toBeLessThan(1);
    // MSR 10/3, MSC 2, MSE 0: (10/3) / (10/3 + 2·2/4) = 10/13.
    expect(shifted).toBeCloseTo(10 / 13, 12);
    expect(
      icc21([
        [1, 1],
        [1, 1],
      ]),
    ).toBeNull();
  });

  it('logistic slope: null when separable (no conflicts), finite otherwise', () => {
    expect(logisticSlope([1, 2, 3], [0, 1, 2])).toBeNull();
    expect(logisticSlope([0, 0], [0, 1])).toBeNull();
    const fit = logisticSlope([1, 2, -1, 3, 2], [0, 1, 2, 3, 4])!;
    expect(fit.slope).toBeGreaterThan(0);
    expect(fit.ci[0]).toBeLessThan(fit.slope);
  });

  it('normalized entropy: 1 when every category is used equally, null for one category', () => {
    expect(normalizedEntropy([5, 5, 5, 5], 4)).toBeCloseTo(1, 12);
    expect(normalizedEntropy([5, 5], 4)).toBeCloseTo(0.5, 12);
    expect(normalizedEntropy([3], 1)).toBeNull();
  });

  it('code points: a surrogate pair is one, a lone surrogate is one', () => {
    expect(codePoints('a😀b')).toBe(3);
    expect(codePoints('\ud83d')).toBe(1);
    expect(codePoints('é')).toBe(1);
  });
});

/** n pairs on their own prompts (or `perPrompt` to a prompt), each agreeing with its label with probability p. */
function synthetic(n: number, p: number, random: () => number, perPrompt = 1): AuditPairs {
  const chosen = new Float64Array(n);
  const rejected = new Float64Array(n);
  const prompt = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const agree = random() < p;
    chosen[i] = agree ? 8 : 4;
    rejected[i] = agree ? 4 : 8;
    prompt[i] = Math.floor(i / perPrompt);
  }
  const zeros = () => new Int32Array(n);
  return {
    count: n,
    chosen,
    rejected,
    label: new Uint8Array(n).fill(1),
    prompt,
    prompts: Math.ceil(n / perPrompt),
    chosenLength: zeros(),
    rejectedLength: zeros(),
    chosenText: Int32Array.from({ length: n }, (_, i) => i),
    rejectedText: Int32Array.from({ length: n }, (_, i) => -i - 1),
    chosenIsA: new Uint8Array(n).fill(2),
    group: new Int32Array(n).fill(-1),
    groupNames: [],
  };
}

const OPTIONS = {
  scale: { min: 1, max: 10 },
  scaleSource: 'paper' as const,
  gaps: [0],
  targetAgreement: 0.8,
  unscored: 0,
  rows: 0,
  reruns: [],
  reference: null,
  aspects: null,
};

describe('bootstrap intervals', () => {
  it('cover the true agreement 93-97% of the time (seeded synthetic data, known p)', async () => {
    const random = seededRandom(2024);
    const trials = 600;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const p = 0.7;
      const pairs = synthetic(300, p, random);
      const figures = await auditFigures(pairs, { ...OPTIONS, bootstrap: 400, seed: t });
      const [lo, hi] = figures.label_agreement.ties_dropped.ci!;
      if (lo <= p && p <= hi) covered += 1;
    }
    const coverage = covered / trials;
    expect(coverage).toBeGreaterThanOrEqual(0.93);
    expect(coverage).toBeLessThanOrEqual(0.97);
  });

  it("resampling prompts keeps the coverage when a prompt's pairs share its fate", async () => {
    const random = seededRandom(7);
    const trials = 400;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      // 4 pairs per prompt, all agreeing or all disagreeing: 100 independent draws, not 400.
      const perPrompt = 4;
      const pairs = synthetic(400, 0, random, perPrompt);
      for (let q = 0; q < 100; q++) {
        const agree = random() < 0.75;
        for (let k = 0; k < perPrompt; k++) {
          pairs.chosen[q * perPrompt + k] = agree ? 8 : 4;
          pairs.rejected[q * perPrompt + k] = agree ? 4 : 8;
        }
      }
      const [lo, hi] = (await auditFigures(pairs, { ...OPTIONS, bootstrap: 400, seed: t })).label_agreement.ties_dropped
        .ci!;
      if (lo <= 0.75 && 0.75 <= hi) covered += 1;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.92);
  });

  it('the same pairs and seed give the same intervals; no resamples, no intervals', async () => {
    const pairs = synthetic(200, 0.8, seededRandom(1));
    const a = await auditFigures(pairs, { ...OPTIONS, bootstrap: 200, seed: 3 });
    const b = await auditFigures(pairs, { ...OPTIONS, bootstrap: 200, seed: 3 });
    expect(a).toEqual(b);
    expect(
      (await auditFigures(pairs, { ...OPTIONS, bootstrap: 0, seed: 3 })).label_agreement.ties_dropped.ci,
    ).toBeNull();
  });
});
