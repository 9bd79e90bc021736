/**
 * The relabeling of arXiv 2410.08067, Figure 1. Pure.
 *
 * Each pair (x, y_w, r_w, y_l, r_l) becomes two pairs:
 *   copy 1 "chosen_goal":   goal r_w, chosen y_w, rejected y_l
 *   copy 2 "rejected_goal": goal r_l, chosen y_l, rejected y_w   (swapped)
 * In both placements (the reference's "nosys" script does not swap copy 2; we follow the paper).
 */
import { goalPattern, goalText, PAPER_GOAL_PREFIX, placeGoal, type GoalSpec, type Placement } from './goal.js';
import type { Message, Pair } from './pair.js';
import type { PairScores } from './scores.js';
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
    return {
      copy,
      goal,
      goalScores: scoreChosen,
      prompt: placeGoal(pair.prompt, goal, options.placement),
      chosen,
      rejected,
      scoreChosen,
      scoreRejected,
      ...(pair.tools === undefined ? {} : { tools: pair.tools }),
    };
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
