/**
 * `radpo score`, and the judge stage of `radpo relabel --judge`: attach judge scores to each pair,
 * keeping input order, with bounded concurrency and every judgement cached as it arrives.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { RadpoError, RowError } from '../core/errors.js';
import { formatScore, type Scale } from '../core/goal.js';
import { detectShapeOf, toPair, type Shape, type ShapeOptions } from '../core/pair.js';
import { getPath, type Path } from '../core/path.js';
import { setPath } from '../core/path-write.js';
import { parseScore, resolveScoreColumns, type ScoreColumnOptions } from '../core/scores.js';
import { parsePath } from '../core/path.js';
import { memoryCache, sqliteCache, type JudgementCache } from '../judge/cache.js';
import { JudgeHttp } from '../judge/http.js';
import { importBatchResults, Judge, type JudgeConfig, type Verdict } from '../judge/judge.js';
import { applyMapping, fitMapping, type Mapping, type MappingKind } from '../judge/mapping.js';
import { createSerializer, fileSink, nullSink, openSink, outputFileFormat, type Sink } from '../io/output.js';
import { ParquetOutput } from '../io/parquet.js';
import { openRecords, parseJsonRecord, type SourceRecord } from '../io/records.js';
import type { Io } from '../cli/io.js';
import { RowPolicy } from './row-policy.js';
import { Progress } from '../cli/progress.js';
import type { CommonRunConfig } from './common.js';
import { RunCounts } from './summary.js';

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

export interface JudgeStageOptions {
  shape: ShapeOptions;
  /** Where scores are written; default: the columns the data already has, else score_chosen/score_rejected. */
  scores: ScoreColumnOptions;
  /** Collect raw rewards for fitting instead of producing scores (first pass of minmax/quantile). */
  collectOnly: boolean;
}

const DEFAULT_COLUMNS: [Path, Path] = [['score_chosen'], ['score_rejected']];

function verdictError(verdict: Exclude<Verdict, { ok: true }>, field: string): RowError {
  const error = new RowError(verdict.reason === 'batch_pending' ? 'judge_failed' : verdict.reason, verdict.message, { field });
  return error;
}

/**
 * Judge every record's pair: records come out in input order with their scores written (or with an
 * error). At most `window` records are in flight, so memory stays bounded on any input size.
 */
export async function* judgeStage(batches: AsyncIterable<SourceRecord[]>, session: JudgeSession, options: JudgeStageOptions, isJsonFile: boolean): AsyncGenerator<SourceRecord[]> {
  const window = Math.max(32, session.config.concurrency * 4);
  let shape: Shape | null = null;
  /** Where each score goes: one (chosen, rejected) path pair, or one per rubric attribute. */
  let targets: Array<[Path, Path]> | null = null;
  let existing = false;
  const attributes = session.config.judge.kind === 'chat' ? session.config.judge.rubric.attributes : null;
  const scale = session.config.judge.kind === 'chat' ? { min: session.config.judge.rubric.min, max: session.config.judge.rubric.max } : session.config.scale;

  const one = async (input: SourceRecord): Promise<SourceRecord> => {
    const record = parseJsonRecord(input, isJsonFile);
    if (record.error) return record;
    const fail = (error: RowError): SourceRecord => {
      error.location = record.location;
      return { ...record, error };
    };
    try {
      if (shape === null) {
        shape = detectShapeOf(record.location.source, record.value, options.shape);
        if (attributes) {
          // Attribute scores go under the score columns: score_chosen.Helpfulness, …
          const base: [Path, Path] = options.scores.chosenScoreCol && options.scores.rejectedScoreCol ? [parsePath(options.scores.chosenScoreCol, '--chosen-score-col'), parsePath(options.scores.rejectedScoreCol, '--rejected-score-col')] : DEFAULT_COLUMNS;
          targets = attributes.map((a) => [[...base[0], a], [...base[1], a]]);
          existing = true;
        } else {
          const found = resolveScoreColumns(record.value, { chosenScoreCol: options.scores.chosenScoreCol, rejectedScoreCol: options.scores.rejectedScoreCol });
          targets = [found ? [found.chosen[0]!, found.rejected[0]!] : DEFAULT_COLUMNS];
          existing = found !== null;
        }
      }
      const pair = toPair(record.value, shape);
      const value = record.value as Record<string, unknown>;
      if (!session.config.rescore && existing) {
        // Scores only where the data has none.
        try {
          for (const [c, r] of targets!) {
            parseScore(getPath(value, c), c.join('.'), scale);
            parseScore(getPath(value, r), r.join('.'), scale);
          }
          return record;
        } catch {
          /* missing or unusable: judge this row */
        }
      }
      const [c, r] = await Promise.all([session.judge.judge(pair.prompt, pair.chosen), session.judge.judge(pair.prompt, pair.rejected)]);
      if (!c.ok) return { ...fail(verdictError(c, 'chosen')), judgeOutput: 'rawText' in c ? c.rawText : undefined } as SourceRecord;
      if (!r.ok) return { ...fail(verdictError(r, 'rejected')), judgeOutput: 'rawText' in r ? r.rawText : undefined } as SourceRecord;
      if (options.collectOnly) {
        session.rawRewards.push(c.scores[0]!, r.scores[0]!);
        return record;
      }
      targets!.forEach(([chosenPath, rejectedPath], i) => {
        setPath(value, chosenPath, session.toGoal(c.scores[i]!));
        setPath(value, rejectedPath, session.toGoal(r.scores[i]!));
      });
      return { ...record, value, bytes: undefined };
    } catch (err) {
      if (err instanceof RowError) return fail(err);
      throw err;
    }
  };

  const queue: Array<Promise<SourceRecord[]>> = [];
  let inFlight = 0;
  const sizes: number[] = [];
  for await (const batch of batches) {
    // `one` runs synchronously up to its first await, so the first record fixes the shape (and the
    // score columns) before any other record of the batch looks at them.
    for (let start = 0; start < batch.length; start += window) {
      // Large batches (many short rows) are cut to the window, so memory stays bounded.
      const slice = batch.slice(start, start + window);
      const judged = Promise.all(slice.map(one));
      // If the run stops (Ctrl-C, a fatal answer) while later slices are still pending, their rejections
      // are expected: mark them handled here; the slice being awaited still throws.
      judged.catch(() => undefined);
      queue.push(judged);
      sizes.push(slice.length);
      inFlight += slice.length;
      while (queue.length > 0 && inFlight > window) {
        inFlight -= sizes.shift()!;
        yield await queue.shift()!;
      }
    }
    while (queue.length > 0 && inFlight > window) {
      inFlight -= sizes.shift()!;
      yield await queue.shift()!;
    }
  }
  while (queue.length > 0) {
    sizes.shift();
    yield await queue.shift()!;
  }
}

export interface ScoreConfig extends CommonRunConfig {
  scores: ScoreColumnOptions;
  run: JudgeRunConfig;
}

async function countRecords(inputs: string[]): Promise<number | null> {
  // Only plain JSONL files are counted up front (a newline scan); others show no total.
  let total = 0;
  for (const input of inputs) {
    if (input === '-' || !/\.jsonl$/i.test(input)) return null;
    const { createReadStream } = await import('node:fs');
    for await (const chunk of createReadStream(input)) {
      let at = -1;
      while ((at = (chunk as Buffer).indexOf(10, at + 1)) >= 0) total += 1;
    }
  }
  return total;
}

export async function runScore(config: ScoreConfig, io: Io, logger: Logger): Promise<Record<string, unknown>> {
  const started = Date.now();
  const session = await JudgeSession.open(config.run, io, logger);
  const counts = new RunCounts();
  const fileFormat = outputFileFormat(config.output, config.outputFormat);
  const serializer = createSerializer(fileFormat);
  const parquet = fileFormat === 'parquet' ? ParquetOutput.create(config.output) : null;
  const emitting = config.run.emitBatch !== undefined;
  const sink: Sink = parquet || emitting ? nullSink() : await openSink(config.output, io.stdout);
  const rejects = config.rejects ? await fileSink(config.rejects) : null;
  const policy = new RowPolicy({ onError: config.onError, maxErrors: config.maxErrors }, counts, rejects);
  const progress = new Progress(io, config.quiet);
  const total = progress.enabled ? await countRecords(config.inputs) : null;
  // done/total, rate, ETA, cache hits, failures, tokens used.
  const show = (done: number) =>
    progress.update((seconds) => {
      const s = session.judge.stats;
      const rate = done / seconds;
      const eta = total && rate > 0 ? ` ETA ${Math.max(0, Math.round((total - done) / rate))}s` : '';
      return `radpo score: ${done}${total ? `/${total}` : ''} rows, ${rate.toFixed(1)}/s${eta}, ${s.cacheHits} cached, ${s.failures} failed, ${s.promptTokens + s.completionTokens} tokens`;
    });
  let committed = false;
  const stage = (collectOnly: boolean) => ({ shape: config.shape, scores: config.scores, collectOnly });
  try {
    if (session.needsFit && !emitting) {
      // First pass: every reward (cached as it arrives), to fit the mapping onto the goal scale.
      for (const input of config.inputs) {
        const { name, records } = await openRecords(input, io.stdin, config.inputFormat, { maxLineBytes: config.maxLineBytes });
        let judged = 0;
        for await (const batch of judgeStage(records, session, stage(true), /\.json(\.gz)?$/i.test(name))) {
          judged += batch.length;
          show(judged);
        }
      }
      session.fit();
      logger.info({ mapping: session.mapping }, 'fitted the reward mapping');
    }
    for (const input of config.inputs) {
      const { name, records } = await openRecords(input, io.stdin, config.inputFormat, { maxLineBytes: config.maxLineBytes });
      for await (const batch of judgeStage(records, session, stage(false), /\.json(\.gz)?$/i.test(name))) {
        for (const record of batch) {
          counts.rowsRead += 1;
          if (record.error) {
            if (emitting && record.error.message === 'written to the batch file') continue;
            await policy.setAside(record, record.error);
            continue;
          }
          if (emitting) continue;
          const row = record.value as Record<string, unknown>;
          if (parquet) await parquet.add(row);
          else {
            const text = serializer.row(row);
            for (const part of typeof text === 'string' ? [text] : text) {
              const w = sink.write(part);
              if (w) await w;
            }
          }
          counts.rowsWritten += 1;
        }
        show(counts.rowsRead);
      }
    }
    progress.done();
    if (emitting) {
      const out = await fileSink(config.run.emitBatch!);
      for (const line of session.judge.batch.values()) await out.write(`${JSON.stringify(line)}\n`);
      await out.commit();
    } else {
      await sink.write(serializer.end());
      await sink.commit();
      await parquet?.commit();
    }
    await rejects?.commit();
    const setAside: Record<string, number> = {};
    for (const key of [...counts.setAside.keys()].sort()) setAside[key] = counts.setAside.get(key)!;
    const total = [...counts.setAside.values()].reduce((a, b) => a + b, 0);
    const report = {
      command: 'score',
      radpo_version: config.version,
      output: emitting ? null : config.output === '-' ? '<stdout>' : config.output,
      rows_read: counts.rowsRead,
      rows_written: counts.rowsWritten,
      set_aside: { total, by_reason: setAside },
      judge: session.report(),
      batch: emitting ? { file: config.run.emitBatch, requests: session.judge.batch.size } : null,
    };
    if (config.report) {
      const r = await fileSink(config.report);
      await r.write(`${JSON.stringify(report, null, 2)}\n`);
      await r.commit();
    }
    committed = true;
    if (!config.quiet) {
      const j = report.judge as Record<string, unknown>;
      const lines = [
        `radpo score: ${counts.rowsRead} rows read, ${counts.rowsWritten} written to ${report.output ?? '(nothing: batch file only)'} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
        `  judge: ${j.kind} ${j.model}; ${j.http_requests} requests, ${j.cache_hits} cache hits, ${j.failures} failures, ${Number(j.prompt_tokens) + Number(j.completion_tokens)} tokens`,
        `  set aside: ${total}${Object.keys(setAside).length ? ` (${Object.entries(setAside).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
      ];
      if (emitting) lines.push(`  batch: ${session.judge.batch.size} requests written to ${config.run.emitBatch}; run them, then: radpo score … --from-batch RESULTS.jsonl`);
      if (session.mapping) lines.push(`  mapping: ${session.mapping.kind} onto ${formatScore(session.mapping.scale.min)}-${formatScore(session.mapping.scale.max)} ${JSON.stringify(session.mapping.fitted)}`);
      io.stderr.write(`${lines.join('\n')}\n`);
    }
    if (!rejects && total > 0) logger.warn(`${total} rows were set aside and not saved; pass --rejects FILE to keep them with their reasons`);
    return report;
  } finally {
    progress.done();
    if (!committed) {
      await parquet?.abort();
      await sink.abort();
      await rejects?.abort();
    }
    await session.close();
  }
}
