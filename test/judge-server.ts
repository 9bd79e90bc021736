/**
 * A fake judge server for tests, on 127.0.0.1, speaking the wire protocols byte for byte: OpenAI-style
 * Chat Completions (with usage, logprobs, finish_reason) and vLLM's /pooling and /classify, with the
 * error bodies real servers send. Faults are injected per request, in arrival order or by content.
 * Its verdicts are a deterministic function of the response text, so a test knows the right score.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach } from 'vitest';
import { DATA } from './helpers.js';

type Fault =
  | '429'
  | '500'
  | '503'
  | '408'
  | 'hang'
  | 'truncate'
  | 'malformed'
  | 'unparseable'
  | 'out_of_range'
  | '401'
  | '400'
  | 'no_logprobs'
  | 'length';

/**
 * GET routes: the models list (OpenAI convention) and each server's identity route, with the bodies the
 * real servers send (see src/judge/servers.ts for the source files).
 */
function getRoute(path: string, options: FakeJudgeOptions): { status: number; body: unknown } | null {
  const kind = options.kind ?? 'vllm';
  const models = options.models === undefined ? ['judge', 'rm', 'm'] : options.models;
  if (path === '/v1/models' && models !== null) {
    // vLLM/SGLang/Ollama/llama.cpp: {"object": "list", "data": [{"id", "object": "model", …}]}; TGI lists its one
    // model_id.
    return {
      status: 200,
      body: { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: kind })) },
    };
  }
  const version = options.version;
  if (kind === 'vllm' && path === '/version') return { status: 200, body: { version: version ?? '0.11.2' } };
  if (kind === 'sglang' && path === '/get_model_info')
    return {
      status: 200,
      body: {
        model_path: models?.[0] ?? 'rm',
        tokenizer_path: models?.[0] ?? 'rm',
        is_generation: false,
        preferred_sampling_params: null,
        weight_version: 'default',
      },
    };
  if (kind === 'tgi' && path === '/info')
    return {
      status: 200,
      body: {
        model_id: models?.[0] ?? 'judge',
        model_sha: null,
        model_pipeline_tag: 'text-generation',
        max_concurrent_requests: 128,
        max_best_of: 2,
        max_stop_sequences: 4,
        max_input_tokens: 4095,
        max_total_tokens: 4096,
        validation_workers: 2,
        max_client_batch_size: 4,
        router: 'text-generation-router',
        version: version ?? '3.3.6',
        sha: null,
        docker_label: null,
      },
    };
  if (kind === 'ollama' && path === '/api/version') return { status: 200, body: { version: version ?? '0.12.3' } };
  if (kind === 'llamacpp' && path === '/props')
    return {
      status: 200,
      body: {
        default_generation_settings: { n_ctx: 4096 },
        total_slots: 1,
        model_path: 'judge.gguf',
        build_info: version ?? 'b6500',
      },
    };
  return null;
}

/**
 * What the real server refuses in a chat request, as it refuses it (status and body). Null: accepted.
 * TGI: router/src/validation.rs (top_p, top_n_tokens) and GrammarType's {"type", "value"} shape, 422
 * with {"error", "error_type"}. vLLM: a prompt over the context is a 400 BadRequestError.
 */
function refuseChat(body: Record<string, any>, options: FakeJudgeOptions): { status: number; body: unknown } | null {
  const kind = options.kind ?? 'vllm';
  if (kind === 'tgi') {
    if (body.top_p !== undefined && !(body.top_p > 0 && body.top_p < 1))
      return {
        status: 422,
        body: { error: 'Input validation error: `top_p` must be > 0.0 and < 1.0', error_type: 'validation' },
      };
    const max = options.maxTopNTokens ?? 5;
    if (body.top_logprobs !== undefined && body.top_logprobs > max)
      return {
        status: 422,
        body: {
          error: `Input validation error: \`top_n_tokens\` must be >= 0 and <= ${max}. Given: ${body.top_logprobs}`,
          error_type: 'validation',
        },
      };
    const rf = body.response_format;
    if (rf && !(typeof rf.type === 'string' && 'value' in rf))
      return {
        status: 422,
        body: {
          error: 'Failed to deserialize the JSON body into the target type: response_format: missing field `value`',
          error_type: 'validation',
        },
      };
  }
  if (options.maxContextChars !== undefined) {
    const length = JSON.stringify(body.messages ?? body.text ?? '').length;
    if (length > options.maxContextChars) {
      return {
        status: 400,
        body: {
          error: {
            message:
              `This model's maximum context length ` +
              `is ${options.maxContextChars} tokens. However, your request has ${length} input ` +
              `tokens. Please reduce the length of the input messages. (parameter=input_tokens, value=${length})`,
            type: 'BadRequestError',
            param: 'input_tokens',
            code: 400,
          },
        },
      };
    }
  }
  return null;
}

/** The reward routes: vLLM /pooling and /classify (root), SGLang /classify (root, text in, embedding out). */
function rewardAnswer(
  path: string,
  body: Record<string, any>,
  options: FakeJudgeOptions,
): { status: number; body: unknown } {
  const kind = options.kind ?? 'vllm';
  if (kind === 'sglang') {
    if (path !== '/classify') return { status: 404, body: { detail: 'Not Found' } };
    // EmbeddingReqInput: text or input_ids; messages are not read (http_server.py).
    if (typeof body.text !== 'string' && !Array.isArray(body.text))
      return {
        status: 400,
        body: {
          object: 'error',
          message: 'At least one of text, input_ids, or image should be provided',
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      };
    const texts: string[] = Array.isArray(body.text) ? body.text : [body.text];
    const items = texts.map((t, index) => ({
      embedding: [expectedReward(lastTurn(t))],
      index,
      meta_info: { id: `${index}`, prompt_tokens: 10 },
    }));
    return { status: 200, body: Array.isArray(body.text) ? items : items[0] };
  }
  if (kind !== 'vllm') return { status: 404, body: { detail: 'Not Found' } };
  const response = String(body.messages?.[body.messages.length - 1]?.content ?? lastTurn(String(body.input ?? '')));
  // An answer that states its quality (radpo eval's fake policies) gets a reward that follows it.
  const stated = statedQuality(response, 10);
  const reward = options.rewards?.[response] ?? (stated === null ? expectedReward(response) : stated - 5.5);
  if (path === '/classify') {
    return {
      status: 200,
      body: {
        id: 'classify-1',
        object: 'list',
        created: 1767225600,
        model: body.model,
        data: [{ index: 0, label: 'LABEL_0', probs: [reward], num_classes: 1 }],
        usage: { prompt_tokens: 10, total_tokens: 10, completion_tokens: 0 },
      },
    };
  }
  // PoolingResponseData.data: list[list[float]] | list[float] | str.
  const data = {
    sequence: [reward],
    token: [[0.1], [0.5], [reward]],
    embedding: [0.12, -0.148, -0.009, 0.33, 0.2, -0.1, 0.05, 0.9],
    process: [
      [0.3, 0.7],
      [0.6, 0.4],
      [0.2, 0.8],
    ],
  }[options.pooling ?? 'sequence'];
  return {
    status: 200,
    body: {
      id: 'pool-1',
      object: 'list',
      created: 1767225600,
      model: body.model,
      data: [{ index: 0, object: 'pooling', data }],
      usage: { prompt_tokens: 10, total_tokens: 10, completion_tokens: 0 },
    },
  };
}

/** The last turn of a conversation rendered by the test templates ("<|role|>\ncontent\n"). */
function lastTurn(rendered: string): string {
  const parts = rendered.split(/<\|(?:user|assistant|system)\|>\n/);
  return (parts[parts.length - 1] ?? rendered).replace(/\n$/, '');
}

interface Recorded {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, any>;
}

/** Which real server the fake behaves like (identity route, validation, error bodies, reward route). */
type FakeServerKind = 'vllm' | 'sglang' | 'tgi' | 'ollama' | 'llamacpp' | 'openai';

export interface FakeJudgeOptions {
  latencyMs?: number;
  /** Default vllm 0.11.2. */
  kind?: FakeServerKind;
  version?: string;
  /** What GET /v1/models lists (default: judge, rm, m); null: the route is missing (a gateway that hides it). */
  models?: string[] | null;
  /** What /pooling answers per sequence (default: one reward). */
  pooling?: 'sequence' | 'token' | 'embedding' | 'process';
  /** TGI's --max-top-n-tokens (default 5). */
  maxTopNTokens?: number;
  /** vLLM: the context length; a longer prompt is refused with vLLM's 400 (default: no limit). */
  maxContextChars?: number;
  /**
   * A policy (radpo generate): chat answers are samples, `n` choices, a function of prompt, seed and index.
   * 'follows-goal': each answer's quality follows the goal score in the system message (radpo eval);
   * 'ignores-goal': its quality is a draw that owes nothing to the goal.
   */
  policy?: boolean | 'follows-goal' | 'ignores-goal';
  /** Applied to the next requests, one each, in arrival order. */
  faults?: Fault[];
  /** Applied to every request whose judged response contains the marker. */
  faultsByContent?: Array<{ marker: string; fault: Fault }>;
  /** Answer with logprobs when the request asks for them (default true). */
  logprobs?: boolean;
  apiKeyEcho?: string;
  /** A policy whose answers start by quoting the request's Authorization header (a server that echoes the key). */
  echoKeyInAnswers?: boolean;
  /** Rewards for exact responses, instead of expectedReward (vLLM). */
  rewards?: Record<string, number>;
}

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** The score the fake chat judge gives a response (1-10, or 1-5 for prometheus-style prompts). */
export function expectedChatScore(response: string, max = 10): number {
  return 1 + (fnv(response) % max);
}

/** The four aspect scores (1-5) the fake judge gives for the ultrafeedback-aspects rubric. */
export function expectedAspects(response: string): number[] {
  const h = fnv(response);
  return [0, 3, 6, 9].map((shift) => 1 + ((h >>> shift) % 5));
}

/** The fake policy's k-th sample for a prompt (the request's messages as JSON) and seed. */
export function expectedSample(prompt: string, seed: number, index: number): string {
  return (
    `Sample ${fnv(`${prompt}|${seed}|${index}`) % 997}` +
    ` of a policy: ${'well '.repeat(1 + (fnv(`${prompt}|${index}`) % 4))}answered.`
  );
}

/**
 * A goal-conditioned policy's answer: its quality (1-10) follows the paper's goal in the system message, give
 * or take one, and is 6 without a goal ('follows-goal'); or is a draw from the prompt without its system
 * message, the seed and the index ('ignores-goal'). The answer states its quality as `[quality N]`, which
 * the fake judge reads.
 */
function goalAnswer(
  messages: Array<{ role: string; content: unknown }>,
  seed: number,
  index: number,
  mode: 'follows-goal' | 'ignores-goal',
): string {
  const system = messages[0]?.role === 'system' ? String(messages[0].content) : '';
  // A policy that ignores the goal never reads the system message: the same answers whatever the goal.
  const prompt = JSON.stringify(mode === 'ignores-goal' && system ? messages.slice(1) : messages);
  const draw = fnv(`${prompt}|${seed}|${index}`);
  const goal = /Overall score: (-?\d+(?:\.\d+)?)\./.exec(system);
  const quality =
    mode === 'follows-goal'
      ? Math.min(10, Math.max(1, Math.round((goal ? Number(goal[1]) : 6) + (draw % 3) - 1)))
      : 1 + (draw % 10);
  return `Answer ${fnv(`${prompt}|${index}`) % 997}: ${'good '.repeat(quality)}[quality ${quality}]`;
}

/** The score a fake chat judge gives an answer that states its quality (`[quality N]`), within the rubric's max. */
function statedQuality(response: string, max: number): number | null {
  const match = /\[quality (\d+)\]$/.exec(response);
  return match ? Math.min(max, Math.max(1, Number(match[1]))) : null;
}

/** The raw reward the fake reward model gives a conversation's last message (-10..10). */
export function expectedReward(response: string): number {
  return (fnv(response) % 2001) / 100 - 10;
}

/** Pull the judged response back out of the judge prompt (all built-in rubrics delimit it). */
function judgedResponse(userContent: string): string {
  const patterns = [
    /### Answer\n([\s\S]*?)\n---\n\nPlease act/,
    /### Answer\n([\s\S]*?)\n\nWrite a short rationale/,
    /\[The Start of Assistant's Answer\]\n([\s\S]*?)\n\[The End of Assistant's Answer\]/,
    /###Response to evaluate:\n([\s\S]*?)\n\n###Score Rubrics:/,
  ];
  for (const p of patterns) {
    const m = p.exec(userContent);
    if (m) return m[1]!;
  }
  return userContent;
}

export interface FakeJudge {
  url: string;
  requests: Recorded[];
  gets: string[];
  close(): Promise<void>;
  options: FakeJudgeOptions;
}

export async function startFakeJudge(options: FakeJudgeOptions = {}): Promise<FakeJudge> {
  const requests: Recorded[] = [];
  /** GET requests (the pre-flight and identity probes), apart from the judge requests. */
  const gets: string[] = [];
  const sockets = new Set<Socket>();
  const faults = [...(options.faults ?? [])];
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      gets.push(req.url ?? '');
      const route = getRoute(req.url ?? '', options);
      req.resume();
      if (route) return json(res, route.status, route.body);
      return json(res, 404, { detail: 'Not Found' });
    }
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      let body: Record<string, any> = {};
      try {
        body = JSON.parse(data);
      } catch {
        /* recorded as empty */
      }
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      const respond = () => {
        const isChat = req.url?.endsWith('/chat/completions');
        const user = isChat ? String(body.messages?.[body.messages.length - 1]?.content ?? '') : '';
        const response = isChat
          ? judgedResponse(user)
          : String(body.messages?.[body.messages.length - 1]?.content ?? '');
        let fault = faults.shift();
        const byContent = options.faultsByContent?.find((f) => response.includes(f.marker));
        if (byContent) fault = byContent.fault;
        switch (fault) {
          case '429':
            return json(
              res,
              429,
              {
                error: {
                  message: 'Rate limit reached for requests',
                  type: 'requests',
                  param: null,
                  code: 'rate_limit_exceeded',
                },
              },
              { 'retry-after-ms': '20' },
            );
          case '500':
            return json(res, 500, {
              object: 'error',
              message: 'The engine hit an internal error',
              type: 'InternalServerError',
              param: null,
              code: 500,
            });
          case '503':
            return json(
              res,
              503,
              { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } },
              { 'retry-after': '0' },
            );
          case '408':
            return json(res, 408, { error: { message: 'Request timeout', type: 'timeout', code: 408 } });
          case '401':
            return json(res, 401, {
              error: {
                message:
                  `Incorrect API key provided: ${options.apiKeyEcho ?? 'sk-***'}. You can find your ` +
                  `API key at https://example.invalid.`,
                type: 'invalid_request_error',
                param: null,
                code: 'invalid_api_key',
              },
            });
          case '400':
            return json(res, 400, {
              error: {
                message: "'messages' must contain at least one message",
                type: 'invalid_request_error',
                param: 'messages',
                code: null,
              },
            });
          case 'hang':
            return; // never answers; the client's timeout must fire
          case 'truncate': {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4000' });
            res.write(
              '{"id":"chatcmpl-1","object":"chat.completion",' +
                '"choices":[{"index":0,"message":{"role":"assistant","content":"Overall',
            );
            setTimeout(() => res.socket?.destroy(), 5);
            return;
          }
          case 'malformed':
            res.writeHead(200, { 'content-type': 'application/json' });
            return res.end('{"id": "chatcmpl-1", "choices": [');
          default:
            break;
        }
        const refusal = refuseChat(body, options);
        if (refusal) return json(res, refusal.status, refusal.body);
        if (!isChat) {
          const answer = rewardAnswer(req.url ?? '', body, options);
          return json(res, answer.status, answer.body);
        }
        if (options.policy) {
          const n = Number(body.n ?? 1);
          const prompt = JSON.stringify(body.messages);
          const echo = options.echoKeyInAnswers ? `You sent ${req.headers.authorization}. ` : '';
          const choices = Array.from({ length: n }, (_, index) => ({
            index,
            message: {
              role: 'assistant',
              content:
                echo +
                (options.policy === true
                  ? expectedSample(prompt, Number(body.seed ?? 0), index)
                  : goalAnswer(body.messages, Number(body.seed ?? 0), index, options.policy as 'follows-goal')),
            },
            finish_reason: 'stop',
            logprobs: null,
          }));
          return json(res, 200, {
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 1767225600,
            model: body.model,
            choices,
            usage: { prompt_tokens: 10, completion_tokens: 10 * n, total_tokens: 10 + 10 * n },
          });
        }
        const max = /between 1 and 5|from 1 to 5/.test(user) ? 5 : 10;
        const score = statedQuality(response, max) ?? expectedChatScore(response, max);
        let content: string;
        if (body.logprobs) content = String(score);
        else if (body.response_format) content = `\`\`\`json\n${JSON.stringify({ feedback: 'Fine.', score })}\n\`\`\``;
        else if (/Instruction following: \[1-5\]/.test(user)) {
          const [a, b, c, d] = expectedAspects(response);
          const lines = ['Rationale: solid.', `Helpfulness: ${a}`, `Honesty: ${b}`];
          content = [...lines, `Instruction following: ${c}`, `Truthfulness: ${d}`].join('\n');
        } else if (/\[RESULT\]/.test(user)) content = `The response is adequate. [RESULT] ${score}`;
        else if (/\[\[rating\]\]/.test(user)) content = `The answer is fine. Rating: [[${score}]]`;
        else
          content =
            `### Feedback\nThe answer is reasonable; cite sources. Overall Score: [1-10] is the ` +
            `format.\nOverall Score: ${score}`;
        if (fault === 'unparseable') content = 'I cannot decide on a score for this one.';
        if (fault === 'out_of_range')
          content = content.replace(/\d+(\]\])?$/, (m) => m.replace(/\d+/, '11')).replace(/"score":\d+/, '"score":11');
        const logprobs =
          body.logprobs && options.logprobs !== false && fault !== 'no_logprobs'
            ? {
                content: [
                  {
                    token: String(score),
                    logprob: Math.log(0.7),
                    bytes: [],
                    top_logprobs: [
                      { token: String(score), logprob: Math.log(0.7) },
                      { token: String(Math.min(max, score + 1)), logprob: Math.log(0.2) },
                      { token: 'The', logprob: Math.log(0.1) },
                    ],
                  },
                ],
              }
            : null;
        return json(res, 200, {
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1767225600,
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content, refusal: null },
              logprobs,
              finish_reason: fault === 'length' ? 'length' : 'stop',
            },
          ],
          usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
        });
      };
      if (options.latencyMs) setTimeout(respond, options.latencyMs);
      else respond();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    gets,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Fake servers for one test file: each test starts what it needs; all are closed after each test. */
export function fakeServers(): (options?: FakeJudgeOptions) => Promise<FakeJudge> {
  let started: FakeJudge[] = [];
  afterEach(async () => {
    await Promise.all(started.map((s) => s.close()));
    started = [];
  });
  return async (options = {}) => {
    const s = await startFakeJudge(options);
    started.push(s);
    return s;
  };
}

/** The LLaMA-Factory demo rows (real, unscored) most judge tests score. */
export const LF_DEMO = join(DATA, 'unscored', 'dpo_en_demo.json');
export const lfDemoRows = (): Array<{
  conversations: unknown[];
  chosen: { value: string };
  rejected: { value: string };
}> => JSON.parse(readFileSync(LF_DEMO, 'utf8'));
