import { z } from 'zod';
import { EXIT_OK, usageError } from '../core/errors.js';
import { goalMessages, goalText } from '../core/goal.js';
import { parseScore } from '../core/scores.js';
import type { Io } from './io.js';
import { goalSpec, parseNumber, validate } from './options.js';

const GoalOptions = z.object({
  score: z.string().optional(),
  attrScore: z.array(z.string()).optional(),
  placement: z.enum(['system', 'user']),
  goalTemplate: z.string().optional(),
  scale: z.string(),
  prompt: z.string().optional(),
  json: z.boolean().optional(),
});

/**
 * `radpo goal`: the goal text built by the same code as training, so evaluation never retypes it.
 * Text mode prints the goal and a newline; with --placement user, training put "\n\n" between the goal
 * and the question. --json prints the message list to prepend (system) or the first user message.
 */
export async function goalCommand(rawOptions: Record<string, unknown>, io: Io): Promise<number> {
  const o = validate(GoalOptions, rawOptions);
  const attrs = (o.attrScore ?? []).map((spec) => {
    const match = /^([^=]+)=(.+)$/.exec(spec);
    if (!match) throw usageError(`--attr-score expects NAME=N, got "${spec}"`);
    return { name: match[1]!.trim(), value: parseNumber(match[2]!, '--attr-score') };
  });
  if (attrs.length > 0 && o.score !== undefined) throw usageError('give either --score or --attr-score, not both');
  if (attrs.length === 0 && o.score === undefined) throw usageError('--score is required', 'at inference use the top of the scale, e.g. radpo goal --score 10');
  const attributes = attrs.length > 0 ? attrs.map((a) => a.name) : null;
  const spec = goalSpec({ scale: o.scale, goalTemplate: o.goalTemplate }, attributes);
  const values = attrs.length > 0 ? attrs.map((a) => a.value) : [parseNumber(o.score!, '--score')];
  values.forEach((v, i) => {
    try {
      parseScore(v, attributes ? `--attr-score ${attributes[i]}` : '--score', spec.scale);
    } catch {
      throw usageError(`${attributes ? `--attr-score ${attributes[i]}` : '--score'} ${v} is outside the scale ${o.scale}`, 'pass --scale MIN-MAX as in training');
    }
  });
  const goal = goalText(spec, values);
  if (o.json) io.stdout.write(`${JSON.stringify(goalMessages(goal, o.placement, o.prompt ?? ''))}\n`);
  else io.stdout.write(`${goal}\n`);
  return EXIT_OK;
}
