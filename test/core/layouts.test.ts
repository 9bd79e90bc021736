/**
 * floatScores, one regular expression that writes whole scores as floats, against the two passes
 * it replaced (the oracle): on rows radpo writes and on seeded random text built from the pieces that
 * matter (score keys, braces, digits, signs, dots, commas, quotes, escapes).
 */
import { describe, expect, it } from 'vitest';
import { floatScores, floatText } from '../../src/core/layouts.js';
import { seededRandom } from '../../src/core/random.js';

function oracle(json: string): string {
  return json
    .replace(/"(goal_score|score_chosen|score_rejected)":(-?\d+)(?=[,}])/g, '"$1":$2.0')
    .replace(
      /"(goal_scores|score_chosen|score_rejected)":\{([^{}]*)\}/g,
      (_m, key: string, body: string) => `"${key}":{${body.replace(/":(-?\d+)(?=[,}]|$)/g, '":$1.0')}}`,
    );
}

const PIECES = [
  '"goal_score":',
  '"score_chosen":',
  '"score_rejected":',
  '"goal_scores":{',
  '"score_chosen":{',
  '"score_rejected":{',
  '"a":',
  '":',
  '{',
  '}',
  ',',
  '-',
  '.',
  '0',
  '7',
  '12',
  '1e5',
  '"',
  '\\"',
  'x',
  ' ',
  '[',
  ']',
  'score_chosen',
];

describe('floatScores', () => {
  it.each([
    ['{"goal_score":9,"score_chosen":9,"score_rejected":-3,"copy":"chosen_goal"}'],
    ['{"goal_score":7.5,"score_chosen":7.5,"score_rejected":2}'],
    ['{"goal_scores":{"helpfulness":4,"correctness":3.5},"score_chosen":{"helpfulness":4,"b":0},"x":1}'],
    ['{"goal_score":1e+21,"score_chosen":-0,"score_rejected":100}'],
    ['{"note":"say \\"score_chosen\\":5 here","score_chosen":5}'],
    ['{"meta":{"score_chosen":8,"score_rejected":{"a":1,"b":{"c":2}}}}'],
  ])('rows radpo writes: %s', (row) => {
    expect(floatScores(row)).toBe(oracle(row));
  });

  it.each([
    [9, '9.0'],
    [7.5, '7.5'],
    [-3, '-3.0'],
    [-0, '0.0'],
    [1e21, '1e+21'],
    [1.5e-7, '1.5e-7'],
  ])('floatText(%s) (CSV cells) is %s, the form floatScores gives the same number in JSON', (value, text) => {
    expect(floatText(value)).toBe(text);
    expect(floatScores(`{"score_chosen":${JSON.stringify(value)}}`)).toBe(`{"score_chosen":${text}}`);
  });

  it('equals the regular expressions on 100,000 seeded random texts', () => {
    const random = seededRandom(99);
    for (let n = 0; n < 100_000; n++) {
      let text = '';
      const length = 1 + Math.floor(random() * 24);
      for (let k = 0; k < length; k++) text += PIECES[Math.floor(random() * PIECES.length)];
      expect(floatScores(text), text).toBe(oracle(text));
    }
  });
});
