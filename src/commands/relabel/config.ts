/** What a relabel run is configured with, once the flags are parsed and checked. */
import type { OutputFormat } from '../../core/formats.js';
import type { GoalSpec, Placement } from '../../core/goal.js';
import type { Path } from '../../core/path.js';
import type { IdenticalPolicy, TiePolicy } from '../../core/relabel.js';
import type { ScoreColumnSpec } from '../../core/scores.js';
import type { Shard } from '../../core/shard.js';
import type { JudgeRunConfig } from '../../judge/session.js';
import type { CommonRunConfig, Order } from '../../pipeline/config.js';

export interface RelabelConfig extends CommonRunConfig {
  scores: ScoreColumnSpec;
  scoresFile?: string;
  key?: Path;
  idCol?: Path;
  goal: GoalSpec;
  goalTemplateName: string;
  placement: Placement;
  order: Order;
  ties: TiePolicy;
  identical: IdenticalPolicy;
  allowEmpty: boolean;
  format: OutputFormat;
  shard?: Shard;
  /** The byte-level JSON fast path (on by default; its output is byte-identical to the plain path). */
  fastPath: boolean;
  /** Print the trainer's config snippet for the output file (stdout) at the end. */
  printConfig: boolean;
  /** --scale was given (else the default 1-10, or the judge's). */
  scaleExplicit: boolean;
  /** Score rows without scores with a judge first (relabel --judge). */
  judge?: JudgeRunConfig;
  /** zlib level for .gz output. */
  gzipLevel?: number;
  /** Worker threads for large JSON inputs (--threads N; absent or 0: the main thread only). */
  workers?: number;
}
