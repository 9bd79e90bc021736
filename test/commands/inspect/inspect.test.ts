import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA, UF1000, run, tempDir } from '../../helpers.js';

describe('radpo inspect', () => {
  it('UltraFeedback GPT-4 file: counts as the data has them', async () => {
    const r = await run(['inspect', UF1000, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.rows).toBe(1000);
    expect(report.scores.ties).toBe(111);
    expect(report.scores.contradicting_label).toBe(0);
    expect(report.identical_responses).toBe(4);
    expect(report.scores.columns).toBe('metadata.score_chosen / metadata.score_rejected');
    const sum = (bins: Array<{ rows: number }>) => bins.reduce((a, b) => a + b.rows, 0);
    expect(sum(report.scores.chosen_histogram)).toBe(1000);
    expect(sum(report.scores.rejected_histogram)).toBe(1000);
    expect(report.scores.range).toEqual({ min: 1, max: 10 });
    // The file's 1,000 prompt lengths, sorted: the median lies between the 500th and 501st (363 and 364
    // characters), the longest is 6,308.
    expect(report.lengths_chars.prompt.p50).toBeGreaterThanOrEqual(363);
    expect(report.lengths_chars.prompt.p50).toBeLessThanOrEqual(364);
    expect(report.lengths_chars.prompt.max).toBe(6308);
  });

  it('length percentiles to one decimal, each in a column of its own (Auto-J: long, uneven lengths)', async () => {
    const r = await run(['inspect', join(DATA, 'foreign', 'autoj_pairwise_first40.json')]);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^ {2}(prompt|chosen|rejected) /.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.trim().split(/\s+/), row).toHaveLength(5);
    for (const row of rows) for (const cell of row.trim().split(/\s+/).slice(1)) expect(cell).toMatch(/^\d+(\.\d)?$/);
  });

  it('reader warnings reach stderr in inspect and audit (a CSV header naming a column twice)', async () => {
    const dir = tempDir();
    const csv = join(dir, 'dup.csv');
    writeFileSync(csv, 'prompt,chosen,rejected,score_chosen,score_rejected,k,k\nq,a,b,8,2,1,2\n');
    for (const command of ['inspect', 'audit']) {
      const r = await run([command, csv]);
      expect(r.stderr, command).toContain('the CSV header names "k" 2 times');
    }
  });

  it('draws histograms in the terminal text', async () => {
    const r = await run(['inspect', UF1000]);
    expect(r.stdout).toMatch(/chosen scores:\n(\s+[\d.]+\s+\d+ █+\n)+/);
    expect(r.stdout).toMatch(/ties: 111/);
  });

  it('hh-rlhf: no scores, prompt mismatches and duplicate prompts reported', async () => {
    const report = JSON.parse(
      (await run(['inspect', join(DATA, 'unscored/hh-rlhf_harmless-base_test.jsonl.gz'), '--json'])).stdout,
    );
    expect(report.rows).toBe(2312);
    expect(report.unreadable).toEqual({ prompt_mismatch: 5 });
    expect(report.scores).toBeNull();
    // 2,307 readable pairs; two prompts asked twice each.
    expect(report.duplicate_prompts).toEqual({ distinct: 2305, rows_with_repeated_prompt: 4 });
  });

  it('reward-model scores: range outside 1-10 is pointed out', async () => {
    const r = await run(['inspect', join(DATA, 'scored/activeuf_rm_scored_10.jsonl')]);
    expect(r.stdout).toMatch(/score range: -0\.988 to 0\.988 — outside the paper's 1-10 scale/);
  });

  it('malformed lines are counted when the shape is unknown too (Korean hh-rlhf: most lines broken)', async () => {
    const path = join(tempDir(), 'ko.txt');
    const good = JSON.stringify({ chosen: 'Human: 안녕? Assistant: 네.', 거부됨: 'Human: 안녕? Assistant: 아니.' });
    writeFileSync(path, [good, '{"chosen": "Human: 잘린', good, '{"chosen": ', 'not json'].join('\n') + '\n');
    const r = await run(['inspect', path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rows: 5 \(0 readable pairs; not readable: malformed_record 3\)/);
    // The translated "rejected" key is the one other text column beside chosen.
    expect(r.stdout).toMatch(/radpo relabel FILE --chosen-col chosen --rejected-col '거부됨'/);
  });

  it('never suggests a judge prompt column (prometheus chosen_instruction) as a response', async () => {
    const path = join(tempDir(), 'hhh.json');
    const row = { source: 'harmless', chosen_instruction: '###Task Description: …', rejected_instruction: '###Task …' };
    writeFileSync(path, JSON.stringify([row]));
    const r = await run(['inspect', path]);
    expect(r.stdout).toMatch(/chosen_instruction/);
    expect(r.stdout).not.toMatch(/--chosen-col chosen_instruction/);
    const plain = join(tempDir(), 'ab.json');
    writeFileSync(plain, JSON.stringify([{ question: 'Q?', better_answer: 'a', worse_answer: 'b' }]));
    const named = await run(['inspect', plain]);
    expect(named.stdout).toMatch(
      /radpo relabel FILE --prompt-col question --chosen-col better_answer --rejected-col worse_answer/,
    );
  });
});

describe('radpo inspect says what relabel would meet', () => {
  it('UltraFeedback 1000: the 2 empty responses, where the first is, and the flags that get past them', async () => {
    const r = await run(['inspect', UF1000]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /empty responses: 2 \(the first at \S+ultrafeedback_gpt4_1000\.jsonl:479\): radpo relabel stops there/,
    );
    const report = JSON.parse((await run(['inspect', UF1000, '--json'])).stdout);
    expect(report.empty_responses).toBe(2);
    // relabel agrees: it stops at that line.
    const relabel = await run(['relabel', UF1000, '-o', join(tempDir(), 'out.jsonl'), '-q']);
    expect(relabel.code).toBe(1);
    expect(relabel.stderr).toMatch(/ultrafeedback_gpt4_1000\.jsonl:479/);
  });

  it('a clean file says 0 empty responses', async () => {
    const report = JSON.parse(
      (await run(['inspect', join(DATA, 'unscored', 'stack_exchange_paired_tiny.json'), '--json'])).stdout,
    );
    expect(report.empty_responses).toBe(0);
    expect(report.first_empty_response).toBeUndefined();
  });

  it('FastChat with its model-name columns named as responses: named as labels, not responses', async () => {
    const file = join(DATA, 'foreign', 'fastchat_mt_bench_gpt-4_pair.jsonl');
    const r = await run([
      'inspect',
      file,
      '--prompt-col',
      'g1_user_prompt',
      '--chosen-col',
      'model_1',
      '--rejected-col',
      'model_2',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /warning: model_1, read as a response, holds 1 distinct value in 75 responses read.*"phi-3"/,
    );
    expect(r.stdout).toMatch(
      /warning: model_2, read as a response, holds 1 distinct value in 75 responses read.*"phi-3-dpo"/,
    );
    const ab = [
      ...['--prompt-col', 'g1_user_prompt', '--response-a-col', 'model_1', '--response-b-col', 'model_2'],
      ...['--winner-col', 'g1_winner', '--winner-values', 'A=model_1,B=model_2,tie=tie|error'],
    ];
    const winner = JSON.parse((await run(['inspect', file, ...ab, '--json'])).stdout);
    expect(winner.warnings).toEqual([
      expect.stringMatching(/^model_1 or model_2, read as a response, holds 2 distinct/),
    ]);
    // The layout read as FastChat's own: the answers, no warning.
    expect(JSON.parse((await run(['inspect', file, '--json'])).stdout).warnings).toEqual([]);
  });

  it('a score column with no readable pair: no range, no histograms, no "outside the scale"', async () => {
    const r = await run(['inspect', UF1000, '--prompt-col', 'source_index']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/0 readable pairs/);
    expect(r.stdout).toMatch(/scores: metadata\.score_chosen \/ metadata\.score_rejected, but no readable pair/);
    expect(r.stdout).not.toMatch(/score range|outside/);
    expect(
      JSON.parse((await run(['inspect', UF1000, '--prompt-col', 'source_index', '--json'])).stdout).scores.range,
    ).toBeNull();
  });
});

describe('radpo inspect on data that is no pairs: what it is, not "name the columns"', () => {
  it.each([
    [
      'foreign/llamafactory_kto_en_demo.json',
      /shape: {2}not pairs: unpaired feedback \(KTO\)/,
      /297 distinct prompts in 300 rows; 3 with more than one response, 1 with both a liked and a disliked one: those/,
    ],
    [
      'scored/helpsteer2_nemo_rm.jsonl',
      /shape: {2}not pairs: NeMo-Aligner reward-model data/,
      /radpo does not read this format; convert it first/,
    ],
    [
      'foreign/fastchat_japanese_mt_bench_gpt-4_single_first12.jsonl',
      /shape: {2}not pairs: FastChat single-answer judgments/,
      /only one model \(ELYZA-japanese-Llama-2-7b-fast-instruct\) in 12 rows: nothing to pair/,
    ],
  ])('%s', async (file, shape, truth) => {
    const r = await run(['inspect', join(DATA, file)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(shape);
    expect(r.stdout).toMatch(truth);
    expect(r.stdout).toMatch(/scores: not read \(the data is no pairs: above\)/);
    expect(r.stdout).not.toMatch(/no known layout fits|--chosen-col|score the pairs with a judge/);
  });

  it('KTO rows of one prompt, all liked: nothing to pair, sample more responses', async () => {
    const rows = JSON.parse(readFileSync(join(DATA, 'foreign', 'llamafactory_kto_en_demo.json'), 'utf8'));
    const path = join(tempDir(), 'liked.json');
    writeFileSync(path, JSON.stringify(rows.filter((row: { label: boolean }) => row.label)));
    const r = await run(['inspect', path]);
    expect(r.stdout).toMatch(/with both a liked and a disliked one: nothing to pair; sample more responses per prompt/);
  });
});
