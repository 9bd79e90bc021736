/**
 * Sampling a policy (`radpo generate`): N responses per prompt from an OpenAI-compatible server, each
 * sample cached as it arrives under (server, model, sampling parameters, prompt, sample index, seed), so
 * a killed run resumes and a rerun asks nothing. Servers that take `n` (vLLM, SGLang, OpenAI) get one
 * request per prompt; others one request per sample, seeded `seed + index`.
 */
import type { Message } from '../core/pair.js';
import { type BatchCounts, readBatchResults } from '../server/batch.js';
import { answerKey, configHash } from '../server/cache.js';
import { RequestRejected, ResponseTooLarge, TransientFailure, WireError } from '../server/http.js';
import { hostOf } from '../server/host.js';
import type { ServerSession } from '../server/session.js';
import type { SamplingParams } from './params.js';

export type Samples =
  | { ok: true; responses: string[]; requests: number }
  | { ok: false; reason: 'policy_failed' | 'policy_missing' | 'batch_pending'; message: string };

const TAKES_N = new Set(['vllm', 'sglang', 'openai']);

export class Sampler {
  readonly stats = { cached: 0, requested: 0, failures: 0 };
  private readonly hash: string;
  private readonly useN: boolean;

  constructor(
    private readonly session: ServerSession,
    private readonly params: SamplingParams,
  ) {
    this.useN = TAKES_N.has(session.profile.kind) && params.n > 1;
    // What decides a sample: not the key, not the whole URL.
    this.hash = configHash({
      kind: 'generate',
      server: session.profile.kind,
      host: hostOf(session.config.url),
      model: params.model,
      temperature: params.temperature,
      top_p: params.topP,
      max_tokens: params.maxTokens,
      seed: params.seed,
      n_per_request: this.useN,
    });
  }

  key(prompt: Message[], index: number): string {
    return answerKey(this.hash, prompt, { sample: index, seed: this.params.seed });
  }

  private body(prompt: Message[], n: number, seed: number): Record<string, unknown> {
    const { model, temperature, topP, maxTokens } = this.params;
    const body: Record<string, unknown> = { model, messages: prompt, temperature, max_tokens: maxTokens, seed };
    // TGI refuses top_p = 1 (0 < top_p < 1): leave it to its default there.
    if (!(this.session.profile.kind === 'tgi' && topP >= 1)) body.top_p = topP;
    if (n > 1) body.n = n;
    return body;
  }

  private async post(prompt: Message[], n: number, seed: number): Promise<string[]> {
    this.stats.requested += 1;
    const { http, semaphore, config } = this.session;
    const url = `${config.url.replace(/\/+$/, '')}/chat/completions`;
    const { json } = await semaphore.run(() => http.postJson(url, this.body(prompt, n, seed)));
    const choices = (json as { choices?: Array<{ index?: number; message?: { content?: unknown } }> })?.choices;
    if (!Array.isArray(choices) || choices.length < n)
      throw new WireError(`the answer has ${Array.isArray(choices) ? choices.length : 'no'} choices, expected ${n}`);
    return (
      [...choices]
        .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
        .slice(0, n)
        // As the cache keeps it: a server that echoes the key does not get it written (and a rerun from the
        // cache writes the same bytes).
        .map((c) => this.session.secrets.redact(typeof c.message?.content === 'string' ? c.message.content : ''))
    );
  }

  /** The N samples of one prompt: from the cache where they are, from the server where not. */
  async sample(prompt: Message[]): Promise<Samples> {
    const { n, seed } = this.params;
    // Each key hashes the whole prompt: computed once per sample, not at every lookup.
    const keys = Array.from({ length: n }, (_, i) => this.key(prompt, i));
    const { cache, batchFailures, mode, pending } = this.session;
    const responses: Array<string | undefined> = keys.map((key) => {
      const hit = cache.get(key);
      return hit ? (JSON.parse(hit.raw) as string) : undefined;
    });
    const missing = responses.flatMap((r, i) => (r === undefined ? [i] : []));
    this.stats.cached += n - missing.length;
    if (missing.length === 0) return { ok: true, responses: responses as string[], requests: 0 };
    const failure = missing.map((i) => batchFailures.get(keys[i]!)).find((m) => m !== undefined);
    if (failure !== undefined)
      return { ok: false, reason: 'policy_failed', message: `the batch result for a sample was an error: ${failure}` };
    if (mode.emit) {
      // One line per sample, seeded seed + index: batch APIs answer each line on its own.
      for (const i of missing)
        pending.set(keys[i]!, {
          custom_id: keys[i]!,
          method: 'POST',
          url: '/v1/chat/completions',
          body: this.body(prompt, 1, seed + i),
        });
      return { ok: false, reason: 'batch_pending', message: 'written to the batch file' };
    }
    if (mode.offline)
      return {
        ok: false,
        reason: 'policy_missing',
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
      // One reason for every way a policy fails a prompt; the message says which.
      if (err instanceof RequestRejected)
        return {
          ok: false,
          reason: 'policy_failed',
          message: `the policy server refused the request with HTTP ${err.status}: ${err.message}`,
        };
      if (err instanceof ResponseTooLarge) return { ok: false, reason: 'policy_failed', message: err.message };
      if (err instanceof TransientFailure)
        return { ok: false, reason: 'policy_failed', message: `the policy server did not answer: ${err.message}` };
      if (err instanceof WireError)
        return { ok: false, reason: 'policy_failed', message: `the policy server's answer: ${err.message}` };
      throw err;
    }
  }

  private store(key: string, text: string): void {
    this.session.cache.put(key, this.hash, JSON.stringify(text));
  }

  /** Batch results (a sample per line, custom_id = its key) into the cache. */
  importBatch(text: string): BatchCounts {
    const { cache, batchFailures } = this.session;
    return readBatchResults(
      text,
      (id, body) => {
        const content = (body as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message
          ?.content;
        if (typeof content === 'string') cache.put(id, this.hash, JSON.stringify(content));
        else batchFailures.set(id, 'the answer has no choices[0].message.content');
      },
      (id, message) => batchFailures.set(id, message),
    );
  }
}
