/**
 * `--scores FILE --key COL`: a separate file of scores, read whole and joined to the input by key
 * (relabel's and audit's). Hints are worded by the caller's `words`.
 */
import { RadpoError, RowError, formatLocation } from '../core/errors.js';
import type { Scale } from '../core/goal.js';
import type { HintWords } from '../core/hints.js';
import { getPath, type Path } from '../core/path.js';
import { readScores, resolveScoreColumns, type PairScores, type ScoreColumnSpec } from '../core/scores.js';
import type { Io } from '../io/io.js';
import { openRecords } from '../io/records.js';

export interface JoinedScores {
  table: Map<string, PairScores>;
  description: string;
}

/**
 * The text a join key is compared by (--key, audit's --id-col): a string or number as `String` writes it,
 * so the JSON number 1, the CSV cell "1" and 1.0 (which JSON reads as 1) are one key. Null for a key that
 * cannot join (absent, null, an object or array).
 */
export function joinKeyText(value: unknown): string | null {
  if (value === undefined || value === null || typeof value === 'object') return null;
  return String(value);
}

/** Read a scores file into key -> scores. Scores files are small (a key and a few numbers a row). */
export async function loadScoresFile(
  path: string,
  keyPath: Path,
  spec: ScoreColumnSpec,
  scale: Scale,
  maxLineBytes: number,
  io: Io,
  words: HintWords,
): Promise<JoinedScores> {
  const { name, records } = await openRecords(path, io.stdin, undefined, { maxLineBytes });
  const table = new Map<string, PairScores>();
  let columns = null as ReturnType<typeof resolveScoreColumns>;
  for await (const batch of records) {
    for (const record of batch) {
      if (record.error) throw new RadpoError('io', `scores file ${record.error.describe(words)}`);
      if (columns === null) {
        columns = resolveScoreColumns(record.value, spec);
        if (columns === null) {
          throw new RadpoError(
            'no_scores',
            `scores file ${name}: no score columns in its first record ` +
              `(columns ${Object.keys(record.value as object).join(', ')})`,
            'name them with --chosen-score-col and --rejected-score-col',
          );
        }
      }
      const k = joinKeyText(getPath(record.value, keyPath));
      if (k === null) {
        throw new RadpoError(
          'io',
          `${formatLocation(record.location)}: scores file has no usable key in "${keyPath.join('.')}"`,
          'every scores row needs the key column given with --key',
        );
      }
      if (table.has(k))
        throw new RadpoError(
          'io',
          `${formatLocation(record.location)}: key ${JSON.stringify(k)} appears twice in the scores file`,
          'keep one scores row per key',
        );
      try {
        table.set(k, readScores(record.value, columns, scale));
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
  return { table, description: `${columns.description} from ${name}, joined on ${keyPath.join('.')}` };
}
