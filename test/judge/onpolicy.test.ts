/**
 * The paper's on-policy path: sample several responses per prompt (radpo generate), score each (radpo
 * score on response lists), pair best and worst (radpo pairs), relabel, check. Against fake policy and
 * reward servers on 127.0.0.1; pairs on real UltraFeedback rows in the openbmb layout.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, DATA, UF1000, parseJsonl, run, tempDir, ufPrompts } from '../helpers.js';
import { expectedReward, expectedSample, fakeServers } from '../judge-server.js';

const QWEN = join(DATA, 'chat_templates', 'Qwen__Qwen2-7B-Instruct.jinja');

const server = fakeServers();

/**
 * Real UltraFeedback pairs as openbmb/UltraFeedback rows: the instruction and its two completions with their GPT-4
 * overall scores.
 */
function openbmbRows(n: number): Array<Record<string, any>> {
  return readFileSync(UF1000, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, n)
    .map((l) => JSON.parse(l) as Record<string, any>)
    .map((r) => ({
      source: 'ultrafeedback_binarized',
      instruction: r.prompt,
      models: ['chosen', 'rejected'],
      completions: [
        { model: 'chosen', response: r.chosen, overall_score: r.metadata.score_chosen },
        { model: 'rejected', response: r.rejected, overall_score: r.metadata.score_rejected },
      ],
    }));
}

/** A subprocess, without blocking this process (the fake servers answer from here). */
function exec(
  command: string,
  args: string[],
  cwd?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const prompts = (n: number) => ufPrompts(n);

describe('radpo pairs', () => {
  it('real UltraFeedback rows in the openbmb layout: best-worst, best-random (seeded), ties set aside', async () => {
    const dir = tempDir();
    const input = join(dir, 'uf.jsonl');
    const rows = openbmbRows(40);
    writeFileSync(input, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const r = await run(['pairs', input, '--on-error', 'skip', '--rejects', join(dir, 'rej.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    const pairs = parseJsonl(r.stdout);
    // By hand: the first row's completions scored 9 and 8: the 9 is chosen.
    expect(rows[0]!.completions.map((c: { overall_score: number }) => c.overall_score)).toEqual([9, 8]);
    expect(pairs[0]).toMatchObject({
      prompt: rows[0]!.instruction,
      chosen: rows[0]!.completions[0].response,
      rejected: rows[0]!.completions[1].response,
      score_chosen: 9,
      score_rejected: 8,
      source_line: 1,
    });
    const ties = rows.filter((row) => row.completions[0].overall_score === row.completions[1].overall_score).length;
    expect(ties).toBeGreaterThan(0);
    expect(pairs).toHaveLength(40 - ties);
    const rejected = parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'));
    expect(rejected).toHaveLength(ties);
    expect(rejected[0]).toMatchObject({ reason: 'no_preference' });
    expect(rejected[0]!.message).toMatch(
      /no two responses differ by more than 0 \(expected.* scores differ by more than 0, found scores (\S+), \1\)/,
    );
    // With two completions best-random has one choice: the same pairs, whatever the seed.
    const random = parseJsonl(
      (
        await run([
          'pairs',
          input,
          '--strategy',
          'best-random',
          '--seed',
          '7',
          '--on-error',
          'skip',
          '--rejects',
          join(dir, 'rej2.jsonl'),
        ])
      ).stdout,
    );
    expect(random).toEqual(pairs);
  });

  it(
    'four completions with aspects: best-worst, best-random with a seed, all, --min-gap, --score aspect ' +
      '(checked by hand)',
    async () => {
      const dir = tempDir();
      const input = join(dir, 'four.jsonl');
      // The openbmb/UltraFeedback schema (completions[].annotations[aspect].Rating as strings, "N/A" allowed).
      const ann = (h: string, t: string) => ({
        helpfulness: { Rating: h, Rationale: '…' },
        truthfulness: { Rating: t, Rationale: '…' },
      });
      const row = {
        instruction: 'Name a prime.',
        completions: [
          { response: 'A', overall_score: 6, 'fine-grained_score': 3.5, annotations: ann('3', '4') },
          { response: 'B', overall_score: 9, 'fine-grained_score': 4.75, annotations: ann('5', '5') },
          { response: 'C', overall_score: 2, 'fine-grained_score': 1.25, annotations: ann('1', 'N/A') },
          { response: 'D', overall_score: 7.5, 'fine-grained_score': 4, annotations: ann('4', '3') },
        ],
      };
      writeFileSync(input, `${JSON.stringify(row)}\n`);
      const pairsOf = async (...flags: string[]) =>
        parseJsonl((await run(['pairs', input, ...flags])).stdout).map((p) => `${p.chosen}>${p.rejected}`);
      expect(await pairsOf()).toEqual(['B>C']);
      expect(await pairsOf('--score', 'fine-grained')).toEqual(['B>C']);
      // Truthfulness: C has no rating (N/A) and takes no part; B is 5, D is 3.
      expect(await pairsOf('--score', 'truthfulness')).toEqual(['B>D']);
      expect(await pairsOf('--strategy', 'all')).toEqual(['A>C', 'B>A', 'B>C', 'B>D', 'D>A', 'D>C']);
      expect(await pairsOf('--strategy', 'all', '--min-gap', '2')).toEqual(['A>C', 'B>A', 'B>C', 'D>C']);
      // best-random: B against one of A, C, D, drawn from the seed and the row; the same seed, the same draw.
      const draws = await Promise.all(
        ['1', '2', '3', '4', '5', '6'].map((seed) => pairsOf('--strategy', 'best-random', '--seed', seed)),
      );
      for (const [d] of draws) expect(['B>A', 'B>C', 'B>D']).toContain(d);
      expect(new Set(draws.map(([d]) => d)).size).toBeGreaterThan(1);
      expect(await pairsOf('--strategy', 'best-random', '--seed', '3')).toEqual(draws[2]);
      // Per-aspect ratings travel with the pair, for multi-attribute goals.
      const [p] = parseJsonl((await run(['pairs', input])).stdout);
      expect(p).toMatchObject({
        chosen_aspects: { helpfulness: 5, truthfulness: 5 },
        rejected_aspects: { helpfulness: 1 },
      });
    },
  );
});

describe('ids from the prompts file to the training rows', () => {
  it('pairs carries the row id; relabel writes it as source_id', async () => {
    const dir = tempDir();
    const input = join(dir, 'scored.jsonl');
    writeFileSync(
      input,
      `${JSON.stringify({ id: 'p-7', prompt: 'q', responses: ['a', 'b', 'c'], scores: [3, 9, 5] })}\n`,
    );
    const pairs = await run(['pairs', input, '-o', join(dir, 'pairs.jsonl')]);
    expect(pairs.code, pairs.stderr).toBe(0);
    expect(parseJsonl(readFileSync(join(dir, 'pairs.jsonl'), 'utf8'))).toEqual([
      {
        prompt: 'q',
        chosen: 'b',
        rejected: 'a',
        score_chosen: 9,
        score_rejected: 3,
        id: 'p-7',
        source_id: 'p-7',
        source_line: 1,
      },
    ]);
    const relabeled = await run(['relabel', join(dir, 'pairs.jsonl'), '-q']);
    expect(parseJsonl(relabeled.stdout).map((row) => row.source_id)).toEqual(['p-7', 'p-7']);
  });
});

describe('radpo pairs on rows without usable scores', () => {
  const rows = [
    { prompt: 'q1', responses: ['a', 'b', 'c'], scores: [null, 'n/a', null] },
    { prompt: 'q2', responses: ['a', 'b'], scores: [7, null] },
    { prompt: 'q3', responses: ['a', 'b'], scores: [8, 3] },
    { prompt: 'q4', responses: [], scores: [] },
  ];
  const input = () => {
    const dir = tempDir();
    const path = join(dir, 'rows.jsonl');
    writeFileSync(path, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return { dir, path };
  };

  it('sets each aside with its reason and writes the rest', async () => {
    const { dir, path } = input();
    const r = await run(['pairs', path, '--on-error', 'skip', '--rejects', join(dir, 'rej.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(parseJsonl(r.stdout)).toEqual([
      { prompt: 'q3', chosen: 'a', rejected: 'b', score_chosen: 8, score_rejected: 3, source_line: 3 },
    ]);
    const rejected = parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'));
    expect(rejected.map((x) => [x.line, x.reason])).toEqual([
      [1, 'bad_score'],
      [2, 'no_preference'],
      [4, 'no_preference'],
    ]);
    // "n/a" is no number, read by relabel's rule (core/scores.ts): the row is refused, naming the score.
    expect(rejected[0]!.message).toMatch(/field "scores\[1\]": the score is not a number/);
    expect(rejected[1]!.message).toMatch(/fewer than two responses to pair \(one with a usable score\)/);
    expect(r.stderr).toMatch(/4 prompts read, 1 pair written/);
  });

  it('stops at the first under --on-error fail, naming the row, with exit 1', async () => {
    const { path } = input();
    const r = await run(['pairs', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rows\.jsonl:1: field "scores\[1\]": the score is not a number/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});

describe('radpo generate', () => {
  it('--goal-score 10 sends exactly the goal text radpo goal --score 10 prints', async () => {
    const policy = await server({ kind: 'vllm', policy: true, models: ['policy'] });
    const goal = (await run(['goal', '--score', '10'])).stdout.replace(/\n$/, '');
    const r = await run([
      'generate',
      prompts(2),
      '-n',
      '1',
      '--policy-url',
      policy.url,
      '--policy-model',
      'policy',
      '--no-cache',
      '--goal-score',
      '10',
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(policy.requests[0]!.body.messages[0]).toEqual({ role: 'system', content: goal });
    const user = await run(['goal', '--score', '10', '--placement', 'user', '--json', '--prompt', 'Q']);
    const sent = await run([
      'generate',
      prompts(1),
      '-n',
      '1',
      '--policy-url',
      policy.url,
      '--policy-model',
      'policy',
      '--no-cache',
      '--goal-score',
      '10',
      '--placement',
      'user',
      '-q',
    ]);
    expect(sent.code).toBe(0);
    expect(
      policy.requests.at(-1)!.body.messages[0].content.startsWith(JSON.parse(user.stdout)[0].content.replace(/Q$/, '')),
    ).toBe(true);
  });

  it('vLLM gets one request with n per prompt; a server without n gets one seeded request per sample', async () => {
    const vllm = await server({ kind: 'vllm', policy: true, models: ['policy'] });
    const ollama = await server({ kind: 'ollama', policy: true, models: ['policy'] });
    for (const s of [vllm, ollama]) {
      const r = await run([
        'generate',
        prompts(3),
        '-n',
        '4',
        '--policy-url',
        s.url,
        '--policy-model',
        'policy',
        '--no-cache',
        '--seed',
        '5',
        '-q',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const rows = parseJsonl(r.stdout);
      expect(rows.map((x) => x.responses.length)).toEqual([4, 4, 4]);
      expect(rows[0]!.sampling).toMatchObject({ model: 'policy', n: 4, seed: 5, temperature: 0.8, top_p: 0.95 });
    }
    expect(vllm.requests).toHaveLength(3);
    expect(vllm.requests[0]!.body).toMatchObject({ n: 4, seed: 5 });
    expect(ollama.requests).toHaveLength(12);
    expect(
      ollama.requests
        .map((q) => q.body.seed)
        .slice(0, 4)
        .sort(),
    ).toEqual([5, 6, 7, 8]);
    const prompt = JSON.stringify(ollama.requests[0]!.body.messages);
    expect(ollama.requests[0]!.body).not.toHaveProperty('n');
    expect(expectedSample(prompt, 5, 0)).toMatch(/^Sample \d+ of a policy/);
  });
});

describe('radpo generate with batch files', () => {
  it(
    '--emit-batch writes one request line per sample; --from-batch reads the answers (and the error file) ' +
      'with no live request',
    async () => {
      const policy = await server({ kind: 'vllm', policy: true, models: ['policy'] });
      const dir = tempDir();
      const input = prompts(3);
      const requests = join(dir, 'requests.jsonl');
      const emitted = await run([
        'generate',
        input,
        '-n',
        '2',
        '--policy-url',
        policy.url,
        '--policy-model',
        'policy',
        '--no-cache',
        '--emit-batch',
        requests,
        '-q',
      ]);
      expect(emitted.code, emitted.stderr).toBe(0);
      const lines = parseJsonl(readFileSync(requests, 'utf8'));
      expect(lines).toHaveLength(6);
      expect(lines[1]).toMatchObject({
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'policy', seed: 1 },
      });
      expect(lines[1]!.body).not.toHaveProperty('n');
      expect(policy.requests).toHaveLength(0);
      const answer = (l: (typeof lines)[number]) => ({
        custom_id: l.custom_id,
        response: {
          status_code: 200,
          body: {
            choices: [{ index: 0, message: { role: 'assistant', content: `answer to ${l.custom_id.slice(0, 6)}` } }],
          },
        },
        error: null,
      });
      writeFileSync(
        join(dir, 'out.jsonl'),
        `${lines
          .slice(0, 4)
          .map((l) => JSON.stringify(answer(l)))
          .join('\n')}\n`,
      );
      writeFileSync(
        join(dir, 'err.jsonl'),
        `${JSON.stringify({
          custom_id: lines[4]!.custom_id,
          response: { status_code: 400, body: { error: { message: 'too long' } } },
          error: null,
        })}\n`,
      );
      const r = await run([
        'generate',
        input,
        '-n',
        '2',
        '--policy-url',
        policy.url,
        '--policy-model',
        'policy',
        '--no-cache',
        '--from-batch',
        join(dir, 'out.jsonl'),
        '--from-batch',
        join(dir, 'err.jsonl'),
        '--on-error',
        'skip',
        '--rejects',
        join(dir, 'rej.jsonl'),
        '-q',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(policy.requests).toHaveLength(0);
      expect(parseJsonl(r.stdout).map((x) => x.responses)).toEqual([
        [`answer to ${lines[0]!.custom_id.slice(0, 6)}`, `answer to ${lines[1]!.custom_id.slice(0, 6)}`],
        [`answer to ${lines[2]!.custom_id.slice(0, 6)}`, `answer to ${lines[3]!.custom_id.slice(0, 6)}`],
      ]);
      expect(parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'))[0]).toMatchObject({
        reason: 'policy_failed',
        message: expect.stringMatching(/HTTP 400: too long/),
      });
    },
  );
});

describe('the whole on-policy pipeline', () => {
  it('200 prompts × 5 samples: generate, score (a reward model), pairs, relabel, check; as files and as one ' +
    'shell pipe, the same bytes', async () => {
    const policy = await server({ kind: 'vllm', policy: true, models: ['policy'], latencyMs: 2 });
    const rm = await server({ kind: 'vllm', models: ['rm'], latencyMs: 2 });
    const dir = tempDir();
    const input = prompts(200);
    const gen = [
      '--policy-url',
      policy.url,
      '--policy-model',
      'policy',
      '-n',
      '5',
      '--cache',
      join(dir, 'cache.sqlite'),
    ];
    const score = [
      '--judge',
      'reward',
      '--judge-url',
      rm.url,
      '--judge-model',
      'rm',
      '--map',
      'identity',
      '--scale',
      '-10-10',
      '--precision',
      '2',
      '--cache',
      join(dir, 'cache.sqlite'),
    ];
    // Step by step in-process (the files between them), then below as one pipe of real processes.
    const step = async (args: string[]) => {
      const r = await run([...args, '-q']);
      expect(r.code, r.stderr).toBe(0);
    };
    const at = (name: string) => join(dir, name);
    await step(['generate', input, ...gen, '-o', at('samples.jsonl')]);
    await step(['score', at('samples.jsonl'), ...score, '-o', at('scored.jsonl')]);
    await step([
      'pairs',
      at('scored.jsonl'),
      '-o',
      at('pairs.jsonl'),
      '--on-error',
      'skip',
      '--rejects',
      at('t.jsonl'),
    ]);
    await step(['relabel', at('pairs.jsonl'), '--scale', '-10-10', '-o', at('train.jsonl')]);
    const scored = parseJsonl(readFileSync(join(dir, 'scored.jsonl'), 'utf8'));
    expect(scored).toHaveLength(200);
    // One reward per sample, the fake reward model's for that text.
    expect(scored[0]!.scores).toEqual(scored[0]!.responses.map((r: string) => Number(expectedReward(r).toFixed(2))));
    const pairs = parseJsonl(readFileSync(join(dir, 'pairs.jsonl'), 'utf8'));
    expect(pairs.length).toBeGreaterThan(190);
    const best = Math.max(...scored[0]!.scores);
    expect(pairs[0]).toMatchObject({ score_chosen: best, score_rejected: Math.min(...scored[0]!.scores) });
    const train = parseJsonl(readFileSync(join(dir, 'train.jsonl'), 'utf8'));
    expect(train).toHaveLength(pairs.length * 2);
    const check = await run(['check', at('train.jsonl'), '--chat-template', QWEN, '--scale', '-10-10']);
    expect(check.code, check.stdout).toBe(0);
    // The same as one pipe (the cache answers every request now).
    const before = policy.requests.length + rm.requests.length;
    const piped = await exec(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `node ${BIN} generate ${input} ${gen.join(' ')}` +
          ` -q | node ${BIN} score - ${score.join(' ')} -q | node ${BIN} pairs ` +
          `- -q --on-error skip --rejects ties2.jsonl | node ${BIN} relabel - --scale -10-10 -q > piped.jsonl`,
      ],
      dir,
    );
    expect(piped.status, piped.stderr).toBe(0);
    expect(readFileSync(join(dir, 'piped.jsonl'), 'utf8')).toBe(
      readFileSync(join(dir, 'train.jsonl'), 'utf8').replace(/"source_file":"[^"]*",/g, ''),
    );
    expect(policy.requests.length + rm.requests.length).toBe(before);
  }, 60_000);

  it('kill -9 in the middle of generate: the rerun repeats at most the requests in flight and writes the ' +
    'same bytes', async () => {
    const policy = await server({ kind: 'ollama', policy: true, models: ['policy'], latencyMs: 20 });
    const dir = tempDir();
    // 100 prompts × 5 samples: the kill comes after 150 of the 500 requests, in the middle of the run.
    const input = prompts(100);
    const total = 100 * 5;
    const args = [
      BIN,
      'generate',
      input,
      '--policy-url',
      policy.url,
      '--policy-model',
      'policy',
      '-n',
      '5',
      '--concurrency',
      '8',
      '--cache',
      join(dir, 'cache.sqlite'),
      '-q',
    ];
    const child = spawn(process.execPath, [...args, '-o', join(dir, 'killed.jsonl')], { stdio: 'ignore' });
    while (policy.requests.length < 150) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const sent = policy.requests.length;
    expect(existsSync(join(dir, 'killed.jsonl'))).toBe(false);
    const rerun = await exec(process.execPath, [...args, '-o', join(dir, 'out.jsonl')]);
    expect(rerun.status, rerun.stderr).toBe(0);
    const repeated = policy.requests.length - sent - (total - sent);
    // Every sample is asked once, except the ones in flight at the kill (at most the concurrency).
    expect(policy.requests.length).toBeLessThanOrEqual(total + 8);
    expect(repeated).toBeLessThanOrEqual(8);
    const clean = await server({ kind: 'ollama', policy: true, models: ['policy'] });
    const fresh = await exec(process.execPath, [
      BIN,
      'generate',
      input,
      '--policy-url',
      clean.url,
      '--policy-model',
      'policy',
      '-n',
      '5',
      '--no-cache',
      '-q',
    ]);
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8')).toBe(fresh.stdout);
  }, 60_000);
});
