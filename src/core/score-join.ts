/**
 * A score belongs to the response it scores. A separate scores file (--scores FILE --key PATH) gives, for
 * each key, two sides: the scores of one response each, and that response's text when the file carries
 * it (rating files do). Each side is attached to the input's response with the same text. Only a scores
 * file without the responses is taken by position, and only when both files name their sides alike
 * (chosen/rejected, or A/B): a score named "chosen" says nothing about which of A and B won. A row whose
 * sides do not match the input's responses is set aside naming both texts; nothing is guessed. Pure.
 */
import { RowError, preview } from './errors.js';
import { hint } from './hints.js';
import { JOIN_KEY_RULE, joinKey, requireSafeId } from './ids.js';
import type { PairScores } from './scores.js';

/** How a scores file names its two sides: chosen/rejected (--chosen-score-col) or A/B (--score-a-col). */
export type SideNames = 'chosen-rejected' | 'a-b';

/**
 * One response's scores (one per attribute) in a scores file's row, and its text when the row has it.
 * `textColumn`: the file carries the responses, so a row without a text is a row that cannot be matched,
 * never one taken by position.
 */
interface ScoredSide {
  scores: number[];
  text: string | null;
  textColumn?: boolean;
  /** Where the scores row is (file:line) and the column its text came from, for the messages. */
  at?: string;
  column?: string;
}

/** A scores file's row: its first side (chosen or A) and its second (rejected or B). */
export type ScoresRow = readonly [ScoredSide, ScoredSide];

/** The input row's two responses as the join reads them. */
export interface InputSides {
  chosen: unknown;
  rejected: unknown;
  /** An A/B input with a winner: the side that won ('a': chosen is A). null: the input names chosen/rejected. */
  winner: 'a' | 'b' | null;
}

/**
 * The text a response column holds, for matching: a string; the last message of a conversation (its
 * content); a message object's content (ShareGPT's chosen `{from, value}`). Surrounding white space is
 * ignored (datasets differ in a trailing newline). null for nothing readable.
 */
export function responseText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return value.length === 0 ? null : responseText(value[value.length - 1]);
  if (typeof value === 'object') {
    const m = value as Record<string, unknown>;
    if (typeof m.content === 'string') return m.content.trim();
    if (typeof m.value === 'string') return m.value.trim();
  }
  return JSON.stringify(value);
}

/**
 * Why a scores file without responses cannot be joined by position to an input, or null when it can: its
 * sides must be named as the input's are (chosen/rejected for pairs, A/B for a winner layout).
 */
export function positionalMismatch(names: SideNames, inputHasWinner: boolean): string | null {
  if (names === 'chosen-rejected' && inputHasWinner)
    return (
      'the input holds responses A and B and a winner, and the scores file names chosen and rejected scores ' +
      'without the responses they score: whether its "chosen" score is the winner\'s or the first response\'s ' +
      'cannot be told'
    );
  if (names === 'a-b' && !inputHasWinner)
    return (
      'the scores file names scores of responses A and B without the responses, and the input holds chosen ' +
      'and rejected responses: which of A and B is the chosen one cannot be told'
    );
  return null;
}

/** A scores row scores these two texts, in either order (its first side may be either of them). */
export function scoresTexts(row: ScoresRow, a: string | null, b: string | null): boolean {
  const [first, second] = row;
  return (first.text === a && second.text === b) || (first.text === b && second.text === a);
}

/**
 * The input pair's scores from a scores file's row: by the responses' text when the row has both, else by
 * position (when the names agree). Throws `unmatched_scores` naming both rows' texts.
 */
export function attachScores(row: ScoresRow, input: InputSides, names: SideNames, key: JoinedKey): PairScores {
  const [first, second] = row;
  if (first.text !== null && second.text !== null) {
    const chosen = responseText(input.chosen);
    const rejected = responseText(input.rejected);
    const straight = chosen === first.text && rejected === second.text;
    const crossed = chosen === second.text && rejected === first.text;
    const same = (a: number[], b: number[]) => a.every((x, i) => x === b[i]);
    if (straight && crossed && !same(first.scores, second.scores)) throw unmatched(row, input, key, 'ambiguous');
    if (straight) return { chosen: first.scores, rejected: second.scores };
    if (crossed) return { chosen: second.scores, rejected: first.scores };
    throw unmatched(row, input, key, 'texts');
  }
  if (first.textColumn || second.textColumn) return byOneText(row, input, key);
  const why = positionalMismatch(names, input.winner !== null);
  if (why !== null) throw unmatched(row, input, key, why);
  return input.winner === 'b'
    ? { chosen: second.scores, rejected: first.scores }
    : { chosen: first.scores, rejected: second.scores };
}

/**
 * A row of a file that carries the responses but lacks one of them here: the side whose text is present
 * says which response it scores (and so the other side scores the other). Without any text, or with a
 * text that is neither response, the row is set aside: position is never taken in such a file.
 */
function byOneText(row: ScoresRow, input: InputSides, key: JoinedKey): PairScores {
  const [first, second] = row;
  const chosen = responseText(input.chosen);
  const rejected = responseText(input.rejected);
  const present = first.text !== null ? first : second.text !== null ? second : null;
  if (present === null || chosen === rejected) throw unmatched(row, input, key, present ? 'ambiguous' : 'no-text');
  const other = present === first ? second : first;
  if (present.text === chosen) return { chosen: present.scores, rejected: other.scores };
  if (present.text === rejected) return { chosen: other.scores, rejected: present.scores };
  throw unmatched(row, input, key, 'texts');
}

/** The scores a scores file gives the row whose key is `key`: missing_score when none, else attachScores. */
export function joinScores(
  table: ReadonlyMap<string, readonly ScoresRow[]>,
  names: SideNames,
  key: unknown,
  keyField: string,
  input: InputSides,
): PairScores {
  const k = joinKey(key);
  requireSafeId(key, keyField, "the row's key");
  const rows = k === null ? undefined : table.get(k);
  if (!rows) {
    throw new RowError('missing_score', 'no scores for this row in the scores file', {
      field: keyField,
      expected: 'a key present in the scores file',
      found: key === undefined ? 'no key column' : JSON.stringify(key),
      hint: `${JOIN_KEY_RULE}; score the missing rows, or set them aside`,
    });
  }
  const joined = { field: keyField, value: key };
  if (rows.length === 1) return attachScores(rows[0]!, input, names, joined);
  // Several pairs under one key (a file that carries the responses): the row that scores these two texts.
  const [chosen, rejected] = [responseText(input.chosen), responseText(input.rejected)];
  const mine = rows.filter((row) => scoresTexts(row, chosen, rejected));
  if (mine.length === 0)
    throw unmatched(
      rows[0]!,
      input,
      joined,
      `none of the ${rows.length} scores rows of this key scores this row's responses`,
    );
  return attachScores(mine[0]!, input, names, joined);
}

/** The input row's key, as the messages name it: its column, and its value (previewed: keys can be prompts). */
interface JoinedKey {
  field: string;
  value: unknown;
}

function unmatched(row: ScoresRow, input: InputSides, key: JoinedKey, why: string): RowError {
  const text = (value: unknown) => preview(responseText(value) ?? '(none)', 60);
  const message =
    why === 'texts'
      ? "the scores file's responses for this key are not this row's responses"
      : why === 'ambiguous'
        ? 'both responses have the same text but the scores file gives them different scores'
        : why === 'no-text'
          ? "the scores file carries the responses, but not this row's: which score is whose cannot be told"
          : why;
  const [first, second] = row;
  const columns = first.column && second.column ? ` (its ${first.column} and ${second.column})` : '';
  const where = first.at ? `the scores row at ${first.at}${columns}` : 'the scores row';
  return new RowError('unmatched_scores', message, {
    field: key.field,
    expected: `scores of this row's responses: chosen ${text(input.chosen)}, rejected ${text(input.rejected)}`,
    found: `${where} for key ${preview(key.value, 60)} scores ${text(first.text)} and ${text(second.text)}`,
    hint: hint('match_scores_file'),
  });
}
