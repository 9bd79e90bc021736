/**
 * `radpo eval`'s figures: does a reward-augmented policy follow its goal? Each prompt brings the judged
 * scores of K answers per goal (and K without a goal, the baseline); every figure is a ratio of sums over
 * prompts, so its prompt-clustered bootstrap interval is one weighted sum per resample (the answers of a
 * prompt move together: they share the prompt's difficulty). Pure; statistics from stats.ts.
 */
import { seededRandom } from './random.js';
import { quantileSorted, spearman } from './stats.js';

/** One prompt's judged scores: K per goal (in the order of the goals) and the baseline's, when asked. */
export interface PromptScores {
  goals: ReadonlyArray<readonly number[]>;
  baseline: readonly number[] | null;
}

/** A figure and its 95% interval (null without resamples, or where too few resamples define it). */
export interface Estimate {
  value: number | null;
  ci: [number, number] | null;
}

interface EvalOptions {
  /** The goal scores asked for, ascending: the last is the top goal, the first the lowest. */
  goals: readonly number[];
  baseline: boolean;
  bootstrap: number;
  seed: number;
}

export interface EvalFigures {
  prompts: number;
  goals: Array<{ goal: number; answers: number; mean_score: Estimate }>;
  baseline: { answers: number; mean_score: Estimate } | null;
  /** Spearman's ρ between goal and judged score within each prompt, averaged over prompts (null: one goal). */
  goal_score_spearman: Estimate;
  /** How often a top-goal answer scores above a baseline answer of the same prompt (ties count half). */
  top_vs_baseline: { win_rate: number | null; ci: [number, number] | null } | null;
  /** The same against the lowest goal's answers (null: one goal). */
  top_vs_lowest: { win_rate: number | null; ci: [number, number] | null } | null;
  /** The share of prompts whose judged scores rise with the goal (their ρ above 0). */
  prompts_rising: { share: number | null; ci: [number, number] | null } | null;
  bootstrap: { resamples: number; seed: number; unit: 'prompt' };
}

export interface EvalWarning {
  code: 'goal_ignored' | 'top_goal_no_better' | 'goal_not_rendered' | 'too_few_prompts' | 'answers_set_aside';
  message: string;
}

/** What one prompt adds: its ρ (null with one goal), for the run to keep the prompts that broke the order. */
interface PromptFigures {
  rho: number | null;
}

/**
 * The share of (a, b) pairs where a scores higher, ties counting half: the probability that an answer of
 * one condition beats an answer of the other, over every pairing of the prompt's answers.
 */
export function winRate(a: readonly number[], b: readonly number[]): number | null {
  if (a.length === 0 || b.length === 0) return null;
  let wins = 0;
  for (const x of a) for (const y of b) wins += x > y ? 1 : x === y ? 0.5 : 0;
  return wins / (a.length * b.length);
}

/**
 * Spearman's ρ between the goal asked for and the judged score, over one prompt's goal answers. Scores
 * that all tie carry no order at all: ρ is 0 there (the goal moved nothing), not left out, which would
 * flatter a policy that ignores the goal. Null with fewer than two goals.
 */
export function promptSpearman(goals: readonly number[], scores: ReadonlyArray<readonly number[]>): number | null {
  if (new Set(goals).size < 2) return null;
  const x: number[] = [];
  const y: number[] = [];
  scores.forEach((list, g) => {
    for (const s of list) {
      x.push(goals[g]!);
      y.push(s);
    }
  });
  return spearman(x, y) ?? 0;
}

/**
 * The fewest prompts a prompt-clustered interval is drawn from. Below it the resamples are a handful of
 * distinct sets (one prompt: every resample is that prompt, a zero-width interval that claims certainty),
 * so there is no interval and the run warns (too_few_prompts) instead of passing its gate.
 */
export const MIN_INTERVAL_PROMPTS = 5;

/** Figures accumulated prompt by prompt (numerator and denominator per figure), in flat memory per prompt. */
export class EvalAccumulator {
  /** Per figure, per prompt: numerator and denominator. */
  private readonly num: number[][];
  private readonly den: number[][];
  private readonly answers: number[];
  private prompts = 0;

  constructor(private readonly options: EvalOptions) {
    const figures = this.figureCount();
    this.num = Array.from({ length: figures }, () => []);
    this.den = Array.from({ length: figures }, () => []);
    this.answers = new Array<number>(options.goals.length + 1).fill(0);
  }

  /** Goals' means, the baseline's mean, ρ, top vs baseline, top vs lowest, prompts rising. */
  private figureCount(): number {
    return this.options.goals.length + 5;
  }

  add(scores: PromptScores): PromptFigures {
    const { goals } = this.options;
    const G = goals.length;
    const row = new Array<number>(this.figureCount()).fill(0);
    const weight = new Array<number>(this.figureCount()).fill(0);
    scores.goals.forEach((list, g) => {
      for (const s of list) row[g]! += s;
      weight[g] = list.length;
      this.answers[g]! += list.length;
    });
    const base = scores.baseline ?? [];
    for (const s of base) row[G]! += s;
    weight[G] = base.length;
    this.answers[G]! += base.length;
    const rho = promptSpearman(goals, scores.goals);
    if (rho !== null) {
      row[G + 1] = rho;
      weight[G + 1] = 1;
      row[G + 4] = rho > 0 ? 1 : 0;
      weight[G + 4] = 1;
    }
    const top = scores.goals[G - 1] ?? [];
    const againstBaseline = scores.baseline ? winRate(top, scores.baseline) : null;
    if (againstBaseline !== null) {
      row[G + 2] = againstBaseline;
      weight[G + 2] = 1;
    }
    const againstLowest = G > 1 ? winRate(top, scores.goals[0] ?? []) : null;
    if (againstLowest !== null) {
      row[G + 3] = againstLowest;
      weight[G + 3] = 1;
    }
    for (let f = 0; f < row.length; f++) {
      this.num[f]!.push(row[f]!);
      this.den[f]!.push(weight[f]!);
    }
    this.prompts += 1;
    return { rho };
  }

  figures(): EvalFigures {
    const { goals, baseline, bootstrap, seed } = this.options;
    const G = goals.length;
    const point = this.num.map((_, f) => this.ratio(f, null));
    const intervals = this.intervals();
    const estimate = (f: number): Estimate => ({ value: point[f]!, ci: point[f] === null ? null : intervals[f]! });
    const single = G < 2;
    return {
      prompts: this.prompts,
      goals: goals.map((goal, g) => ({ goal, answers: this.answers[g]!, mean_score: estimate(g) })),
      baseline: baseline ? { answers: this.answers[G]!, mean_score: estimate(G) } : null,
      goal_score_spearman: estimate(G + 1),
      top_vs_baseline: baseline ? { win_rate: point[G + 2]!, ci: estimate(G + 2).ci } : null,
      top_vs_lowest: single ? null : { win_rate: point[G + 3]!, ci: estimate(G + 3).ci },
      prompts_rising: single ? null : { share: point[G + 4]!, ci: estimate(G + 4).ci },
      bootstrap: { resamples: bootstrap, seed, unit: 'prompt' },
    };
  }

  /** Σ w·num / Σ w·den over prompts (w: a resample's multiplicities, or 1 each); null with no weight. */
  private ratio(f: number, weights: Int32Array | null): number | null {
    const num = this.num[f]!;
    const den = this.den[f]!;
    let n = 0;
    let d = 0;
    for (let p = 0; p < num.length; p++) {
      const w = weights ? weights[p]! : 1;
      if (w === 0) continue;
      n += w * num[p]!;
      d += w * den[p]!;
    }
    return d > 0 ? n / d : null;
  }

  /** Percentile intervals, resampling prompts with replacement; seeded, so the same input gives the same bytes. */
  private intervals(): Array<[number, number] | null> {
    const figures = this.num.length;
    const { bootstrap: resamples, seed } = this.options;
    if (resamples <= 0 || this.prompts < MIN_INTERVAL_PROMPTS) return new Array(figures).fill(null);
    const random = seededRandom(seed);
    const weights = new Int32Array(this.prompts);
    const draws = Array.from({ length: figures }, () => [] as number[]);
    for (let r = 0; r < resamples; r++) {
      weights.fill(0);
      for (let k = 0; k < this.prompts; k++) weights[Math.floor(random() * this.prompts)]! += 1;
      for (let f = 0; f < figures; f++) {
        const value = this.ratio(f, weights);
        if (value !== null) draws[f]!.push(value);
      }
    }
    return draws.map((values) => {
      if (values.length < resamples / 2) return null;
      const sorted = Float64Array.from(values).sort();
      return [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)];
    });
  }
}

/** The lower end of an estimate's interval, or the value itself without one. */
const lower = (value: number | null, ci: [number, number] | null) => (ci ? ci[0] : value);

/**
 * What the figures say went wrong, with stable codes: the goal moves nothing (ρ's interval reaches 0), the
 * top goal does not beat the answers without a goal (its win rate's interval reaches one half).
 */
export function evalWarnings(figures: EvalFigures): EvalWarning[] {
  const warnings: EvalWarning[] = [];
  if (figures.prompts < MIN_INTERVAL_PROMPTS)
    warnings.push({
      code: 'too_few_prompts',
      message:
        `${figures.prompts === 1 ? 'one prompt' : `only ${figures.prompts} prompts`} evaluated: too few for an ` +
        `interval (at least ${MIN_INTERVAL_PROMPTS}), so no figure here is evidence either way — evaluate more prompts`,
    });
  const rho = figures.goal_score_spearman;
  const rhoLow = lower(rho.value, rho.ci);
  if (rhoLow !== null && rhoLow <= 0)
    warnings.push({
      code: 'goal_ignored',
      message:
        `the judged score does not rise with the goal: Spearman ${fixed(rho.value)}` +
        `${rho.ci ? ` (95% CI ${fixed(rho.ci[0])} to ${fixed(rho.ci[1])})` : ''} — the policy does not follow ` +
        'the goal (not trained on it, or the goal text or its place differs from training)',
    });
  const top = figures.top_vs_baseline;
  const goal = figures.goals.at(-1)?.goal;
  const topLow = top ? lower(top.win_rate, top.ci) : null;
  if (top && topLow !== null && topLow <= 0.5)
    warnings.push({
      code: 'top_goal_no_better',
      message:
        `asking for the top goal (${goal}) does not beat asking for nothing: win rate ${fixed(top.win_rate)}` +
        `${top.ci ? ` (95% CI ${fixed(top.ci[0])} to ${fixed(top.ci[1])})` : ''}`,
    });
  return warnings;
}

function fixed(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(3);
}
