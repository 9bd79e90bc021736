/**
 * Sampling a policy (`radpo generate`): N responses per prompt from an OpenAI-compatible server, each
 * sample cached as it arrives under (server, model, sampling parameters, prompt, sample index, seed), so
 * a killed run resumes and a rerun asks nothing. Servers that take `n` (vLLM, SGLang, OpenAI) get one
 * request per prompt; others one request per sample, seeded `seed + index`.
 */
import type { Message } from '../core/pair.js';
import { configHash, judgementKey, type JudgementCache } from './cache.js';
import { RequestRejected, TransientFailure, type JudgeHttp } from './http.js';
import { readBatchResults, Semaphore } from './judge.js';
import type { ServerProfile } from './profile.js';
import { WireError } from './wire.js';

export interface SamplingParams {
  model: string;
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
}

export type Samples =
  | { ok: true; responses: string[]; requests: number }
  | {
      ok: false;
      reason: 'judge_failed' | 'judge_rejected' | 'judge_unparseable' | 'judge_missing' | 'batch_pending';
      message: string;
    };

/** Servers whose Chat Completions take `n` and answer n choices. */
const TAKES_N = new Set(['vllm', 'sglang', 'openai']);

/** A batch request line (OpenAI Batch API and vLLM run_batch input). */
interface SampleBatchLine {
  custom_id: string;
  method: 'POST';
  url: '/v1/chat/completions';
  body: Record<string, unknown>;
}

export class Sampler {
  readonly stats = { cached: 0, requested: 0, failures: 0 };
  /** --emit-batch: the samples not in the cache, one request line each (seed + index), by key. */
  readonly batch = new Map<string, SampleBatchLine>();
  emitOnly = false;
  /** --from-batch without --live-fallback: samples the files do not answer are not asked live. */
  offline = false;
  /** --from-batch: samples whose batch line was an error, with the server's text. */
  readonly batchFailures = new Map<string, string>();
  private readonly hash: string;
  private readonly semaphore: Semaphore;
  private readonly useN: boolean;

  constructor(
    private readonly url: string,
    private readonly params: SamplingParams,
    private readonly server: ServerProfile,
    private readonly http: JudgeHttp,
    private readonly cache: JudgementCache,
    concurrency: number,
  ) {
    this.useN = TAKES_N.has(server.kind) && params.n > 1;
    let host = url;
    try {
      host = new URL(url).host;
    } catch {
      /* keep as given */
    }
    // What decides a sample: not the key, not the whole URL.
    this.hash = configHash({
      kind: 'generate',
      server: server.kind,
      host,
      model: params.model,
      temperature: params.temperature,
      top_p: params.topP,
      max_tokens: params.maxTokens,
      seed: params.seed,
      n_per_request: this.useN,
    });
    this.semaphore = new Semaphore(concurrency);
  }

  key(prompt: Message[], index: number): string {
    return judgementKey(this.hash, prompt, { sample: index, seed: this.params.seed });
  }

  private body(prompt: Message[], n: number, seed: number): Record<string, unknown> {
    const { model, temperature, topP, maxTokens } = this.params;
    const body: Record<string, unknown> = { model, messages: prompt, temperature, max_tokens: maxTokens, seed };
    // TGI refuses top_p = 1 (0 < top_p < 1): leave it to its default there.
    if (!(this.server.kind === 'tgi' && topP >= 1)) body.top_p = topP;
    if (n > 1) body.n = n;
    return body;
  }

  private async post(prompt: Message[], n: number, seed: number): Promise<string[]> {
    this.stats.requested += 1;
    const { json } = await this.semaphore.run(() =>
      this.http.postJson(`${this.url.replace(/\/+$/, '')}/chat/completions`, this.body(prompt, n, seed)),
    );
    const choices = (json as { choices?: Array<{ index?: number; message?: { content?: unknown } }> })?.choices;
    if (!Array.isArray(choices) || choices.length < n)
      throw new WireError(`the answer has ${Array.isArray(choices) ? choices.length : 'no'} choices, expected ${n}`);
    return [...choices]
      .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
      .slice(0, n)
      .map((c) => (typeof c.message?.content === 'string' ? c.message.content : ''));
  }

  /** The N samples of one prompt: from the cache where they are, from the server where not. */
  async sample(prompt: Message[]): Promise<Samples> {
    const { n, seed } = this.params;
    // Each key hashes the whole prompt: computed once per sample, not at every lookup.
    const keys = Array.from({ length: n }, (_, i) => this.key(prompt, i));
    const responses: Array<string | undefined> = keys.map((key) => {
      const hit = this.cache.get(key);
      return hit ? (JSON.parse(hit.raw) as string) : undefined;
    });
    const missing = responses.flatMap((r, i) => (r === undefined ? [i] : []));
    this.stats.cached += n - missing.length;
    if (missing.length === 0) return { ok: true, responses: responses as string[], requests: 0 };
    const failure = missing.map((i) => this.batchFailures.get(keys[i]!)).find((m) => m !== undefined);
    if (failure !== undefined)
      return { ok: false, reason: 'judge_failed', message: `the batch result for a sample was an error: ${failure}` };
    if (this.emitOnly) {
      // One line per sample, seeded seed + index: batch APIs answer each line on its own.
      for (const i of missing)
        this.batch.set(keys[i]!, {
          custom_id: keys[i]!,
          method: 'POST',
          url: '/v1/chat/completions',
          body: this.body(prompt, 1, seed + i),
        });
      return { ok: false, reason: 'batch_pending', message: 'written to the batch file' };
    }
    if (this.offline)
      return {
        ok: false,
        reason: 'judge_missing',
        message:
          `${missing.length} of the ${n} samples are not answered in the --from-batch files ` +
          `(--live-fallback asks the server)`,
      };
    try {
      if (this.useN) {
        // One request for all N (the seed is the request's): keep what was cached, fill in the rest.
        const fresh = await this.post(prompt, n, seed);
        for (const i of missing) this.store(keys[i]!, (responses[i] = fresh[i]!));
        return { ok: true, responses: responses as string[], requests: 1 };
      }
      await Promise.all(
        missing.map(async (i) => {
          const [text] = await this.post(prompt, 1, seed + i);
          this.store(keys[i]!, (responses[i] = text!));
        }),
      );
      return { ok: true, responses: responses as string[], requests: missing.length };
    } catch (err) {
      this.stats.failures += 1;
      if (err instanceof RequestRejected)
        return {
          ok: false,
          reason: 'judge_rejected',
          message: `the policy server refused the request with HTTP ${err.status}: ${err.message}`,
        };
      if (err instanceof TransientFailure)
        return { ok: false, reason: 'judge_failed', message: `the policy server did not answer: ${err.message}` };
      if (err instanceof WireError) return { ok: false, reason: 'judge_unparseable', message: err.message };
      throw err;
    }
  }

  private store(key: string, text: string): void {
    this.cache.put(key, this.hash, JSON.stringify(text));
  }

  /** Batch results (a sample per line, custom_id = its key) into the cache. */
  importBatch(text: string): { stored: number; errors: number; malformed: number } {
    return readBatchResults(
      text,
      (id, body) => {
        const content = (body as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message
          ?.content;
        if (typeof content === 'string') this.cache.put(id, this.hash, JSON.stringify(content));
        else this.batchFailures.set(id, 'the answer has no choices[0].message.content');
      },
      (id, message) => this.batchFailures.set(id, message),
    );
  }
}
