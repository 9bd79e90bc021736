/**
 * Every judge server the README names, faked on 127.0.0.1 after its own code (test/judge-server.ts cites
 * the files): radpo identifies it, shapes its requests for it, and gets the right scores, or refuses
 * with the documented message. Plus the field failures: one over-long row, the wrong kind of reward
 * model, an unreachable server, an unknown model, batch files with errors and gaps.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA, parseJsonl, run, tempDir } from '../helpers.js';
import { expectedChatScore, expectedReward, fakeServers, lfDemoRows } from '../judge-server.js';

const lfRows = lfDemoRows();
const server = fakeServers();

function rows(n: number): string {
  const dir = tempDir();
  const input = join(dir, 'in.json');
  writeFileSync(input, JSON.stringify(lfRows.slice(0, n)));
  return input;
}

/** A tiny reward-model chat template (what --judge-chat-template takes). */
function template(): string {
  const path = join(tempDir(), 'rm.jinja');
  writeFileSync(path, '{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}\n{% endfor %}');
  return path;
}

const chat = (url: string, extra: string[] = []) => [
  '--judge',
  'chat',
  '--judge-url',
  url,
  '--judge-model',
  'judge',
  '--no-cache',
  '--timeout',
  '2',
  '-q',
  ...extra,
];
// The fake reward model's rewards follow a hash of the text, not the labels: the conflict stop is not tested here.
const reward = (url: string, extra: string[] = []) => [
  '--max-conflict-rate',
  '1',
  '--judge',
  'reward',
  '--judge-url',
  url,
  '--judge-model',
  'rm',
  '--no-cache',
  '--map',
  'identity',
  '--scale',
  '-10-10',
  '--precision',
  '2',
  '--timeout',
  '2',
  '-q',
  ...extra,
];

describe('chat judges on every server', () => {
  it.each([['vllm'], ['sglang'], ['ollama'], ['llamacpp'], ['tgi']] as const)(
    '%s: identified, scored right',
    async (kind) => {
      const s = await server({
        kind,
        models: kind === 'tgi' || kind === 'llamacpp' || kind === 'sglang' ? ['the-served-model'] : undefined,
      });
      const r = await run([
        'score',
        rows(3),
        ...chat(s.url),
        '--report',
        join(tempDir(), 'r.json'),
        '--log-level',
        'info',
      ]);
      expect(r.code, r.stderr).toBe(0);
      parseJsonl(r.stdout).forEach((row, i) => {
        expect(row.score_chosen).toBe(expectedChatScore(lfRows[i]!.chosen.value));
      });
      expect(s.gets).toContain('/v1/models');
      if (kind === 'tgi' || kind === 'llamacpp' || kind === 'sglang')
        expect(r.stderr).toMatch(
          new RegExp(
            `warning: the ${kind} server serves one model, the-served-model, whatever --judge-model says \\(judge\\)`,
          ),
        );
      // TGI: no top_p (it refuses 1.0 with 422), temperature 0 is greedy there.
      if (kind === 'tgi') expect(s.requests[0]!.body).not.toHaveProperty('top_p');
      else expect(s.requests[0]!.body).toMatchObject({ top_p: 1 });
    },
  );

  it('the report and the log name the server and its version', async () => {
    const s = await server({ kind: 'vllm', version: '0.11.2' });
    const dir = tempDir();
    const r = await run(['score', rows(1), ...chat(s.url), '--report', join(dir, 'r.json'), '--log-level', 'info']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/judge server: vllm 0\.11\.2/);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).judge.server).toEqual({
      kind: 'vllm',
      version: '0.11.2',
    });
  });

  it('TGI: --structured sends its {"type": "json", "value": schema} grammar', async () => {
    const s = await server({ kind: 'tgi', models: ['judge'] });
    const r = await run(['score', rows(2), ...chat(s.url, ['--structured'])]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.requests[0]!.body.response_format).toMatchObject({
      type: 'json',
      value: { properties: { score: { minimum: 1, maximum: 10 } } },
    });
    parseJsonl(r.stdout).forEach((row, i) => {
      expect(row.score_chosen).toBe(expectedChatScore(lfRows[i]!.chosen.value));
    });
  });

  it('vLLM: --structured sends the OpenAI json_schema response_format', async () => {
    const s = await server({ kind: 'vllm' });
    const r = await run(['score', rows(2), ...chat(s.url, ['--structured'])]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.requests[0]!.body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'verdict', strict: true },
    });
  });

  it.each([
    ['tgi', 5],
    ['vllm', 20],
  ] as const)('%s: --logprobs asks for at most %i top tokens and reads the weighted score', async (kind, top) => {
    const s = await server({ kind, models: ['judge'] });
    const r = await run(['score', rows(3), ...chat(s.url, ['--logprobs', '--rubric', 'prometheus'])]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.requests[0]!.body).toMatchObject({ logprobs: true, top_logprobs: top });
    const expected = (x: number) => Number((x === 5 ? 5 : (0.7 * x + 0.2 * (x + 1)) / 0.9).toFixed(2));
    parseJsonl(r.stdout).forEach((row, i) => {
      expect(row.score_chosen).toBe(expected(expectedChatScore(lfRows[i]!.chosen.value, 5)));
    });
  });

  it('--logprobs with a 1-10 rubric is refused (exit 2): "10" takes two tokens', async () => {
    const r = await run(['score', rows(1), ...chat('http://127.0.0.1:9/v1', ['--logprobs'])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--logprobs reads the score from the first.* --rubric ultrafeedback scores up to 10, which takes two tokens/,
    );
    expect(r.stderr).toMatch(/prometheus/);
  });

  it('openai (named): the plain OpenAI-compatible shape', async () => {
    const s = await server({ kind: 'openai' });
    const r = await run(['score', rows(2), ...chat(s.url, ['--judge-server', 'openai'])]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.gets).toEqual(['/v1/models']);
    expect(s.requests[0]!.body).toMatchObject({ model: 'judge', temperature: 0, top_p: 1, seed: 0 });
  });
});

describe('reward models', () => {
  const expectRewards = (stdout: string) =>
    parseJsonl(stdout).forEach((row, i) => {
      expect(row.score_chosen).toBe(Number(expectedReward(lfRows[i]!.chosen.value).toFixed(2)));
      expect(row.score_rejected).toBe(Number(expectedReward(lfRows[i]!.rejected.value).toFixed(2)));
    });

  it.each([['sequence'], ['token']] as const)(
    'vLLM /pooling, a %s reward model: one reward per conversation',
    async (pooling) => {
      const s = await server({ kind: 'vllm', pooling });
      const r = await run(['score', rows(3), ...reward(s.url)]);
      expect(r.code, r.stderr).toBe(0);
      expectRewards(r.stdout);
      expect(s.requests[0]).toMatchObject({ path: '/pooling', body: { model: 'rm', use_activation: false } });
    },
  );

  it('tools reach a reward model: a template variable of the server (vLLM), or in the text radpo renders', async () => {
    const toolRows = join(DATA, 'foreign', 'medicalgpt_toolcall_dpo_zh_demo.jsonl');
    const vllm = await server({ kind: 'vllm' });
    const r = await run(['score', toolRows, ...reward(vllm.url)]);
    expect(r.code, r.stderr).toBe(0);
    const withTools = vllm.requests.filter((q) => q.body?.chat_template_kwargs?.tools);
    expect(withTools.length).toBe(vllm.requests.length);
    expect(Array.isArray(withTools[0]!.body.chat_template_kwargs.tools)).toBe(true);
    expect(withTools[0]!.body.chat_template_kwargs.tools[0]).toHaveProperty('name');
    // The assistant's function calls go as OpenAI tool_calls, which chat templates render.
    expect(vllm.requests.some((q) => q.body.messages.some((m: { tool_calls?: unknown }) => m.tool_calls))).toBe(true);
    const sglang = await server({ kind: 'sglang' });
    const rendered = join(tempDir(), 'rm-tools.jinja');
    writeFileSync(
      rendered,
      '{% if tools %}<|tools|>\n{{ tools | tojson }}\n{% endif %}' +
        '{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}\n{% endfor %}',
    );
    const r2 = await run(['score', toolRows, ...reward(sglang.url, ['--judge-chat-template', rendered])]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(
      sglang.requests.map((q) => String(q.body.text)).filter((text) => !text.startsWith('<|tools|>\n[')),
      'prompts not starting with the tools',
    ).toEqual([]);
  });

  it('vLLM /classify with one label', async () => {
    const s = await server({ kind: 'vllm' });
    const r = await run(['score', rows(3), ...reward(s.url, ['--reward-endpoint', 'classify'])]);
    expect(r.code, r.stderr).toBe(0);
    expectRewards(r.stdout);
    expect(s.requests[0]!.path).toBe('/classify');
  });

  it('vLLM 0.10: the activation is switched off with its older fields', async () => {
    const s = await server({ kind: 'vllm', version: '0.10.1' });
    const r = await run(['score', rows(2), ...reward(s.url)]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.requests[0]!.body).toMatchObject({ activation: false, softmax: false });
    expect(s.requests[0]!.body).not.toHaveProperty('use_activation');
    // Its /classify takes rendered text as input: without the reward model's template, refused.
    const r2 = await run(['score', rows(1), ...reward(s.url, ['--reward-endpoint', 'classify'])]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(
      /the vllm 0\.10\.1 reward route takes rendered text, not messages: --judge-chat-template FILE is required/,
    );
  });

  it('SGLang: root /classify with the text rendered by --judge-chat-template, reward from "embedding"', async () => {
    const s = await server({ kind: 'sglang', models: ['rm'] });
    const refused = await run(['score', rows(1), ...reward(s.url)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /the sglang reward route takes rendered text, not messages: --judge-chat-template FILE is required/,
    );
    const r = await run(['score', rows(3), ...reward(s.url, ['--judge-chat-template', template()])]);
    expect(r.code, r.stderr).toBe(0);
    expectRewards(r.stdout);
    const sent = s.requests.find((q) => q.path === '/classify')!;
    expect(sent.body.text).toMatch(/^<\|user\|>\n[\s\S]*<\|assistant\|>\n/);
    expect(sent.body).not.toHaveProperty('messages');
  });

  it.each([['tgi'], ['ollama'], ['llamacpp']] as const)(
    '%s serves no reward model: refused before any request',
    async (kind) => {
      const s = await server({ kind, models: ['rm'] });
      const r = await run(['score', rows(1), ...reward(s.url)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--judge reward needs a vLLM or SGLang server; this is ${kind}`));
      expect(s.requests).toHaveLength(0);
    },
  );

  it.each([
    ['embedding', /the reward route answered 8 values for one sequence: an embedding model \(task embed\)\?/],
    ['process', /the reward route answered 2 labels per step over 3 steps for one sequence: a process reward model/],
  ] as const)(
    'an %s model behind /pooling stops the run before any output, naming the shape',
    async (pooling, message) => {
      const s = await server({ kind: 'vllm', pooling });
      const dir = tempDir();
      const out = join(dir, 'out.jsonl');
      const r = await run(['score', rows(3), ...reward(s.url), '-o', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    },
  );
});

describe('failures in the field', () => {
  it(
    'one row longer than the context among 300: 299 scored, that one set aside with the server message, ' + 'exit 0',
    async () => {
      const s = await server({ kind: 'vllm', maxContextChars: 40_000 });
      const dir = tempDir();
      const input = join(dir, 'in.jsonl');
      const data = lfRows
        .slice(0, 300)
        .map((row, i) => (i === 123 ? { ...row, chosen: { ...row.chosen, value: 'x'.repeat(50_000) } } : row));
      writeFileSync(input, `${data.map((row) => JSON.stringify(row)).join('\n')}\n`);
      const out = join(dir, 'out.jsonl');
      const rejects = join(dir, 'rej.jsonl');
      const r = await run(['score', input, ...chat(s.url), '-o', out, '--on-error', 'skip', '--rejects', rejects]);
      expect(r.code, r.stderr).toBe(0);
      expect(parseJsonl(readFileSync(out, 'utf8'))).toHaveLength(299);
      const [rejected] = parseJsonl(readFileSync(rejects, 'utf8'));
      expect(rejected).toMatchObject({ line: 124, reason: 'judge_rejected' });
      expect(rejected!.message).toMatch(
        /the judge refused the request with HTTP 400: This model's maximum context length is 40000 tokens/,
      );
    },
  );

  it('the same refusal on the first rows is a configuration error: the run stops', async () => {
    const s = await server({ kind: 'vllm', faults: ['400', '400', '400', '400', '400', '400'] });
    const r = await run([
      'score',
      rows(6),
      ...chat(s.url, ['--concurrency', '1']),
      '--on-error',
      'skip',
      '--rejects',
      join(tempDir(), 'rej.jsonl'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the judge refused each of the first 3 requests.* that is a configuration error, not a problem of single rows/,
    );
  });

  it('an unreachable judge fails at once, naming the URL', async () => {
    const r = await run(['score', rows(1), ...chat('http://127.0.0.1:9/v1')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach the judge at http:\/\/127\.0\.0\.1:9\/v1: ECONNREFUSED/);
    expect(r.stderr).toMatch(/hint: start the server, or check --judge-url/);
  }, 10_000);

  it('a model the server does not serve: exit 1 listing what it serves', async () => {
    const s = await server({ kind: 'vllm', models: ['Qwen/Qwen2.5-7B-Instruct', 'meta-llama/Llama-3.1-8B-Instruct'] });
    const r = await run(['score', rows(1), ...chat(s.url)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /does not serve --judge-model judge; it serves: Qwen\/Qwen2\.5-7B-Instruct, meta-llama\/Llama-3\.1-8B-Instruct/,
    );
    expect(s.requests).toHaveLength(0);
  });

  it('a gateway without GET /models: a warning, and --no-preflight skips the check', async () => {
    const s = await server({ kind: 'openai', models: null });
    const r = await run(['score', rows(1), ...chat(s.url), '--log-level', 'info']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/lists no models, so --judge-model judge is not checked/);
    const before = s.gets.length;
    expect((await run(['score', rows(1), ...chat(s.url, ['--no-preflight'])])).code).toBe(0);
    expect(s.gets.length).toBe(before);
  });
});

describe('batch files', () => {
  it(
    '--from-batch with an output file and an error file: error texts in the rejects, judge_missing for the ' +
      'rest, no live request',
    async () => {
      const s = await server({ kind: 'vllm' });
      const dir = tempDir();
      const input = rows(4);
      const requests = join(dir, 'requests.jsonl');
      const emitted = await run(['score', input, ...chat(s.url), '--emit-batch', requests]);
      expect(emitted.code, emitted.stderr).toBe(0);
      const lines = parseJsonl(readFileSync(requests, 'utf8'));
      expect(lines).toHaveLength(8);
      const answer = (line: (typeof lines)[number]) => {
        const user = line.body.messages.at(-1).content as string;
        const score = expectedChatScore(/### Answer\n([\s\S]*?)\n---\n\nPlease act/.exec(user)![1]!);
        return {
          id: `batch_req_${line.custom_id.slice(0, 8)}`,
          custom_id: line.custom_id,
          response: {
            status_code: 200,
            request_id: 'req',
            body: {
              id: 'chatcmpl-1',
              object: 'chat.completion',
              choices: [
                { index: 0, message: { role: 'assistant', content: `Overall Score: ${score}` }, finish_reason: 'stop' },
              ],
              usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
            },
          },
          error: null,
        };
      };
      // Rows 1-2 answered; row 3's chosen failed (in the error file, as OpenAI writes it); row 4 absent.
      writeFileSync(
        join(dir, 'output.jsonl'),
        `${lines
          .slice(0, 4)
          .map((l) => JSON.stringify(answer(l)))
          .join('\n')}\n`,
      );
      const failed = {
        id: 'batch_req_x',
        custom_id: lines[4]!.custom_id,
        response: {
          status_code: 400,
          request_id: 'req',
          body: {
            error: {
              message: "This model's maximum context length is 8192 tokens.",
              type: 'invalid_request_error',
              param: 'messages',
              code: 'context_length_exceeded',
            },
          },
        },
        error: null,
      };
      writeFileSync(join(dir, 'errors.jsonl'), `${JSON.stringify(failed)}\n`);
      const before = s.requests.length;
      const out = join(dir, 'out.jsonl');
      const rejects = join(dir, 'rej.jsonl');
      const r = await run([
        'score',
        input,
        ...chat(s.url),
        '--from-batch',
        join(dir, 'output.jsonl'),
        '--from-batch',
        join(dir, 'errors.jsonl'),
        '-o',
        out,
        '--on-error',
        'skip',
        '--rejects',
        rejects,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(s.requests.length).toBe(before);
      expect(parseJsonl(readFileSync(out, 'utf8'))).toHaveLength(2);
      const rej = parseJsonl(readFileSync(rejects, 'utf8'));
      expect(rej.map((x) => x.reason)).toEqual(['judge_failed', 'judge_missing']);
      expect(rej[0]!.message).toMatch(
        /the batch result for this request was an.* HTTP 400: This model's maximum context length is 8192 tokens\./,
      );
      expect(rej[1]!.message).toMatch(/not answered in the --from-batch files \(--live-fallback asks the judge/);
      // --live-fallback asks the judge for what the files do not answer.
      const live = await run([
        'score',
        input,
        ...chat(s.url),
        '--from-batch',
        join(dir, 'output.jsonl'),
        '--live-fallback',
        '-o',
        join(dir, 'live.jsonl'),
      ]);
      expect(live.code, live.stderr).toBe(0);
      expect(s.requests.length).toBe(before + 4);
      expect(parseJsonl(readFileSync(join(dir, 'live.jsonl'), 'utf8'))).toHaveLength(4);
    },
  );
});
