/**
 * The relabeling of arXiv 2410.08067, Figure 1. Pure.
 *
 * Each pair (x, y_w, r_w, y_l, r_l) becomes two pairs:
 *   copy 1 "chosen_goal":   goal r_w, chosen y_w, rejected y_l
 *   copy 2 "rejected_goal": goal r_l, chosen y_l, rejected y_w   (swapped)
 * In both placements (the reference's "nosys" script does not swap copy 2; we follow the paper).
 */
import { RowError } from './errors.js';
import {
  goalPattern,
  goalText,
  PAPER_GOAL_PREFIX,
  placeGoal,
  type GoalSpec,
  type Placement,
  type Scale,
} from './goal.js';
import { hint } from './hints.js';
import type { Message, Pair } from './pair.js';
import { pathText } from './path.js';
import { readScores, type PairScores, type ScoreColumns } from './scores.js';
import { mean } from './stats.js';

/** Pairs whose two scores are equal: kept (each copy then carries the same goal) or dropped. */
export const TIE_POLICIES = ['keep', 'drop'] as const;
export type TiePolicy = (typeof TIE_POLICIES)[number];
/** Pairs whose chosen and rejected text are the same: no preference, and they break prompt extraction. */
export const IDENTICAL_POLICIES = ['drop', 'keep'] as const;
export type IdenticalPolicy = (typeof IDENTICAL_POLICIES)[number];

const COPIES = ['chosen_goal', 'rejected_goal'] as const;
export type CopyKind = (typeof COPIES)[number];

export interface RelabeledPair {
  copy: CopyKind;
  goal: string;
  /** The goal's scores, which are always the scores of this row's chosen response. */
  goalScores: readonly number[];
  /** Prompt turns with the goal placed. Identical (byte for byte) for chosen and rejected. */
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  scoreChosen: readonly number[];
  scoreRejected: readonly number[];
  /** The tools the prompt offers (JSON text), the same in both copies. */
  tools?: string;
}

interface RelabelOptions {
  goal: GoalSpec;
  placement: Placement;
}

export function relabelPair(pair: Pair, scores: PairScores, options: RelabelOptions): [RelabeledPair, RelabeledPair] {
  const make = (
    copy: CopyKind,
    chosen: Message[],
    rejected: Message[],
    scoreChosen: readonly number[],
    scoreRejected: readonly number[],
  ): RelabeledPair => {
    const goal = goalText(options.goal, scoreChosen);
    const relabeled: RelabeledPair = {
      copy,
      goal,
      goalScores: scoreChosen,
      prompt: placeGoal(pair.prompt, goal, options.placement),
      chosen,
      rejected,
      scoreChosen,
      scoreRejected,
    };
    if (pair.tools !== undefined) relabeled.tools = pair.tools;
    return relabeled;
  };
  return [
    make('chosen_goal', pair.chosen, pair.rejected, scores.chosen, scores.rejected),
    make('rejected_goal', pair.rejected, pair.chosen, scores.rejected, scores.chosen),
  ];
}

/** Equal scores on every attribute: the two copies get the same goal and opposite preferences. */
export function isTie(scores: PairScores): boolean {
  return scores.chosen.every((s, i) => s === scores.rejected[i]);
}

/** Chosen score minus rejected score; with several attributes, of their means. */
export function scoreGap(scores: PairScores): number {
  // A pair's scores hold one value per attribute, at least one.
  return mean(scores.chosen)! - mean(scores.rejected)!;
}

/**
 * Does a pair whose scores differ by `gap` (either sign) clear a minimum gap? |gap| ≥ minGap, up to float
 * noise: 0.7 − 0.4 is 0.29999999999999993, which prints as 0.3 and must clear --min-gap 0.3. The rule of
 * every --min-gap (relabel's, pairs', the audit's sweep), so they keep and drop the same pairs.
 */
export function meetsMinGap(gap: number, minGap: number): boolean {
  return Math.abs(gap) >= minGap - 1e-9 * Math.max(1, Math.abs(minGap));
}

/**
 * Scores are checked as a pair, not only one by one: two finite scores can lie further apart than a double
 * holds (-1e308 against 1e308), and a gap that is not finite breaks everything built on it (a sweep of gaps
 * never ends, a mean is NaN). Such a pair is a bad score: set aside with its reason, naming its columns.
 * Every reader of a pair's scores passes here (readScores, pairs' picks), so no command sees such a gap.
 */
export function checkScoreGap(scores: PairScores, fields: { chosen: string; rejected: string }): void {
  const gap = scoreGap(scores);
  if (Number.isFinite(gap)) return;
  // String(), not formatScore: 1e+308 in 6 characters rather than 309 digits.
  const shown = (values: readonly number[]) => values.map(String).join(', ');
  throw new RowError('bad_score', 'the two scores are too far apart to compare: their gap is not a finite number', {
    field: fields.chosen === fields.rejected ? fields.chosen : `${fields.chosen} / ${fields.rejected}`,
    expected: `scores whose difference is a finite number (at most ${Number.MAX_VALUE})`,
    found: `${shown(scores.chosen)} against ${shown(scores.rejected)} (gap ${gap})`,
    hint: hint('fix_source_or_set_aside'),
  });
}

/** A pair's scores read from its columns (core/scores.ts), one by one and then as a pair. */
export function readPairScores(record: unknown, columns: ScoreColumns, scale: Scale): PairScores {
  const scores = readScores(record, columns, scale);
  // The fields are named only for a gap that is not finite (checkScoreGap's error).
  if (Number.isFinite(scoreGap(scores))) return scores;
  const names = (paths: ScoreColumns['chosen']) => paths.map(pathText).join(', ');
  checkScoreGap(scores, { chosen: names(columns.chosen), rejected: names(columns.rejected) });
  return scores;
}

/**
 * The label disagrees with the scores: the chosen response scored lower (on the attributes' mean). Such
 * pairs are still well-formed after relabeling; they are only counted.
 */
export function contradictsLabel(scores: PairScores): boolean {
  return scoreGap(scores) < 0;
}

/**
 * Evidence that a record is already radpo's output (relabeling it again would put a second goal in
 * every prompt): radpo's own columns, or a prompt that starts with the goal text. Null when none.
 */
export function relabeledEvidence(record: unknown, prompt: readonly Message[] | null, goal: GoalSpec): string | null {
  if (record !== null && typeof record === 'object' && !Array.isArray(record)) {
    const r = record as Record<string, unknown>;
    if ((r.copy === 'chosen_goal' || r.copy === 'rejected_goal') && ('goal_score' in r || 'goal_scores' in r))
      return 'it has the copy and goal_score columns radpo writes';
  }
  const custom = goal.template === null ? null : goalPattern(goal).regex;
  for (const message of prompt ?? []) {
    if (message.role !== 'system' && message.role !== 'user') continue;
    if (typeof message.content !== 'string') return null;
    const text = message.content;
    if (text.startsWith(PAPER_GOAL_PREFIX) || (custom !== null && new RegExp(`^${custom.source}`).test(text)))
      return `its ${message.role} message starts with the goal text (${JSON.stringify(`${text.slice(0, 60)}…`)})`;
    if (message.role === 'user') return null;
  }
  return null;
}
