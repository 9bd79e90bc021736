/**
 * `radpo eval`'s figures as JSON (schema radpo.eval/v1) and as a terminal table of at most 100 columns:
 * the judged score per goal with its interval and a bar, the baseline, then the goal-following figures.
 */
import type { EvalFigures, EvalWarning, Estimate } from '../../core/eval.js';
import { formatScore } from '../../core/goal.js';
import { counted, formatCount } from '../../pipeline/text.js';
import type { EvalConfig } from './config.js';

/** A prompt whose judged scores fell as the goal rose, with its answers, for the page. */
export interface BrokenPrompt {
  location: string;
  prompt: string;
  rho: number;
  answers: Array<{ goal: number | null; score: number; text: string }>;
}

/** Answers whose verdict could not be read, set aside (in --rejects with their reason); their prompts still count. */
export interface AnswersSetAside {
  total: number;
  by_reason: Record<string, number>;
}

export interface EvalJson extends EvalFigures {
  schema: 'radpo.eval/v1';
  samples_per_goal: number;
  answers_set_aside: AnswersSetAside;
  scale: { min: number; max: number };
  placement: string;
  warnings: EvalWarning[];
}

export function evalJson(
  figures: EvalFigures,
  warnings: EvalWarning[],
  config: EvalConfig,
  answers_set_aside: AnswersSetAside,
): EvalJson {
  const { samples: samples_per_goal, scale, placement } = config;
  return { schema: 'radpo.eval/v1', samples_per_goal, answers_set_aside, scale, placement, ...figures, warnings };
}

/** Three decimals, or '-' where the figure is not defined. */
export const fixed = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined ? '-' : x.toFixed(digits);
export const span = (ci: [number, number] | null | undefined, digits = 3) =>
  ci ? `${ci[0].toFixed(digits)}–${ci[1].toFixed(digits)}` : '';

/** A bar from the bottom of the judged scores to a mean, 24 characters at most. */
function bar(value: number | null, lo: number, hi: number): string {
  if (value === null || !(hi > lo)) return '';
  return '█'.repeat(Math.max(0, Math.round(((value - lo) / (hi - lo)) * 24)));
}

export function renderTable(figures: EvalFigures, config: EvalConfig, aside: AnswersSetAside): string {
  const means = [...figures.goals.map((g) => g.mean_score), ...(figures.baseline ? [figures.baseline.mean_score] : [])];
  const ends = means.flatMap((m) => (m.ci ? m.ci : m.value === null ? [] : [m.value]));
  const lo = Math.min(0, ...ends);
  const hi = Math.max(...ends, lo + 1);
  const line = (name: string, answers: number, m: Estimate) =>
    (
      `${name.padEnd(10)}${formatCount(answers).padStart(8)}  ${fixed(m.value, 2).padStart(10)}  ` +
      `${span(m.ci, 2).padEnd(12)}  ${bar(m.value, lo, hi)}`
    ).trimEnd();
  const scale = `${formatScore(config.scale.min)}-${formatScore(config.scale.max)}`;
  const lines = [
    `goals on the scale ${scale}, ${config.placement} placement; ` +
      `${counted(config.samples, 'answer')} per prompt and goal`,
    '',
    `${'goal'.padEnd(10)}${'answers'.padStart(8)}  ${'mean score'.padStart(10)}  95% CI`,
    ...figures.goals.map((g) => line(formatScore(g.goal), g.answers, g.mean_score)),
    ...(figures.baseline ? [line('no goal', figures.baseline.answers, figures.baseline.mean_score)] : []),
    '',
  ];
  const figure = (name: string, value: number | null, ci: [number, number] | null) =>
    `${name.padEnd(44)}${fixed(value).padStart(7)}  ${span(ci)}`.trimEnd();
  const top = formatScore(config.goals.at(-1)!);
  const rho = figures.goal_score_spearman;
  lines.push(`${'figure'.padEnd(44)}${'value'.padStart(7)}  95% CI`);
  lines.push(figure('goal–score Spearman, within prompts', rho.value, rho.ci));
  if (figures.top_vs_baseline)
    lines.push(
      figure(`top goal (${top}) beats no goal, win rate`, figures.top_vs_baseline.win_rate, figures.top_vs_baseline.ci),
    );
  if (figures.top_vs_lowest)
    lines.push(
      figure(
        `top goal beats lowest (${formatScore(config.goals[0]!)}), win rate`,
        figures.top_vs_lowest.win_rate,
        figures.top_vs_lowest.ci,
      ),
    );
  if (figures.prompts_rising)
    lines.push(
      figure('prompts whose score rises with the goal', figures.prompts_rising.share, figures.prompts_rising.ci),
    );
  const reasons = Object.entries(aside.by_reason).map(([reason, n]) => `${formatCount(n)} ${reason}`);
  const setAside = aside.total > 0 ? `; ${counted(aside.total, 'answer')} set aside: ${reasons.join(', ')}` : '';
  lines.push(
    `(${counted(figures.prompts, 'prompt')}${setAside}; intervals: ${formatCount(figures.bootstrap.resamples)} ` +
      'bootstrap resamples of prompts)',
  );
  return `${lines.join('\n')}\n`;
}
