/**
 * `radpo goal`'s flags to what it prints: every rule between its flags, pure (no file is read; the goal
 * template's file is read by run.ts). Table-tested in test/commands/goal/config.test.ts.
 */
import type { FlagValues } from '../../cli/flags.js';
import { flagError, parseNumber } from '../../cli/flags.js';
import { usageError, ValueError } from '../../core/errors.js';
import type { Placement, Scale } from '../../core/goal.js';
import { parseScore } from '../../core/scores.js';
import type { goalFlags } from './flags.js';

interface GoalConfig {
  scale: Scale;
  goalTemplate?: string;
  /** The attribute names, in training order; null: one overall score. */
  attributes: string[] | null;
  /** The target scores, one per attribute (or the one overall score), each on the scale. */
  values: number[];
  placement: Placement;
  prompt: string;
  json: boolean;
}

export function goalConfig(flags: FlagValues<typeof goalFlags>): GoalConfig {
  const attrs = flags.attrScore.map((spec) => {
    const match = /^([^=]+)=(.+)$/.exec(spec);
    if (!match) throw usageError(`--attr-score expects NAME=N, got "${spec}"`);
    return { name: match[1]!.trim(), value: number('--attr-score', match[2]!) };
  });
  if (attrs.length > 0 && flags.score !== undefined) throw usageError('give either --score or --attr-score, not both');
  if (attrs.length === 0 && flags.score === undefined)
    throw usageError('--score is required', 'at inference use the top of the scale, e.g. radpo goal --score 10');
  const attributes = attrs.length > 0 ? attrs.map((a) => a.name) : null;
  const values = attrs.length > 0 ? attrs.map((a) => a.value) : [number('--score', flags.score!)];
  for (const [i, v] of values.entries()) {
    const flag = attributes ? `--attr-score ${attributes[i]}` : '--score';
    try {
      parseScore(v, flag, flags.scale);
    } catch {
      throw usageError(
        `${flag} ${v} is outside the scale ${flags.scale.min}-${flags.scale.max}`,
        'pass --scale MIN-MAX as in training',
      );
    }
  }
  return {
    scale: flags.scale,
    goalTemplate: flags.goalTemplate,
    attributes,
    values,
    placement: flags.placement,
    prompt: flags.prompt ?? '',
    json: flags.json,
  };
}

function number(flag: string, text: string): number {
  try {
    return parseNumber(text);
  } catch (err) {
    if (err instanceof ValueError) throw flagError(flag, err);
    throw err;
  }
}
