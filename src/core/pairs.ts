/**
 * From several scored responses to one prompt, to preference pairs (the on-policy recipe of the paper,
 * and UltraFeedback's own binarization). Pure: responses and scores in, chosen/rejected indexes out.
 */
import { hint } from './hints.js';
import { RowError } from './errors.js';
import { formatScore } from './goal.js';
import { seededRandom } from './random.js';
import { meetsMinGap } from './relabel.js';

export const PAIR_STRATEGIES = ['best-worst', 'best-random', 'all'] as const;
type PairStrategy = (typeof PAIR_STRATEGIES)[number];

export interface PickOptions {
  strategy: PairStrategy;
  /** A pair's scores must differ by more than this (0: any difference). */
  minGap: number;
  /** best-random: the seed of the choice (with the row's line, so every row draws its own). */
  seed: number;
  line: number;
  /** The values are ranks (lower is better: Nectar, OASST), passed negated; said so in errors. */
  ranks?: boolean;
}

function noPreference(scores: readonly number[], options: PickOptions): RowError {
  const { minGap } = options;
  const noun = options.ranks ? 'rank' : 'score';
  const shown = options.ranks ? scores.map((s) => -s) : scores;
  return new RowError(
    'no_preference',
    scores.length < 2
      ? `fewer than two responses to pair (${scores.length === 0 ? 'none' : 'one'} with a usable ${noun})`
      : `no two responses differ by more than ${formatScore(minGap)}`,
    {
      field: options.ranks ? 'ranks' : 'scores',
      expected: `two responses whose ${noun}s differ by more than ${formatScore(minGap)}`,
      found: scores.length === 0 ? `no usable ${noun}` : `${noun}s ${shown.map(formatScore).join(', ')}`,
      hint: hint('lower_min_gap'),
    },
  );
}

/**
 * The (chosen, rejected) response indexes for one prompt. Best and worst are the first of equal scores
 * (in response order), so the result never depends on sort stability. Throws `no_preference` when no
 * two responses differ by more than the gap.
 */
export function pickPairs(scores: readonly number[], options: PickOptions): Array<[number, number]> {
  const order = scores.map((s, i) => [s, i] as const);
  if (order.length < 2) throw noPreference(scores, options);
  const best = order.reduce((a, b) => (b[0] > a[0] ? b : a));
  const worst = order.reduce((a, b) => (b[0] < a[0] ? b : a));
  if (!differsBy(best[0], worst[0], options.minGap)) throw noPreference(scores, options);
  if (options.strategy === 'best-worst') return [[best[1], worst[1]]];
  if (options.strategy === 'best-random') {
    const others = order.filter(([s]) => differsBy(best[0], s, options.minGap));
    return [[best[1], others[drawIndex(others.length, options)]![1]]];
  }
  const pairs: Array<[number, number]> = [];
  for (const [si, i] of order) for (const [sj, j] of order) if (differsBy(si, sj, options.minGap)) pairs.push([i, j]);
  return pairs;
}

/**
 * `better` beats `worse` by more than the gap, by the rule of every --min-gap (meetsMinGap, core/relabel.ts):
 * more than it beyond float noise, i.e. the gap would not itself clear a minimum gap of `better - worse`.
 */
export function differsBy(better: number, worse: number, minGap: number): boolean {
  return !meetsMinGap(minGap, better - worse);
}

/** best-random's draw among `count` others: seeded by --seed and the row (or group), so a rerun draws the same. */
export function drawIndex(count: number, options: PickOptions): number {
  return Math.floor(seededRandom(options.seed * 0x9e3779b1 + options.line)() * count);
}
