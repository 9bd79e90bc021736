/**
 * The state of one relabel run while rows flow: batches relabeled (in worker threads when the input is
 * large) and written in input order, the counts that reconcile in the summary, the judge stage when
 * scores come from a judge.
 */
import type { Logger } from '../../io/log.js';
import { RadpoError, RowError, formatLocation, type Location } from '../../core/errors.js';
import type { GoalSpec } from '../../core/goal.js';
import { shellCommand } from '../../core/terminal.js';
import { detectShapeOf, readPair, unusedPromptColumns, type Message, type Shape } from '../../core/pair.js';
import { relabeledEvidence } from '../../core/relabel.js';
import { hint } from '../../core/hints.js';
import { positionalMismatch } from '../../core/score-join.js';
import { refuseSidedScores, resolveScoreColumns, type ScoreColumns } from '../../core/scores.js';
import { defaultIdColumn } from '../../core/ids.js';
import { pathText } from '../../core/path.js';
import { shardOf } from '../../core/shard.js';
import { probeOrientation } from '../../core/winner.js';
import { severalReadings } from '../../cli/readings.js';
import { checkpoint, type Io } from '../../io/io.js';
import { parseJsonRecord, type SourceRecord } from '../../io/records.js';
import type { JudgeSession } from '../../judge/session.js';
import { isJsonFileName, openInput } from '../../pipeline/inputs.js';
import { Progress } from '../../pipeline/progress.js';
import type { RunOutput } from '../../pipeline/run-output.js';
import type { RowPolicy } from '../../pipeline/row-policy.js';
import type { BaseReport } from '../../pipeline/summary.js';
import {
  conflictError,
  conflictWindowClosed,
  histogramReport,
  type InputSummary,
  type RunCounts,
  type RunReport,
} from '../../pipeline/summary.js';
import { formatCount } from '../../pipeline/text.js';
import { RelabelPool } from './pool.js';
import { relabelRecord, type RecordContext, type RecordResult } from './record.js';
import type { RelabelConfig } from './config.js';
import type { JoinedScores } from '../../pipeline/scores-file.js';

/** Worker threads pay for themselves only on inputs past a few megabytes (start-up ~40 ms each). */
const POOL_AFTER_BYTES = 4 << 20;
/**
 * Input bytes relabeled ahead of the writer, whatever the number of threads: enough batches (about 1 MB
 * each) to keep eight workers busy, and a bound on memory that does not grow with the core count.
 */
export const IN_FLIGHT_BUDGET_BYTES = 16 << 20;
interface Batch {
  results: Promise<RecordResult[]>;
  bytes: number;
}

export class RelabelRun {
  readonly progress: Progress;
  private readonly inputs: InputSummary[] = [];
  private readonly inFlight: Batch[] = [];
  private readonly goalHasNul: boolean;
  private session: JudgeSession | null = null;
  private pool: RelabelPool | null = null;
  private inputBytes = 0;
  private fastRecords = 0;
  /** A pair was written with tools: any row's, not only the first's (the optional columns are read by name). */
  private withTools = false;
  private inFlightBytes = 0;
  /** The most input bytes that were ever in flight at once (the report shows it). */
  inFlightHighWater = 0;
  /** CSV columns of the pair whose cells held JSON that is no conversation (kept as text). */
  private readonly jsonTextColumns = new Map<string, string>();
  private readonly shapes: Shape[] = [];
  /** With --judge: the shape the judge stage detected on this input's first pair (detected once). */
  private judged: { shape: Shape | null } | null = null;
  /** The score columns the first input's rows were read with (the conflict stop names them). */
  private scoreColumns: ScoreColumns | null = null;

  constructor(
    private readonly config: RelabelConfig,
    private readonly out: RunOutput,
    private readonly policy: RowPolicy,
    readonly counts: RunCounts,
    private readonly joined: JoinedScores | null,
    private readonly workers: number,
    private readonly io: Io,
    private readonly logger: Logger,
  ) {
    this.progress = new Progress(io, config.quiet);
    this.goalHasNul = config.goal.template?.some((part) => 'text' in part && part.text.includes('\u0000')) ?? false;
  }

  /** With --judge: open the session and, for a fitted reward mapping, run the first pass. */
  async openJudge(): Promise<void> {
    if (!this.config.judge) return;
    // The judge modules (undici, SQLite) load only when a judge is asked for: they cost ~30 MB of RSS.
    const { JudgeSession } = await import('../../judge/session.js');
    this.session = await JudgeSession.open(this.config.judge, this.io, this.logger);
    if (!this.session.needsFit) return;
    // The judge stage (and what it needs) loads with the judge: a run on scored rows starts without it.
    const { fitRewardMapping } = await import('../../pipeline/reward-fit.js');
    await fitRewardMapping(
      this.session,
      this.config,
      { shape: this.config.shape, scores: this.config.scores },
      this.io,
    );
  }

  /** Files of the input being read (a Hub glob's shards): rows then carry source_file. */
  private parts = 1;

  /** Relabel one input, every row written or set aside before this returns. */
  async readInput(input: string): Promise<void> {
    const { config, io } = this;
    const opened = await openInput(input, config, io, true);
    const { name, format } = opened;
    this.parts = opened.parts;
    const isJsonFile = isJsonFileName(name);
    let records: AsyncIterable<SourceRecord[]> = opened.records;
    this.judged = null;
    if (this.session) {
      const { judgeStage } = await import('../../judge/stage.js');
      // The judge hands each pair's scores over on its record; the row and its bytes stay as read.
      this.judged = { shape: null };
      records = judgeStage(
        opened.records,
        this.session,
        { shape: config.shape, scores: config.scores, collectOnly: false, into: 'record', detected: this.judged },
        isJsonFile,
      );
    }
    const summary: InputSummary = { source: name, format, shape: '(no records)', scores: '(no records)', rows: 0 };
    this.inputs.push(summary);
    let context: RecordContext | null = null;
    let contextId = -1;
    try {
      for await (const batch of records) {
        await checkpoint(io.signal);
        if (format === 'csv')
          for (const record of batch)
            if (record.jsonTextColumns)
              for (const c of record.jsonTextColumns)
                if (!this.jsonTextColumns.has(c)) this.jsonTextColumns.set(c, formatLocation(record.location));
        let rest = batch;
        if (context === null) {
          // Records up to the first parseable one are handled here, one by one: it fixes the context.
          const results: RecordResult[] = [];
          let i = 0;
          for (; i < batch.length && context === null; i++) {
            // A record the judge stage set aside keeps its error (its bytes would parse, and then have no scores).
            const parsed = batch[i]!.error ? batch[i]! : parseJsonRecord(batch[i]!, isJsonFile);
            if (!parsed.error) context = this.contextFrom(parsed.value, parsed.location, summary, format, isJsonFile);
            results.push(
              context
                ? relabelRecord(batch[i]!, { ...context, fast: false })
                : { kind: 'error', error: parsed.error!, record: parsed },
            );
          }
          this.push({ results: Promise.resolve(results), bytes: 0 });
          rest = batch.slice(i);
        }
        if (rest.length > 0) {
          const queued = this.submit(rest, context!, contextId);
          if (queued === null) {
            // On the main thread each record is written as soon as it is relabeled (after the batches before
            // it): its rows die young. A batch of results waiting for the writer lived through collections of
            // the young generation and was copied, then promoted, then marked (on 200 MB of real rows, the
            // collector's time fell from ~0.4 s to ~0.1 s).
            while (this.inFlight.length > 0) await this.drainOne(summary);
            for (const record of rest) {
              const accepted = this.accept(relabelRecord(record, context!), summary);
              if (accepted) await accepted;
            }
          } else contextId = queued;
        }
        // With workers, batches run ahead within the byte budget.
        while (this.inFlight.length > 1 && this.inFlightBytes > IN_FLIGHT_BUDGET_BYTES) await this.drainOne(summary);
        const n = formatCount;
        this.progress.update(
          (seconds) =>
            `radpo relabel: ${n(this.counts.rowsRead)} rows read, ${n(this.counts.rowsWritten)} written ` +
            `(${n(Math.round(this.counts.rowsRead / seconds))} rows/s)`,
        );
      }
    } catch (err) {
      // The reader runs ahead of the worker threads: the batches before the point it failed at are relabeled
      // first, so an earlier row's error is the one reported, as on the main thread (a stop is not delayed).
      if (!(err instanceof RadpoError && err.code === 'interrupted'))
        while (this.inFlight.length > 0) await this.drainOne(summary);
      throw err;
    }
    while (this.inFlight.length > 0) await this.drainOne(summary);
  }

  /**
   * Queue a batch to the worker pool (large JSON inputs, --threads): the pool's context id, or null when the
   * batch is the main thread's to relabel.
   */
  private submit(records: SourceRecord[], context: RecordContext, contextId: number): number | null {
    const bytes = records.reduce((a, r) => a + (r.bytes?.length ?? 0), 0);
    this.inputBytes += bytes;
    // Worker threads get the records' bytes only: scores a judge handed over stay on the main thread, and so
    // does a batch holding a line the reader refused (bad UTF-8, over --max-line-bytes: it has no bytes).
    const poolable =
      context.fast && !context.objects && this.session === null && records.every((r) => r.bytes !== undefined);
    if (
      this.pool === null &&
      poolable &&
      this.workers > 0 &&
      this.inputBytes >= (this.config.poolAfterBytes ?? POOL_AFTER_BYTES)
    ) {
      this.pool = new RelabelPool(this.workers, this.config.workerScript);
      this.logger.debug({ threads: this.workers }, 'relabeling in worker threads');
    }
    if (this.pool && poolable) {
      const id = contextId < 0 ? this.pool.context(context) : contextId;
      const results = this.pool.submit(records, id);
      results.catch(() => undefined); // awaited in order by drainOne; a stopped run may leave it pending
      this.push({ results, bytes });
      return id;
    }
    return null;
  }

  private push(batch: Batch): void {
    this.inFlight.push(batch);
    this.inFlightBytes += batch.bytes;
    this.inFlightHighWater = Math.max(this.inFlightHighWater, this.inFlightBytes);
  }

  /** The first parseable record fixes this input's shape, score columns and whether the fast path fits. */
  private contextFrom(
    value: unknown,
    location: Location,
    summary: InputSummary,
    format: string,
    isJsonFile: boolean,
  ): RecordContext {
    const { config } = this;
    const shape = this.judged?.shape ?? detectShapeOf(summary.source, value, config.shape);
    this.shapes.push(shape);
    summary.shape = shape.description;
    const unused = unusedPromptColumns(value, shape);
    if (unused.length > 0) {
      summary.unused_columns = unused;
      const [noun, verb, pronoun] = unused.length === 1 ? ['column', 'looks', 'it'] : ['columns', 'look', 'them'];
      this.logger.warn(
        `${summary.source}: ${noun} ${unused.join(', ')} ${verb} like prompt content but ` +
          `${unused.length === 1 ? 'is' : 'are'} not part of the pairs (name ${pronoun} with --input-col or ` +
          '--system-col, or ignore this if not)',
      );
    }
    refuseRelabeled(value, shape, location, config.goal);
    // Two layouts fit the first record (chosen/rejected beside chosen_messages/rejected_messages): radpo reads
    // the registry's first; the flags that pick the other are named here, where the choice is made.
    const several = severalReadings(value, config.shape);
    if (several) this.logger.warn(`${summary.source}: ${several.replace(/:\n\s*/, ': ').replace(/\n\s*/g, '; ')}`);
    const scoreColumns = this.scoreSource(value, shape, summary);
    const objects = this.out.fileFormat === 'csv' || this.out.fileFormat === 'parquet';
    return {
      shape,
      scoreColumns,
      joined: this.joined
        ? {
            table: this.joined.table,
            names: this.joined.names,
            texts: this.joined.responses !== null,
            key: config.key!,
          }
        : null,
      idColumn: config.idCol ?? defaultIdColumn(value),
      idNamed: config.idCol !== undefined,
      goal: config.goal,
      placement: config.placement,
      format: config.format,
      ties: config.ties,
      minGap: config.minGap,
      identical: config.identical,
      roundDigits: config.roundDigits,
      allowEmpty: config.allowEmpty,
      shard: config.shard ?? null,
      // A dataset folder's splits must share their columns (load_dataset casts them to one schema): source_file
      // always, not only when this run read several files.
      withFile: config.inputs.length > 1 || this.parts > 1 || this.out.isFolder,
      isJsonFile,
      // The byte-level fast path needs JSON in and out (CSV output takes the raw bytes too; Parquet needs
      // decoded strings), and a shape whose text the core only moves (hh-rlhf transcripts are split into turns).
      fast:
        config.fastPath &&
        (format === 'jsonl' || format === 'json') &&
        this.out.fileFormat !== 'parquet' &&
        shape.schema !== 'implicit-string' &&
        !shape.promptTranscript &&
        !shape.winner?.unpack &&
        !this.goalHasNul,
      objects,
    };
  }

  /**
   * Where this input's scores come from, said in the summary: the judge (handed over with each record), a
   * scores file (each score attached to its response), or the row's own columns (returned).
   */
  private scoreSource(value: unknown, shape: Shape, summary: InputSummary): ScoreColumns | null {
    const { config, joined, session } = this;
    if (session) {
      summary.scores = `from the judge (${session.config.judge.kind} ${session.config.judge.model})`;
      return null;
    }
    if (joined) {
      summary.scores = joined.description;
      const why = joined.responses ? null : positionalMismatch(joined.names, shape.winner !== null);
      if (why) throw new RadpoError('schema', `${summary.source}: ${why}`, config.words(hint('match_scores_file')));
      return null;
    }
    refuseSidedScores(config.scores, shape.winner ?? undefined);
    const columns = resolveScoreColumns(shape.winner ? probeOrientation(value, shape.winner) : value, config.scores);
    if (columns === null) throw noScores(summary.source, value, shape.winner !== null);
    summary.scores = columns.description;
    this.scoreColumns ??= columns;
    return columns;
  }

  /** Write the oldest batch's rows (or set them aside), in input order. */
  private async drainOne(summary: InputSummary): Promise<void> {
    const batch = this.inFlight.shift()!;
    this.inFlightBytes -= batch.bytes;
    for (const result of await batch.results) {
      const accepted = this.accept(result, summary);
      if (accepted) await accepted;
    }
  }

  /**
   * One record's result, counted and written (or set aside). A promise only when a write must be waited for
   * (the row path stays synchronous).
   */
  private accept(result: RecordResult, summary: InputSummary): Promise<void> | void {
    const { counts, config } = this;
    if (result.kind === 'other_shard') {
      counts.otherShards += 1;
      return;
    }
    if (result.kind === 'error') {
      // A row that fails is owned by the shard of its raw bytes, so it is set aside exactly once.
      if (
        config.shard &&
        shardOf(result.record.bytes ?? JSON.stringify(result.record.raw), config.shard.count) !== config.shard.index
      ) {
        counts.otherShards += 1;
        return;
      }
      counts.rowsRead += 1;
      summary.rows += 1;
      if (result.error.reason === 'tie_dropped') counts.ties += 1;
      return this.policy.setAside(result.record, result.error);
    }
    counts.rowsRead += 1;
    summary.rows += 1;
    counts.pairsRelabeled += 1;
    // A tie says nothing about its label: the conflict rate is over the pairs whose scores differ.
    if (!result.tie) counts.labelled += 1;
    if (result.tie) counts.ties += 1;
    if (result.rounded) counts.roundedScores += 1;
    if (counts.longFraction === null && config.roundDigits === null) {
      const long = result.goals[0].find((x) => Math.abs(x * 1e4 - Math.round(x * 1e4)) > 1e-6);
      if (long !== undefined) counts.longFraction = long;
    }
    if (result.contradicting) counts.contradicting += 1;
    const released = (counts.labelled & 63) === 0 ? this.checkConflicts() : undefined;
    if (result.fast) this.fastRecords += 1;
    if (result.tools) this.withTools = true;
    if (result.duplicateKey) counts.addDuplicateKey(result.duplicateKey);
    counts.addGoal(config.goal.attributes, result.goals[0]);
    counts.addGoal(config.goal.attributes, result.goals[1]);
    return released ? released.then(() => this.writeRows(result)) : this.writeRows(result);
  }

  /** Stop when too many scores contradict their labels; release the rows held for stdout once they cannot. */
  private checkConflicts(): Promise<void> | void {
    const { counts, config } = this;
    const conflicts = conflictError(
      counts,
      { maxConflictRate: config.maxConflictRate, sentRows: this.out.sentRows },
      this.conflictCause(),
      true,
    );
    if (conflicts) throw conflicts;
    // Past the early window the scores agree with their labels well enough: held rows may go to stdout.
    if (conflictWindowClosed(counts)) return this.out.release();
  }

  /** The chosen-goal copy, then the rejected-goal copy (to the spool with --order concat). */
  private writeRows(result: RecordResult & { kind: 'rows' }): Promise<void> | void {
    const { counts } = this;
    const later = this.config.order === 'concat';
    const written = () => {
      counts.rowsWritten += 2;
    };
    if (result.objects) {
      const [first, second] = result.objects;
      const table = result.table ?? undefined;
      const firstWritten = this.out.add(first, table);
      if (firstWritten)
        return firstWritten.then(async () => {
          await this.out.add(second, table, later);
          written();
        });
      const secondWritten = this.out.add(second, table, later);
      if (secondWritten) return secondWritten.then(written);
      return written();
    }
    const firstWritten = this.out.addJson(result.rows[0]);
    if (firstWritten)
      return firstWritten.then(async () => {
        await this.out.addJson(result.rows[1], later);
        written();
      });
    const secondWritten = this.out.addJson(result.rows[1], later);
    if (secondWritten) return secondWritten.then(written);
    return written();
  }

  /** The run's report, in the order of its keys since radpo 0.1 (scripts diff reports). */
  report(base: BaseReport): RunReport {
    const { config, counts } = this;
    const report: RunReport = {
      command: base.command,
      radpo_version: base.radpo_version,
      inputs: this.inputs,
      output: base.output ?? '<stdout>',
      rejects: config.rejects ?? null,
      format: config.format,
      placement: config.placement,
      order: config.order,
      goal: { template: config.goalTemplateName, scale: config.goal.scale, attributes: config.goal.attributes },
      rows_read: base.rows_read,
      pairs_relabeled: counts.pairsRelabeled,
      rows_written: base.rows_written,
      set_aside: base.set_aside,
      ties: { count: counts.ties, policy: config.ties },
      contradicting_label: counts.contradicting,
      goal_score_histogram: histogramReport(counts),
    };
    report.threads = { workers: this.pool ? this.workers : 0, in_flight_high_water_bytes: this.inFlightHighWater };
    if (this.session) report.judge = this.session.report();
    if (config.shard)
      report.shard = { shard: `${config.shard.index}/${config.shard.count}`, rows_in_other_shards: counts.otherShards };
    if (config.roundDigits !== null) report.rounded_scores = { digits: config.roundDigits, rows: counts.roundedScores };
    if (base.duplicate_keys) report.duplicate_keys = base.duplicate_keys;
    return report;
  }

  /** What the user should know about a run that succeeded. */
  warnings(): void {
    const { config, counts, logger } = this;
    logger.debug(
      { fast_path_records: this.fastRecords, rows_read: counts.rowsRead },
      'records parsed by the byte-level fast path',
    );
    // A 1-5 rating (argilla's UltraFeedback, HelpSteer) relabeled on the default 1-10 scale would tell the
    // model "Overall score: 5 on 1-10" for the best answers: say so.
    const top = Math.max(-Infinity, ...[...counts.goalHistogram.values()].flatMap((h) => [...h.keys()]));
    if (!config.scaleExplicit && !config.judge && counts.pairsRelabeled > 0 && top <= config.goal.scale.max / 2) {
      logger.warn(
        `every goal score is at most ${top} on the ${config.goal.scale.min}-${config.goal.scale.max} scale ` +
          `the goal text names; if the scores are ratings on a smaller scale (e.g. 1-5), relabel with --scale`,
      );
    }
    if (counts.longFraction !== null) {
      logger.warn(
        `goal scores such as ${counts.longFraction} go into the goal text digit for digit; --precision 2 ` +
          'rounds every goal score (the report counts the rows it changes)',
      );
    }
    const pairColumns = new Set(
      this.shapes.flatMap((shape) =>
        [shape.prompt, shape.chosen, shape.rejected, shape.system].flatMap((p) => (p ? [p[0]!] : [])),
      ),
    );
    for (const [column, where] of this.jsonTextColumns) {
      if (pairColumns.has(column))
        logger.warn(
          `column "${column}" holds JSON that is not a message list or a list of turns (first ` +
            `at ${where}); it was kept as text`,
        );
    }
  }

  /** The likely cause when most scores contradict their labels, from where the scores came. */
  conflictCause(): string {
    if (this.joined)
      return this.joined.responses
        ? `do the scores in ${this.joined.description} score the other responses (higher for worse)?`
        : 'the scores file has no responses and is joined by position: does its first score column score the ' +
            "input's first response?";
    if (this.session) return 'does the judge score worse answers higher (a reward with the opposite sign)?';
    const winner = this.shapes.find((shape) => shape.winner)?.winner;
    if (winner) return `does the label say what --winner-values says it does (${winner.description})?`;
    const columns = this.scoreColumns;
    if (!columns || columns.attributes)
      return 'are the score columns swapped, or are lower scores better in this data?';
    const [chosen, rejected] = [pathText(columns.chosen[0]!), pathText(columns.rejected[0]!)];
    const crossed = /reject|los|wors/i.test(chosen) || /chosen|win|bett/i.test(rejected);
    return crossed
      ? `are the score columns swapped? chosen scores come from ${chosen}, rejected scores from ${rejected}`
      : `are lower scores better in this data, or the columns swapped (chosen scores come from ${chosen})?`;
  }

  /** Whether a pair was written with tools (LLaMA-Factory's dataset_info.json maps the column then). */
  get hasTools(): boolean {
    return this.withTools;
  }

  async close(): Promise<void> {
    this.progress.done();
    await this.pool?.close();
    await this.session?.close();
  }
}

/** radpo's own output fed back in would get a second goal in every prompt: stop at its first record. */
function refuseRelabeled(value: unknown, shape: Shape, location: Location, goal: GoalSpec): void {
  let prompt: Message[] | null = null;
  try {
    prompt = readPair(value, shape, { allowEmpty: true }).prompt;
  } catch (err) {
    if (!(err instanceof RowError)) throw err;
  }
  const evidence = relabeledEvidence(value, prompt, goal);
  if (evidence === null) return;
  throw new RadpoError(
    'schema',
    `${formatLocation(location)}: this data is already relabeled: ${evidence}; relabeling it again would put ` +
      `a second goal in every prompt`,
    `relabel the original pairs (the file radpo read to write this one) instead; to check this file for ` +
      `training, run ${shellCommand(['radpo', 'check', location.source, '--chat-template', 'FILE'])}`,
  );
}

function noScores(source: string, first: unknown, ab: boolean): RadpoError {
  // A/B responses with a winner name their score columns by side: the first response's, the second's.
  const columns = ab
    ? '--score-a-col and --score-b-col (the scores of the first and second response)'
    : '--chosen-score-col and --rejected-score-col (dotted paths such as metadata.score_chosen)';
  return new RadpoError(
    'no_scores',
    `${source}: no scores found; the first record has columns ${Object.keys(first as object).join(', ')}, none ` +
      `of the known score pairs (score_chosen/score_rejected, chosen-rating/rejected-rating, ` +
      `chosen_score/rejected_score, …)`,
    'unscored pairs need a judge: radpo score FILE --judge chat|reward … (or radpo relabel FILE --judge …); ' +
      `scores in other columns: ${columns}, a scores file: --scores FILE --key COL, several attributes: ` +
      '--attr NAME=CHOSEN,REJECTED',
  );
}
