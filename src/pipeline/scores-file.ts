/**
 * `--scores FILE --key COL`: a separate file of scores, read whole and joined to the input by key
 * (relabel's and audit's). Hints are worded by the caller's `words`.
 */
import { RadpoError, RowError, formatLocation, type Location } from '../core/errors.js';
import type { Scale } from '../core/goal.js';
import type { HintWords } from '../core/hints.js';
import { getPath, type Path } from '../core/path.js';
import { resolveScoreColumns, type PairScores, type ScoreColumnSpec } from '../core/scores.js';
import { readPairScores } from '../core/relabel.js';
import { JOIN_KEY_RULE, joinKey } from '../core/ids.js';
import type { Io } from '../io/io.js';
import { openRecords } from '../io/records.js';

export interface JoinedScores {
  table: Map<string, PairScores>;
  description: string;
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
  const { name, records } = await openRecords(path, io.stdin, undefined, { maxLineBytes, warn: io.warn });
  const table = new Map<string, PairScores>();
  const seen = new Map<string, { key: unknown; location: Location }>();
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
      const key = getPath(record.value, keyPath);
      const k = joinKey(key);
      if (k === null) {
        throw new RadpoError(
          'io',
          `${formatLocation(record.location)}: scores file has no usable key in "${keyPath.join('.')}"`,
          'every scores row needs the key column given with --key (a string or a number)',
        );
      }
      // Duplicates after the id rule: 1 and "1" are one key, and so a scores row given twice.
      const earlier = seen.get(k);
      if (earlier !== undefined)
        throw new RadpoError(
          'io',
          `${formatLocation(record.location)}: key ${JSON.stringify(key)} appears twice in the scores file ` +
            `(first as ${JSON.stringify(earlier.key)} at ${formatLocation(earlier.location)}; ${JOIN_KEY_RULE})`,
          'keep one scores row per key',
        );
      seen.set(k, { key, location: record.location });
      try {
        table.set(k, readPairScores(record.value, columns, scale));
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
