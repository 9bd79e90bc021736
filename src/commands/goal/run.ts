/**
 * `radpo goal`: the goal text built by the same code as training, so evaluation never retypes it.
 * Text mode prints the goal and a newline; with --placement user, training put "\n\n" between the goal
 * and the question. --json prints the message list to prepend (system) or the first user message.
 */
import type { RunCommand } from '../../cli/command.js';
import { flagError, parseNumber } from '../../cli/flags.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import { usageError, ValueError } from '../../core/errors.js';
import { goalMessages, goalText } from '../../core/goal.js';
import { parseScore } from '../../core/scores.js';
import type { goalFlags } from './flags.js';

export const run: RunCommand<typeof goalFlags> = async (_args, flags, { io }) => {
  const attrs = flags.attrScore.map((spec) => {
    const match = /^([^=]+)=(.+)$/.exec(spec);
    if (!match) throw usageError(`--attr-score expects NAME=N, got "${spec}"`);
    return { name: match[1]!.trim(), value: number('--attr-score', match[2]!) };
  });
  if (attrs.length > 0 && flags.score !== undefined) throw usageError('give either --score or --attr-score, not both');
  if (attrs.length === 0 && flags.score === undefined)
    throw usageError('--score is required', 'at inference use the top of the scale, e.g. radpo goal --score 10');
  const attributes = attrs.length > 0 ? attrs.map((a) => a.name) : null;
  const spec = readGoalSpec(flags, attributes);
  const values = attrs.length > 0 ? attrs.map((a) => a.value) : [number('--score', flags.score!)];
  values.forEach((v, i) => {
    const flag = attributes ? `--attr-score ${attributes[i]}` : '--score';
    try {
      parseScore(v, flag, spec.scale);
    } catch {
      throw usageError(
        `${flag} ${v} is outside the scale ${spec.scale.min}-${spec.scale.max}`,
        'pass --scale MIN-MAX as in training',
      );
    }
  });
  const goal = goalText(spec, values);
  io.stdout.write(
    flags.json ? `${JSON.stringify(goalMessages(goal, flags.placement, flags.prompt ?? ''))}\n` : `${goal}\n`,
  );
  return 'ok';
};

function number(flag: string, text: string): number {
  try {
    return parseNumber(text);
  } catch (err) {
    if (err instanceof ValueError) throw flagError(flag, err);
    throw err;
  }
}
