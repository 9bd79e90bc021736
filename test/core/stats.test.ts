/**
 * core/stats.ts against the figures scipy, scikit-learn, statsmodels and numpy give for the same inputs:
 * real scores (the label-flip file's 500 pairs, many ties) and edge cases (heavy ties, a constant column,
 * two values). The figures are frozen in stats.reference.json by `npm run test:interop`, which computes
 * them with the libraries (test/interop/stats_reference.py); this test needs no Python.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  averageRanks,
  cohenKappa,
  icc21,
  kendallTauB,
  normalizedEntropy,
  pearson,
  quantileSorted,
  spearman,
  wilson,
} from '../../src/core/stats.js';

interface Reference {
  pairs: Array<{
    name: string;
    x: number[];
    y: number[];
    reference: Record<'pearson' | 'spearman' | 'kendallTauB' | 'cohenKappaQuadratic' | 'cohenKappa', number | null> & {
      averageRanksX: number[];
    };
  }>;
  iccs: Array<{ name: string; runs: number[][]; reference: number | null }>;
  wilsons: Array<{ k: number; n: number; reference: [number, number] }>;
  quantiles: Array<{ name: string; values: number[]; q: number[]; reference: number[] }>;
  entropies: Array<{ name: string; counts: number[]; categories: number; reference: number | null }>;
  versions: Record<string, string>;
}

const REFERENCE = JSON.parse(readFileSync(join(import.meta.dirname, 'stats.reference.json'), 'utf8')) as Reference;

/** A figure against the library's: both undefined (null), or within rounding of each other. */
function same(name: string, radpo: number | null, reference: number | null): void {
  if (reference === null) expect(radpo, `${name}: the library leaves it undefined`).toBeNull();
  else expect(radpo, `${name} (reference ${reference})`).toBeCloseTo(reference, 9);
}

describe(`core/stats.ts agrees with the libraries (${Object.entries(REFERENCE.versions)
  .map(([name, version]) => `${name} ${version}`)
  .join(', ')})`, () => {
  it.each(REFERENCE.pairs)('$name: correlations, κ, ranks', ({ name, x, y, reference }) => {
    same(`${name}: Pearson (scipy.stats.pearsonr)`, pearson(x, y), reference.pearson);
    same(`${name}: Spearman (scipy.stats.spearmanr)`, spearman(x, y), reference.spearman);
    same(`${name}: Kendall τ-b (scipy.stats.kendalltau)`, kendallTauB(x, y), reference.kendallTauB);
    same(`${name}: κ (sklearn cohen_kappa_score)`, cohenKappa(x, y), reference.cohenKappa);
    same(`${name}: quadratic κ`, cohenKappa(x, y, 'quadratic'), reference.cohenKappaQuadratic);
    expect([...averageRanks(x)], `${name}: scipy.stats.rankdata(method="average")`).toEqual(reference.averageRanksX);
  });

  it.each(REFERENCE.iccs)('$name: ICC(2,1)', ({ name, runs, reference }) => {
    same(`${name}: ICC(2,1)`, icc21(runs), reference);
  });

  it.each(REFERENCE.wilsons)('Wilson interval of $k in $n (statsmodels proportion_confint)', ({ k, n, reference }) => {
    const interval = wilson(k, n)!;
    same(`wilson(${k}, ${n}) low`, interval[0], reference[0]);
    same(`wilson(${k}, ${n}) high`, interval[1], reference[1]);
  });

  it.each(REFERENCE.quantiles)('$name: quantiles (numpy.quantile, linear)', ({ name, values, q, reference }) => {
    const sorted = [...values].sort((a, b) => a - b);
    for (const [i, p] of q.entries()) same(`${name}: q=${p}`, quantileSorted(sorted, p), reference[i]!);
  });

  it.each(REFERENCE.entropies)(
    '$name: normalized entropy (scipy.stats.entropy)',
    ({ name, counts, categories, reference }) => {
      same(`${name}: entropy of ${counts}`, normalizedEntropy(counts, categories), reference);
    },
  );

  it('holds real data and every kind of case, so a lost case cannot pass in silence', () => {
    expect(REFERENCE.pairs.find((c) => c.name.startsWith('real:'))?.x).toHaveLength(500);
    expect(REFERENCE.pairs.length).toBeGreaterThanOrEqual(6);
    expect(
      [REFERENCE.iccs, REFERENCE.wilsons, REFERENCE.quantiles, REFERENCE.entropies].map((c) => c.length > 0),
    ).toEqual([true, true, true, true]);
  });
});
