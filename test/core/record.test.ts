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

describe('pairs reads scores as relabel does, one response per text (issue 26 review)', () => {
  const pick = { strategy: 'all', minGap: 0, seed: 1, line: 1 } as const;
  const pairsOf = (row: Record<string, unknown>) => {
    try {
      const [record] = listRecords(row, 'overall', {}, null);
      return pairRows(record!, pick).rows.map((r) => [r.chosen, r.rejected, r.score_chosen, r.score_rejected]);
    } catch (err) {
      return `${(err as { reason?: string }).reason}: ${(err as Error).message}`;
    }
  };
  it.each([
    ['a decimal text is a score', ['7', 3], [['a', 'b', 7, 3]]],
    ['"0x10" is no score', ['0x10', 3], 'bad_score: the score is not a number'],
    ['"0b111" is no score', ['0b111', 3], 'bad_score: the score is not a number'],
    ['"Infinity" is no score', ['Infinity', 3], 'bad_score: the score is not a number'],
    ['null is none: the response takes no part', [null, 3], 'no_preference'],
  ])('%s', (_, scores, expected) => {
    const got = pairsOf({ prompt: 'p', responses: ['a', 'b'], scores });
    if (expected === 'no_preference') expect(got).toMatch(/^no_preference/);
    else expect(got).toEqual(expected);
  });

  it.each([
    ['with one score: kept once', [5, 5, 1], [['same', 'other', 5, 1]]],
    [
      'with two scores: the row is refused',
      [9, 2, 1],
      'bad_score: one response text is given twice with different scores',
    ],
  ])('a text given twice %s', (_, scores, expected) => {
    expect(pairsOf({ prompt: 'p', responses: ['same', 'same', 'other'], scores })).toEqual(expected);
  });
});
