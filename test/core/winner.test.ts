/** Winner columns (core/winner.ts): an empty label records no preference; an unknown one is an error. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RowError } from '../../src/core/errors.js';
import { detectWinnerLayout, orientByWinner } from '../../src/core/winner.js';
import { DATA } from '../helpers.js';

/** alpaca_eval's real rows: preference 1 (output_1 won) or 2; in the full release one row's is null. */
const rows = JSON.parse(readFileSync(join(DATA, 'foreign', 'alpaca_eval_gpt4_pairwise_notus_20.json'), 'utf8'));

function reasonOf(row: unknown): string {
  const spec = detectWinnerLayout(rows[0])!;
  try {
    orientByWinner(row, spec);
    return 'oriented';
  } catch (err) {
    return err instanceof RowError ? err.reason : 'other';
  }
}

describe('winner labels', () => {
  it.each([
    ['a real label', () => rows[0], 'oriented'],
    ['an empty (null) label: no preference, set aside', () => ({ ...rows[0], preference: null }), 'no_preference'],
    ['a label none of the values names: an error', () => ({ ...rows[0], preference: 'x' }), 'bad_field'],
  ])('%s', (_what, row, reason) => {
    expect(detectWinnerLayout(rows[0])).not.toBeNull();
    expect(reasonOf(row())).toBe(reason);
  });
});
