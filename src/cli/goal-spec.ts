/** The goal spec from the goal flags: the scale, and the template file read and parsed. */
import { readFileSync } from 'node:fs';
import { RadpoError, usageError } from '../core/errors.js';
import { parseGoalTemplate, type GoalSpec, type Scale } from '../core/goal.js';

/** Read a goal template file. One trailing newline (which editors add) is not part of the goal. */
function readGoalTemplate(path: string, attributes: readonly string[] | null): GoalSpec['template'] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RadpoError(
      'usage',
      `--goal-template ${path}: ${
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such ' + 'file' : (err as Error).message
      }`,
    );
  }
  text = text.replace(/\r?\n$/, '');
  if (text.trim() === '') throw usageError(`--goal-template ${path} is empty`);
  return parseGoalTemplate(text, attributes);
}

export function readGoalSpec(
  o: { scale: Scale; goalTemplate?: string },
  attributes: readonly string[] | null,
): GoalSpec {
  return { attributes, scale: o.scale, template: o.goalTemplate ? readGoalTemplate(o.goalTemplate, attributes) : null };
}
