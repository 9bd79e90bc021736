/**
 * The canonical record (core/record.ts) as the list readers fill it (core/response-lists.ts), on real rows
 * of test/data: each response carries the score or rank the row gave its text, and each pair `radpo pairs`
 * writes from the record carries its two responses' own scores.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orderScores } from '../../src/core/record.js';
import { listRecords, pairRows } from '../../src/core/response-lists.js';
import { DATA } from '../helpers.js';

const firstLine = (file: string) =>
  JSON.parse(readFileSync(join(DATA, file), 'utf8').split('\n')[0]!) as Record<string, any>;

/** The ratings file's first real row as a scored list under names of its own (gens: [{text, rating}]). */
function ratedList(): Record<string, any> {
  const row = JSON.parse(readFileSync(join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json'), 'utf8'))[0];
  return {
    question_id: 7,
    question: row.instruction,
    gens: [1, 2].map((side) => ({ text: row[`output_${side}`], rating: row.results[0][`score_${side}`][0] })),
  };
}

/** [row, its responses' texts with their values, by what, the columns named]: each a real row. */
const CASES: Array<
  [string, () => Record<string, any>, (row: any) => Array<[unknown, number]>, 'score' | 'rank', object]
> = [
  [
    'Nectar answers, ranked',
    () => firstLine('foreign/nectar_train_row0.jsonl'),
    (row) => row.answers.map((a: any) => [a.answer, a.rank]),
    'rank',
    {},
  ],
  [
    'OASST tree, the first prompt’s replies ranked',
    () => firstLine('foreign/oasst_en_100_tree_first10.jsonl'),
    (row) => row.prompt.replies.map((r: any) => [r.text, r.rank]),
    'rank',
    {},
  ],
  [
    'a scored list under names of its own',
    ratedList,
    (row) => row.gens.map((g: any) => [g.text, g.rating]),
    'score',
    { promptCol: ['question'], responsesCol: ['gens'], scoreField: 'rating' },
  ],
];

describe('a list row read into the canonical record', () => {
  it.each(CASES)('%s: each response carries its own value', (_name, read, truth, by, columns) => {
    const row = read();
    const [record] = listRecords(row, 'overall', columns, { file: 'in.jsonl', line: 3 });
    expect(record!.preference).toMatchObject({ kind: 'ranking', by });
    expect(record!.source).toEqual({ file: 'in.jsonl', line: 3 });
    const given = truth(row);
    expect(record!.responses.map((r) => [r.content, by === 'rank' ? r.rank : r.score])).toEqual(given);
    // What orders them: scores as they are, ranks negated (lower is better).
    expect(orderScores(record!)).toEqual(given.map(([, v]) => (by === 'rank' ? -v : v)));
  });

  it.each(CASES)('%s: every pair written carries its responses’ own values', (_name, read, truth, by, columns) => {
    const row = read();
    const value = new Map(truth(row).map(([text, v]) => [JSON.stringify(text), v]));
    const [record] = listRecords(row, 'overall', columns, { file: 'in.jsonl', line: 3 });
    const { rows } = pairRows(record!, { strategy: 'all', minGap: 0, seed: 1, line: 3 });
    expect(rows.length).toBeGreaterThan(0);
    const key = by === 'rank' ? 'rank' : 'score';
    for (const pair of rows) {
      expect(pair[`${key}_chosen`]).toBe(value.get(JSON.stringify(pair.chosen)));
      expect(pair[`${key}_rejected`]).toBe(value.get(JSON.stringify(pair.rejected)));
      expect(pair.source_line).toBe(3);
    }
  });

  it("the row id is the record's own (question_id, found by its name)", () => {
    const [record] = listRecords(ratedList(), 'overall', { promptCol: ['question'], responsesCol: ['gens'] }, null);
    expect(record!.id).toEqual({ name: 'question_id', value: 7 });
  });
});
