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

/** FastChat MT-Bench pair judgments, real rows: 50 pair-v2 and 25 pair-math-v1 (test/data/SOURCES.md). */
const fastchat = readFileSync(join(DATA, 'foreign', 'fastchat_mt_bench_gpt-4_pair.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

/** An answer cut out of a g1 prompt by its own markers, independently of the reader under test. */
const answerOf = (prompt: string, side: 'A' | 'B') =>
  prompt.split(`[The Start of Assistant ${side}'s Answer]\n`)[1]!.split(`\n[The End of Assistant ${side}'s Answer]`)[0];

describe('FastChat MT-Bench pair judgments', () => {
  it.each(fastchat.map((row, i) => [i, row.question_id, row.g1_winner, row.g2_winner, row] as const))(
    'row %i (question %i): g1 %s, g2 %s',
    (_i, _q, g1, g2, row) => {
      const spec = detectWinnerLayout(row)!;
      expect(spec.description).toMatch(/FastChat MT-Bench/);
      // Both orders agree on a model: that model's answer is chosen (A is model_1 in the g1 prompt).
      const agreed = g1 === g2 && (g1 === 'model_1' || g1 === 'model_2') ? g1 : null;
      if (agreed === null) {
        // A tie, an error, or the two orders disagreeing (position bias): no preference, never a side.
        expect(() => orientByWinner(row, spec)).toThrow(expect.objectContaining({ reason: 'no_preference' }));
        return;
      }
      const out = orientByWinner(row, spec);
      const [win, lose] = agreed === 'model_1' ? (['A', 'B'] as const) : (['B', 'A'] as const);
      expect(out.chosen).toBe(answerOf(row.g1_user_prompt, win));
      expect(out.rejected).toBe(answerOf(row.g1_user_prompt, lose));
      // The question only: not the judge prompt, not math's reference answer, not the model names.
      expect(out.prompt).toBe(row.g1_user_prompt.slice('[User Question]\n'.length).split('\n\n[The Start of ')[0]);
      expect(String(out.prompt)).not.toMatch(/Reference Answer|Assistant A/);
      expect([out.chosen, out.rejected]).not.toContain(row.model_1);
    },
  );

  it.each([
    [
      'a multi-turn prompt is refused, naming why',
      (row: Record<string, string>) => ({
        ...row,
        g1_user_prompt: `<|The Start of Assistant A's Conversation with User|>\n\n### User:\n${row.g1_user_prompt}`,
      }),
      'bad_field',
      /multi-turn/,
    ],
    [
      'an answer quoting a marker makes the split ambiguous: refused',
      (row: Record<string, string>) => ({
        ...row,
        g1_user_prompt: row.g1_user_prompt!.replace(
          "[The End of Assistant B's Answer]",
          "[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\nx\n" +
            "[The End of Assistant B's Answer]",
        ),
      }),
      'bad_field',
      /more than once/,
    ],
    [
      'the second order holding other answers than the first swapped: refused',
      (row: Record<string, string>) => ({ ...row, g2_user_prompt: row.g1_user_prompt }),
      'prompt_mismatch',
      /do not hold the same question and answers/,
    ],
  ])('%s', (_what, change, reason, message) => {
    const row = change(fastchat.find((r) => r.g1_winner === 'model_2' && r.g2_winner === 'model_2'));
    expect(() => orientByWinner(row, detectWinnerLayout(row)!)).toThrow(
      expect.objectContaining({ reason, message: expect.stringMatching(message) }),
    );
  });
});
