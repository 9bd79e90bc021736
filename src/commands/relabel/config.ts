/**
 * What a relabel run is configured with: every flag's typed value as parsed from the table (so a new
 * flag is in the config with no other edit), with the values that need more than parsing replaced by
 * their final form (score columns, goal, placement, judge) and the common run settings.
 */
import type { FlagValues } from '../../cli/flags.js';
import type { GoalSpec, Placement } from '../../core/goal.js';
import type { ScoreColumnSpec } from '../../core/scores.js';
import type { JudgeRunConfig } from '../../judge/session.js';
import type { PairRunConfig } from '../../pipeline/config.js';
import type { ScoresFileSpec } from '../../pipeline/scores-file.js';
import type { relabelFlags } from './flags.js';

interface Resolved {
  scores: ScoreColumnSpec;
  /** The --scores file (the flag's own name holds the resolved score columns) and how its columns are read. */
  scoresFile?: { path: string; spec: ScoresFileSpec };
  goal: GoalSpec;
  goalTemplateName: string;
  /** --placement auto resolved with the chat template; the text format always puts the goal first. */
  placement: Placement;
  /** The byte-level JSON fast path (on by default; its output is byte-identical to the plain path). */
  fastPath: boolean;
  /** --scale was given (else the default 1-10, or the judge's). */
  scaleExplicit: boolean;
  /** --precision given: goal scores rounded to this many digits (null: written as they are). */
  roundDigits: number | null;
  /** Score rows without scores with a judge first (relabel --judge). */
  judge?: JudgeRunConfig;
  /** Start worker threads after this many input bytes (RADPO_POOL_AFTER_BYTES: tests run small inputs through them). */
  poolAfterBytes?: number;
  /** The worker threads' script (Io.relabelWorker; else the compiled one beside the pool). */
  workerScript?: URL;
}

export type RelabelConfig = Omit<FlagValues<typeof relabelFlags>, keyof Resolved | keyof PairRunConfig> &
  Resolved &
  PairRunConfig;
