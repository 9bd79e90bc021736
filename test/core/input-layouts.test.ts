/**
 * The input layout registry (core/input-layouts.ts), on a real row of each layout from test/data: the
 * reading it gives (layout, reason, command, columns to name). inspect prints these; the readers are
 * core/pair.ts and core/response-lists.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_LAYOUTS, readingsOf, scoreFieldOf } from '../../src/core/input-layouts.js';

import { DATA } from '../helpers.js';

/** The first record of a file in test/data (a JSON array's first element, or the first line). */
function first(file: string): Record<string, unknown> {
  const text = readFileSync(join(DATA, file), 'utf8').trimStart();
  return text.startsWith('[') ? JSON.parse(text)[0] : JSON.parse(text.split('\n')[0]!);
}

/** An A/B file's rows with the two responses in one list (AlpacaFarm's best-of-n layout), from real rows. */
function listRow(): Record<string, unknown> {
  const row = first('foreign/ultrafeedback_ab_label_60.json');
  return { instruction: row.instruction, output: [row.output_1, row.output_2] };
}

/** The ratings file's real rows, as a judging run writes them: one response per row with its score. */
function longRows(): Array<Record<string, unknown>> {
  const rows = JSON.parse(readFileSync(join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json'), 'utf8'));
  return rows.slice(0, 5).flatMap((row: any, i: number) =>
    ([1, 2] as const).map((side) => ({
      qid: `q${i}`,
      query: row.instruction,
      answer_text: row[`output_${side}`],
      judge_rating: row.results[0][`score_${side}`][0],
    })),
  );
}

/** The same real rows as a scored list of responses under names of their own (gens: [{text, rating}]). */
function scoredListRow(): Record<string, unknown> {
  const row = JSON.parse(readFileSync(join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json'), 'utf8'))[0];
  return {
    question: row.instruction,
    gens: [1, 2].map((side) => ({ text: row[`output_${side}`], rating: row.results[0][`score_${side}`][0] })),
  };
}

describe('the input layout registry, on real rows', () => {
  it.each([
    ['scored/ultrafeedback_gpt4_1000.jsonl', 'pairs: prompt, chosen, rejected', 'columns chosen and rejected', []],
    ['unscored/stack_exchange_paired_tiny.json', 'pairs: prompt, chosen, rejected', 'response_j and response_k', []],
    ['foreign/alpaca_eval_gpt4_pairwise_notus_20.json', 'alpaca_eval', 'output_1, output_2, preference', []],
    ['foreign/autoj_pairwise_first40.json', 'Auto-J pairwise', 'response 1, response 2, label', []],
    ['foreign/pku_saferlhf_alpaca7b_test_4.jsonl', 'PKU-SafeRLHF', 'better_response_id', []],
    [
      'foreign/fastchat_mt_bench_gpt-4_pair_first8.jsonl',
      'FastChat MT-Bench pair judgments',
      'model_1, model_2, g1_winner, g2_winner, g1_user_prompt',
      [],
    ],
    ['foreign/nectar_train_row0.jsonl', 'several responses per prompt', 'column answers', []],
    ['foreign/oasst_en_100_tree_first10.jsonl', 'several responses per prompt', 'column prompt.replies', []],
    [
      'foreign/prometheus_mt_bench_eval_idx83_88.json',
      'judge grading prompt (long format)',
      'instruction holds Prometheus grading prompts',
      [
        ['group', 'idx'],
        ['response', 'instruction'],
        ['score', 'gpt4_score'],
      ],
    ],
    [
      'foreign/ultrafeedback_ab_label_60.json',
      'A/B responses with a label column',
      'output_1 and output_2 side by side, and label says which won',
      [
        ['responseA', 'output_1'],
        ['responseB', 'output_2'],
        ['winner', 'label'],
      ],
    ],
    [
      'foreign/azure_openai_dpo_orca_validation_first60.jsonl',
      'OpenAI/Azure DPO fine-tuning format',
      'columns input.messages, preferred_output and non_preferred_output',
      [],
    ],
    ['unscored/dpo_en_demo.json', 'LLaMA-Factory ShareGPT ranking', 'columns conversations, chosen and rejected', []],
    // Data that is no pairs: named for what it is, read by no command.
    [
      'foreign/llamafactory_kto_en_demo.json',
      'unpaired feedback (KTO)',
      'columns messages and label (true or false)',
      [],
    ],
    ['scored/helpsteer2_nemo_rm.jsonl', 'NeMo-Aligner reward-model data', 'a pair is two consecutive rows', []],
    [
      'foreign/fastchat_japanese_mt_bench_gpt-4_single_first12.jsonl',
      'FastChat single-answer judgments',
      "each row grades one model's answer (column model)",
      [],
    ],
    [
      'unscored/v1_dpo_demo.jsonl',
      'LLaMA-Factory v1 DPO',
      'columns chosen_messages and rejected_messages (whole conversations)',
      [],
    ],
  ] as const)('%s: %s', (file, layout, reason, columns) => {
    const [reading] = readingsOf(first(file));
    expect(reading?.layout).toContain(layout);
    expect(reading?.reason).toContain(reason);
    expect(reading?.columns).toEqual(columns);
  });

  it('a list of responses under any name: score it, then pair it, with its column named', () => {
    const [reading] = readingsOf(listRow());
    expect(reading).toMatchObject({
      layout: 'a list of responses in a column',
      command: 'score',
      columns: [
        ['prompt', 'instruction'],
        ['responses', 'output'],
      ],
    });
  });

  it('long format under names of its own: the group, prompt, response and score columns named', () => {
    const [reading] = readingsOf(longRows()[0]);
    expect(reading).toMatchObject({
      layout: 'one response per row, with its score (long format)',
      command: 'pairs',
      columns: [
        ['group', 'qid'],
        ['prompt', 'query'],
        ['response', 'answer_text'],
        ['score', 'judge_rating'],
      ],
    });
  });

  it.each([
    ['a pair under other names is no long format', { query: 'q', response: 'good', rejected: 'bad', reward: 1 }],
    ['a rank is no score (lower is better)', { qid: 'q1', query: 'q', answer: 'a', rating_rank: 1 }],
  ])('%s', (_what, record) => {
    expect(readingsOf(record).map((r) => r.layout)).not.toContain('one response per row, with its score (long format)');
  });

  it('inspect and pairs read a list by one rule: the field every response scores, else the first any has', () => {
    expect(
      scoreFieldOf([
        { score: null, reward: 2 },
        { score: 3, reward: 1 },
      ]),
    ).toBe('reward');
    expect(scoreFieldOf([{ score: 4 }, { text: 'x' }])).toBe('score');
    expect(scoreFieldOf([{ rating: 4 }, { rating: '5' }])).toBe('rating');
    expect(scoreFieldOf([{ text: 'x' }])).toBeUndefined();
  });

  it('a scored list with a rating field: pairs, not score', () => {
    const [reading] = readingsOf(scoredListRow());
    expect(reading).toMatchObject({
      command: 'pairs',
      columns: [
        ['prompt', 'question'],
        ['responses', 'gens'],
        ['textField', 'text'],
      ],
    });
  });

  it('a ratings file (two responses, no label) and a judge feedback list are no layout to read', () => {
    expect(readingsOf(first('foreign/ultrafeedback_ab_ratings_60.json'))).toEqual([]);
    const prometheus = readingsOf(first('foreign/prometheus_mt_bench_eval_idx83_88.json'));
    expect(prometheus.map((r) => r.layout)).not.toContain('a list of responses in a column');
  });

  it.each([
    ['foreign/llamafactory_kto_en_demo.json', 'prompts', '[{"content":"The Federal Trade Commission'],
    ['scored/helpsteer2_nemo_rm.jsonl', 'nothing', undefined],
    [
      'foreign/fastchat_japanese_mt_bench_gpt-4_single_first12.jsonl',
      'models',
      'ELYZA-japanese-Llama-2-7b-fast-instruct',
    ],
  ] as const)('%s is no pairs: command none, and what to count (%s)', (file, count, key) => {
    const [reading, ...others] = readingsOf(first(file));
    expect(others).toEqual([]);
    expect(reading?.command).toBe('none');
    expect(reading?.unpaired?.count).toBe(count);
    const found = reading?.unpaired?.keyOf(first(file));
    if (key === undefined) expect(found).toBeUndefined();
    else expect(found?.startsWith(key)).toBe(true);
  });

  it('every layout has a name and a vocabulary, and recognises nothing in an empty record', () => {
    for (const layout of INPUT_LAYOUTS) {
      expect(layout.name).not.toBe('');
      expect(layout.vocabulary).not.toBe('');
      expect(layout.recognise({}, layout.name)).toBeNull();
    }
  });
});
