/**
 * `radpo relabel`: read pairs, attach scores, write the two goal-conditioned copies of each pair.
 * The I/O shell around the pure core (src/core): streaming, error policy, rejects, report.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createInterface } from 'node:readline';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { RadpoError, RowError, formatLocation } from '../core/errors.js';
import type { OutputFormat } from '../core/formats.js';
import { datasetName, llamaFactoryEntry, trainerConfig } from '../core/trainer-config.js';
import type { GoalSpec, Placement } from '../core/goal.js';
import { detectShapeOf } from '../core/pair.js';
import { getPath, parsePath, type Path } from '../core/path.js';
import { readScores, resolveScoreColumns, type PairScores, type ScoreColumnOptions, type ScoreColumns } from '../core/scores.js';
import { shardOf, type Shard } from '../core/shard.js';
import { openRecords, parseJsonRecord, type SourceRecord } from '../io/records.js';
import { RowPolicy } from './row-policy.js';
import type { CommonRunConfig } from './common.js';
import type { JudgeRunConfig } from './score.js';
import { ParquetOutput } from '../io/parquet.js';
import { RelabelPool } from './relabel-pool.js';
import { relabelRecord, type RecordContext, type RecordResult } from './relabel-record.js';
import { createSerializer, fileSink, nullSink, openSink, outputFileFormat, streamSink, type Sink } from '../io/output.js';
import type { Io } from '../cli/io.js';
import { Progress } from '../cli/progress.js';
import { RunCounts, histogramReport, renderSummary, setAsideReport, type InputSummary, type RunReport } from './summary.js';

export interface RelabelConfig extends CommonRunConfig {
  scores: ScoreColumnOptions;
  scoresFile?: string;
  key?: string;
  idCol?: string;
  goal: GoalSpec;
  goalTemplateName: string;
  placement: Placement;
  order: 'interleave' | 'concat';
  ties: 'keep' | 'drop';
  identical: 'drop' | 'keep';
  allowEmpty: boolean;
  format: OutputFormat;
  shard?: Shard;
  /** The byte-level JSON fast path (on by default; its output is byte-identical to the plain path). */
  fastPath: boolean;
  /** Print the trainer's config snippet for the output file (stdout) at the end. */
  printConfig?: boolean;
  /** --scale was given (else the default 1-10, or the judge's). */
  scaleExplicit?: boolean;
  /** Score rows without scores with a judge first (relabel --judge). */
  judge?: JudgeRunConfig;
  /** zlib level for .gz output. */
  gzipLevel?: number;
  /** Worker threads for large JSON inputs (--threads; default by core count); 0 relabels on the main thread. */
  workers?: number;
}

const ID_COLUMNS = ['id', 'prompt_id'];

/** Worker threads pay for themselves only on inputs past a few megabytes (start-up ~40 ms each). */
const POOL_AFTER_BYTES = 4 << 20;
/** Batches (about 1 MB of input each) relabeled ahead of the writer: bounds memory, keeps workers busy. */
const MAX_IN_FLIGHT = 6;

/** Read a scores file into key -> scores. Scores files are small (a key and a few numbers a row). */
async function loadScoresFile(config: RelabelConfig, io: Io, keyPath: Path): Promise<{ table: Map<string, PairScores>; columns: ScoreColumns; description: string }> {
  const path = config.scoresFile!;
  const { name, records } = await openRecords(path, io.stdin, undefined, { maxLineBytes: config.maxLineBytes });
  const table = new Map<string, PairScores>();
  let columns: ScoreColumns | null = null;
  for await (const batch of records) {
    for (const record of batch) {
      if (record.error) throw new RadpoError('io', `scores file ${record.error.describe()}`);
      if (columns === null) {
        columns = resolveScoreColumns(record.value, config.scores);
        if (columns === null) {
          throw new RadpoError('no_scores', `scores file ${name}: no score columns in its first record (columns ${Object.keys(record.value as object).join(', ')})`, 'name them with --chosen-score-col and --rejected-score-col');
        }
      }
      const key = getPath(record.value, keyPath);
      if (key === undefined || key === null || typeof key === 'object') {
        throw new RadpoError('io', `${formatLocation(record.location)}: scores file has no usable key in "${keyPath.join('.')}"`, 'every scores row needs the key column given with --key');
      }
      const k = String(key);
      if (table.has(k)) throw new RadpoError('io', `${formatLocation(record.location)}: key ${JSON.stringify(k)} appears twice in the scores file`, 'keep one scores row per key');
      try {
        table.set(k, readScores(record.value, columns, config.goal.scale));
      } catch (err) {
        if (err instanceof RowError) {
          err.location = record.location;
          throw new RadpoError('row', `scores file ${err.describe()}`);
        }
        throw err;
      }
    }
  }
  if (columns === null) throw new RadpoError('no_scores', `scores file ${name} is empty`);
  return { table, columns, description: `${columns.description} from ${name}, joined on ${keyPath.join('.')}` };
}

/**
 * LLaMA-Factory finds datasets through dataset_info.json in the dataset folder: add (or replace) this
 * file's entry, keeping the others. Written atomically like every output.
 */
async function writeDatasetInfo(output: string): Promise<void> {
  const path = join(dirname(output), 'dataset_info.json');
  let info: Record<string, unknown> = {};
  try {
    info = JSON.parse(await fsp.readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RadpoError('io', `${path} exists but is not valid JSON (${(err as Error).message})`, 'fix or move it; radpo adds its entry to the existing file');
    }
  }
  if (info === null || typeof info !== 'object' || Array.isArray(info)) throw new RadpoError('io', `${path} is not a JSON object`);
  info[datasetName(output)] = llamaFactoryEntry(output);
  const sink = await fileSink(path);
  await sink.write(`${JSON.stringify(info, null, 2)}\n`);
  await sink.commit();
}

export async function runRelabel(config: RelabelConfig, io: Io, logger: Logger): Promise<RunReport> {
  const started = Date.now();
  const counts = new RunCounts();
  const attributes = config.goal.attributes;
  const fileFormat = outputFileFormat(config.output, config.outputFormat);
  const serializer = createSerializer(fileFormat);
  const keyPath = config.key ? parsePath(config.key, '--key') : null;
  const idPath = config.idCol ? parsePath(config.idCol, '--id-col') : null;
  const joined = config.scoresFile && keyPath ? await loadScoresFile(config, io, keyPath) : null;

  // Parquet output takes row objects and owns its file; every other format is text through a sink.
  const parquet = fileFormat === 'parquet' ? ParquetOutput.create(config.output) : null;
  const sink: Sink = parquet ? nullSink() : await openSink(config.output, io.stdout, config.gzipLevel);
  const rejects: Sink | null = config.rejects ? (config.rejects === '-' ? streamSink(io.stdout) : await fileSink(config.rejects)) : null;
  // --order concat: the rejected-goal copies wait in a temporary file (flat memory, works for stdin too).
  const spoolPath = join(tmpdir(), `radpo-spool-${process.pid}-${Math.random().toString(36).slice(2, 10)}.txt`);
  const spool: Sink | null = config.order === 'concat' ? await fileSink(spoolPath) : null;
  const progress = new Progress(io, config.quiet);
  const n = (x: number) => x.toLocaleString('en-US');
  const goalHasNul = config.goal.template?.some((part) => 'text' in part && part.text.includes('\u0000')) ?? false;
  const inputs: InputSummary[] = [];
  let committed = false;
  let fastRecords = 0;

  const policy = new RowPolicy({ onError: config.onError, maxErrors: config.maxErrors }, counts, rejects);
  const setAside = (record: SourceRecord, error: RowError) => policy.setAside(record, error);

  // Batches being relabeled (in worker threads when the input is large), written in submission order.
  const inFlight: Array<{ records: SourceRecord[]; results: Promise<RecordResult[]> }> = [];
  // Worker threads are opt-in (--threads N): on the 2-vCPU machines this was measured on they gave no
  // speed-up (two processes on half the input each took as long as one on all of it) and cost ~70 MB.
  const workerCount = Math.min(config.workers ?? 0, Math.max(1, availableParallelism()));
  let pool: RelabelPool | null = null;
  let inputBytes = 0;

  const drainOne = async (summary: InputSummary): Promise<void> => {
    const batch = inFlight.shift()!;
    const results = await batch.results;
    for (const result of results) {
      if (result.kind === 'other_shard') {
        counts.otherShards += 1;
        continue;
      }
      counts.rowsRead += 1;
      summary.rows += 1;
      if (result.kind === 'error') {
        if (config.shard && shardOf(result.record.bytes ?? JSON.stringify(result.record.raw), config.shard.count) !== config.shard.index) {
          // A row that fails is owned by the shard of its raw bytes, so it is set aside exactly once.
          counts.rowsRead -= 1;
          summary.rows -= 1;
          counts.otherShards += 1;
          continue;
        }
        if (result.error.reason === 'tie_dropped') counts.ties += 1;
        await setAside(result.record, result.error);
        continue;
      }
      counts.pairsRelabeled += 1;
      if (result.tie) counts.ties += 1;
      if (result.contradicting) counts.contradicting += 1;
      if (result.fast) fastRecords += 1;
      counts.addGoal(attributes, result.goals[0]);
      counts.addGoal(attributes, result.goals[1]);
      if (parquet) {
        await parquet.add(result.objects![0]);
        if (spool) await spool.write(`${JSON.stringify(result.objects![1])}\n`);
        else await parquet.add(result.objects![1]);
        counts.rowsWritten += 2;
        continue;
      }
      const text = (out: string | Array<string | Buffer>) => (typeof out === 'string' ? [out] : out);
      const [first, second] = result.objects ? result.objects.map((o) => text(serializer.row(o, result.table ?? undefined))) : result.rows.map((r) => serializer.frame(r));
      for (const part of first!) {
        const w = sink.write(part);
        if (w) await w;
      }
      for (const part of second!) {
        const w = spool ? spool.write(part) : sink.write(part);
        if (w) await w;
      }
      counts.rowsWritten += 2;
    }
  };

  // The judge modules (undici, SQLite) load only when a judge is asked for: they cost ~30 MB of RSS.
  const judging = config.judge ? await import('./score.js') : null;
  const session = config.judge && judging ? await judging.JudgeSession.open(config.judge, io, logger) : null;
  const judgeStage = (...args: Parameters<NonNullable<typeof judging>['judgeStage']>) => judging!.judgeStage(...args);
  const judgeStageOptions = (collectOnly: boolean) => ({ shape: config.shape, scores: config.scores, collectOnly });
  try {
    if (session?.needsFit) {
      // First pass: every reward, cached as it arrives, to fit the mapping onto the goal scale.
      for (const input of config.inputs) {
        const { name, records } = await openRecords(input, io.stdin, config.inputFormat, { maxLineBytes: config.maxLineBytes });
        for await (const batch of judgeStage(records, session, judgeStageOptions(true), /\.json(\.gz)?$/i.test(name))) void batch;
      }
      session.fit();
    }
    for (const input of config.inputs) {
      const opened = await openRecords(input, io.stdin, config.inputFormat, { maxLineBytes: config.maxLineBytes, lazy: true });
      const { name, format } = opened;
      const records = session ? judgeStage(opened.records, session, judgeStageOptions(false), /\.json(\.gz)?$/i.test(name)) : opened.records;
      const summary: InputSummary = { source: name, format, shape: '(no records)', scores: '(no records)', rows: 0 };
      inputs.push(summary);
      let ctx: RecordContext | null = null;
      let ctxId = -1;
      const isJsonFile = /\.json(\.gz)?$/i.test(name);

      /** The first parseable record fixes this input's shape and score columns. */
      const contextFrom = (value: unknown): RecordContext => {
        const shape = detectShapeOf(name, value, config.shape);
        summary.shape = shape.description;
        let scoreColumns: ScoreColumns | null = null;
        if (joined) summary.scores = joined.description;
        else {
          scoreColumns = resolveScoreColumns(value, config.scores);
          if (scoreColumns === null) {
            const keys = Object.keys(value as object);
            throw new RadpoError(
              'no_scores',
              `${name}: no scores found; the first record has columns ${keys.join(', ')}, none of the known score pairs (score_chosen/score_rejected, chosen-rating/rejected-rating, chosen_score/rejected_score, …)`,
              'name the columns with --chosen-score-col and --rejected-score-col (dotted paths such as metadata.score_chosen), join a scores file with --scores FILE --key COL, or use --attr NAME=CHOSEN,REJECTED for several attributes',
            );
          }
          summary.scores = scoreColumns.description;
        }
        let idColumn = idPath;
        if (!idColumn) {
          const top = value as Record<string, unknown>;
          const found = ID_COLUMNS.find((c) => Object.prototype.hasOwnProperty.call(top, c) && (typeof top[c] === 'string' || typeof top[c] === 'number'));
          idColumn = found ? [found] : null;
        }
        return {
          shape,
          scoreColumns,
          joined: joined?.table ?? null,
          keyPath,
          idColumn,
          goal: config.goal,
          placement: config.placement,
          format: config.format,
          ties: config.ties,
          identical: config.identical,
          allowEmpty: config.allowEmpty,
          shard: config.shard ?? null,
          withFile: config.inputs.length > 1,
          isJsonFile,
          // The byte-level fast path needs JSON in and out, and a shape whose text the core only moves
          // (hh-rlhf transcripts are split into turns, so they are decoded).
          // (CSV output takes the raw bytes too; Parquet needs decoded strings.)
          fast: config.fastPath && (format === 'jsonl' || format === 'json') && fileFormat !== 'parquet' && shape.schema !== 'implicit-string' && !goalHasNul,
          objects: fileFormat === 'csv' || fileFormat === 'parquet',
        };
      };

      for await (const batch of records) {
        if (io.signal?.aborted) throw new RadpoError('interrupted', 'interrupted; no output was written under the final name');
        let rest = batch;
        if (ctx === null) {
          // Records up to the first parseable one are handled here, one by one.
          const results: RecordResult[] = [];
          let i = 0;
          for (; i < batch.length && ctx === null; i++) {
            const parsed = parseJsonRecord(batch[i]!, isJsonFile);
            if (!parsed.error) ctx = contextFrom(parsed.value);
            results.push(ctx ? relabelRecord(batch[i]!, { ...ctx, fast: false }) : { kind: 'error', error: parsed.error!, record: parsed });
          }
          inFlight.push({ records: batch.slice(0, i), results: Promise.resolve(results) });
          rest = batch.slice(i);
        }
        if (rest.length > 0) {
          const c = ctx!;
          inputBytes += rest.reduce((a, r) => a + (r.bytes?.length ?? 0), 0);
          if (pool === null && c.fast && !c.objects && workerCount > 0 && inputBytes >= POOL_AFTER_BYTES) {
            pool = new RelabelPool(workerCount);
            logger.debug({ threads: workerCount }, 'relabeling in worker threads');
          }
          if (pool && c.fast && !c.objects && rest[0]!.bytes) {
            if (ctxId < 0) ctxId = pool.context(c);
            const results = pool.submit(rest, ctxId);
            results.catch(() => undefined); // awaited in order by drainOne; a stopped run may leave it pending
            inFlight.push({ records: rest, results });
          } else inFlight.push({ records: rest, results: Promise.resolve(rest.map((r) => relabelRecord(r, c))) });
        }
        while (inFlight.length > MAX_IN_FLIGHT) await drainOne(summary);
        progress.update((seconds) => `radpo relabel: ${n(counts.rowsRead)} rows read, ${n(counts.rowsWritten)} written (${n(Math.round(counts.rowsRead / seconds))} rows/s)`);
      }
      while (inFlight.length > 0) await drainOne(summary);
    }
    if (spool) {
      await spool.commit();
      if (parquet) {
        const lines = createInterface({ input: createReadStream(spoolPath, { encoding: 'utf8' }), crlfDelay: Infinity });
        for await (const line of lines) if (line) await parquet.add(JSON.parse(line) as Record<string, unknown>);
      } else {
        for await (const chunk of createReadStream(spoolPath, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
          const w = sink.write(chunk as string);
          if (w) await w;
        }
      }
    }
    await sink.write(serializer.end());
    progress.done();
    const report: RunReport = {
      command: 'relabel',
      radpo_version: config.version,
      inputs,
      output: config.output === '-' ? '<stdout>' : config.output,
      rejects: config.rejects ?? null,
      format: config.format,
      placement: config.placement,
      order: config.order,
      goal: { template: config.goalTemplateName, scale: config.goal.scale, attributes },
      rows_read: counts.rowsRead,
      pairs_relabeled: counts.pairsRelabeled,
      rows_written: counts.rowsWritten,
      set_aside: setAsideReport(counts),
      ties: { count: counts.ties, policy: config.ties },
      contradicting_label: counts.contradicting,
      goal_score_histogram: histogramReport(counts),
    };
    if (session) report.judge = session.report();
    if (config.shard) report.shard = { shard: `${config.shard.index}/${config.shard.count}`, rows_in_other_shards: counts.otherShards };
    await sink.commit();
    await parquet?.commit();
    if (rejects) await rejects.commit();
    if (config.report) {
      const reportSink = await fileSink(config.report);
      await reportSink.write(`${JSON.stringify(report, null, 2)}\n`);
      await reportSink.commit();
    }
    if (config.format === 'llamafactory' && config.output !== '-') await writeDatasetInfo(config.output);
    committed = true;
    if (config.printConfig) io.stdout.write(trainerConfig(config.format, config.output));
    logger.debug({ fast_path_records: fastRecords, rows_read: counts.rowsRead }, 'records parsed by the byte-level fast path');
    // A 1-5 rating (argilla's UltraFeedback, HelpSteer) relabeled on the default 1-10 scale would tell the
    // model "Overall score: 5 on 1-10" for the best answers: say so.
    const top = Math.max(-Infinity, ...[...counts.goalHistogram.values()].flatMap((h) => [...h.keys()]));
    if (!config.scaleExplicit && !config.judge && counts.pairsRelabeled > 0 && top <= config.goal.scale.max / 2) {
      logger.warn(`every goal score is at most ${top} on the ${config.goal.scale.min}-${config.goal.scale.max} scale the goal text names; if the scores are ratings on a smaller scale (e.g. 1-5), relabel with --scale`);
    }
    if (!rejects && counts.setAsideTotal > 0) {
      logger.warn(`${counts.setAsideTotal} rows were set aside and not saved; pass --rejects FILE to keep them with their reasons`);
    }
    if (!config.quiet) io.stderr.write(renderSummary(report, (Date.now() - started) / 1000));
    return report;
  } finally {
    progress.done();
    await pool?.close();
    await session?.close();
    if (!committed) {
      await parquet?.abort();
      await sink.abort();
      await rejects?.abort();
    }
    if (spool) {
      await spool.abort();
      await fsp.rm(spoolPath, { force: true });
    }
  }
}
