/** The join of a scores file's row to an input row's responses (core/score-join.ts), as a table. */
import { describe, expect, it } from 'vitest';
import { RowError } from '../../src/core/errors.js';
import { attachScores, type InputSides, responseText, type ScoresRow } from '../../src/core/score-join.js';

const row = (a: string | null, sa: number, b: string | null, sb: number): ScoresRow => [
  { scores: [sa], text: a },
  { scores: [sb], text: b },
];
/** A row of a file that carries the responses (a response column), with one or both texts missing here. */
const carried = (a: string | null, sa: number, b: string | null, sb: number): ScoresRow => [
  { scores: [sa], text: a, textColumn: true },
  { scores: [sb], text: b, textColumn: true },
];
/** The input row's key: a long instruction, as real joins often use. */
const KEY = { field: 'instruction', value: `Write a poem about ${'the sea '.repeat(40)}` };
const pairInput: InputSides = { chosen: 'good', rejected: 'bad', winner: null };
const bWon: InputSides = { chosen: 'good', rejected: 'bad', winner: 'b' };

describe('attachScores', () => {
  it.each([
    ['texts in the same order', row('good', 9, 'bad', 2), pairInput, 'chosen-rejected', [9, 2]],
    ['texts in the other order', row('bad', 2, 'good', 9), pairInput, 'chosen-rejected', [9, 2]],
    ['texts decide whatever the names', row('bad', 2, 'good', 9), bWon, 'chosen-rejected', [9, 2]],
    [
      'texts ignore surrounding white space',
      row('good', 9, 'bad', 2),
      { chosen: '\ngood ', rejected: 'bad\n', winner: null },
      'a-b',
      [9, 2],
    ],
    [
      'no texts, chosen/rejected names, chosen/rejected input',
      row(null, 9, null, 2),
      pairInput,
      'chosen-rejected',
      [9, 2],
    ],
    ['no texts, A/B names, B won: the second score is the chosen one', row(null, 2, null, 9), bWon, 'a-b', [9, 2]],
    ['no texts, A/B names, A won', row(null, 9, null, 2), { ...bWon, winner: 'a' }, 'a-b', [9, 2]],
    // A file with the responses that lacks one here: the present text says whose score it is, never position.
    // (Position would read these two the other way round: B won, so it takes the second side as the chosen.)
    ['one text carried, crossed: it names the chosen', carried('good', 9, null, 2), bWon, 'a-b', [9, 2]],
    ['one text carried, crossed: it names the rejected', carried(null, 9, 'bad', 2), bWon, 'a-b', [9, 2]],
    ['one text carried, straight', carried('good', 9, null, 2), pairInput, 'chosen-rejected', [9, 2]],
  ] as const)('%s', (_what, scores, input, names, [chosen, rejected]) => {
    expect(attachScores(scores, input, names, KEY)).toEqual({ chosen: [chosen], rejected: [rejected] });
  });

  it.each([
    ["texts that are not the row's", row('good', 9, 'other', 2), pairInput, 'chosen-rejected', 'not this row'],
    [
      'one text for both with two scores',
      row('same', 9, 'same', 2),
      { ...pairInput, chosen: 'same', rejected: 'same' },
      'a-b',
      'same text',
    ],
    ['no texts, chosen/rejected names, A/B input', row(null, 9, null, 2), bWon, 'chosen-rejected', 'cannot be told'],
    ['no texts, A/B names, chosen/rejected input', row(null, 9, null, 2), pairInput, 'a-b', 'cannot be told'],
    ['a file with the responses, none in this row', carried(null, 9, null, 2), bWon, 'a-b', 'cannot be told'],
    ["a file with the responses, one text not the row's", carried('other', 9, null, 2), bWon, 'a-b', 'not this row'],
  ] as const)('%s: unmatched_scores', (_what, scores, input, names, message) => {
    let error: unknown;
    try {
      attachScores(scores, input, names, KEY);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RowError);
    expect((error as RowError).reason).toBe('unmatched_scores');
    expect((error as RowError).message).toContain(message);
    // The message names the key's column, not its (long) value, and quotes the value shortened.
    expect((error as RowError).details.field).toBe('instruction');
    expect((error as RowError).details.found!.length).toBeLessThan(300);
  });

  it("names the scores file's row and columns when it knows them", () => {
    const located: ScoresRow = [
      { scores: [9], text: 'good', textColumn: true, at: 'ratings.json:12', column: 'output_1' },
      { scores: [2], text: 'other', textColumn: true, at: 'ratings.json:12', column: 'output_2' },
    ];
    expect(() => attachScores(located, pairInput, 'a-b', KEY)).toThrow(RowError);
    try {
      attachScores(located, pairInput, 'a-b', KEY);
    } catch (err) {
      expect((err as RowError).details.found).toMatch(
        /^the scores row at ratings\.json:12 \(its output_1 and output_2\) for key/,
      );
    }
  });
});

describe('responseText', () => {
  it.each([
    ['a string', ' text\n', 'text'],
    [
      'a conversation: its last message',
      [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ],
      'a',
    ],
    ['a ShareGPT message object', { from: 'gpt', value: 'v' }, 'v'],
    ['nothing', null, null],
  ])('%s', (_what, value, text) => {
    expect(responseText(value)).toBe(text);
  });
});
