/** A response column that holds labels (core/label-like.ts): the evidence asked for, at its bounds. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabelLikeValues } from '../../src/core/label-like.js';
import { DATA } from '../helpers.js';

const fastchat = readFileSync(join(DATA, 'foreign', 'fastchat_mt_bench_gpt-4_pair.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const uf = readFileSync(join(DATA, 'scored', 'ultrafeedback_gpt4_1000.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const cycle = (values: string[], n: number) => Array.from({ length: n }, (_, i) => values[i % values.length]!);

describe('label-like response columns', () => {
  it.each([
    ["FastChat's model_1 (real): 1 value in 75 rows", fastchat.map((r) => r.model_1), 1],
    [
      "FastChat's g1_winner (real): 4 values in 75 rows, 5.3%: not under 5%, not said",
      fastchat.map((r) => r.g1_winner),
      null,
    ],
    ['UltraFeedback chosen responses (real): answers, not labels', uf.map((r) => r.chosen), null],
    ['two values in 50 rows: 4%, under 5%', cycle(['A', 'B'], 50), 2],
    ['three values in 50 rows: 6%, not under 5%', cycle(['A', 'B', 'C'], 50), null],
    ['49 rows: too few to say', cycle(['A'], 49), null],
    [
      'one value of 40 characters: an answer may be that short, not all of them',
      [...cycle(['A'], 99), 'x'.repeat(40)],
      null,
    ],
    ['39 characters each: short', cycle(['y'.repeat(39)], 60), 1],
  ] as const)('%s', (_what, values, distinct) => {
    const column = new LabelLikeValues();
    for (const v of values) column.add(v);
    expect(column.evidence()?.distinct ?? null).toBe(distinct);
  });
});
