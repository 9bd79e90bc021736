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
  fromBatch?: string;
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
    const cache = config.cachePath ? await sqliteCache(config.cachePath) : memoryCache(twoPasses || config.fromBatch !== undefined);
    const http = new JudgeHttp({
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      concurrency: config.concurrency,
      apiKey: config.apiKey,
      signal: io.signal,
      onRetry: ({ attempt, waitMs, reason }) => logger.debug({ attempt, wait_ms: Math.round(waitMs) }, `retrying a judge request: ${reason}`),
    });
    const judge = new Judge(config.judge, cache, http, config.concurrency, logger);
    const session = new JudgeSession(judge, cache, http, config);
    if (config.fromBatch) {
      let text: string;
      try {
        text = readFileSync(config.fromBatch, 'utf8');
      } catch (err) {
        throw new RadpoError('usage', `--from-batch ${config.fromBatch}: ${(err as Error).message}`);
      }
      const counts = importBatchResults(text, judge, cache, judge.configText);
      logger.info(counts, `read ${config.fromBatch}`);
      if (counts.malformed > 0) logger.warn(`${counts.malformed} lines of ${config.fromBatch} are not batch results and were skipped`);
    }
    judge.emitOnly = config.emitBatch !== undefined;
    return session;
  }

  /** Reward judges map raw rewards; chat judges already score on the rubric's scale. */
  get needsFit(): boolean {
    return this.config.judge.kind === 'reward' && this.config.map !== 'identity';
  }

  fit(): void {
    this.mapping = fitMapping(this.config.map, this.config.scale, Float64Array.from(this.rawRewards), this.config.precision, this.config.levels);
  }

  /** The goal-scale score for a verdict's raw score. */
  toGoal(raw: number): number {
    if (this.config.judge.kind === 'chat') return raw;
    return applyMapping(this.mapping ?? fitMapping('identity', this.config.scale, new Float64Array(0), this.config.precision, this.config.levels), raw);
  }

  async close(): Promise<void> {
    await this.http.close();
    this.cache.close();
  }

  report(): Record<string, unknown> {
    const { judge, config } = this;
    return {
      kind: config.judge.kind,
      model: config.judge.model,
      rubric: config.judge.kind === 'chat' ? { name: config.judge.rubric.name, min: config.judge.rubric.min, max: config.judge.rubric.max } : null,
      http_requests: this.http.requests,
      judged: judge.stats.judged,
      cache_hits: judge.stats.cacheHits,
      shared_in_flight: judge.stats.shared,
      failures: judge.stats.failures,
      prompt_tokens: judge.stats.promptTokens,
      completion_tokens: judge.stats.completionTokens,
      cache: this.cache.path,
      mapping: config.judge.kind === 'reward' ? (this.mapping ?? { kind: config.map, scale: config.scale, precision: config.precision }) : null,
    };
  }
}
