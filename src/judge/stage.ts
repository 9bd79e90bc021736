/**
 * The judge stage: attach judge scores to each record's pair, keeping input order, with bounded
 * concurrency and every judgement cached as it arrives.
 */
import { RowError } from '../core/errors.js';
import { detectShapeOf, toPair, type Shape, type ShapeOptions } from '../core/pair.js';
import { getPath, type Path } from '../core/path.js';
import { setPath } from '../core/path-write.js';
import { parseScore, resolveScoreColumns, type ScoreColumnSpec } from '../core/scores.js';
import { parseJsonRecord, type SourceRecord } from '../io/records.js';
import type { Verdict } from './judge.js';
import type { JudgeSession } from './session.js';

export interface JudgeStageOptions {
  shape: ShapeOptions;
  /** Where scores are written (attributes are ignored: the rubric names them); default: the columns the data already has, else score_chosen/score_rejected. */
  scores: ScoreColumnSpec;
  /** Collect raw rewards for fitting instead of producing scores (first pass of minmax/quantile). */
  collectOnly: boolean;
}

const DEFAULT_COLUMNS: [Path, Path] = [['score_chosen'], ['score_rejected']];

/** A record out of the stage: scored, set aside with an error, or waiting in a batch file. */
export interface JudgedRecord extends SourceRecord {
  /** The judge's raw answer, kept with a row set aside because no score could be read from it. */
  judgeOutput?: string;
  /** --emit-batch: this row's requests went to the batch file; it has no scores yet. */
  batchPending?: boolean;
}

type Failed = Exclude<Verdict, { ok: true }>;

/**
 * Judge every record's pair: records come out in input order with their scores written (or with an
 * error). At most `window` records are in flight, so memory stays bounded on any input size.
 */
export async function* judgeStage(batches: AsyncIterable<SourceRecord[]>, session: JudgeSession, options: JudgeStageOptions, isJsonFile: boolean): AsyncGenerator<JudgedRecord[]> {
  const window = Math.max(32, session.config.concurrency * 4);
  let shape: Shape | null = null;
  /** Where each score goes: one (chosen, rejected) path pair, or one per rubric attribute. */
  let targets: Array<[Path, Path]> | null = null;
  let existing = false;
  const attributes = session.config.judge.kind === 'chat' ? session.config.judge.rubric.attributes : null;
  const scale = session.config.judge.kind === 'chat' ? { min: session.config.judge.rubric.min, max: session.config.judge.rubric.max } : session.config.scale;

  const one = async (input: SourceRecord): Promise<JudgedRecord> => {
    const record = parseJsonRecord(input, isJsonFile);
    if (record.error) return record;
    const fail = (error: RowError): JudgedRecord => {
      error.location = record.location;
      return { ...record, error };
    };
    const failed = (verdict: Failed, field: string): JudgedRecord => {
      if (verdict.reason === 'batch_pending') return { ...record, batchPending: true };
      return { ...fail(new RowError(verdict.reason, verdict.message, { field })), judgeOutput: verdict.rawText };
    };
    try {
      if (shape === null) {
        shape = detectShapeOf(record.location.source, record.value, options.shape);
        if (attributes) {
          // Attribute scores go under the score columns: score_chosen.Helpfulness, …
          const base: [Path, Path] = options.scores.chosen && options.scores.rejected ? [options.scores.chosen, options.scores.rejected] : DEFAULT_COLUMNS;
          targets = attributes.map((a) => [[...base[0], a], [...base[1], a]]);
          existing = true;
        } else {
          const found = resolveScoreColumns(record.value, { chosen: options.scores.chosen, rejected: options.scores.rejected });
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
      if (!c.ok) return failed(c, 'chosen');
      if (!r.ok) return failed(r, 'rejected');
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

  const queue: Array<Promise<JudgedRecord[]>> = [];
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
