/** The goal spec from the goal flags: the scale, and the template file read and parsed. */
import { usageError, ValueError } from '../core/errors.js';
import { parseGoalTemplate, type GoalSpec, type Scale } from '../core/goal.js';
import { readFlagFile } from '../io/files.js';
import { flagError } from './flags.js';

/** Read a goal template file. One trailing newline (which editors add) is not part of the goal. */
function readGoalTemplate(path: string, attributes: readonly string[] | null): GoalSpec['template'] {
  const text = readFlagFile('--goal-template', path).replace(/\r?\n$/, '');
  if (text.trim() === '') throw usageError(`--goal-template ${path} is empty`);
  try {
    return parseGoalTemplate(text, attributes);
  } catch (err) {
    if (err instanceof ValueError) throw flagError(`--goal-template ${path}`, err);
    throw err;
  }
}

export function readGoalSpec(
  o: { scale: Scale; goalTemplate?: string },
  attributes: readonly string[] | null,
): GoalSpec {
  return { attributes, scale: o.scale, template: o.goalTemplate ? readGoalTemplate(o.goalTemplate, attributes) : null };
}
