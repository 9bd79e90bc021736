/**
 * One judged run's shared state: the judge, its cache and HTTP client, batch files read in, and the
 * reward mapping fitted on the first pass. Used by `radpo score` and `radpo relabel --judge`.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { RadpoError } from '../core/errors.js';
import type { Scale } from '../core/goal.js';
import type { Io } from '../io/io.js';
import { memoryCache, sqliteCache, type JudgementCache } from './cache.js';
import { JudgeHttp } from './http.js';
import { importBatchResults, Judge, type JudgeConfig } from './judge.js';
import { plainProfile, preflight, type ServerProfile } from './servers.js';
import { applyMapping, fitMapping, type Mapping, type MappingKind } from './mapping.js';

export interface JudgeRunConfig {
  judge: JudgeConfig;
  /** SQLite file, or null for --no-cache. */
  cachePath: string | null;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
  apiKey?: string;
  /** Reward judges: how raw rewards become goal scores. */
  map: MappingKind;
  precision: number;
  levels: number;
  scale: Scale;
  rescore: boolean;
  emitBatch?: string;
  /** Batch output and error files, read into the cache before the run. */
  fromBatch: string[];
  /** With --from-batch: ask the judge live for what the files do not answer (else those rows are set aside). */
  liveFallback: boolean;
}

/** Shared state of one judged run: the judge, its cache and HTTP client, and the fitted mapping. */
export class JudgeSession {
  mapping: Mapping | null = null;
  readonly rawRewards: number[] = [];
  private constructor(
    readonly judge: Judge,
    readonly cache: JudgementCache,
    readonly http: JudgeHttp,
    readonly config: JudgeRunConfig,
  ) {}

  static async open(config: JudgeRunConfig, io: Io, logger: Logger): Promise<JudgeSession> {
    const twoPasses = config.judge.kind === 'reward' && config.map !== 'identity';
    const cache = config.cachePath
      ? await sqliteCache(config.cachePath)
      : memoryCache(twoPasses || config.fromBatch.length > 0);
    const http = new JudgeHttp({
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      concurrency: config.concurrency,
      apiKey: config.apiKey,
      signal: io.signal,
      onRetry: ({ attempt, waitMs, reason }) =>
        logger.debug({ attempt, wait_ms: Math.round(waitMs) }, `retrying a judge request: ${reason}`),
    });
    try {
      const offline = config.emitBatch !== undefined || (config.fromBatch.length > 0 && !config.liveFallback);
      const server = await serverProfile(config, http, offline, logger);
      const judge = new Judge(config.judge, server, cache, http, config.concurrency, logger);
      judge.emitOnly = config.emitBatch !== undefined;
      judge.offline = config.fromBatch.length > 0 && !config.liveFallback;
      for (const file of config.fromBatch)
        readBatchFile(file, (text) => importBatchResults(text, judge, cache, judge.configText), logger);
      return new JudgeSession(judge, cache, http, config);
    } catch (err) {
      await http.close();
      cache.close();
      throw err;
    }
  }

  /** Reward judges map raw rewards; chat judges already score on the rubric's scale. */
  get needsFit(): boolean {
    return this.config.judge.kind === 'reward' && this.config.map !== 'identity';
  }

  fit(): void {
    this.mapping = fitMapping(
      this.config.map,
      this.config.scale,
      Float64Array.from(this.rawRewards),
      this.config.precision,
      this.config.levels,
    );
  }

  /** The goal-scale score for a verdict's raw score. */
  toGoal(raw: number): number {
    if (this.config.judge.kind === 'chat') return raw;
    return applyMapping(
      this.mapping ??
        fitMapping('identity', this.config.scale, new Float64Array(0), this.config.precision, this.config.levels),
      raw,
    );
  }

  async close(): Promise<void> {
    await this.http.close();
    this.cache.close();
  }

  report(): Record<string, unknown> {
    const { judge, config } = this;
    return {
      kind: config.judge.kind,
      server: { kind: judge.server.kind, version: judge.server.version },
      model: config.judge.model,
      rubric:
        config.judge.kind === 'chat'
          ? { name: config.judge.rubric.name, min: config.judge.rubric.min, max: config.judge.rubric.max }
          : null,
      http_requests: this.http.requests,
      judged: judge.stats.judged,
      cache_hits: judge.stats.cacheHits,
      shared_in_flight: judge.stats.shared,
      failures: judge.stats.failures,
      prompt_tokens: judge.stats.promptTokens,
      completion_tokens: judge.stats.completionTokens,
      cache: this.cache.path,
      mapping:
        config.judge.kind === 'reward'
          ? (this.mapping ?? { kind: config.map, scale: config.scale, precision: config.precision })
          : null,
    };
  }
}

/**
 * The server's profile: from the pre-flight (the server answers, serves the model, and names itself),
 * or, for runs that send no request (batch files) or with --no-preflight, the server named.
 */
async function serverProfile(
  config: JudgeRunConfig,
  http: JudgeHttp,
  offline: boolean,
  logger: Logger,
): Promise<ServerProfile> {
  const { judge } = config;
  if (offline || !judge.preflight) return plainProfile(judge.server === 'auto' ? 'openai' : judge.server);
  const profile = await preflight(http, judge.url, judge.model, judge.server, (message) => logger.warn(message));
  logger.info(`judge server: ${profile.kind}${profile.version ? ` ${profile.version}` : ''}`);
  checkProfile(profile, config);
  if (profile.kind === 'vllm' && judge.kind === 'reward' && profile.activationField === 'none') {
    logger.warn(
      `vLLM ${profile.version} takes no per-request activation switch: unless it was started with ` +
        `--override-pooler-config '{"softmax": false, "activation": false}', its rewards come back through a ` +
        `sigmoid or softmax`,
    );
  }
  return profile;
}

/** What a named server can do with this judge, said before any request. */
function checkProfile(profile: ServerProfile, config: JudgeRunConfig): void {
  const { judge } = config;
  if (judge.kind !== 'reward') return;
  if (profile.kind === 'tgi' || profile.kind === 'ollama' || profile.kind === 'llamacpp') {
    throw new RadpoError(
      'usage',
      `--judge reward needs a vLLM or SGLang server; this is ${profile.kind}, which serves no reward-model route`,
      'serve the reward model with vLLM (--runner pooling) or SGLang (--is-embedding), or use --judge chat',
    );
  }
  const needsText =
    profile.kind === 'sglang' ||
    (profile.kind === 'vllm' && profile.activationField !== 'use_activation' && judge.rewardEndpoint === 'classify');
  if (needsText && !judge.renderText) {
    throw new RadpoError(
      'usage',
      `the ${profile.kind}${profile.version ? ` ${profile.version}` : ''} reward route takes rendered text, ` +
        `not messages: --judge-chat-template FILE is required`,
      "pass the reward model's chat template (its tokenizer_config.json or a .jinja file)",
    );
  }
}

/** One --from-batch file into the cache (judge answers, or policy samples: `load` says which). */
export function readBatchFile(
  path: string,
  load: (text: string) => { stored: number; errors: number; malformed: number },
  logger: Logger,
): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RadpoError('usage', `--from-batch ${path}: ${(err as Error).message}`);
  }
  const counts = load(text);
  logger.info(counts, `read ${path}`);
  if (counts.malformed > 0) logger.warn(`${counts.malformed} lines of ${path} are not batch results and were skipped`);
}
