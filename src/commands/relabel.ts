/**
 * `radpo relabel`: read pairs, attach scores, write the two goal-conditioned copies of each pair.
 * The I/O shell around the pure core (src/core): streaming, error policy, rejects, report.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RadpoError, RowError, formatLocation, type RowReason } from '../core/errors.js';
import { toHandbookRow, toTrlRow, type OutputFormat, type RowOrigin } from '../core/formats.js';
import type { GoalSpec, Placement } from '../core/goal.js';
import { detectShape, identicalResponses, toPair, type Shape, type ShapeOptions } from '../core/pair.js';
import { getPath, parsePath, type Path } from '../core/path.js';
import { contradictsLabel, isTie, relabelPair } from '../core/relabel.js';
import { readScores, resolveScoreColumns, type PairScores, type ScoreColumnOptions, type ScoreColumns } from '../core/scores.js';
import { shardOf, type Shard } from '../core/shard.js';
import { openBytes } from '../io/bytes.js';
import { detectInputFormat, parseJsonRecord, rawOf, readRecords, type InputFormat, type SourceRecord } from '../io/records.js';
import { expandRaw, NEEDS_SLOW_PATH, parseRaw, RawTable } from '../io/rawjson.js';
import { createSerializer, openSink, outputFileFormat, fileSink, streamSink, type OutputFileFormat, type Sink } from '../io/output.js';
import type { Io } from '../cli/io.js';
import { Progress } from '../cli/progress.js';
import { RunCounts, histogramReport, renderSummary, setAsideReport, type InputSummary, type RunReport } from './summary.js';

export interface RelabelConfig {
  inputs: string[];
  inputFormat?: InputFormat;
  shape: ShapeOptions;
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
  output: string;
  outputFormat?: OutputFileFormat;
  onError: 'fail' | 'skip';
  rejects?: string;
  maxErrors?: number;
  report?: string;
  maxLineBytes: number;
  shard?: Shard;
  quiet: boolean;
  version: string;
  /** The byte-level JSON fast path (on by default; its output is byte-identical to the plain path). */
  fastPath: boolean;
}

/** Reasons that are a policy's decision, not an error: they never stop the run or count toward --max-errors. */
const POLICY_REASONS = new Set<RowReason>(['identical_responses', 'tie_dropped']);

const ID_COLUMNS = ['id', 'prompt_id'];

/** Read a scores file into key -> scores. Scores files are small (a key and a few numbers a row). */
async function loadScoresFile(config: RelabelConfig, io: Io, keyPath: Path): Promise<{ table: Map<string, PairScores>; columns: ScoreColumns; description: string }> {
  const path = config.scoresFile!;
  const { name, bytes } = await openBytes(path, io.stdin);
  const format = await detectInputFormat(name, bytes);
  const table = new Map<string, PairScores>();
  let columns: ScoreColumns | null = null;
  for await (const batch of readRecords(name, bytes, format, { maxLineBytes: config.maxLineBytes })) {
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

export async function runRelabel(config: RelabelConfig, io: Io, logger: Logger): Promise<RunReport> {
  const started = Date.now();
  const counts = new RunCounts();
  const attributes = config.goal.attributes;
  const fileFormat = outputFileFormat(config.output, config.outputFormat);
  const serializer = createSerializer(fileFormat);
  const keyPath = config.key ? parsePath(config.key, '--key') : null;
  const idPath = config.idCol ? parsePath(config.idCol, '--id-col') : null;
  const joined = config.scoresFile && keyPath ? await loadScoresFile(config, io, keyPath) : null;

  const sink: Sink = await openSink(config.output, io.stdout);
  const rejects: Sink | null = config.rejects ? (config.rejects === '-' ? streamSink(io.stdout) : await fileSink(config.rejects)) : null;
  // --order concat: the rejected-goal copies wait in a temporary file (flat memory, works for stdin too).
  const spoolPath = join(tmpdir(), `radpo-spool-${process.pid}-${Math.random().toString(36).slice(2, 10)}.txt`);
  const spool: Sink | null = config.order === 'concat' ? await fileSink(spoolPath) : null;
  const progress = new Progress(io, config.quiet, 'relabel');
  const goalHasNul = config.goal.template?.some((part) => 'text' in part && part.text.includes('\u0000')) ?? false;
  const inputs: InputSummary[] = [];
  let errors = 0;
  let committed = false;
  let fastRecords = 0;

  const setAside = async (record: SourceRecord, error: RowError): Promise<void> => {
    error.location ??= record.location;
    const policy = POLICY_REASONS.has(error.reason);
    if (!policy) {
      if (config.onError === 'fail') throw new RadpoError('row', error.describe());
      errors += 1;
      if (config.maxErrors !== undefined && errors > config.maxErrors) {
        throw new RadpoError('too_many_errors', `more than ${config.maxErrors} rows failed (--max-errors ${config.maxErrors}); the last: ${error.describe()}`, 'fix the input, or raise --max-errors');
      }
    }
    counts.addSetAside(error.reason);
    if (rejects) {
      const entry = { source: record.location.source, [record.location.unit]: record.location.line, reason: error.reason, message: error.describe(), raw: rawOf(record) };
      await rejects.write(`${JSON.stringify(entry)}\n`);
    }
  };

  try {
    for (const input of config.inputs) {
      const { name, bytes } = await openBytes(input, io.stdin);
      const format = await detectInputFormat(name, bytes, config.inputFormat);
      const summary: InputSummary = { source: name, format, shape: '(no records)', scores: '(no records)', rows: 0 };
      inputs.push(summary);
      const isJsonFile = /\.json(\.gz)?$/i.test(name);
      let shape: Shape | null = null;
      let scoreColumns: ScoreColumns | null = null;
      let idColumn: Path | null = idPath;
      // The byte-level fast path (src/io/rawjson.ts) needs JSON in and JSON out, and a shape whose
      // response text the core only moves around (hh-rlhf transcripts are split, so they are decoded).
      let fast = false;

      /** Relabel one parsed record into its two serialized rows; throws RowError; null = another shard's. */
      const relabelValue = (record: SourceRecord, value: unknown, table: RawTable | null): [string | Buffer, string | Buffer] | null => {
        const expand = (text: string) => (table ? expandRaw(text, table) : text);
        const pair = toPair(value, shape!, { allowEmpty: config.allowEmpty });
        if (config.shard && shardOf(expand(JSON.stringify(pair.prompt)), config.shard.count) !== config.shard.index) return null;
        let scores: PairScores;
        if (joined) {
          const key = getPath(value, keyPath!);
          const entry = key === undefined || key === null ? undefined : joined.table.get(String(key));
          if (!entry) {
            throw new RowError('missing_score', 'no scores for this row in the scores file', {
              field: keyPath!.join('.'),
              expected: 'a key present in the scores file',
              found: key === undefined ? 'no key column' : JSON.stringify(key),
              hint: 'score the missing rows, or set them aside with --on-error skip --rejects FILE',
            });
          }
          scores = entry;
        } else scores = readScores(value, scoreColumns!, config.goal.scale);
        if (config.identical === 'drop' && identicalResponses(pair)) {
          throw new RowError('identical_responses', 'chosen and rejected are the same text', {
            hint: 'such a pair carries no preference and breaks trainers that find the prompt by common prefix; --identical keep writes it anyway',
          });
        }
        const tie = isTie(scores);
        if (tie && config.ties === 'drop') {
          throw new RowError('tie_dropped', 'chosen and rejected have the same score (--ties drop)');
        }
        const copies = relabelPair(pair, scores, { goal: config.goal, placement: config.placement });
        const origin: RowOrigin = { line: record.location.line };
        if (config.inputs.length > 1) origin.file = record.location.source;
        if (idColumn) {
          const id = getPath(value, idColumn);
          if (typeof id === 'string' || typeof id === 'number') origin.id = id;
        }
        const rowShape = shape!;
        const text = (copy: (typeof copies)[number]) =>
          expand(serializer.row(config.format === 'handbook' ? toHandbookRow(copy, attributes, origin, value as Record<string, unknown>, rowShape) : toTrlRow(copy, attributes, origin)));
        const rows: [string | Buffer, string | Buffer] = [text(copies[0]), text(copies[1])];
        counts.pairsRelabeled += 1;
        if (tie) counts.ties += 1;
        if (contradictsLabel(scores)) counts.contradicting += 1;
        counts.addGoal(attributes, copies[0].goalScores);
        counts.addGoal(attributes, copies[1].goalScores);
        return rows;
      };

      const firstRecord = (value: unknown) => {
        // The first parseable record fixes the shape and score columns of this input.
        shape = detectShape(value, config.shape);
        summary.shape = shape.description;
        if (joined) {
          scoreColumns = joined.columns;
          summary.scores = joined.description;
        } else {
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
        if (!idColumn) {
          const top = value as Record<string, unknown>;
          const found = ID_COLUMNS.find((c) => Object.prototype.hasOwnProperty.call(top, c) && (typeof top[c] === 'string' || typeof top[c] === 'number'));
          idColumn = found ? [found] : null;
        }
        fast = config.fastPath && format !== 'csv' && fileFormat !== 'csv' && shape.schema !== 'implicit-string' && !goalHasNul;
      };

      for await (const batch of readRecords(name, bytes, format, { maxLineBytes: config.maxLineBytes, lazy: true })) {
        if (io.signal?.aborted) throw new RadpoError('interrupted', 'interrupted; no output was written under the final name');
        for (let record of batch) {
          let rows: [string | Buffer, string | Buffer] | null = null;
          let failure: RowError | null = record.error ?? null;
          if (!failure) {
            let table: RawTable | null = null;
            let value: unknown = NEEDS_SLOW_PATH;
            if (fast && record.bytes) {
              table = new RawTable();
              value = parseRaw(record.bytes, table);
              if (value !== NEEDS_SLOW_PATH) fastRecords += 1;
            }
            try {
              if (value === NEEDS_SLOW_PATH) {
                table = null;
                record = parseJsonRecord(record, isJsonFile);
                if (record.error) throw record.error;
                value = record.value;
              }
              if (shape === null) firstRecord(value);
              try {
                rows = relabelValue(record, value, table);
              } catch (err) {
                if (!(err instanceof RowError) || table === null) throw err;
                // Errors are described from the decoded record, so messages quote real text.
                record = parseJsonRecord(record, isJsonFile);
                rows = relabelValue(record, record.value, null);
              }
              if (rows === null) {
                counts.otherShards += 1;
                continue;
              }
            } catch (err) {
              if (!(err instanceof RowError)) throw err;
              failure = err;
            }
          }
          if (failure) {
            // A row that fails is owned by the shard of its raw bytes, so it is set aside exactly once.
            if (config.shard && shardOf(record.bytes ?? JSON.stringify(record.raw), config.shard.count) !== config.shard.index) {
              counts.otherShards += 1;
              continue;
            }
            counts.rowsRead += 1;
            summary.rows += 1;
            if (failure.reason === 'tie_dropped') counts.ties += 1;
            await setAside(record, failure);
            continue;
          }
          counts.rowsRead += 1;
          summary.rows += 1;
          const a = sink.write(rows![0]);
          if (a) await a;
          const b = spool ? spool.write(rows![1]) : sink.write(rows![1]);
          if (b) await b;
          counts.rowsWritten += 2;
        }
        progress.update(counts.rowsRead, counts.rowsWritten);
      }
    }
    if (spool) {
      await spool.commit();
      for await (const chunk of createReadStream(spoolPath, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
        const w = sink.write(chunk as string);
        if (w) await w;
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
    if (config.shard) report.shard = { shard: `${config.shard.index}/${config.shard.count}`, rows_in_other_shards: counts.otherShards };
    await sink.commit();
    if (rejects) await rejects.commit();
    if (config.report) {
      const reportSink = await fileSink(config.report);
      await reportSink.write(`${JSON.stringify(report, null, 2)}\n`);
      await reportSink.commit();
    }
    committed = true;
    logger.debug({ fast_path_records: fastRecords, rows_read: counts.rowsRead }, 'records parsed by the byte-level fast path');
    if (!rejects && counts.setAsideTotal > 0) {
      logger.warn(`${counts.setAsideTotal} rows were set aside and not saved; pass --rejects FILE to keep them with their reasons`);
    }
    if (!config.quiet) io.stderr.write(renderSummary(report, (Date.now() - started) / 1000));
    return report;
  } finally {
    progress.done();
    if (!committed) {
      await sink.abort();
      await rejects?.abort();
    }
    if (spool) {
      await spool.abort();
      await fsp.rm(spoolPath, { force: true });
    }
  }
}
