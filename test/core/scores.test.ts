import { describe, expect, it } from 'vitest';
import { wordHint } from '../../src/cli/hints.js';
import type { RowError } from '../../src/core/errors.js';
import { DEFAULT_SCALE } from '../../src/core/goal.js';
import { KNOWN_SCORE_COLUMNS, parseAttr, parseScore, readScores, resolveScoreColumns } from '../../src/core/scores.js';
import { scoreColumnSpec } from '../../src/cli/rules.js';

describe('resolveScoreColumns', () => {
  it.each(KNOWN_SCORE_COLUMNS.map(([c, r]) => [c, r]))('finds %s / %s at the top level', (c, r) => {
    const found = resolveScoreColumns({ prompt: 'q', [c]: 9, [r]: 7 }, {});
    expect(found?.chosen).toEqual([[c]]);
    expect(found?.rejected).toEqual([[r]]);
  });

  it('finds them one level down (metadata.score_chosen)', () => {
    expect(resolveScoreColumns({ metadata: { score_chosen: 9, score_rejected: 8 } }, {})?.description).toBe(
      'metadata.score_chosen / metadata.score_rejected',
    );
  });

  it('returns null when there are none', () => {
    expect(resolveScoreColumns({ prompt: 'q', chosen: 'a' }, {})).toBeNull();
  });

  it('takes named columns and attributes', () => {
    expect(resolveScoreColumns({}, { chosen: ['a', 'b'], rejected: ['c'] })?.chosen).toEqual([['a', 'b']]);
    const attrs = resolveScoreColumns(
      {},
      { attributes: [parseAttr('helpfulness=cl.4,rl.4'), parseAttr('correctness=cl.5,rl.5')] },
    );
    expect(attrs?.attributes).toEqual(['helpfulness', 'correctness']);
    expect(readScores({ cl: [0, 0, 0, 0, 3, 4], rl: [0, 0, 0, 0, 1, 2] }, attrs!, { min: 0, max: 4 })).toEqual({
      chosen: [3, 4],
      rejected: [1, 2],
    });
  });

  it.each([
    [{ chosenScoreCol: ['a'] }, /go together/],
    [{ attr: ['x=a'] }, /--attr expects NAME=CHOSEN_PATH,REJECTED_PATH, got "x=a"/],
    [{ attr: ['1x=a,b'] }, /--attr "1x=a,b": the name "1x" must start with a letter/],
    [{ attr: ['x=a,b', 'x=c,d'] }, /given twice/],
    [{ attr: ['x=a,b'], chosenScoreCol: ['a'], rejectedScoreCol: ['b'] }, /cannot be combined/],
  ])('the CLI rules refuse %j', (options, message) => {
    expect(() => scoreColumnSpec(options)).toThrow(message);
  });
});

describe('parseScore', () => {
  it.each([
    [9, 9],
    ['8', 8],
    [' 7.5 ', 7.5],
    ['1e1', 10],
  ])('%j -> %s', (value, expected) => expect(parseScore(value, 'f', DEFAULT_SCALE)).toBe(expected));

  it.each([
    [undefined, /missing.*found no such column/],
    [null, /missing/],
    ['', /missing/],
    ['N/A', /not a number.*found a string "N\/A"/],
    [true, /not a number/],
    ['1e400', /not finite/],
    [11, /outside the goal scale.*expected a number from 1 to 10, found 11/],
    [0.809, /outside the goal scale/],
  ])('%j is a bad_score', (value, message) => {
    try {
      parseScore(value, 'score_chosen', DEFAULT_SCALE);
      expect.unreachable();
    } catch (err) {
      expect((err as RowError).reason).toBe('bad_score');
      expect((err as RowError).describe(wordHint)).toMatch(message);
    }
  });
});
