/**
 * Judge wire formats: OpenAI-compatible Chat Completions (shaped per server) and the reward routes of
 * vLLM and SGLang. Pure: bodies in and out, no I/O. See docs/JUDGES.md.
 */
import { RadpoError } from '../core/errors.js';
import type { Message } from '../core/pair.js';
import { judgePrompt, verdictSchema, type Rubric } from './rubrics.js';
import { WireError } from '../server/http.js';
import type { ServerProfile } from '../server/profile.js';

export interface ChatParams {
  model: string;
  seed: number;
  maxTokens: number;
  structured: boolean;
  logprobs: boolean;
  /** OpenAI's own API wants max_completion_tokens; vLLM, SGLang, llama.cpp and Ollama read max_tokens. */
  maxCompletionTokens: boolean;
  /** Digits a logprob-weighted score is rounded to. */
  logprobDigits: number;
}

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((p) => (p && typeof p === 'object' ? String((p as Record<string, unknown>).text ?? '') : ''))
      .join('');
  return content === null || content === undefined ? '' : JSON.stringify(content);
}

/** A message's text, and the tools it calls (an assistant turn that only calls tools has no text). */
function turnText(m: Message): string {
  const calls = Array.isArray(m.tool_calls) ? (m.tool_calls as Array<{ function?: Record<string, unknown> }>) : [];
  const called = calls.map((c) => {
    const args = c?.function?.arguments;
    const argsText = typeof args === 'string' ? args : JSON.stringify(args ?? {});
    return `[calls ${String(c?.function?.name ?? '?')}(${argsText})]`;
  });
  return [text(m.content), ...called].filter((t) => t !== '').join('\n');
}

/** The conversation before the response, as the judge reads it. */
export function promptText(messages: Message[]): string {
  const system = messages[0]?.role === 'system' ? text(messages[0].content) : null;
  const turns = system === null ? messages : messages.slice(1);
  let body: string;
  if (turns.length === 1 && turns[0]!.role === 'user') body = text(turns[0]!.content);
  else
    body = turns
      .map((m) => `${m.role === 'user' ? 'User' : m.role === 'assistant' ? 'Assistant' : m.role}: ${turnText(m)}`)
      .join('\n\n');
  return system ? `${system}\n\n${body}` : body;
}

export function responseText(messages: Message[]): string {
  return messages.map(turnText).join('\n\n');
}

const LOGPROB_INSTRUCTION = (r: Rubric) =>
  `\n\nAnswer with the score only: a single whole number from ${r.min} to ${r.max}.`;

/**
 * The Chat Completions request for judging one response on its own (absolute grading), shaped for the
 * server: TGI refuses top_p = 1 (router/src/validation.rs: "`top_p` must be > 0.0 and < 1.0"; its
 * temperature 0 is greedy already), takes its grammar as {"type": "json", "value": schema}
 * (router/src/lib.rs, GrammarType) and at most --max-top-n-tokens logprobs (launcher default 5).
 */
export function chatRequestBody(
  rubric: Rubric,
  params: ChatParams,
  prompt: string,
  response: string,
  server: ServerProfile,
): Record<string, unknown> {
  let user = judgePrompt(rubric, prompt, response);
  if (params.logprobs) user += LOGPROB_INSTRUCTION(rubric);
  else if (params.structured)
    user += `\n\nAnswer in JSON: {"feedback": "…", "score": an integer from ${rubric.min} to ${rubric.max}}.`;
  const messages = rubric.system
    ? [
        { role: 'system', content: rubric.system },
        { role: 'user', content: user },
      ]
    : [{ role: 'user', content: user }];
  const tgi = server.kind === 'tgi';
  // temperature and top_p always sent: vLLM otherwise applies the model's generation_config defaults.
  const body: Record<string, unknown> = tgi
    ? { model: params.model, messages, temperature: 0, seed: params.seed }
    : { model: params.model, messages, temperature: 0, top_p: 1, seed: params.seed };
  body[params.maxCompletionTokens ? 'max_completion_tokens' : 'max_tokens'] = params.logprobs ? 2 : params.maxTokens;
  if (params.logprobs) {
    body.logprobs = true;
    body.top_logprobs = Math.min(20, server.maxTopLogprobs);
  }
  if (params.structured && !params.logprobs) {
    const schema = verdictSchema(rubric);
    body.response_format = tgi
      ? { type: 'json', value: schema }
      : { type: 'json_schema', json_schema: { name: 'verdict', schema, strict: true } };
  }
  return body;
}

interface TopLogprob {
  token: string;
  logprob: number;
}

interface ChatReply {
  text: string;
  finishReason: string | null;
  /** Top alternatives for the first output token, or null when the server returned no logprobs. */
  firstTokenLogprobs: TopLogprob[] | null;
  promptTokens: number;
  completionTokens: number;
}

/** Read a Chat Completions response body. Throws WireError when it is not one. */
export function parseChatReply(body: unknown): ChatReply {
  const b = body as {
    choices?: Array<{
      message?: { content?: unknown };
      finish_reason?: unknown;
      logprobs?: { content?: Array<{ top_logprobs?: TopLogprob[] }> } | null;
    }>;
    usage?: { prompt_tokens?: number; completion_tokens?: number };
  };
  const choice = b?.choices?.[0];
  if (!choice?.message) throw new WireError('the response has no choices[0].message');
  const content = choice.message.content;
  if (content !== null && content !== undefined && typeof content !== 'string')
    throw new WireError('choices[0].message.content is not a string');
  const top = choice.logprobs?.content?.[0]?.top_logprobs;
  return {
    text: content ?? '',
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
    firstTokenLogprobs: Array.isArray(top)
      ? top.filter((t) => typeof t?.token === 'string' && typeof t.logprob === 'number')
      : null,
    promptTokens: Number(b.usage?.prompt_tokens ?? 0) || 0,
    completionTokens: Number(b.usage?.completion_tokens ?? 0) || 0,
  };
}

/**
 * G-Eval (arXiv 2303.16634): the probability-weighted mean over the valid score tokens among the first
 * token's alternatives, renormalized over those tokens. Null when none of them is a valid score.
 * Logprobs of -9999 (OpenAI: outside the top 20) count as zero probability.
 */
export function expectedScore(top: TopLogprob[], rubric: Rubric): number | null {
  const weights = new Map<number, number>();
  for (const t of top) {
    const token = t.token.trim();
    if (!/^\d+$/.test(token) || t.logprob <= -9999) continue;
    const score = Number(token);
    if (score < rubric.min || score > rubric.max) continue;
    weights.set(score, (weights.get(score) ?? 0) + Math.exp(t.logprob));
  }
  let total = 0;
  let sum = 0;
  for (const [score, p] of weights) {
    total += p;
    sum += p * score;
  }
  return total > 0 ? sum / total : null;
}

/**
 * The reward request. vLLM (`/pooling`, `/classify` at the root): the chat messages, its template applied
 * server-side, and the activation off (raw rewards; a sigmoid maps every reward near 1.0): the field is
 * `use_activation` from 0.11.1, `activation`/`softmax` in 0.10 (vllm#25524), whose `/classify` takes
 * rendered text as `input`. SGLang (root `/classify`, http_server.py): rendered text as `text`.
 */
export function rewardRequestBody(
  model: string,
  messages: Message[],
  server: ServerProfile,
  endpoint: 'pooling' | 'classify',
  rendered: string | null,
  tools?: readonly unknown[],
): Record<string, unknown> {
  // Text content, and the tool calls an assistant turn makes (OpenAI's tool_calls, which chat templates render).
  const plain = messages.map((m) => ({
    role: m.role,
    content: text(m.content),
    ...(Array.isArray(m.tool_calls) ? { tool_calls: m.tool_calls } : {}),
    ...(typeof m.tool_call_id === 'string' ? { tool_call_id: m.tool_call_id } : {}),
  }));
  // The server renders `messages` with the model's template: the tools go to it as a template variable.
  const withTools = tools === undefined ? {} : { chat_template_kwargs: { tools } };
  if (server.kind === 'sglang') return { model, text: rendered };
  if (server.activationField === 'use_activation')
    return { model, messages: plain, use_activation: false, ...withTools };
  const off = server.activationField === 'legacy' ? { activation: false, softmax: false } : {};
  if (endpoint === 'classify') return { model, input: rendered, ...off };
  return { model, messages: plain, ...off, ...withTools };
}

/** A reward answer that is not one number per sequence: the wrong kind of model behind the route. Stops the run. */
function wrongModel(shape: string, guess: string): RadpoError {
  return new RadpoError(
    'io',
    `the reward route answered ${shape} for one sequence: ${guess}`,
    'serve a reward model that outputs one score per sequence (e.g. vllm serve MODEL --runner pooling with a ' +
      'sequence classifier), or use --judge chat',
  );
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The reward in a vLLM `/pooling` or `/classify`, or an SGLang `/classify` answer. vLLM's
 * PoolingResponseData.data is `list[list[float]] | list[float] | str` (vllm/entrypoints/pooling): a
 * sequence reward model answers one value, a token reward model (Qwen2ForRewardModel,
 * InternLM2ForRewardModel) one [x] row per token, whose last is the reward. Anything else stops the run.
 */
export function parseRewardReply(body: unknown): number {
  if (Array.isArray(body) || (body && typeof body === 'object' && 'embedding' in body)) return sglangReward(body);
  const data = (body as { data?: Array<{ data?: unknown; probs?: unknown; num_classes?: unknown }> })?.data?.[0];
  if (!data) throw new WireError('the response has no data[0]');
  if ('probs' in data) {
    const probs = data.probs;
    if (!Array.isArray(probs) || !probs.every(isNumber)) throw new WireError('data[0].probs is not a list of numbers');
    if (probs.length !== 1)
      throw wrongModel(
        `${probs.length} class probabilities (num_classes ${String(data.num_classes ?? probs.length)})`,
        'a classifier with several labels, not a one-label reward model?',
      );
    return probs[0]!;
  }
  const value = data.data;
  if (isNumber(value)) return value;
  if (!Array.isArray(value) || value.length === 0) throw new WireError('data[0].data holds no reward');
  if (value.every(isNumber)) {
    if (value.length === 1) return value[0]!;
    throw wrongModel(`${value.length} values`, 'an embedding model (task embed)?');
  }
  if (value.every((row) => Array.isArray(row) && row.every(isNumber))) {
    const width = (value[0] as number[]).length;
    if (value.every((row) => (row as number[]).length === 1)) return (value[value.length - 1] as number[])[0]!;
    throw wrongModel(
      `${width} labels per step over ${value.length} steps`,
      'a process reward model (step labels), not an outcome reward model?',
    );
  }
  throw new WireError('data[0].data is neither a number nor a list of numbers');
}

function sglangReward(body: unknown): number {
  const item = (Array.isArray(body) ? body[0] : body) as { embedding?: unknown } | undefined;
  const embedding = item?.embedding;
  if (!Array.isArray(embedding) || !embedding.every(isNumber) || embedding.length === 0)
    throw new WireError('the response has no embedding list');
  if (embedding.length !== 1) throw wrongModel(`${embedding.length} values`, 'an embedding model, not a reward model?');
  return embedding[0]!;
}

/** The server's own error message, from any of the error shapes servers use (JUDGES.md). */
