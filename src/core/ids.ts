/**
 * A row's own id, carried through generate, score, pairs and relabel (as source_id) so that every
 * training row can be traced back to its prompt. The first of these columns with a string or number.
 */
import type { Path } from './path.js';

export const ID_COLUMNS = ['id', 'prompt_id', 'uid', 'question_id', 'idx', 'message_tree_id'];

export function defaultIdColumn(value: unknown): Path | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const top = value as Record<string, unknown>;
  const found = ID_COLUMNS.find(
    (c) => Object.hasOwn(top, c) && (typeof top[c] === 'string' || typeof top[c] === 'number'),
  );
  return found ? [found] : null;
}
