/**
 * radpo pairs on ranked and listed responses: OASST message trees (real rows), Nectar-style `answers`
 * with ranks from 1, and any list named by --responses-col / --text-field / --score-field / --rank-field.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA, parseJsonl, run, tempDir } from '../../helpers.js';

const OASST = join(DATA, 'foreign', 'oasst_en_100_tree_first10.jsonl');
const trees = readFileSync(OASST, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { message_tree_id: string; prompt: any });

describe('OASST message trees', () => {
  it("pairs the prompt's first-level replies by the labellers' rank (0 best), unscored, with the tree id", async () => {
    const r = await run(['pairs', OASST]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/10 pairs written \(--strategy best-worst, by rank\)/);
    const out = parseJsonl(r.stdout);
    expect(out).toHaveLength(trees.length);
    for (const [i, pair] of out.entries()) {
      const tree = trees[i]!;
      const replies = [...tree.prompt.replies].sort((a: any, b: any) => a.rank - b.rank);
      expect(pair).toEqual({
        prompt: tree.prompt.text,
        chosen: replies[0].text,
        rejected: replies.at(-1).text,
        rank_chosen: 0,
        rank_rejected: replies.length - 1,
        message_tree_id: tree.message_tree_id,
        source_id: tree.message_tree_id,
        source_line: i + 1,
      });
    }
  });

  it('--tree all: every prompter turn with ranked replies, the conversation before it as the prompt', async () => {
    // Walked here on its own: each prompter message with two or more ranked replies is one pair.
    const expected: Array<{ prompt: Array<{ role: string; content: string }>; chosen: string; rejected: string }> = [];
    const walk = (node: any, before: Array<{ role: string; content: string }>) => {
      const prompt = [...before, { role: 'user', content: node.text }];
      const ranked = (node.replies ?? []).filter((r: any) => typeof r.rank === 'number');
      if (ranked.length >= 2) {
        const sorted = [...ranked].sort((a: any, b: any) => a.rank - b.rank);
        expected.push({ prompt, chosen: sorted[0].text, rejected: sorted.at(-1).text });
      }
      for (const reply of node.replies ?? [])
        for (const next of reply.replies ?? []) walk(next, [...prompt, { role: 'assistant', content: reply.text }]);
    };
    for (const tree of trees) walk(tree.prompt, []);
    expect(expected.length).toBeGreaterThan(trees.length);
    const r = await run(['pairs', OASST, '--tree', 'all']);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout).map(({ prompt, chosen, rejected }) => ({ prompt, chosen, rejected }));
    expect(out).toEqual(expected);
  });

  it('--strategy all: every ranked pair, better rank chosen', async () => {
    const r = await run(['pairs', OASST, '--strategy', 'all']);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout);
    const expected = trees.reduce((n, t) => n + (t.prompt.replies.length * (t.prompt.replies.length - 1)) / 2, 0);
    expect(out).toHaveLength(expected);
    for (const pair of out) expect(pair.rank_chosen).toBeLessThan(pair.rank_rejected);
  });

  it('a tree nobody ranked is set aside as no_preference, counted, and the run goes on', async () => {
    const dir = tempDir();
    const input = join(dir, 'trees.jsonl');
    const unranked = structuredClone(trees[1]!);
    for (const reply of unranked.prompt.replies) delete reply.rank;
    writeFileSync(input, [trees[0], unranked, trees[2]].map((t) => `${JSON.stringify(t)}\n`).join(''));
    const rejects = join(dir, 'rejects.jsonl');
    const report = join(dir, 'report.json');
    const r = await run(['pairs', input, '--rejects', rejects, '--report', report]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout)).toHaveLength(2);
    const [reject] = parseJsonl(readFileSync(rejects, 'utf8'));
    expect(reject).toMatchObject({ line: 2, reason: 'no_preference' });
    expect(reject!.message).toMatch(/none with a usable rank/);
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    expect(summary.rows_read).toBe(3);
    expect(summary.set_aside.by_reason).toEqual({ no_preference: 1 });
  });

  it('relabel on rank pairs asks for scores (ranks are an order, not a score)', async () => {
    const dir = tempDir();
    const pairs = join(dir, 'pairs.jsonl');
    const made = await run(['pairs', OASST, '-o', pairs]);
    expect(made.code, made.stderr).toBe(0);
    const r = await run(['relabel', pairs]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/radpo score/);
  });
});

describe('lists named by flags', () => {
  // Nectar's layout (berkeley-nest/Nectar): `answers` of {answer, model, rank}, ranks from 1 (1 best).
  const nectar = {
    prompt: '\n\nHuman: What is the capital of France?\n\nAssistant:',
    answers: [
      { answer: 'Lyon.', model: 'm1', rank: 3 },
      { answer: 'Paris.', model: 'm2', rank: 1 },
      { answer: 'Paris, on the Seine.', model: 'm3', rank: 2 },
    ],
    turns: 1,
  };

  it.each([
    ['Nectar answers, found by their columns', nectar, [], ['Paris.', 'Lyon.', 1, 3]],
    [
      '--responses-col, --text-field, --rank-field',
      {
        q: 'Q?',
        c: [
          { t: 'worst', r: 9 },
          { t: 'best', r: 0 },
          { t: 'mid', r: 4 },
        ],
      },
      ['--prompt-col', 'q', '--responses-col', 'c', '--text-field', 't', '--rank-field', 'r'],
      ['best', 'worst', 0, 9],
    ],
  ])('%s', async (_name, row, flags, [chosen, rejected, rankChosen, rankRejected]) => {
    const input = join(tempDir(), 'in.jsonl');
    writeFileSync(input, `${JSON.stringify(row)}\n`);
    const r = await run(['pairs', input, ...flags]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout)).toEqual([
      expect.objectContaining({
        chosen,
        rejected,
        rank_chosen: rankChosen,
        rank_rejected: rankRejected,
      }),
    ]);
  });

  it('--score-field: scores in the response objects, higher is better, written as scores', async () => {
    const input = join(tempDir(), 'in.jsonl');
    const row = {
      prompt: 'Q?',
      candidates: [
        { text: 'ok', reward: 0.5 },
        { text: 'good', reward: 2.25 },
        { text: 'bad', reward: -1 },
      ],
    };
    writeFileSync(input, `${JSON.stringify(row)}\n`);
    const r = await run(['pairs', input, '--responses-col', 'candidates', '--score-field', 'reward']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout)).toEqual([
      { prompt: 'Q?', chosen: 'good', rejected: 'bad', score_chosen: 2.25, score_rejected: -1, source_line: 1 },
    ]);
  });

  it('a response object without a text field names the field and the flag', async () => {
    const input = join(tempDir(), 'in.jsonl');
    writeFileSync(
      input,
      `${JSON.stringify({
        prompt: 'Q?',
        responses: [
          { body: 'a', rank: 0 },
          { body: 'b', rank: 1 },
        ],
      })}\n`,
    );
    const r = await run(['pairs', input]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/in\.jsonl:1: field "responses\[0\]": a response has no text field/);
    expect(r.stderr).toMatch(/--text-field/);
  });

  it('response objects with neither scores nor ranks say which flag names them', async () => {
    const input = join(tempDir(), 'in.jsonl');
    writeFileSync(input, `${JSON.stringify({ prompt: 'Q?', responses: [{ text: 'a' }, { text: 'b' }] })}\n`);
    const r = await run(['pairs', input]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/neither scores nor ranks/);
    expect(r.stderr).toMatch(/--score-field or --rank-field/);
  });
});

describe('long format: one response per row, grouped wherever the rows are', () => {
  // 300 prompts × 4 responses, scores with ties, written sorted and shuffled (a fixed permutation).
  const rows: Array<Record<string, unknown>> = [];
  for (let p = 0; p < 300; p++)
    for (let k = 0; k < 4; k++)
      rows.push({
        id: `r${p}-${k}`,
        prompt_id: `p${p}`,
        q: `Question ${p}?`,
        a: `answer ${p}.${k}`,
        s: (p * 7 + k * 3) % 5,
      });
  const shuffled = rows.map((row, i) => [(i * 7919) % rows.length, row] as const).sort((a, b) => a[0] - b[0]);
  const LONG = ['--group-col', 'prompt_id', '--prompt-col', 'q', '--response-col', 'a', '--score-col', 's'];
  const write = (dir: string, name: string, list: unknown[]) => {
    const path = join(dir, name);
    writeFileSync(path, list.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return path;
  };
  const canonical = (text: string) =>
    parseJsonl(text)
      .map(({ source_line: _line, ...pair }) => JSON.stringify(pair))
      .sort();

  it('a shuffled file gives the pairs of the sorted one; in memory or in temporary files, the same bytes', async () => {
    const dir = tempDir();
    const sorted = write(dir, 'sorted.jsonl', rows);
    const mixed = write(
      dir,
      'shuffled.jsonl',
      shuffled.map(([, row]) => row),
    );
    const fromSorted = await run(['pairs', sorted, ...LONG]);
    const fromShuffled = await run(['pairs', mixed, ...LONG]);
    const onDisk = await run(['pairs', mixed, ...LONG, '--group-memory', '0', '--report', join(dir, 'r.json')]);
    for (const r of [fromSorted, fromShuffled, onDisk]) expect(r.code, r.stderr).toBe(0);
    expect(canonical(fromShuffled.stdout)).toEqual(canonical(fromSorted.stdout));
    expect(onDisk.stdout).toBe(fromShuffled.stdout);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report).toMatchObject({ rows_read: 1200, prompts: 300, grouped_on_disk_rows: 1200 });
    // Each pair: the group's best and worst, the group value as its id, in order of the groups' first rows.
    const pairs = parseJsonl(fromSorted.stdout);
    const setAside = report.set_aside.total;
    expect(pairs.length + setAside).toBe(300);
    for (const pair of pairs) {
      const group = rows.filter((r) => r.prompt_id === pair.prompt_id);
      const scores = group.map((r) => r.s as number);
      expect(pair.prompt).toBe(group[0]!.q);
      expect(pair.score_chosen).toBe(Math.max(...scores));
      expect(pair.score_rejected).toBe(Math.min(...scores));
      expect(group.find((r) => r.a === pair.chosen)!.s).toBe(pair.score_chosen);
    }
    expect(pairs.map((p) => Number(String(p.prompt_id).slice(1)))).toEqual(
      pairs.map((p) => Number(String(p.prompt_id).slice(1))).sort((a, b) => a - b),
    );
  });

  it('a prompt with one response, or all tied, is set aside with the lines of its rows', async () => {
    const dir = tempDir();
    const input = write(dir, 'in.jsonl', [
      { prompt: 'A?', response: 'a1', score: 3 },
      { prompt: 'B?', response: 'b1', score: 5 },
      { prompt: 'A?', response: 'a2', score: 8 },
      { prompt: 'C?', response: 'c1', score: 4 },
      { prompt: 'C?', response: 'c2', score: 4 },
    ]);
    const rejects = join(dir, 'rejects.jsonl');
    const r = await run(['pairs', input, '--response-col', 'response', '--score-col', 'score', '--rejects', rejects]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout)).toEqual([
      { prompt: 'A?', chosen: 'a2', rejected: 'a1', score_chosen: 8, score_rejected: 3, source_line: 1 },
    ]);
    expect(parseJsonl(readFileSync(rejects, 'utf8')).map((j) => [j.line, j.reason, j.raw.lines])).toEqual([
      [2, 'no_preference', [2]],
      [4, 'no_preference', [4, 5]],
    ]);
    expect(r.stderr).toMatch(/5 rows read \(3 prompts\), 1 pair written \(--strategy best-worst, --score-col score\)/);
  });

  it('--id-col with a name of its own: the pair carries it, and relabel finds it as source_id', async () => {
    const dir = tempDir();
    const rows = [
      { qid: 'q-7', prompt: 'P?', responses: ['long good answer', 'short'], scores: [8, 3] },
      { qid: 'q-9', prompt: 'Q?', responses: ['x', 'a better answer'], scores: [2, 9] },
    ];
    const input = join(dir, 'lists.jsonl');
    writeFileSync(input, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const pairs = await run(['pairs', input, '--id-col', 'qid', '-o', join(dir, 'pairs.jsonl')]);
    expect(pairs.code, pairs.stderr).toBe(0);
    const written = parseJsonl(readFileSync(join(dir, 'pairs.jsonl'), 'utf8'));
    expect(written.map((p) => [p.qid, p.source_id, p.source_line])).toEqual([
      ['q-7', 'q-7', 1],
      ['q-9', 'q-9', 2],
    ]);
    const relabeled = await run(['relabel', join(dir, 'pairs.jsonl'), '--scale', '0-10']);
    expect(relabeled.code, relabeled.stderr).toBe(0);
    expect(parseJsonl(relabeled.stdout).map((r) => r.source_id)).toEqual(['q-7', 'q-7', 'q-9', 'q-9']);
  });

  it('rows grouped under one --group-col must answer one prompt: else the group is set aside, not paired', async () => {
    const dir = tempDir();
    const input = write(dir, 'in.jsonl', [
      { g: 1, prompt: 'A?', response: 'a1', score: 3 },
      { g: 1, prompt: 'A? (asked again)', response: 'a2', score: 8 },
      { g: 2, prompt: 'B?', response: 'b1', score: [2, 3, 4] },
      { g: 2, prompt: 'B?', response: 'b2', score: [5, 5, 2] },
    ]);
    const rejects = join(dir, 'rejects.jsonl');
    const flags = ['--group-col', 'g', '--response-col', 'response', '--score-col', 'score'];
    flags.push('--on-error', 'skip', '--rejects', rejects);
    const r = await run(['pairs', input, ...flags]);
    expect(r.code, r.stderr).toBe(0);
    // A list of scores is several ratings of one response: their mean (b1 3, b2 4).
    expect(parseJsonl(r.stdout)).toEqual([
      {
        prompt: 'B?',
        chosen: 'b2',
        rejected: 'b1',
        score_chosen: 4,
        score_rejected: 3,
        g: 2,
        source_id: 2,
        source_line: 3,
      },
    ]);
    const [reject] = parseJsonl(readFileSync(rejects, 'utf8'));
    expect(reject).toMatchObject({ line: 1, reason: 'prompt_mismatch', raw: { lines: [1, 2] } });
    expect(reject!.message).toMatch(
      /the rows of one g answer different prompts.*line 1 .* vs line 2 .*\(from character 3\)/,
    );
  });

  it('prometheus MT-Bench (real rows): responses taken out of grading prompts; second turns differ', async () => {
    // Every idx is a second turn: each model's answer follows its own first answer, so no two rows of an idx
    // answer the same conversation, and no pair of them is a valid DPO pair.
    const path = join(DATA, 'foreign', 'prometheus_mt_bench_eval_idx83_88.json');
    const rows = JSON.parse(readFileSync(path, 'utf8')) as Array<{ idx: number; instruction: string }>;
    const seen = (await run(['inspect', path])).stdout;
    expect(seen).toMatch(
      /instruction holds Prometheus grading prompts.*--group-col idx --response-col instruction --score-col gpt4/,
    );
    // inspect tried the reading on the rows: MT-Bench's turn-2 prompts each hold their own model's first answer.
    expect(seen).toContain('but in every group of the first 8 rows the rows answer different prompts');
    const dir = tempDir();
    const rejects = join(dir, 'rejects.jsonl');
    const flags = ['--group-col', 'idx', '--response-col', 'instruction', '--score-col', 'gpt4_score'];
    const r = await run(['pairs', path, ...flags, '--on-error', 'skip', '--rejects', rejects, '--allow-empty-output']);
    expect(r.code, r.stderr).toBe(0);
    // A JSON array's records are placed by the line each starts on (json.dumps indent=4: "    {").
    const starts = readFileSync(path, 'utf8')
      .split('\n')
      .flatMap((line, i) => (line === '    {' ? [i + 1] : []));
    const lines = (idx: number) => rows.flatMap((row, i) => (row.idx === idx ? [starts[i]] : []));
    const set = parseJsonl(readFileSync(rejects, 'utf8'));
    expect(set.map((j) => [j.reason, j.raw.lines])).toEqual([
      ['prompt_mismatch', lines(83)],
      ['prompt_mismatch', lines(88)],
    ]);
    // The prompt is the instruction the judge graded, not the judge's prompt.
    const instruction = (t: string) => t.split('###The instruction to evaluate:\n')[1]!.split('\n\n###Response')[0];
    expect(set[0]!.raw.prompt).toBe(instruction(rows[0]!.instruction));
  });

  it('--rank-col: the lowest rank is the best; pairs unscored', async () => {
    const dir = tempDir();
    const input = write(dir, 'in.jsonl', [
      { prompt: 'A?', response: 'second', rank: 2 },
      { prompt: 'A?', response: 'first', rank: 1 },
      { prompt: 'A?', response: 'third', rank: 3 },
    ]);
    const r = await run(['pairs', input, '--response-col', 'response', '--rank-col', 'rank']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout)).toEqual([
      { prompt: 'A?', chosen: 'first', rejected: 'third', rank_chosen: 1, rank_rejected: 3, source_line: 1 },
    ]);
  });

  it('a row without its score fails with the line and the column (or goes to the rejects)', async () => {
    const dir = tempDir();
    const input = write(dir, 'in.jsonl', [
      { prompt: 'A?', response: 'a1', score: 3 },
      { prompt: 'A?', response: 'a2' },
    ]);
    const r = await run(['pairs', input, '--response-col', 'response', '--score-col', 'score']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/in\.jsonl:2: field "score": the row has no score/);
    expect(r.stderr).toMatch(/the row has prompt, response\).*\n.*name the column that holds it with --score-col/);
  });

  it.each([
    [['--group-col', 'g', '--score-col', 's'], /name its --response-col/],
    [['--response-col', 'a'], /one of --score-col .* or --rank-col/],
    [['--response-col', 'a', '--score-col', 's', '--rank-col', 'r'], /one of --score-col .* or --rank-col/],
    [['--response-col', 'a', '--score-col', 's', '--responses-col', 'b'], /exclude each other/],
  ])('usage: %j', async (flags, message) => {
    const dir = tempDir();
    const r = await run(['pairs', write(dir, 'in.jsonl', [{ prompt: 'A?' }]), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('a prompt that is no text', () => {
  const SINGLE = join(DATA, 'foreign', 'fastchat_japanese_mt_bench_gpt-4_single_first12.jsonl');

  it('--prompt-col naming a number column (FastChat question_id): refused, naming the column and row', async () => {
    const flags = ['--prompt-col', 'question_id', '--response-col', 'judgment', '--score-col', 'score'];
    const out = join(tempDir(), 'pairs.jsonl');
    const r = await run(['pairs', SINGLE, ...flags, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /first12\.jsonl:1: field "question_id": the prompt is not text \(expected a prompt string.*found number 61/,
    );
    // The column was named: the hint is to check that name, not "name it with --prompt-col".
    expect(r.stderr).toContain('hint: check --prompt-col: it names the column of the prompt');
    // Set aside, never written: every row, with its reason.
    const dir = tempDir();
    const skip = await run(['pairs', SINGLE, ...flags, '--on-error', 'skip', '--rejects', join(dir, 'rej.jsonl')]);
    expect(skip.stdout).toBe('');
    const rejects = parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'));
    expect(rejects.map((x) => x.reason)).toEqual(Array(12).fill('bad_field'));
    expect(rejects.every((x) => /field "question_id": the prompt is not text/.test(x.message))).toBe(true);
  });
});

describe("NeMo-Aligner's label lists", () => {
  it('a score list with -100 placeholders is refused, never averaged in; the hint names one attribute', async () => {
    const file = join(DATA, 'scored', 'helpsteer2_nemo_rm.jsonl');
    const flags = ['--prompt-col', 'text', '--response-col', 'text'];
    const r = await run(['pairs', file, ...flags, '--score-col', 'label']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/:1: field "label": the score list holds -100, NeMo-Aligner's placeholder/);
    expect(r.stderr).toMatch(/hint: name one attribute by its index, e\.g\. label\.4/);
  });
});
