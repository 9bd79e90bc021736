/**
 * The judge stage: attach judge scores to each record's pair, keeping input order, with bounded
 * concurrency and every judgement cached as it arrives.
 */
import { RowError, preview } from '../core/errors.js';
import { hint } from '../core/hints.js';
import { TEXT_FIELDS } from '../core/input-layouts.js';
import type { Scale } from '../core/goal.js';
import { asMessages, detectShapeOf, pairOf, readPair, type Shape, type ShapeOptions } from '../core/pair.js';
import { getPath, type Path } from '../core/path.js';
import { setPath } from '../core/path-write.js';
import { parseScore, resolveScoreColumns, type PairScores, type ScoreColumnSpec } from '../core/scores.js';
import { orientByWinner, probeOrientation, readOriented } from '../core/winner.js';
import { parseJsonRecord, type SourceRecord } from '../io/records.js';
import type { Verdict } from './judge.js';
import { orderedWindow } from '../server/ordered.js';
import type { JudgeSession } from './session.js';

export interface JudgeStageOptions {
  shape: ShapeOptions;
  /**
   * Where scores are written (attributes are ignored: the rubric names them); default: the columns the data already
   * has, else score_chosen/score_rejected.
   */
  scores: ScoreColumnSpec;
  /** Collect raw rewards for fitting instead of producing scores (first pass of minmax/quantile). */
  collectOnly: boolean;
  /** Rows of several responses: the column that holds them (default `responses`) and their text field. */
  list?: { column?: Path; textField?: string };
  /**
   * Where the scores go. 'row' (radpo score): written into the row's score columns. 'record' (relabel
   * --judge): handed over on the record (`scores`), the row and its raw bytes left as they were, so the
   * byte fast path reads it and nothing detects score columns a second time.
   */
  into?: 'row' | 'record';
  /** The shape the stage detected on the first pair, for the caller that reads the same rows (relabel). */
  detected?: { shape: Shape | null };
}

const DEFAULT_COLUMNS: [Path, Path] = [['score_chosen'], ['score_rejected']];

/** A record out of the stage: scored, set aside with an error, or waiting in a batch file. */
interface JudgedRecord extends SourceRecord {
  /** The judge's raw answer, kept with a row set aside because no score could be read from it. */
  judgeOutput?: string;
  /** --emit-batch: this row's requests went to the batch file; it has no scores yet. */
  batchPending?: boolean;
}

type Failed = Exclude<Verdict, { ok: true }>;

/** A response of a list: a string or message list as it is; an object's text field (named, or found). */
function responseOf(item: unknown, textField: string | undefined, field: string): unknown {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  const object = item as Record<string, unknown>;
  const name = textField ?? TEXT_FIELDS.find((f) => typeof object[f] === 'string');
  if (name === undefined || object[name] === undefined)
    throw new RowError('missing_field', 'a response has no text field', {
      field: name ? `${field}.${name}` : field,
      expected: name ? `a "${name}" field` : `one of the fields ${TEXT_FIELDS.join(', ')}`,
      found: `fields ${Object.keys(object).join(', ')}`,
      hint: hint('name_text_field'),
    });
  return object[name];
}

/**
 * Judges one record's pair. The first record fixes the shape and where the scores go, for the rest of
 * the input (`judge` runs synchronously up to its first await, so that happens before any other record
 * of a batch looks at them).
 */
class PairJudge {
  private shape: Shape | null = null;
  /** Rows of several responses to one prompt (radpo generate): one score per response, in `scores`. */
  private listMode: boolean | null = null;
  /** Where each score goes: one (chosen, rejected) path pair, or one per rubric attribute. */
  private targets: Array<[Path, Path]> = [];
  /** The data already has those columns: judge only the rows whose scores are missing or unusable. */
  private existing = false;
  private readonly attributes: readonly string[] | null;
  private readonly scale: Scale;

  constructor(
    private readonly session: JudgeSession,
    private readonly options: JudgeStageOptions,
    private readonly isJsonFile: boolean,
  ) {
    const { judge } = session.config;
    this.attributes = judge.kind === 'chat' ? judge.rubric.attributes : null;
    this.scale = judge.kind === 'chat' ? { min: judge.rubric.min, max: judge.rubric.max } : session.config.scale;
  }

  private fixColumns(record: SourceRecord): Shape {
    const { scores } = this.options;
    const shape = detectShapeOf(record.location.source, record.value, this.options.shape);
    if (this.options.detected) this.options.detected.shape = shape;
    if (this.attributes) {
      // Attribute scores go under the score columns: score_chosen.Helpfulness, …
      const base: [Path, Path] = scores.chosen && scores.rejected ? [scores.chosen, scores.rejected] : DEFAULT_COLUMNS;
      this.targets = this.attributes.map((a) => [
        [...base[0], a],
        [...base[1], a],
      ]);
      this.existing = true;
    } else {
      const first = shape.winner ? probeOrientation(record.value, shape.winner) : record.value;
      const found = resolveScoreColumns(first, { chosen: scores.chosen, rejected: scores.rejected });
      this.targets = [found ? [found.chosen[0]!, found.rejected[0]!] : DEFAULT_COLUMNS];
      this.existing = found !== null;
    }
    return shape;
  }

  /** The row's own usable scores in every target column, or null (the row is judged). */
  private existingScores(value: Record<string, unknown>): PairScores | null {
    try {
      const scores: PairScores = { chosen: [], rejected: [] };
      for (const [c, r] of this.targets) {
        scores.chosen.push(parseScore(getPath(value, c), c.join('.'), this.scale));
        scores.rejected.push(parseScore(getPath(value, r), r.join('.'), this.scale));
      }
      return scores;
    } catch {
      return null;
    }
  }

  /** One score per response of a `responses` list, written to `scores` (identical responses are judged once). */
  private async judgeList(
    record: SourceRecord,
    failed: (verdict: Failed, field: string) => JudgedRecord,
  ): Promise<JudgedRecord> {
    const { session } = this;
    const value = record.value as Record<string, unknown>;
    const promptPath = this.options.shape.prompt ?? ['prompt'];
    const prompt = asMessages(getPath(value, promptPath), 'user', promptPath.join('.'));
    const column = this.options.list?.column ?? ['responses'];
    const items = getPath(value, column);
    const field = column.join('.');
    if (!Array.isArray(items))
      throw new RowError('missing_field', 'the row has no list of responses', {
        field,
        expected: 'a list of responses',
        found: preview(items),
        hint: hint('name_responses_column'),
      });
    const responses = items.map((r, i) =>
      asMessages(responseOf(r, this.options.list?.textField, `${field}[${i}]`), 'assistant', `${field}[${i}]`),
    );
    if (!session.config.rescore && Array.isArray(value.scores) && value.scores.length === responses.length)
      return record;
    const verdicts = await Promise.all(responses.map((r) => session.judge.judge(prompt, r)));
    for (const [i, v] of verdicts.entries()) if (!v.ok) return failed(v, `responses[${i}]`);
    const ok = verdicts as Array<Extract<Verdict, { ok: true }>>;
    if (this.options.collectOnly) {
      for (const v of ok) session.rawRewards.push(v.scores[0]!);
      return record;
    }
    const attributes = this.attributes;
    value.scores = ok.map((v, r) =>
      attributes
        ? Object.fromEntries(attributes.map((a, i) => [a, this.goalScore(v.scores[i]!, `responses[${r}]`)]))
        : this.goalScore(v.scores[0]!, `responses[${r}]`),
    );
    return { ...record, value, bytes: undefined };
  }

  /**
   * A verdict on the goal scale; a score that is not a finite number (a reward of ±1e308 mapped, a broken
   * expectation) is never written: the row is set aside, naming the judge.
   */
  private goalScore(raw: number, field: string): number {
    const score = this.session.toGoal(raw);
    if (Number.isFinite(score)) return score;
    const { judge } = this.session.config;
    throw new RowError(
      'judge_unparseable',
      `the ${judge.kind} judge ${judge.model} gave a score that is not a finite number`,
      {
        field,
        expected: 'a finite number',
        found: `${raw} (on the goal scale: ${score})`,
        hint: 'check the judge; a reward model whose rewards overflow needs --map quantile or --map identity',
      },
    );
  }

  readonly judge = async (input: SourceRecord): Promise<JudgedRecord> => {
    const { session } = this;
    const record = parseJsonRecord(input, this.isJsonFile);
    if (record.error) return record;
    const fail = (error: RowError): JudgedRecord => {
      error.location = record.location;
      return { ...record, error };
    };
    const failed = (verdict: Failed, field: string): JudgedRecord => {
      if (verdict.reason === 'batch_pending') return { ...record, batchPending: true };
      const { expected, found } = verdict;
      const error = new RowError(verdict.reason, verdict.message, { field, expected, found });
      return { ...fail(error), judgeOutput: verdict.rawText };
    };
    try {
      // The first record says whether rows are pairs or lists of responses (radpo generate's rows).
      const first = record.value as Record<string, unknown>;
      this.listMode ??=
        this.options.list?.column !== undefined ||
        (first !== null && typeof first === 'object' && Array.isArray(first.responses) && !('chosen' in first));
      if (this.listMode) return await this.judgeList(record, failed);
      this.shape ??= this.fixColumns(record);
      // A/B responses with a winner: judged (and written) as chosen and rejected.
      const value = (this.shape.winner ? orientByWinner(record.value, this.shape.winner) : record.value) as Record<
        string,
        unknown
      >;
      const pair = pairOf(readOriented(record.value, this.shape.winner, () => readPair(value, this.shape!)));
      // Scores only where the data has none.
      const existing = !session.config.rescore && this.existing ? this.existingScores(value) : null;
      if (existing) return { ...record, scores: existing };
      const [c, r] = await Promise.all([
        session.judge.judge(pair.prompt, pair.chosen, pair.tools),
        session.judge.judge(pair.prompt, pair.rejected, pair.tools),
      ]);
      if (!c.ok) return failed(c, 'chosen');
      if (!r.ok) return failed(r, 'rejected');
      if (this.options.collectOnly) {
        session.rawRewards.push(c.scores[0]!, r.scores[0]!);
        return record;
      }
      const scores: PairScores = { chosen: [], rejected: [] };
      for (const [i, [chosenPath, rejectedPath]] of this.targets.entries()) {
        scores.chosen.push(this.goalScore(c.scores[i]!, 'chosen'));
        scores.rejected.push(this.goalScore(r.scores[i]!, 'rejected'));
        if (this.options.into === 'record') continue;
        setPath(value, chosenPath, scores.chosen[i]);
        setPath(value, rejectedPath, scores.rejected[i]);
      }
      return this.options.into === 'record' ? { ...record, scores } : { ...record, value, bytes: undefined, scores };
    } catch (err) {
      if (err instanceof RowError) return fail(err);
      throw err;
    }
  };
}

/**
 * Judge every record's pair: records come out in input order with their scores written (or with an
 * error). At most `window` records are in flight, so memory stays bounded on any input size.
 */
export async function* judgeStage(
  batches: AsyncIterable<SourceRecord[]>,
  session: JudgeSession,
  options: JudgeStageOptions,
  isJsonFile: boolean,
): AsyncGenerator<JudgedRecord[]> {
  yield* orderedWindow(batches, session.server.window, new PairJudge(session, options, isJsonFile).judge);
}
