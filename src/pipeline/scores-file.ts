/**
 * `--scores FILE --key COL`: a separate file of scores, read whole and joined to the input by key
 * (relabel's, audit's and inspect's). Each row's scores stay with the responses they score in that file's
 * own row (core/score-join.ts attaches them to the input's). Hints are worded by the caller's `words`.
 */
import { RadpoError, RowError, formatLocation, type Location } from '../core/errors.js';
import type { Scale } from '../core/goal.js';
import type { HintWords } from '../core/hints.js';
import { JOIN_KEY_RULE, joinKey } from '../core/ids.js';
import { responseColumns } from '../core/pair.js';
import { getPath, pathText, type Path } from '../core/path.js';
import { readPairScores } from '../core/relabel.js';
import { responseText, type ScoresRow, type SideNames } from '../core/score-join.js';
import { resolveScoreColumns, type ScoreColumnSpec } from '../core/scores.js';
import type { Io } from '../io/io.js';
import { openRecords, type SourceRecord } from '../io/records.js';

export interface JoinedScores {
  table: Map<string, ScoresRow>;
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
  /** Column pairs the user named for the input (--response-a-col/-b-col, --chosen-col/--rejected-col). */
  responses: ReadonlyArray<readonly [Path, Path]>;
}

/**
 * A scores row's key under the one id rule (core/ids.ts): present, a string or number, and not seen
 * before (1 and "1" are one key, and so a scores row given twice).
 */
function keyOf(record: SourceRecord, keyPath: Path, seen: Map<string, { key: unknown; location: Location }>): string {
  const key = getPath(record.value, keyPath);
  const k = joinKey(key);
  if (k === null) {
    throw new RadpoError(
      'io',
      `${formatLocation(record.location)}: scores file has no usable key in "${keyPath.join('.')}"`,
      'every scores row needs the key column given with --key (a string or a number)',
    );
  }
  const earlier = seen.get(k);
  if (earlier !== undefined)
    throw new RadpoError(
      'io',
      `${formatLocation(record.location)}: key ${JSON.stringify(key)} appears twice in the scores file ` +
        `(first as ${JSON.stringify(earlier.key)} at ${formatLocation(earlier.location)}; ${JOIN_KEY_RULE})`,
      'keep one scores row per key',
    );
  seen.set(k, { key, location: record.location });
  return k;
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
  const table = new Map<string, ScoresRow>();
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
        responses = responseColumns(record.value, spec.responses);
      }
      const k = keyOf(record, keyPath, seen);
      try {
        const scores = readPairScores(record.value, columns, scale);
        const text = (p: Path | undefined) => (p ? responseText(getPath(record.value, p)) : null);
        const textColumn = responses !== null;
        const at = formatLocation(record.location);
        const column = (p: Path | undefined) => (p ? { column: pathText(p) } : {});
        table.set(k, [
          { scores: scores.chosen, text: text(responses?.[0]), textColumn, at, ...column(responses?.[0]) },
          { scores: scores.rejected, text: text(responses?.[1]), textColumn, at, ...column(responses?.[1]) },
        ]);
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
