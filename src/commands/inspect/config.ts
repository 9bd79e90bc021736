/**
 * `radpo inspect`'s flags to its config, pure: its rules between flags (the shared ones from cli/rules.ts)
 * and how the inputs and a --scores file are read. Table-tested in test/commands/inspect/config.test.ts.
 */
import type { FlagValues } from '../../cli/flags.js';
import { scoreColumnSpec, scoresFileSpec, shapeOptions, stdinReadOnce } from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import type { Scale } from '../../core/goal.js';
import type { ShapeOptions } from '../../core/pair.js';
import type { Path } from '../../core/path.js';
import type { ScoreColumnSpec } from '../../core/scores.js';
import type { InputFormat } from '../../io/choices.js';
import type { ScoresFileSpec } from '../../pipeline/scores-file.js';
import type { inspectFlags } from './flags.js';

export interface InspectConfig {
  inputs: string[];
  inputFormat?: InputFormat;
  split?: string;
  shape: ShapeOptions;
  scores: ScoreColumnSpec;
  /** --scores FILE --key PATH: the scores come from that file, each attached to its response. */
  scoresFile?: { path: string; key: Path; spec: ScoresFileSpec };
  /** --scale: the range the scores are checked against (default: the paper's 1-10). */
  scale?: Scale;
  maxLineBytes: number;
}

export function inspectConfig(inputs: string[], flags: FlagValues<typeof inspectFlags>): InspectConfig {
  if ((flags.scores === undefined) !== (flags.key === undefined))
    throw usageError('--scores and --key go together', 'for example --scores scores.jsonl --key prompt_id');
  // A scores file on stdin beside an input on stdin would read it twice.
  stdinReadOnce(flags.scores ? [...inputs, flags.scores] : inputs);
  const scores = scoreColumnSpec(flags);
  const shape = shapeOptions(flags);
  return {
    inputs,
    inputFormat: flags.inputFormat,
    split: flags.split,
    // With a scores file, --score-a-col/--score-b-col name its columns, not the input's.
    shape: flags.scores ? { ...shape, winnerScores: undefined } : shape,
    scores,
    scoresFile:
      flags.scores && flags.key
        ? { path: flags.scores, key: flags.key, spec: scoresFileSpec(flags, scores) }
        : undefined,
    scale: flags.scale,
    maxLineBytes: flags.maxLineBytes,
  };
}
