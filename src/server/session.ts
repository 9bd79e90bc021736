/**
 * One session with a server radpo talks to over HTTP, for judges (judge/) and policies (sampler/) alike:
 * the HTTP client, the server's profile (from the pre-flight, or the one named), the answer cache, the
 * batch mode and the request lines waiting for --emit-batch, and the window of rows in flight.
 * Everything is decided when the session opens; nothing is switched on afterwards.
 */
import type { Logger } from '../io/log.js';
import type { Io } from '../io/io.js';
import type { Sink } from '../io/output.js';
import { type BatchCounts, type BatchLine, type BatchMode, readBatchFile } from './batch.js';
import { type AnswerCache, memoryCache, redactingCache, sqliteCache } from './cache.js';
import type { ServerChoice } from './choices.js';
import { Redactor } from '../io/redact.js';
import { ServerHttp } from './http.js';
import { Semaphore } from './ordered.js';
import { plainProfile, preflight } from './preflight.js';
import type { ServerProfile } from './profile.js';
import type { ServerRole } from './role.js';

export interface ServerSessionConfig {
  role: ServerRole;
  /** Base URL as the OpenAI SDKs take it, /v1 included. */
  url: string;
  model: string;
  /** The server named, or auto (identified at the pre-flight). */
  server: ServerChoice;
  /** Check the server and the model before the first row. */
  preflight: boolean;
  /** SQLite file, or null: answers kept in memory only where the run reads them back. */
  cachePath: string | null;
  concurrency: number;
  /** The whole request's deadline (connection to last byte). */
  timeoutMs: number;
  maxRetries: number;
  /** The largest answer read; a larger one fails its row, uncached. */
  maxResponseBytes: number;
  apiKey?: string;
  /** --emit-batch: the request lines' file (nothing is sent). */
  emitBatch?: string;
  /** Batch results files, read into the cache before the run. */
  fromBatch: string[];
  /** With fromBatch: ask the server for what the files do not answer. */
  liveFallback: boolean;
}

export class ServerSession {
  /** --emit-batch: the requests the cache cannot answer, by cache key. */
  readonly pending = new Map<string, BatchLine>();
  /** --from-batch: keys whose batch line was an error, with the server's words. */
  readonly batchFailures = new Map<string, string>();
  /** Requests in flight at most, whatever their callers. */
  readonly semaphore: Semaphore;

  private constructor(
    readonly config: ServerSessionConfig,
    readonly http: ServerHttp,
    readonly cache: AnswerCache,
    readonly profile: ServerProfile,
    readonly mode: BatchMode,
    /** Applied to every answer text kept (cache, rejects): a server that echoes the key does not get it stored. */
    readonly secrets: Redactor,
  ) {
    this.semaphore = new Semaphore(config.concurrency);
  }

  /**
   * Open the client and the cache, then learn the server: from the pre-flight, or — for runs that send
   * nothing (batch files) or with the pre-flight off — as named. `retainAnswers`: a cache-less run keeps
   * answers in memory because it reads them back (a reward mapping's second pass).
   */
  static async open(
    config: ServerSessionConfig,
    io: Io,
    logger: Logger,
    retainAnswers = false,
  ): Promise<ServerSession> {
    const mode: BatchMode = {
      emit: config.emitBatch !== undefined,
      offline: config.fromBatch.length > 0 && !config.liveFallback,
    };
    const cache = config.cachePath
      ? await sqliteCache(config.cachePath)
      : memoryCache(retainAnswers || config.fromBatch.length > 0);
    // The run's redactor (main makes one); a session opened by a library caller makes its own.
    const secrets = io.secrets ?? new Redactor();
    secrets.add(config.apiKey);
    const http = new ServerHttp({
      role: config.role,
      secrets,
      maxResponseBytes: config.maxResponseBytes,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      concurrency: config.concurrency,
      apiKey: config.apiKey,
      signal: io.signal,
      onRetry: ({ attempt, waitMs, reason }) =>
        logger.debug({ attempt, wait_ms: Math.round(waitMs) }, `retrying a ${config.role.noun} request: ${reason}`),
    });
    try {
      let profile: ServerProfile;
      if (mode.emit || mode.offline || !config.preflight) {
        profile = plainProfile(config.server === 'auto' ? 'openai' : config.server);
      } else {
        const warn = (message: string) => logger.warn(message);
        profile = await preflight(http, config.url, config.model, config.server, config.role, warn);
        const named = config.role.noun.endsWith('server') ? config.role.noun : `${config.role.noun} server`;
        logger.info(`${named}: ${profile.kind}${profile.version ? ` ${profile.version}` : ''}`);
      }
      return new ServerSession(config, http, redactingCache(cache, secrets), profile, mode, secrets);
    } catch (err) {
      await http.close();
      cache.close();
      throw err;
    }
  }

  /** Rows in flight at most: enough to keep every connection busy, few enough to bound memory. */
  get window(): number {
    return Math.max(32, this.config.concurrency * 4);
  }

  /** Read every --from-batch file with `load` (which stores answers and records failures). */
  readBatches(load: (text: string) => BatchCounts, logger: Logger): void {
    for (const file of this.config.fromBatch) readBatchFile(this.config.role.fromBatchFlag, file, load, logger);
  }

  /** --emit-batch: the pending request lines (once, at the end of the run), into the file `open` gives. */
  async writeBatch(open: (path: string) => Promise<Sink>): Promise<void> {
    if (!this.config.emitBatch) return;
    const sink = await open(this.config.emitBatch);
    for (const line of this.pending.values()) {
      const written = sink.write(`${JSON.stringify(line)}\n`);
      if (written) await written;
    }
  }

  async close(): Promise<void> {
    await this.http.close();
    this.cache.close();
  }
}
