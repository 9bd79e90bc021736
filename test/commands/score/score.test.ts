import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA, FIXTURES, parseJsonl, run, tempDir } from '../../helpers.js';
import {
  expectedAspects,
  expectedChatScore,
  expectedReward,
  fakeServers,
  LF_DEMO,
  lfDemoRows,
} from '../../judge-server.js';

const LF = LF_DEMO;
const lfRows = lfDemoRows();
const judgeServer = fakeServers();

const judgeArgs = (url: string, dir: string, extra: string[] = []) => [
  '--judge',
  'chat',
  '--judge-url',
  url,
  '--judge-model',
  'judge',
  '--cache',
  join(dir, 'cache.sqlite'),
  '--timeout',
  '2',
  ...extra,
];
const env = { RADPO_JUDGE_API_KEY: 'sk-test-secret-123456' };

describe('radpo score with a chat judge', () => {
  it('a tool-call row: the judge sees the tools offered and the calls made (MedicalGPT tool-call demo)', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const source = join(DATA, 'foreign', 'medicalgpt_toolcall_dpo_zh_demo.jsonl');
    const rows = readFileSync(source, 'utf8').split('\n').filter(Boolean);
    const r = await run(['score', source, '-o', join(dir, 'scored.jsonl'), ...judgeArgs(server.url, dir)], { env });
    expect(r.code, r.stderr).toBe(0);
    const asked = server.requests.map((q) => q.body.messages.at(-1).content as string);
    const tools = JSON.parse(JSON.parse(rows[1]!).tools)[0].name as string;
    expect(
      asked.filter((text) => !text.includes('Tools available to the assistant: [')),
      'prompts without the tools',
    ).toEqual([]);
    expect(asked.some((text) => text.includes(`[calls ${tools}(`))).toBe(true);
    // The tools are part of the cache key: the same prompt and answer without them are asked again.
    const without = join(dir, 'no-tools.jsonl');
    writeFileSync(
      without,
      rows.map((line) => `${JSON.stringify({ ...JSON.parse(line), tools: undefined })}\n`).join(''),
    );
    const before = server.requests.length;
    const again = await run(['score', without, '-o', join(dir, 'o2.jsonl'), ...judgeArgs(server.url, dir)], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(server.requests.length).toBeGreaterThan(before);
    const plain = server.requests.slice(before).map((q) => q.body.messages.at(-1).content as string);
    expect(plain.some((text) => text.includes('Tools available'))).toBe(false);
  });

  it('judges the 300 LLaMA-Factory demo rows end to end, in order, each response on its own', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const out = join(dir, 'scored.jsonl');
    const report = join(dir, 'report.json');
    const r = await run(['score', LF, '-o', out, '--report', report, ...judgeArgs(server.url, dir)], { env });
    expect(r.code, r.stderr).toBe(0);
    const rows = parseJsonl(readFileSync(out, 'utf8'));
    expect(rows).toHaveLength(300);
    rows.forEach((row, i) => {
      const { score_chosen, score_rejected, ...rest } = row;
      expect(rest).toEqual(lfRows[i]);
      expect(score_chosen).toBe(expectedChatScore(lfRows[i]!.chosen.value));
      expect(score_rejected).toBe(expectedChatScore(lfRows[i]!.rejected.value));
    });
    // The wire: Chat Completions, absolute grading, temperature 0 and a seed sent explicitly, the key as Bearer.
    const first = server.requests[0]!;
    expect(first.path).toBe('/v1/chat/completions');
    expect(first.headers.authorization).toBe('Bearer sk-test-secret-123456');
    expect(first.body).toMatchObject({ model: 'judge', temperature: 0, top_p: 1, seed: 0, max_tokens: 1024 });
    expect(first.body.messages).toHaveLength(2);
    expect(first.body.messages[1].content).toContain('### Answer');
    const unique = new Set(
      lfRows.flatMap((r) => [
        JSON.stringify([r.conversations, r.chosen.value]),
        JSON.stringify([r.conversations, r.rejected.value]),
      ]),
    ).size;
    expect(server.requests).toHaveLength(unique);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.judge).toMatchObject({ http_requests: unique, failures: 0, prompt_tokens: 100 * unique });
    // Identical (prompt, response) pairs are judged once: from the cache, or by joining the request in flight.
    expect(rep.judge.cache_hits + rep.judge.shared_in_flight).toBe(600 - unique);
    // Secrets never reach reports, logs or the cache.
    expect(readFileSync(report, 'utf8')).not.toContain('sk-test-secret');
    expect(r.stderr).not.toContain('sk-test-secret');
    expect(readFileSync(join(dir, 'cache.sqlite')).includes('sk-test-secret')).toBe(false);

    // A rerun makes zero requests and writes the same bytes.
    const before = server.requests.length;
    const again = await run(['score', LF, '-o', join(dir, 'again.jsonl'), ...judgeArgs(server.url, dir)], { env });
    expect(again.code).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(readFileSync(join(dir, 'again.jsonl'), 'utf8')).toBe(readFileSync(out, 'utf8'));
  });

  it('every injected fault ends in the right score or a row set aside with a reason', async () => {
    const rows = lfRows.slice(0, 12);
    const dir = tempDir();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(rows));
    const unparseable = rows[3]!.chosen.value.slice(0, 40);
    const outOfRange = rows[7]!.rejected.value.slice(0, 40);
    const server = await judgeServer({
      faults: ['429', '500', '503', 'hang', 'truncate', 'malformed', '408'],
      faultsByContent: [
        { marker: unparseable, fault: 'unparseable' },
        { marker: outOfRange, fault: 'out_of_range' },
      ],
    });
    const rejects = join(dir, 'rejects.jsonl');
    const r = await run(
      [
        'score',
        input,
        '-o',
        join(dir, 'out.jsonl'),
        '--on-error',
        'skip',
        '--rejects',
        rejects,
        '--concurrency',
        '2',
        ...judgeArgs(server.url, dir, ['--timeout', '0.5']),
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(readFileSync(join(dir, 'out.jsonl'), 'utf8'));
    expect(out).toHaveLength(10);
    for (const row of out) {
      const source = rows.find((s) => s.chosen.value === row.chosen.value)!;
      expect(row.score_chosen).toBe(expectedChatScore(source.chosen.value));
      expect(row.score_rejected).toBe(expectedChatScore(source.rejected.value));
    }
    const rej = parseJsonl(readFileSync(rejects, 'utf8'));
    expect(rej.map((x) => [x.line, x.reason])).toEqual([
      [expect.any(Number), 'judge_unparseable'],
      [expect.any(Number), 'judge_unparseable'],
    ]);
    expect(rej[0]!.judge_output).toBe('I cannot decide on a score for this one.');
    expect(rej[1]!.judge_output).toMatch(/Overall Score: 11$/);
    // Parse failures were re-asked (1 + 2 retries each).
    const asked = server.requests.filter((q) =>
      JSON.stringify(q.body).includes(JSON.stringify(unparseable).slice(1, -1)),
    ).length;
    expect(asked).toBe(3);
  });

  it('a request that cannot succeed (401) stops the run at once, key redacted', async () => {
    const server = await judgeServer({ faults: ['401'], apiKeyEcho: 'sk-test-secret-123456' });
    const dir = tempDir();
    const r = await run(
      ['score', LF, '-o', join(dir, 'out.jsonl'), ...judgeArgs(server.url, dir, ['--concurrency', '1'])],
      { env },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/answered HTTP 401: Incorrect API key provided: \*\*\*/);
    expect(r.stderr).toMatch(/hint: check RADPO_JUDGE_API_KEY/);
    expect(r.stderr).not.toContain('sk-test-secret');
    expect(readdirSync(dir).filter((f) => f.startsWith('out') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('a judge that never answers: retries, then the rows are set aside as judge_failed', async () => {
    const server = await judgeServer({ faults: Array(20).fill('hang') });
    const dir = tempDir();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(lfRows.slice(0, 1)));
    const r = await run(
      [
        'score',
        input,
        '-o',
        join(dir, 'out.jsonl'),
        '--on-error',
        'skip',
        '--rejects',
        join(dir, 'rej.jsonl'),
        ...judgeArgs(server.url, dir, ['--timeout', '0.2', '--max-retries', '1']),
      ],
      { env },
    );
    // The only row was set aside: nothing was written, which fails the run, and the rejects say why.
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no row was written: all 1 row was set aside: 1 judge_failed\n {2}hint: see .*rej\.jsonl/);
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    expect(parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'))[0]).toMatchObject({
      reason: 'judge_failed',
      message: expect.stringMatching(/no complete answer within 0.2 s; gave up after 2 attempts/),
    });
  });

  it(
    '--logprobs: probability-weighted score over the score tokens; without logprobs it falls back with a ' + 'warning',
    async () => {
      const server = await judgeServer();
      const dir = tempDir();
      const input = join(dir, 'in.json');
      writeFileSync(input, JSON.stringify(lfRows.slice(0, 3)));
      const r = await run(
        ['score', input, '-q', ...judgeArgs(server.url, dir, ['--logprobs', '--rubric', 'prometheus', '--no-cache'])],
        { env },
      );
      expect(r.code, r.stderr).toBe(0);
      // Rounded to 2 digits (--precision sets it): 3.2222… is written 3.22, never 2.9999999999999996.
      const expected = (s: number) => Number((s === 5 ? 5 : (0.7 * s + 0.2 * (s + 1)) / 0.9).toFixed(2));
      parseJsonl(r.stdout).forEach((row, i) => {
        expect(row.score_chosen).toBe(expected(expectedChatScore(lfRows[i]!.chosen.value, 5)));
      });
      expect(server.requests[0]!.body).toMatchObject({ logprobs: true, top_logprobs: 20, max_tokens: 2 });
      const plain = await judgeServer({ logprobs: false });
      const r2 = await run(
        ['score', input, ...judgeArgs(plain.url, dir, ['--logprobs', '--rubric', 'prometheus', '--no-cache'])],
        { env },
      );
      expect(r2.stderr).toMatch(/returned no logprobs .* falling back/);
      parseJsonl(r2.stdout).forEach((row, i) => {
        expect(row.score_chosen).toBe(expectedChatScore(lfRows[i]!.chosen.value, 5));
      });
    },
  );

  it('--structured sends a JSON schema and reads the JSON verdict (fenced)', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(lfRows.slice(0, 2)));
    const r = await run(['score', input, ...judgeArgs(server.url, dir, ['--structured', '--no-cache'])], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests[0]!.body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'verdict', strict: true, schema: { properties: { score: { minimum: 1, maximum: 10 } } } },
    });
    parseJsonl(r.stdout).forEach((row, i) => {
      expect(row.score_rejected).toBe(expectedChatScore(lfRows[i]!.rejected.value));
    });
  });

  it(
    'per-attribute scores: ultrafeedback-aspects writes four scores per response, and relabel makes a ' +
      'multi-attribute goal',
    async () => {
      const server = await judgeServer();
      const dir = tempDir();
      const input = join(dir, 'in.json');
      writeFileSync(input, JSON.stringify(lfRows.slice(0, 3)));
      const names = ['Helpfulness', 'Honesty', 'Instruction following', 'Truthfulness'];
      const r = await run(
        ['score', input, ...judgeArgs(server.url, dir, ['--rubric', 'ultrafeedback-aspects', '--no-cache'])],
        { env },
      );
      expect(r.code, r.stderr).toBe(0);
      parseJsonl(r.stdout).forEach((row, i) => {
        expect(row.score_chosen).toEqual(
          Object.fromEntries(names.map((n, k) => [n, expectedAspects(lfRows[i]!.chosen.value)[k]])),
        );
        expect(row.score_rejected).toEqual(
          Object.fromEntries(names.map((n, k) => [n, expectedAspects(lfRows[i]!.rejected.value)[k]])),
        );
      });
      const rel = await run(
        ['relabel', input, '-q', ...judgeArgs(server.url, dir, ['--rubric', 'ultrafeedback-aspects', '--no-cache'])],
        { env },
      );
      expect(rel.code, rel.stderr).toBe(0);
      const first = parseJsonl(rel.stdout)[0]!;
      const a = expectedAspects(lfRows[0]!.chosen.value);
      expect(first.prompt[0].content).toBe(
        `You are an assistant that generates responses for the instruction while implicitly achieving the ` +
          `following target scores (on a scale of 1-5, where 1 is lowest and 5 is ` +
          `highest):\nHelpfulness: ${a[0]}.\nHonesty: ${a[1]}.\nInstruction ` +
          `following: ${a[2]}.\nTruthfulness: ${a[3]}.`,
      );
      expect(first.goal_scores).toEqual(Object.fromEntries(names.map((n, k) => [n, a[k]])));
    },
  );

  it('mt-bench and prometheus rubrics', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(lfRows.slice(0, 2)));
    const mt = await run(['score', input, ...judgeArgs(server.url, dir, ['--rubric', 'mt-bench', '--no-cache'])], {
      env,
    });
    parseJsonl(mt.stdout).forEach((row, i) => {
      expect(row.score_chosen).toBe(expectedChatScore(lfRows[i]!.chosen.value));
    });
    const pr = await run(['score', input, ...judgeArgs(server.url, dir, ['--rubric', 'prometheus', '--no-cache'])], {
      env,
    });
    parseJsonl(pr.stdout).forEach((row, i) => {
      expect(row.score_chosen).toBe(expectedChatScore(lfRows[i]!.chosen.value, 5));
    });
  });
});

describe('progress', () => {
  it(
    'on a terminal: done/total, rate, cache hits, failures and tokens on one self-overwriting line; never ' +
      'otherwise',
    async () => {
      const server = await judgeServer();
      const dir = tempDir();
      const input = join(dir, 'in.jsonl');
      writeFileSync(
        input,
        `${lfRows
          .slice(0, 5)
          .map((r) => JSON.stringify(r))
          .join('\n')}\n`,
      );
      const tty = await run(['score', input, '-o', join(dir, 'o.jsonl'), ...judgeArgs(server.url, dir)], {
        env,
        stderrTTY: true,
      });
      expect(tty.stderr).toMatch(
        /\r\x1b\[Kradpo score: \d+\/5 rows, [\d.]+\/s( ETA \d+s)?, \d+ cached, 0 failed, \d+ tokens/,
      );
      const piped = await run(['score', input, '-o', join(dir, 'o2.jsonl'), ...judgeArgs(server.url, dir)], { env });
      expect(piped.stderr).not.toContain('\r');
      const relabel = await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '-o', join(dir, 'r.jsonl')], {
        stderrTTY: true,
      });
      expect(relabel.stderr).toMatch(/\r\x1b\[Kradpo relabel: [\d,]+ rows read/);
    },
  );
});

describe('radpo score with a reward model', () => {
  it('vLLM /pooling at the server root, messages with use_activation false, rewards mapped onto 1-10', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const input = join(dir, 'in.json');
    const rows = lfRows.slice(0, 20);
    writeFileSync(input, JSON.stringify(rows));
    const report = join(dir, 'rep.json');
    const r = await run(
      [
        'score',
        input,
        '--max-conflict-rate',
        '1', // the fake judge's scores follow a hash of the text, not the labels
        '--judge',
        'reward',
        '--judge-url',
        server.url,
        '--judge-model',
        'rm',
        '--cache',
        join(dir, 'c.sqlite'),
        '--report',
        report,
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests[0]!.path).toBe('/pooling');
    expect(server.requests[0]!.body).toMatchObject({ model: 'rm', use_activation: false });
    expect(server.requests[0]!.body.messages.at(-1).role).toBe('assistant');
    const raws = rows.flatMap((row) => [expectedReward(row.chosen.value), expectedReward(row.rejected.value)]);
    const min = Math.min(...raws);
    const max = Math.max(...raws);
    const map = (x: number) => Math.round(1 + ((x - min) / (max - min)) * 9);
    parseJsonl(readFileSync(join(dir, 'in.json'), 'utf8')).length; // input untouched
    const out = parseJsonl(r.stdout);
    out.forEach((row, i) => {
      expect(row.score_chosen).toBe(map(expectedReward(rows[i]!.chosen.value)));
      expect(row.score_rejected).toBe(map(expectedReward(rows[i]!.rejected.value)));
    });
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.judge.mapping).toMatchObject({ kind: 'minmax', scale: { min: 1, max: 10 }, fitted: { min, max } });
    // The second pass read every reward from the cache: one request per distinct response.
    expect(rep.judge.http_requests).toBe(server.requests.length);
    expect(server.requests.length).toBe(new Set(rows.flatMap((row) => [row.chosen.value, row.rejected.value])).size);
  });

  it('/classify and quantile levels', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(lfRows.slice(0, 20)));
    const r = await run(
      [
        'score',
        input,
        '--max-conflict-rate',
        '1', // the fake judge's scores follow a hash of the text, not the labels
        '--judge',
        'reward',
        '--reward-endpoint',
        'classify',
        '--map',
        'quantile',
        '--levels',
        '5',
        '--scale',
        '1-5',
        '--judge-url',
        server.url,
        '--judge-model',
        'rm',
        '--no-cache',
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests[0]!.path).toBe('/classify');
    const scores = parseJsonl(r.stdout).flatMap((row) => [row.score_chosen, row.score_rejected]);
    expect(new Set(scores)).toEqual(new Set([1, 2, 3, 4, 5]));
  });
});

describe('relabel --judge', () => {
  it('scores and relabels in one command; scored rows keep their line numbers', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(lfRows.slice(0, 10), null, 1));
    const r = await run(['relabel', input, '-q', ...judgeArgs(server.url, dir)], { env });
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout);
    expect(out).toHaveLength(20);
    expect(out[0]!.goal_score).toBe(expectedChatScore(lfRows[0]!.chosen.value));
    expect(out[1]!.goal_score).toBe(expectedChatScore(lfRows[0]!.rejected.value));
    expect(out[1]!.chosen[0].content).toBe(lfRows[0]!.rejected.value);
  });

  it('a reward model: rewards mapped (quantile) before relabeling, the mapping in the report', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify(lfRows.slice(0, 20)));
    const report = join(dir, 'rep.json');
    const r = await run(
      [
        'relabel',
        input,
        '-q',
        '--max-conflict-rate',
        '1', // the fake judge's scores follow a hash of the text, not the labels
        '--judge',
        'reward',
        '--judge-url',
        server.url,
        '--judge-model',
        'rm',
        '--map',
        'quantile',
        '--cache',
        join(dir, 'c.sqlite'),
        '--report',
        report,
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout);
    expect(out).toHaveLength(40);
    expect(new Set(out.map((row) => row.goal_score)).size).toBeGreaterThan(5);
    for (const row of out)
      expect(Number.isInteger(row.goal_score) && row.goal_score >= 1 && row.goal_score <= 10).toBe(true);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.judge.mapping).toMatchObject({ kind: 'quantile', levels: 10, scale: { min: 1, max: 10 } });
    expect(rep.judge.mapping.fitted.cuts).toHaveLength(9);
  });

  it('judges only rows without scores unless --rescore; prometheus puts the goal on 1-5', async () => {
    const server = await judgeServer();
    const dir = tempDir();
    const input = join(dir, 'in.json');
    const rows = lfRows.slice(0, 4).map((row, i) => (i < 2 ? { ...row, score_chosen: 5, score_rejected: 2 } : row));
    writeFileSync(input, JSON.stringify(rows));
    const r = await run(
      ['relabel', input, '-q', ...judgeArgs(server.url, dir, ['--rubric', 'prometheus', '--no-cache'])],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests).toHaveLength(4);
    const out = parseJsonl(r.stdout);
    expect(out[0]!.goal_score).toBe(5);
    expect(out[0]!.prompt[0].content).toContain('(on a scale of 1-5, where 1 is lowest and 5 is highest)');
    const re = await run(
      ['relabel', input, '-q', '--rescore', ...judgeArgs(server.url, dir, ['--rubric', 'prometheus', '--no-cache'])],
      { env },
    );
    expect(re.code).toBe(0);
    expect(server.requests).toHaveLength(12);
  });
});

describe('offline batch files', () => {
  it(
    '--emit-batch writes OpenAI Batch API lines; --from-batch reads OpenAI and vLLM result lines in any ' + 'order',
    async () => {
      const dir = tempDir();
      const input = join(dir, 'in.json');
      const rows = lfRows.slice(0, 5);
      writeFileSync(input, JSON.stringify(rows));
      const dead = 'http://127.0.0.1:9/v1'; // nothing listens: no request may be made
      const batch = join(dir, 'requests.jsonl');
      const emit = await run(['score', input, '--emit-batch', batch, ...judgeArgs(dead, dir)], { env });
      expect(emit.code, emit.stderr).toBe(0);
      const lines = parseJsonl(readFileSync(batch, 'utf8'));
      expect(lines).toHaveLength(10);
      expect(lines[0]).toMatchObject({
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'judge', temperature: 0 },
      });
      expect(lines[0]!.custom_id).toMatch(/^[0-9a-f]{64}$/);
      // Results as the two servers shape them, shuffled, one an error.
      const server = await judgeServer();
      const results: string[] = [];
      for (const [i, line] of lines.entries()) {
        const response = await fetch(`${server.url}/chat/completions`, {
          method: 'POST',
          body: JSON.stringify(line.body),
          headers: { 'content-type': 'application/json' },
        }).then((r) => r.json());
        if (i === 4)
          results.push(
            JSON.stringify({
              id: 'batch_req_4',
              custom_id: line.custom_id,
              response: null,
              error: { code: 'server_error', message: 'The model crashed' },
            }),
          );
        else if (i % 2 === 0)
          results.push(
            JSON.stringify({
              id: `batch_req_${i}`,
              custom_id: line.custom_id,
              response: { status_code: 200, request_id: `req_${i}`, body: response },
              error: null,
            }),
          );
        else
          results.push(
            JSON.stringify({
              id: `vllm-${i}`,
              custom_id: line.custom_id,
              response: { status_code: 200, request_id: `vllm-batch-${i}`, body: response },
              error: null,
            }),
          );
      }
      writeFileSync(join(dir, 'results.jsonl'), results.reverse().join('\n'));
      const r = await run(
        [
          'score',
          input,
          '--from-batch',
          join(dir, 'results.jsonl'),
          '-o',
          join(dir, 'out.jsonl'),
          '--on-error',
          'skip',
          '--rejects',
          join(dir, 'rej.jsonl'),
          ...judgeArgs(dead, dir, ['--max-retries', '0']),
        ],
        { env },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(parseJsonl(readFileSync(join(dir, 'out.jsonl'), 'utf8'))).toHaveLength(4);
      expect(parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'))[0]).toMatchObject({
        reason: 'judge_failed',
        message: expect.stringMatching(/The model crashed/),
      });
    },
  );
});

describe('interruption', () => {
  it('an aborted run leaves no output and a cache that opens again', async () => {
    const server = await judgeServer({ latencyMs: 50 });
    const dir = tempDir();
    const controller = new AbortController();
    // Abort once the judge has seen 20 requests (not after a fixed time: a loaded machine may not have started).
    const watch = setInterval(() => {
      if (server.requests.length >= 20) controller.abort();
    }, 5);
    const r = await run(['score', LF, '-o', join(dir, 'out.jsonl'), ...judgeArgs(server.url, dir)], {
      env,
      signal: controller.signal,
    }).finally(() => clearInterval(watch));
    expect(r.code).toBe(130);
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const done = server.requests.length;
    expect(done).toBeGreaterThanOrEqual(20);
    const again = await run(['score', LF, '-o', join(dir, 'out.jsonl'), ...judgeArgs(server.url, dir)], { env });
    expect(again.code).toBe(0);
    // The answers that arrived before the abort are cached: only the rest (and those in flight) are asked again.
    expect(server.requests.length - done).toBeLessThanOrEqual(600 - done + 16);
  });
});

describe('relabel --judge when the first row cannot be scored', () => {
  it('sets it aside as judge_unparseable (not "no scores found"), and goes on', async () => {
    // Two requests per row, each answered unreadably (with --parse-retries 0): the first row fails.
    const server = await judgeServer({ faults: ['unparseable', 'unparseable'] });
    const dir = tempDir();
    const input = join(dir, 'pairs.jsonl');
    const rows = ['Paris.', 'Rome.', 'Madrid.'].map((a, i) => ({
      prompt: `Capital ${i}?`,
      chosen: a,
      rejected: 'Lyon.',
    }));
    writeFileSync(input, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const args = ['relabel', input, '--judge', 'chat', '--judge-url', server.url, '--judge-model', 'judge'];
    args.push('--no-cache', '--parse-retries', '0', '--concurrency', '1');
    const skipped = await run([...args, '--on-error', 'skip', '--rejects', join(dir, 'rej.jsonl')], { env });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(parseJsonl(skipped.stdout)).toHaveLength(4);
    expect(parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'))).toMatchObject([
      { line: 1, reason: 'judge_unparseable' },
    ]);
    // Stopped on it: the message says what the rubric reads and ends with what the judge wrote (newcomer review:
    // "no readable score after 3 attempts" named neither; the answer was only in the rejects file).
    const again = await judgeServer({ faults: ['unparseable', 'unparseable'] });
    const stopped = await run(
      args.map((a) => (a === server.url ? again.url : a)),
      { env },
    );
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(
      /expected an answer that ends as \/Overall Score:.*\/ reads, with a score from 1 to 10/,
    );
    expect(stopped.stderr).toContain('found "I cannot decide on a score for this one."');
  });
});
