/**
 * A row's own id, carried through generate, score, pairs and relabel (as source_id) so that every
 * training row can be traced back to its prompt. The first of these columns with a string or number.
 */
import { RowError } from './errors.js';
import type { Path } from './path.js';

/** Last, `source_id`: what radpo pairs (and relabel) name the id they carried, whatever its column was. */
export const ID_COLUMNS = ['id', 'prompt_id', 'uid', 'question_id', 'idx', 'message_tree_id', 'source_id'];

/**
 * The row's id column where none is named. A row radpo wrote (`source_id` beside `source_line`: pairs' or
 * relabel's output) keeps the id radpo carried, the one that traces it back to its prompt: an `id` beside
 * it is a later step's (a hub upload numbering the pairs, a per-pair id), and reading it would cut the
 * trace. Any other row: the first of ID_COLUMNS it has.
 */
export function defaultIdColumn(value: unknown): Path | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const top = value as Record<string, unknown>;
  const isId = (v: unknown) => typeof v === 'string' || typeof v === 'number';
  if (typeof top.source_line === 'number' && isId(top.source_id)) return ['source_id'];
  const found = ID_COLUMNS.find((c) => Object.hasOwn(top, c) && isId(top[c]));
  return found ? [found] : null;
}

/** A decimal integer as text, no leading zeros, optionally with a zero fraction ("1", "-3", "1.0"). */
const INTEGER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.0+)?$/;

/**
 * The one id rule for every join (--key, --id-col): ids are compared by their text form, and a number is
 * one id with its shortest text — 1, "1", 1.0 and "1.0" are one id. Only integers are read as numbers
 * from text, and only those a double holds exactly: "007" stays "007" (a code, not 7), and
 * "12345678901234567890" is not rounded onto its neighbour. A JSON number is already a double: 1.5 is
 * "1.5". Null for what cannot be an id (missing, null, true, an object or a list).
 */
export function joinKey(value: unknown): string | null {
  if (typeof value === 'number')
    return Number.isFinite(value) && !isUnsafeInteger(value) ? String(value === 0 ? 0 : value) : null;
  if (typeof value !== 'string') return null;
  if (INTEGER_TEXT.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return String(n === 0 ? 0 : n);
  }
  return value;
}

/**
 * A JSON number past 2^53 whose digits the parser already rounded: 12345678901234567890 and
 * 12345678901234567891 arrive as one double, so such a number cannot tell two ids apart (no join key).
 */
export function isUnsafeInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value);
}

/** What to do about such an id, in every message that meets one. */
export const UNSAFE_ID_HINT = 'ids past 2^53 lose their last digits as JSON numbers: write them as strings';

/** A row's join id must tell it from its neighbours: a number past 2^53 sets the row aside (`what`: key or id). */
export function requireSafeId(value: unknown, field: string, what: string): void {
  if (!isUnsafeInteger(value)) return;
  throw new RowError('bad_field', `${what} is a number too large to tell from its neighbours`, {
    field,
    expected: 'a string, or a whole number up to 2^53',
    found: String(value),
    hint: UNSAFE_ID_HINT,
  });
}

/** How messages state the id rule. */
export const JOIN_KEY_RULE = 'ids are compared as text, with 1, "1" and 1.0 one id';
