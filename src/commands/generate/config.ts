/**
 * `radpo generate`'s flags to its sampling settings: every rule between its flags, pure (the server's own
 * configuration, which reads the environment, is cli/server-config.ts's; inputs and output paths are checked
 * by run.ts). Table-tested in test/commands/generate/config.test.ts.
 */
import type { FlagValues } from '../../cli/flags.js';
import { errorPolicyRules, outputRules } from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import type { Placement } from '../../core/goal.js';
import type { Path } from '../../core/path.js';
import { parseScore } from '../../core/scores.js';
import { MAX_SAMPLES, type SamplingParams, samplingRecord } from '../../sampler/params.js';
import { formatCount } from '../../pipeline/text.js';
import type { generateFlags } from './flags.js';

interface GenerateSettings {
  params: SamplingParams;
  promptPath: Path;
  /** --goal-score: the training goal asked for, and where it goes; null without it. */
  goal: { score: number; placement: Placement } | null;
  /** What the rows carry as `sampling`. */
  sampling: Record<string, unknown>;
}

/** `model`: the policy model the server configuration resolved (from --policy-model or the environment). */
export function generateSettings(flags: FlagValues<typeof generateFlags>, model: string): GenerateSettings {
  if (flags.samples < 1 || flags.samples > MAX_SAMPLES)
    throw usageError(`-n ${flags.samples} is out of bounds: from 1 to ${formatCount(MAX_SAMPLES)} samples per prompt`);
  errorPolicyRules(flags);
  outputRules(flags);
  if (flags.goalScore !== undefined) {
    try {
      parseScore(flags.goalScore, '--goal-score', flags.scale);
    } catch {
      throw usageError(
        `--goal-score ${flags.goalScore} is outside the scale ${flags.scale.min}-${flags.scale.max}`,
        'pass --scale MIN-MAX as in training',
      );
    }
  }
  const params: SamplingParams = {
    model,
    n: flags.samples,
    temperature: flags.temperature,
    topP: flags.topP,
    maxTokens: flags.maxTokens,
    seed: flags.seed,
  };
  return {
    params,
    promptPath: flags.promptCol ?? ['prompt'],
    goal: flags.goalScore === undefined ? null : { score: flags.goalScore, placement: flags.placement },
    sampling: {
      ...samplingRecord(params),
      ...(flags.goalScore !== undefined ? { goal_score: flags.goalScore, placement: flags.placement } : {}),
    },
  };
}
