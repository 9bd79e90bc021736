/**
 * Judge wire formats: OpenAI-compatible Chat Completions and vLLM's pooling routes. Pure: bodies in
 * and out, no I/O. See ../shared/docs/JUDGES.md.
 */
import type { Message } from '../core/pair.js';
import { judgePrompt, verdictSchema, type Rubric } from './rubrics.js';

export interface ChatParams {
  model: string;
  seed: number;
  maxTokens: number;
  structured: boolean;
  logprobs: boolean;
  /** OpenAI's own API wants max_completion_tokens; vLLM, SGLang, llama.cpp and Ollama read max_tokens. */
  maxCompletionTokens: boolean;
}

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' ? String((p as Record<string, unknown>).text ?? '') : '')).join('');
  return content === null || content === undefined ? '' : JSON.stringify(content);
}

/** The conversation before the response, as the judge reads it. */
export function promptText(messages: Message[]): string {
  const system = messages[0]?.role === 'system' ? text(messages[0].content) : null;
  const turns = system === null ? messages : messages.slice(1);
  let body: string;
  if (turns.length === 1 && turns[0]!.role === 'user') body = text(turns[0]!.content);
  else body = turns.map((m) => `${m.role === 'user' ? 'User' : m.role === 'assistant' ? 'Assistant' : m.role}: ${text(m.content)}`).join('\n\n');
  return system ? `${system}\n\n${body}` : body;
}

export function responseText(messages: Message[]): string {
  return messages.map((m) => text(m.content)).join('\n\n');
}

const LOGPROB_INSTRUCTION = (r: Rubric) => `\n\nAnswer with the score only: a single whole number from ${r.min} to ${r.max}.`;

/** The Chat Completions request for judging one response on its own (absolute grading). */
export function chatRequestBody(rubric: Rubric, params: ChatParams, prompt: string, response: string): Record<string, unknown> {
  let user = judgePrompt(rubric, prompt, response);
  if (params.logprobs) user += LOGPROB_INSTRUCTION(rubric);
  else if (params.structured) user += `\n\nAnswer in JSON: {"feedback": "…", "score": an integer from ${rubric.min} to ${rubric.max}}.`;
  const messages = rubric.system ? [{ role: 'system', content: rubric.system }, { role: 'user', content: user }] : [{ role: 'user', content: user }];
  // temperature and top_p always sent: vLLM otherwise applies the model's generation_config defaults.
  const body: Record<string, unknown> = { model: params.model, messages, temperature: 0, top_p: 1, seed: params.seed };
  body[params.maxCompletionTokens ? 'max_completion_tokens' : 'max_tokens'] = params.logprobs ? 2 : params.maxTokens;
  if (params.logprobs) {
    body.logprobs = true;
    body.top_logprobs = 20;
  }
  if (params.structured && !params.logprobs) {
    body.response_format = { type: 'json_schema', json_schema: { name: 'verdict', schema: verdictSchema(rubric), strict: true } };
  }
  return body;
}

export interface TopLogprob {
  token: string;
  logprob: number;
}

export interface ChatReply {
  text: string;
  finishReason: string | null;
  /** Top alternatives for the first output token, or null when the server returned no logprobs. */
  firstTokenLogprobs: TopLogprob[] | null;
  promptTokens: number;
  completionTokens: number;
}

export class WireError extends Error {}

/** Read a Chat Completions response body. Throws WireError when it is not one. */
export function parseChatReply(body: unknown): ChatReply {
  const b = body as { choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown; logprobs?: { content?: Array<{ top_logprobs?: TopLogprob[] }> } | null }>; usage?: { prompt_tokens?: number; completion_tokens?: number } };
  const choice = b?.choices?.[0];
  if (!choice || !choice.message) throw new WireError('the response has no choices[0].message');
  const content = choice.message.content;
  if (content !== null && content !== undefined && typeof content !== 'string') throw new WireError('choices[0].message.content is not a string');
  const top = choice.logprobs?.content?.[0]?.top_logprobs;
  return {
    text: content ?? '',
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
    firstTokenLogprobs: Array.isArray(top) ? top.filter((t) => typeof t?.token === 'string' && typeof t.logprob === 'number') : null,
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
 * vLLM `/pooling` or `/classify` (the same body for both) with the chat messages (template applied
 * server-side) and raw rewards: no sigmoid, which maps every reward near 1.0.
 */
export function rewardRequestBody(model: string, messages: Message[]): Record<string, unknown> {
  return { model, messages: messages.map((m) => ({ role: m.role, content: text(m.content) })), use_activation: false };
}

function lastNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) {
    for (let i = value.length - 1; i >= 0; i--) {
      const n = lastNumber(value[i]);
      if (n !== null) return n;
    }
  }
  return null;
}

/** The reward in a `/pooling` or `/classify` response (sequence rewards: the last value). */
export function parseRewardReply(body: unknown): number {
  const data = (body as { data?: Array<{ data?: unknown; probs?: unknown }> })?.data?.[0];
  const value = data ? lastNumber(data.data ?? data.probs) : null;
  if (value === null) throw new WireError('the response has no reward in data[0].data (or data[0].probs)');
  return value;
}

/** The server's own error message, from any of the error shapes servers use (JUDGES.md). */
export function errorMessage(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; message?: unknown };
    if (typeof b.error === 'string') return b.error;
    if (b.error && typeof b.error === 'object' && typeof (b.error as { message?: unknown }).message === 'string') return (b.error as { message: string }).message;
    if (typeof b.message === 'string') return b.message;
  }
  return fallback;
}
