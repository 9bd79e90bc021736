/**
 * `--scores FILE --key COL`: a separate file of scores, read whole and joined to the input by key
 * (relabel's, audit's and inspect's). Each row's scores stay with the responses they score in that file's
 * own row (core/score-join.ts attaches them to the input's). Hints are worded by the caller's `words`.
 */
import { RadpoError, RowError, formatLocation, type Location } from '../core/errors.js';
import type { Scale } from '../core/goal.js';
import type { HintWords } from '../core/hints.js';
import { isUnsafeInteger, JOIN_KEY_RULE, joinKey, UNSAFE_ID_HINT } from '../core/ids.js';
import { labelColumnOf } from '../core/input-layouts.js';
import { responseColumnPairs } from '../core/pair.js';
import { getPath, pathText, type Path } from '../core/path.js';
import { readPairScores } from '../core/relabel.js';
import { responseText, type ScoresRow, scoresTexts, type SideNames } from '../core/score-join.js';
import { resolveScoreColumns, type ScoreColumnSpec } from '../core/scores.js';
import type { Io } from '../io/io.js';
import { openRecords, type SourceRecord } from '../io/records.js';

export interface JoinedScores {
  /** Key -> its rows: one, or (a file that carries the responses) one per pair of responses under that key. */
  table: Map<string, ScoresRow[]>;
  /** How the score columns name their sides (the join by position needs the input to name its own alike). */
  names: SideNames;
  /** The scores file's response columns (first, second), or null: it holds numbers only. */
  responses: [Path, Path] | null;
  description: string;
}

/** Which score columns, how they name their sides, and response columns to look for first. */
export interface ScoresFileSpec {
  columns: ScoreColumnSpec;
  names: SideNames;
  /** Column pairs the user named for the input: --response-a-col/-b-col (ab), --chosen-col/--rejected-col. */
  responses: { ab: Array<[Path, Path]>; chosenRejected: Array<[Path, Path]> };
}

/**
 * A scores row's key under the one id rule (core/ids.ts): present, a string or number, and not seen
 * before (1 and "1" are one key, and so a scores row given twice).
 */
function keyOf(
  record: SourceRecord,
  keyPath: Path,
  seen: Map<string, { key: unknown; location: Location }>,
  repeats: boolean,
): string {
  const key = getPath(record.value, keyPath);
  const k = joinKey(key);
  if (k === null) {
    throw new RadpoError(
      'io',
      `${formatLocation(record.location)}: scores file has no usable key in "${keyPath.join('.')}"` +
        (isUnsafeInteger(key) ? ` (${key} is a number past 2^53, rounded by the JSON parser)` : ''),
      isUnsafeInteger(key)
        ? UNSAFE_ID_HINT
        : 'every scores row needs the key column given with --key (a string or a number)',
    );
  }
  const earlier = seen.get(k);
  // A file that carries the responses may score several pairs under one key (one prompt, several pairs):
  // each is told apart by its texts (core/score-join.ts `scoresTexts`).
  if (earlier !== undefined && !repeats)
    throw new RadpoError(
      'io',
      `${formatLocation(record.location)}: key ${JSON.stringify(key)} appears twice in the scores file ` +
        `(first as ${JSON.stringify(earlier.key)} at ${formatLocation(earlier.location)}; ${JOIN_KEY_RULE})`,
      'keep one scores row per key',
    );
  if (earlier === undefined) seen.set(k, { key, location: record.location });
  return k;
}

/**
 * The scores file's response columns that its score columns score: the texts named as the scores are
 * (chosen/rejected scores with chosen/rejected texts, A/B scores with the file's first and second
 * response). Chosen/rejected scores beside A/B texts score the first and second response (README), unless
 * the file says which won: then "chosen" may as well mean the winner, and reading it as the first response
 * would swap every pair B won, so the file is refused.
 */
function textColumns(name: string, first: unknown, spec: ScoresFileSpec): [Path, Path] | null {
  const { chosenRejected, ab } = responseColumnPairs(first, spec.responses);
  if (spec.names === 'a-b') return ab ?? chosenRejected;
  if (chosenRejected || !ab) return chosenRejected;
  const label = first && typeof first === 'object' ? labelColumnOf(first as Record<string, unknown>) : undefined;
  if (label !== undefined)
    throw new RadpoError(
      'schema',
      `scores file ${name}: its responses are in ${pathText(ab[0])} and ${pathText(ab[1])} (A and B) with a ` +
        `winner in ${label}, and its scores are named as chosen and rejected: whether the chosen score is ` +
        "the first response's or the winner's cannot be told",
      'when the score columns score the first and second response, name them --score-a-col and --score-b-col',
    );
  return ab;
}

/** Read a scores file into key -> scores of its two responses (with their text when the file has them). */
export async function loadScoresFile(
  path: string,
  keyPath: Path,
  spec: ScoresFileSpec,
  scale: Scale,
  maxLineBytes: number,
  io: Io,
  words: HintWords,
): Promise<JoinedScores> {
  const { name, records } = await openRecords(path, io.stdin, undefined, { maxLineBytes, warn: io.warn });
  const table = new Map<string, ScoresRow[]>();
  const seen = new Map<string, { key: unknown; location: Location }>();
  let columns = null as ReturnType<typeof resolveScoreColumns>;
  let responses: [Path, Path] | null = null;
  for await (const batch of records) {
    for (const record of batch) {
      if (record.error) throw new RadpoError('io', `scores file ${record.error.describe(words)}`);
      if (columns === null) {
        columns = resolveScoreColumns(record.value, spec.columns);
        if (columns === null) {
          throw new RadpoError(
            'no_scores',
            `scores file ${name}: no score columns in its first record ` +
              `(columns ${Object.keys(record.value as object).join(', ')})`,
            'name them with --chosen-score-col and --rejected-score-col (or --score-a-col and --score-b-col)',
          );
        }
        responses = textColumns(name, record.value, spec);
      }
      const k = keyOf(record, keyPath, seen, responses !== null);
      try {
        const scores = readPairScores(record.value, columns, scale);
        const text = (p: Path | undefined) => (p ? responseText(getPath(record.value, p)) : null);
        const textColumn = responses !== null;
        const at = formatLocation(record.location);
        const column = (p: Path | undefined) => (p ? { column: pathText(p) } : {});
        const row: ScoresRow = [
          { scores: scores.chosen, text: text(responses?.[0]), textColumn, at, ...column(responses?.[0]) },
          { scores: scores.rejected, text: text(responses?.[1]), textColumn, at, ...column(responses?.[1]) },
        ];
        const rows = table.get(k);
        const twin = rows?.find((other) => scoresTexts(other, row[0].text, row[1].text));
        if (twin)
          throw new RadpoError(
            'io',
            `${at}: key ${JSON.stringify(getPath(record.value, keyPath))} with the same two responses appears ` +
              `twice in the scores file (first at ${twin[0].at})`,
            'keep one scores row per key and pair of responses',
          );
        if (rows) rows.push(row);
        else table.set(k, [row]);
      } catch (err) {
        if (err instanceof RowError) {
          err.location = record.location;
          throw new RadpoError('row', `scores file ${err.describe(words)}`);
        }
        throw err;
      }
    }
  }
  if (columns === null) throw new RadpoError('no_scores', `scores file ${name} is empty`);
  // Say how the sides were matched: by text, or (a file without the responses) by position alone, which
  // trusts that both files order each pair's two responses alike.
  const scoring = responses
    ? ` (scoring its ${pathText(responses[0])} / ${pathText(responses[1])}, matched to the input by text)`
    : ' (it carries no responses: matched to the input by position, first side to first)';
  return {
    table,
    names: spec.names,
    responses,
    description: `${columns.description}${scoring} from ${name}, joined on ${keyPath.join('.')}`,
  };
}
