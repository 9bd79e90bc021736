/**
 * A judge: one response (with its prompt) in, a score or a reason out. Combines the wire format, the
 * cache (each answer committed as it arrives), de-duplication of identical (prompt, response) pairs,
 * bounded concurrency, parse retries, and offline batch files.
 */
import type { Logger } from '../io/log.js';
import { RadpoError } from '../core/errors.js';
import type { Message } from '../core/pair.js';
import { type BatchCounts, readBatchResults } from '../server/batch.js';
import { answerKey, configHash } from '../server/cache.js';
import { RequestRejected, ResponseTooLarge, TransientFailure, WireError } from '../server/http.js';
import { hostOf } from '../server/host.js';
import type { ServerSession } from '../server/session.js';
import type { JudgeKind, RewardEndpoint } from './choices.js';
import { parseJsonVerdict, parseVerdict, parseVerdicts, type Rubric } from './rubrics.js';
import {
  chatRequestBody,
  expectedScore,
  parseChatReply,
  parseRewardReply,
  rewardRequestBody,
  promptText,
  responseText,
  type ChatParams,
} from './wire.js';

/** What a judge asks and how it reads the answer; where it asks is its server session's. */
export interface JudgeConfig {
  kind: JudgeKind;
  /** Renders a conversation with the reward model's chat template (SGLang and old vLLM /classify take text). */
  /** Renders a conversation as the reward model's template does (with the tools it offers, when any). */
  renderText?: (messages: Message[], tools?: readonly unknown[]) => string;
  model: string;
  rubric: Rubric;
  params: ChatParams;
  rewardEndpoint: RewardEndpoint;
  parseRetries: number;
}

export type Verdict =
  /** One score, or one per rubric attribute. */
  | { ok: true; scores: number[]; cached: boolean }
  | {
      ok: false;
      reason: 'judge_unparseable' | 'judge_failed' | 'judge_rejected' | 'judge_missing';
      message: string;
      rawText?: string;
      /** An unreadable verdict: what the rubric reads, and the end of what the judge wrote (where a score goes). */
      expected?: string;
      found?: string;
    }
  | { ok: false; reason: 'batch_pending'; message: string; rawText?: undefined };

interface JudgeStats {
  cacheHits: number;
  /** Identical (prompt, response) pairs that joined a judgement already in flight. */
  shared: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  judged: number;
}

/** The fields that decide a judgement (not the API key, not the full URL: the host is enough). */
function judgeIdentity(config: JudgeConfig, url: string): Record<string, unknown> {
  return {
    kind: config.kind,
    host: hostOf(url),
    model: config.model,
    ...(config.kind === 'chat'
      ? {
          rubric: {
            system: config.rubric.system,
            template: config.rubric.template,
            pattern: config.rubric.pattern.source,
            min: config.rubric.min,
            max: config.rubric.max,
            attributes: config.rubric.attributes,
          },
          seed: config.params.seed,
          max_tokens: config.params.maxTokens,
          structured: config.params.structured,
          logprobs: config.params.logprobs,
        }
      : { endpoint: config.rewardEndpoint }),
  };
}

/** vLLM serves /pooling and /classify at the server root, not under /v1. */
/** The tools column's JSON text as the list of schemas a chat template takes (one schema alone becomes a list). */
function toolSchemas(tools: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(tools);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return undefined;
  }
}

export function rewardUrl(base: string, endpoint: 'pooling' | 'classify'): string {
  return `${base.replace(/\/+$/, '').replace(/\/v1$/, '')}/${endpoint}`;
}

/** The same refusal on this many rows before any answer stops the run as a configuration error. */
const CONFIG_ERROR_AFTER = 3;

export class Judge {
  readonly stats: JudgeStats = {
    cacheHits: 0,
    shared: 0,
    failures: 0,
    promptTokens: 0,
    completionTokens: 0,
    judged: 0,
  };
  readonly configHash: string;
  readonly configText: string;
  private readonly inflight = new Map<string, Promise<Verdict>>();
  private warnedNoLogprobs = false;
  /** Requests refused (400/413/422) before any answer: the same refusal on the first rows is a configuration error. */
  private readonly earlyRefusals = new Map<number, { count: number; message: string }>();
  private answered = false;

  constructor(
    readonly config: JudgeConfig,
    readonly session: ServerSession,
    private readonly logger: Logger,
  ) {
    const identity = judgeIdentity(config, session.config.url);
    this.configText = JSON.stringify(identity);
    this.configHash = configHash(identity);
  }

  /** `tools`: the schemas the prompt offers (JSON text); part of the key only when there are some. */
  key(prompt: Message[], response: Message[], tools?: string): string {
    return answerKey(this.configHash, tools === undefined ? prompt : { prompt, tools }, response);
  }

  private request(
    prompt: Message[],
    response: Message[],
    tools?: string,
  ): { url: string; body: Record<string, unknown> } {
    const { config } = this;
    const server = this.session.profile;
    const baseUrl = this.session.config.url;
    if (config.kind === 'reward') {
      const messages = [...prompt, ...response];
      // SGLang's reward route is /classify at the root, whatever --reward-endpoint says.
      const endpoint = server.kind === 'sglang' ? 'classify' : config.rewardEndpoint;
      // A reward model sees the tools the way its chat template shows them: rendered here, or passed to the
      // server's template (vLLM's chat_template_kwargs) when the server renders.
      const toolList = tools === undefined ? undefined : toolSchemas(tools);
      const rendered = config.renderText ? config.renderText(messages, toolList) : null;
      return {
        url: rewardUrl(baseUrl, endpoint),
        body: rewardRequestBody(config.model, messages, server, endpoint, rendered, toolList),
      };
    }
    return {
      url: `${baseUrl.replace(/\/+$/, '')}/chat/completions`,
      // The tools the prompt offered, before it: a judge cannot grade a tool call without them.
      body: chatRequestBody(
        config.rubric,
        config.params,
        tools === undefined
          ? promptText(prompt)
          : `Tools available to the assistant: ${tools}\n\n${promptText(prompt)}`,
        responseText(response),
        server,
      ),
    };
  }

  /** One request refused: the row's problem, unless the first rows are all refused alike (then it is the setup's). */
  private refused(err: RequestRejected): Verdict {
    this.stats.failures += 1;
    if (!this.answered) {
      const seen = this.earlyRefusals.get(err.status) ?? { count: 0, message: err.message };
      seen.count += 1;
      this.earlyRefusals.set(err.status, seen);
      if (seen.count >= CONFIG_ERROR_AFTER) {
        const { role } = this.session.config;
        throw new RadpoError(
          'config',
          `the judge refused each of the first ${seen.count} requests with HTTP ${err.status} ` +
            `(${seen.message}): that is a configuration error, not a problem of single rows`,
          `check ${role.modelFlag}, ${role.serverFlag} and the judge flags against what the server accepts`,
        );
      }
    }
    return {
      ok: false,
      reason: 'judge_rejected',
      message: `the judge refused the request with HTTP ${err.status}: ${err.message}`,
    };
  }

  /** Read a stored or fresh answer. null score: unparseable (with the text to keep in the rejects). */
  read(
    rawJson: string,
    parsed: unknown = JSON.parse(rawJson),
  ): { scores: number[] | null; text: string; promptTokens: number; completionTokens: number } {
    if (this.config.kind === 'reward')
      return { scores: [parseRewardReply(parsed)], text: rawJson, promptTokens: 0, completionTokens: 0 };
    const reply = parseChatReply(parsed);
    const { rubric, params } = this.config;
    let score: number | null = null;
    let scores: number[] | null = null;
    if (rubric.attributes) scores = parseVerdicts(rubric, reply.text);
    else if (params.logprobs) {
      if (reply.firstTokenLogprobs === null || reply.firstTokenLogprobs.length === 0) {
        if (!this.warnedNoLogprobs) {
          this.warnedNoLogprobs = true;
          this.logger.warn(
            'the judge returned no logprobs (the server does not support them): falling back to the sampled verdict',
          );
        }
        score = /^\s*\d+(?:\.\d+)?\s*$/.test(reply.text)
          ? parseVerdict({ ...rubric, pattern: /(\d+(?:\.\d+)?)\s*$/ }, reply.text)
          : null;
      } else {
        const expected = expectedScore(reply.firstTokenLogprobs, rubric);
        // A probability-weighted mean: rounded, so 2.9999999999999996 is written as 3.
        score = expected === null ? null : Number(expected.toFixed(params.logprobDigits));
      }
    } else if (params.structured) score = parseJsonVerdict(rubric, reply.text) ?? parseVerdict(rubric, reply.text);
    else score = parseVerdict(rubric, reply.text);
    const note =
      reply.finishReason === 'length'
        ? ' [finish_reason: length — the verdict may be cut off: raise --judge-max-tokens]'
        : '';
    if (!rubric.attributes) scores = score === null ? null : [score];
    return {
      scores,
      text: reply.text + note,
      promptTokens: reply.promptTokens,
      completionTokens: reply.completionTokens,
    };
  }

  /** The judge text of a stored answer, for the rejects (the raw JSON when it cannot be read). */
  private safeText(raw: string): string {
    try {
      return this.read(raw).text;
    } catch {
      return raw.slice(0, 300);
    }
  }

  async judge(prompt: Message[], response: Message[], tools?: string): Promise<Verdict> {
    const key = this.key(prompt, response, tools);
    const running = this.inflight.get(key);
    if (running) {
      this.stats.shared += 1;
      return running;
    }
    const promise = this.judgeOnce(key, prompt, response, tools).finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private async judgeOnce(key: string, prompt: Message[], response: Message[], tools?: string): Promise<Verdict> {
    const cached = this.session.cache.get(key);
    const fromCache = cached ? this.cachedVerdict(cached.raw) : null;
    if (fromCache) return fromCache;
    const batchFailure = this.session.batchFailures.get(key);
    if (batchFailure !== undefined) {
      this.stats.failures += 1;
      return {
        ok: false,
        reason: 'judge_failed',
        message: `the batch result for this request was an error: ${batchFailure}`,
      };
    }
    const request = this.request(prompt, response, tools);
    const { mode } = this.session;
    if (mode.emit) return this.emit(key, request);
    if (mode.offline) return this.unansweredOffline(cached?.raw);
    return this.ask(key, request);
  }

  /** A stored answer's verdict; null when there is none the current parser can read (then it is asked again). */
  private cachedVerdict(raw: string): Verdict | null {
    try {
      const { scores } = this.read(raw);
      if (scores === null) return null;
      this.stats.cacheHits += 1;
      return { ok: true, scores, cached: true };
    } catch {
      return null;
    }
  }

  /** --emit-batch: the request becomes a batch line (the route under /v1, as batch APIs take it). */
  private emit(key: string, { url, body }: { url: string; body: Record<string, unknown> }): Verdict {
    const route = new URL(url).pathname.replace(/^.*?\/v1\//, '/v1/');
    this.session.pending.set(key, { custom_id: key, method: 'POST', url: route, body });
    return { ok: false, reason: 'batch_pending', message: 'written to the batch file' };
  }

  /** --from-batch without --live-fallback: what the files do not answer (or answer unreadably) is set aside. */
  private unansweredOffline(storedRaw: string | undefined): Verdict {
    this.stats.failures += 1;
    if (storedRaw !== undefined)
      return {
        ok: false,
        reason: 'judge_unparseable',
        message: "the batch file's answer has no readable score (--live-fallback would ask the judge again)",
        rawText: this.safeText(storedRaw),
      };
    return {
      ok: false,
      reason: 'judge_missing',
      message: 'this request is not answered in the --from-batch files (--live-fallback asks the judge for such rows)',
    };
  }

  /** Ask the judge, asking again (up to --parse-retries) while no score can be read from its answer. */
  private async ask(key: string, { url, body }: { url: string; body: Record<string, unknown> }): Promise<Verdict> {
    const { semaphore, http, cache } = this.session;
    let lastText = '';
    for (let attempt = 0; attempt <= this.config.parseRetries; attempt++) {
      let answer: { json: unknown; text: string };
      try {
        answer = await semaphore.run(() => http.postJson(url, body));
      } catch (err) {
        if (err instanceof RequestRejected) return this.refused(err);
        if (err instanceof ResponseTooLarge) {
          this.stats.failures += 1;
          return { ok: false, reason: 'judge_failed', message: err.message };
        }
        if (err instanceof TransientFailure) {
          this.stats.failures += 1;
          return { ok: false, reason: 'judge_failed', message: `the judge did not answer: ${err.message}` };
        }
        throw err;
      }
      const read = this.readAnswer(answer);
      this.stats.promptTokens += read.promptTokens;
      this.stats.completionTokens += read.completionTokens;
      this.answered = true;
      if (read.scores !== null) {
        cache.put(key, this.configText, answer.text);
        this.stats.judged += 1;
        return { ok: true, scores: read.scores, cached: false };
      }
      lastText = read.text;
    }
    this.stats.failures += 1;
    const { rubric, parseRetries } = this.config;
    return {
      ok: false,
      reason: 'judge_unparseable',
      message:
        `the judge's answer has no readable score ` +
        `in ${rubric.min}-${rubric.max} after ${parseRetries + 1} attempts`,
      rawText: lastText,
      expected:
        `an answer that ends as /${rubric.pattern.source}/ reads, ` +
        `with a score from ${rubric.min} to ${rubric.max}`,
      found: lastText === '' ? undefined : answerTail(lastText),
    };
  }

  /** A fresh answer read; one of the wrong shape is an unreadable verdict with its text kept, not a failure. */
  private readAnswer(answer: { json: unknown; text: string }): ReturnType<Judge['read']> {
    try {
      return this.read(answer.text, answer.json);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return {
        scores: null,
        text: `${err.message}: ${this.session.secrets.redact(answer.text).slice(0, 300)}`,
        promptTokens: 0,
        completionTokens: 0,
      };
    }
  }

  /** Batch results (a verdict per line, custom_id = its key) into the cache; error lines are kept with their text. */
  importBatch(text: string): BatchCounts {
    const { cache, batchFailures } = this.session;
    return readBatchResults(
      text,
      (id, body) => cache.put(id, this.configText, JSON.stringify(body)),
      (id, message) => batchFailures.set(id, message),
    );
  }
}

/** The last ~120 characters of a judge's answer, on one line: the rubric reads the score at its end. */
function answerTail(text: string): string {
  const flat = text.trimEnd().replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 120 ? `…${flat.slice(-120)}` : flat);
}
