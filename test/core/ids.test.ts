/** The one id rule (core/ids.ts): every join compares ids by their text; numbers past 2^53 are no ids. */
import { describe, expect, it } from 'vitest';
import { defaultIdColumn, isUnsafeInteger, joinKey } from '../../src/core/ids.js';

describe('joinKey', () => {
  it.each([
    [1, '1'],
    ['1', '1'],
    [1.0, '1'],
    ['1.0', '1'],
    ['007', '007'],
    [1.5, '1.5'],
    [-0, '0'],
    [2 ** 53 - 1, '9007199254740991'],
    // Text keeps every digit: a string is compared as it is.
    ['12345678901234567890', '12345678901234567890'],
    // A JSON number past 2^53 has lost its last digits in the parser: ...890 and ...891 arrive as one double.
    [JSON.parse('12345678901234567890'), null],
    [JSON.parse('12345678901234567891'), null],
    [2 ** 53, null],
    [null, null],
    [true, null],
    [Number.NaN, null],
  ])('%j -> %j', (value, key) => {
    expect(joinKey(value)).toBe(key);
  });

  it('two ids the parser rounded to one number are both unsafe, so neither joins the other', () => {
    const [a, b] = [JSON.parse('12345678901234567890'), JSON.parse('12345678901234567891')];
    expect(a).toBe(b);
    expect(isUnsafeInteger(a)).toBe(true);
    expect(isUnsafeInteger(2 ** 53 - 1)).toBe(false);
    expect(isUnsafeInteger(1.5)).toBe(false);
  });
});

describe('defaultIdColumn: the id column where none is named', () => {
  it.each([
    ['a user row: the first known id column', { id: 'r1', prompt_id: 'p1' }, ['id']],
    ['prompt_id when there is no id', { prompt_id: 'p1', source_id: 's' }, ['prompt_id']],
    // radpo pairs' output with a per-pair id added later (a hub upload numbering its rows): the id radpo
    // carried traces the pair to its prompt; the later id would cut that trace.
    [
      'radpo output (source_id beside source_line) keeps source_id',
      { id: 7, source_id: 'q3', source_line: 4 },
      ['source_id'],
    ],
    ['a source_id without source_line is a column like any other', { id: 7, source_id: 'q3' }, ['id']],
    ['an id that is no string or number is skipped', { id: null, uid: 3 }, ['uid']],
    ['no id', { prompt: 'x' }, null],
  ])('%s', (_what, row, column) => {
    expect(defaultIdColumn(row)).toEqual(column);
  });
});
