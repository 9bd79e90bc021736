/**
 * Reading scored pairs for `radpo audit`, from every layout relabel reads: a row's pair, its label (a
 * winner column's tie kept as a tie label), its scores, aspect and reference scores, and a key that finds
 * the same pair in a rerun. radpo's own relabeled output is collapsed back to one pair per source row (the
 * swapped copy turned round, the goal taken out of the prompt).
 */
import { createHash } from 'node:crypto';
import { RadpoError, RowError, type Location, type RowReason } from '../../core/errors.js';
import { paperGoalSpec, type Scale, scaleNamedIn, withoutPaperGoal } from '../../core/goal.js';
import {
  detectShapeOf,
  pairOf,
  readPair,
  type Message,
  type Pair,
  type Shape,
  type ShapeOptions,
} from '../../core/pair.js';
import { getPath, type Path } from '../../core/path.js';
import { relabeledEvidence } from '../../core/relabel.js';
import {
  readScores,
  refuseSidedScores,
  resolveScoreColumns,
  type PairScores,
  type ScoreAttribute,
  type ScoreColumns,
} from '../../core/scores.js';
import { mean } from '../../core/stats.js';
import { orientByWinner, probeOrientation, readOriented, winnerSide } from '../../core/winner.js';
import { joinScores, positionalMismatch } from '../../core/score-join.js';
import { hint } from '../../core/hints.js';
import { wordHint } from '../../cli/hints.js';
import type { InputFormat } from '../../io/choices.js';
import type { Io } from '../../io/io.js';
import { openInput } from '../../pipeline/inputs.js';
import type { JoinedScores } from '../../pipeline/scores-file.js';
import { joinKey, requireSafeId } from '../../core/ids.js';

export interface ReadConfig {
  inputFormat?: InputFormat;
  split?: string;
  maxLineBytes: number;
  shape: ShapeOptions;
  /** The overall score columns as named (neither: found in the first row). */
  chosenScoreCol?: Path;
  rejectedScoreCol?: Path;
  aspects: readonly ScoreAttribute[];
  idCol?: Path;
  reference?: { chosen: Path; rejected: Path };
  /** Key every pair (a --rerun or --reference file will be joined): hashing each pair's text costs time. */
  joinKeys: boolean;
  /** --scores FILE --key PATH: the scores come from that file, joined on the row's key. */
  joinedScores?: { scores: JoinedScores; key: Path };
  /** --group-col PATH: each pair's group (task, source, category) for the breakdown. */
  groupCol?: Path;
}

/** One pair as the audit needs it. */
export interface ScoredPair {
  /**
   * Finds the same pair in another file: the --id-col value, else the pair's text (prompt, chosen,
   * rejected); '' when nothing is joined.
   */
  key: string;
  promptKey: string;
  pair: Pair;
  /** 1: the chosen response is the labelled winner; 0: the label is a tie. */
  label: 0 | 1;
  /** 1: the chosen response was response A; 0: response B; 2: not known (no winner layout). */
  chosenIsA: 0 | 1 | 2;
  /** The --group-col value as text ('' when the row has none). */
  group: string | null;
  chosen: number;
  rejected: number;
  aspects: Array<[number, number]> | null;
  reference: [number, number] | null;
  location: Location;
  id?: unknown;
}

interface InputSummary {
  source: string;
  format: string;
  shape: string;
  scores: string;
  relabeled: boolean;
}

/** What reading found besides the pairs, for the report (every row is a pair, unreadable, unscored or a twin). */
export class ReadTally {
  rows = 0;
  pairs = 0;
  unscored = 0;
  /** radpo's second copy of a pair already read. */
  twins = 0;
  readonly unreadable = new Map<RowReason, number>();
  readonly inputs: InputSummary[] = [];
  /** No overall score column: the overall score is the mean of these attributes. */
  overallFromAttributes: readonly string[] | null = null;
  /** The scale a relabeled file's goal text names. */
  goalScale: Scale | null = null;

  /** The first row set aside for each reason, with where it is and what is wrong: the report names them. */
  readonly examples = new Map<RowReason, RowError>();

  addUnreadable(error: RowError, location: Location): void {
    this.unreadable.set(error.reason, (this.unreadable.get(error.reason) ?? 0) + 1);
    this.example(error, location);
  }

  addUnscored(error: RowError, location: Location): void {
    this.unscored += 1;
    this.example(error, location);
  }

  private example(error: RowError, location: Location): void {
    if (this.examples.has(error.reason)) return;
    error.location ??= location;
    this.examples.set(error.reason, error);
  }
}

const hash = (value: unknown) => createHash('sha1').update(JSON.stringify(value)).digest('base64').slice(0, 16);

/**
 * The row's pair with its label: a winner column orients it, and a tie label keeps A as chosen. `chosenIsA`
 * says which slot the chosen response sat in (the position figures need it), 2 when the layout has no slots.
 */
function labelled(value: unknown, shape: Shape): { row: unknown; label: 0 | 1; chosenIsA: 0 | 1 | 2 } {
  if (!shape.winner) return { row: value, label: 1, chosenIsA: 2 };
  try {
    const row = orientByWinner(value, shape.winner);
    return { row, label: 1, chosenIsA: winnerSide(value, shape.winner) === 'a' ? 1 : 0 };
  } catch (err) {
    if (!(err instanceof RowError) || err.reason !== 'no_preference') throw err;
    return { row: probeOrientation(value, shape.winner), label: 0, chosenIsA: 1 };
  }
}

const NAN_PAIR: [number, number] = [Number.NaN, Number.NaN];

/** NeMo and Axolotl rows keep the goal text only: no score columns and no label to audit. */
function refuseScorelessLayout(name: string, value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const row = value as Record<string, unknown>;
  const nemo = Array.isArray(row.context) && Array.isArray(row.completions);
  const axolotl = Array.isArray(row.messages) && row.chosen !== null && typeof row.chosen === 'object';
  if (nemo || axolotl)
    throw new RadpoError(
      'data',
      `${name}: the ${nemo ? 'NeMo' : 'Axolotl'} layout keeps no scores and no labels (only the goal text in each ` +
        'copy), so there is nothing to audit',
      'audit the scored file it was relabeled from, or relabel with --format trl, which keeps score_chosen ' +
        'and score_rejected',
    );
}

/** Score columns that hold one number per attribute ({helpfulness: 4, …}): the attributes, as aspect columns. */
function attributeColumns(first: unknown, overall: ScoreColumns): ScoreColumns | null {
  const chosen = getPath(first, overall.chosen[0]!);
  if (chosen === null || typeof chosen !== 'object' || Array.isArray(chosen)) return null;
  const names = Object.keys(chosen).filter((k) => typeof (chosen as Record<string, unknown>)[k] === 'number');
  if (names.length === 0) return null;
  return {
    attributes: names,
    chosen: names.map((n) => [...overall.chosen[0]!, n]),
    rejected: names.map((n) => [...overall.rejected[0]!, n]),
    description: `${overall.description} (attributes ${names.join(', ')})`,
  };
}

/** The scale the goal text in a relabeled row's prompt names ("on a scale of 0-4, …"). */
function goalScaleOf(row: unknown, shape: Shape): Scale | null {
  try {
    for (const message of readPair(row, shape, { allowEmpty: true }).prompt) {
      const scale = typeof message.content === 'string' ? scaleNamedIn(message.content) : null;
      if (scale) return scale;
    }
  } catch {
    /* the row's own error is reported when it is read */
  }
  return null;
}

/** Scores at `columns`, or NaN for each side when the row has none there (a reference need not cover every row). */
function optionalScores(row: unknown, columns: ScoreColumns): [number, number] {
  try {
    const scores = readScores(row, columns, { min: -Infinity, max: Infinity });
    return [scores.chosen[0]!, scores.rejected[0]!];
  } catch (err) {
    if (!(err instanceof RowError)) throw err;
    return NAN_PAIR;
  }
}

function columnsOf(chosen: Path, rejected: Path): ScoreColumns {
  return { attributes: null, chosen: [chosen], rejected: [rejected], description: '' };
}

/** Per input: what the first row fixed. */
interface InputContext {
  shape: Shape;
  overall: ScoreColumns | null;
  aspects: ScoreColumns | null;
  relabeled: boolean;
  /** Per source pair: its copies (chosen_goal, rejected_goal) not yet matched by the other kind. */
  seen: Map<string, [number, number]>;
}

export class PairReader {
  readonly tally = new ReadTally();
  private readonly occurrences = new Map<string, number>();
  constructor(
    private readonly config: ReadConfig,
    private readonly io: Io,
  ) {}

  /** Every pair of the inputs, in order. */
  async read(inputs: readonly string[], visit: (pair: ScoredPair) => void | Promise<void>): Promise<void> {
    for (const input of inputs) {
      const { name, format, records } = await openInput(input, { ...this.config, inputs: [...inputs] }, this.io);
      const summary: InputSummary = { source: name, format, shape: '(no records)', scores: '', relabeled: false };
      this.tally.inputs.push(summary);
      let context: InputContext | null = null;
      for await (const batch of records) {
        if (this.io.signal?.aborted) throw new RadpoError('interrupted', 'interrupted');
        for (const record of batch) {
          this.tally.rows += 1;
          if (record.error) {
            this.tally.addUnreadable(record.error, record.location);
            continue;
          }
          try {
            context ??= this.start(name, record.value, summary);
            const pair = this.pairOf(record.value, record.location, context);
            if (pair) await visit(pair);
          } catch (err) {
            if (!(err instanceof RowError)) throw err;
            this.tally.addUnreadable(err, record.location);
          }
        }
      }
    }
  }

  /** The first row of an input fixes its shape and its score columns. */
  private start(name: string, value: unknown, summary: InputSummary): InputContext {
    const { config } = this;
    refuseScorelessLayout(name, value);
    const shape = detectShapeOf(name, value, config.shape);
    if (config.joinedScores) {
      // The scores come from the scores file; any score columns in the rows are not used.
      const file = config.joinedScores.scores;
      const why = file.responses ? null : positionalMismatch(file.names, shape.winner !== null);
      if (why) throw new RadpoError('schema', `${name}: ${why}`, wordHint(hint('match_scores_file')));
      Object.assign(summary, {
        shape: shape.description,
        scores: config.joinedScores.scores.description,
        relabeled: false,
      });
      return { shape, overall: null, aspects: null, relabeled: false, seen: new Map() };
    }
    const named = { chosen: config.chosenScoreCol, rejected: config.rejectedScoreCol, attributes: config.aspects };
    refuseSidedScores(named, shape.winner ?? undefined);
    const first = shape.winner ? probeOrientation(value, shape.winner) : value;
    let overall = resolveScoreColumns(first, { chosen: config.chosenScoreCol, rejected: config.rejectedScoreCol });
    let aspects = config.aspects.length > 0 ? resolveScoreColumns(first, { attributes: config.aspects }) : null;
    // Several attributes under one column (radpo's own output with --attr: score_chosen {helpfulness: 4, …}):
    // each is an aspect, and the overall score is their mean.
    const attributes = overall && !aspects ? attributeColumns(first, overall) : null;
    if (attributes) [overall, aspects] = [null, attributes];
    if (!overall && !aspects)
      throw new RadpoError(
        'no_scores',
        `${name}: no scores found (no score_chosen/score_rejected or other known score columns in the first row)`,
        'name them with --chosen-score-col/--rejected-score-col, or score the pairs first: radpo score FILE ' +
          '--judge chat|reward …',
      );
    if (!overall) this.tally.overallFromAttributes = aspects!.attributes;
    const relabeled = relabeledEvidence(value, null, paperGoalSpec()) !== null;
    if (relabeled && this.tally.goalScale === null) this.tally.goalScale = goalScaleOf(first, shape);
    Object.assign(summary, {
      shape: shape.description,
      scores: (overall ?? aspects)!.description,
      relabeled,
    });
    return { shape, overall, aspects, relabeled, seen: new Map() };
  }

  private pairOf(value: unknown, location: Location, context: InputContext): ScoredPair | null {
    const { config, tally } = this;
    const { row, label, chosenIsA } = labelled(value, context.shape);
    let pair = pairOf(
      readOriented(value, context.shape.winner, () => readPair(row, context.shape, { allowEmpty: true })),
    );
    let swap = false;
    if (context.relabeled) {
      const r = value as Record<string, unknown>;
      swap = r.copy === 'rejected_goal';
      pair = { ...pair, prompt: withoutPaperGoal(pair.prompt) };
      if (swap) pair = { ...pair, chosen: pair.rejected, rejected: pair.chosen };
      // Each source row is there twice: count it once, turned back to its own orientation. The twin is the
      // same source row (file and id or line) *and* the same pair: distinct pairs may share an id (every
      // pair `pairs --strategy all` makes from one prompt), and two relabeled files may share line numbers.
      const source = hash([
        String(r.source_file ?? ''),
        String(r.source_id ?? r.source_line ?? location.line),
        pair.prompt,
        pair.chosen,
        pair.rejected,
      ]);
      // A copy folds into an unmatched copy of the other kind; otherwise it is a pair of its own.
      const open = context.seen.get(source) ?? [0, 0];
      const [mine, other] = swap ? [1, 0] : [0, 1];
      if (open[other]! > 0) {
        open[other]! -= 1;
        if (open[0] === 0 && open[1] === 0) context.seen.delete(source);
        tally.twins += 1;
        return null;
      }
      open[mine]! += 1;
      context.seen.set(source, open);
    }
    let overall: [number, number];
    let aspects: Array<[number, number]> | null = null;
    if (config.joinedScores) {
      const { scores: file, key: keyPath } = config.joinedScores;
      let joined: PairScores;
      try {
        // A tie label reads the row as if A won (probeOrientation).
        const side = context.shape.winner && label === 1 ? winnerSide(value, context.shape.winner) : 'a';
        joined = joinScores(file.table, file.names, getPath(row, keyPath), keyPath.join('.'), {
          chosen: getPath(row, context.shape.chosen),
          rejected: getPath(row, context.shape.rejected),
          winner: context.shape.winner ? (side === 'b' ? 'b' : 'a') : null,
        });
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        tally.addUnreadable(err, location);
        return null;
      }
      overall = [mean(joined.chosen)!, mean(joined.rejected)!];
      return this.scored(
        { value, row, swap, location, pair, label, chosenIsA },
        swap ? [overall[1], overall[0]] : overall,
        null,
      );
    }
    try {
      if (context.aspects) {
        const scores = readScores(row, context.aspects, { min: -Infinity, max: Infinity });
        aspects = scores.chosen.map((c, i) => [c, scores.rejected[i]!]);
      }
      if (context.overall) {
        const scores = readScores(row, context.overall, { min: -Infinity, max: Infinity });
        overall = [scores.chosen[0]!, scores.rejected[0]!];
      } else {
        overall = [mean(aspects!.map((s) => s[0]))!, mean(aspects!.map((s) => s[1]))!];
        aspects = null;
      }
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      tally.addUnscored(err, location);
      return null;
    }
    if (swap) {
      overall = [overall[1], overall[0]];
      aspects = aspects?.map(([c, r]) => [r, c]) ?? null;
    }
    return this.scored({ value, row, swap, location, pair, label, chosenIsA }, overall, aspects);
  }

  /** The pair with its scores, its reference scores and its join key: one pair read. */
  private scored(
    read: {
      value: unknown;
      row: unknown;
      swap: boolean;
      location: Location;
      pair: Pair;
      label: 0 | 1;
      chosenIsA: 0 | 1 | 2;
    },
    overall: [number, number],
    aspects: Array<[number, number]> | null,
  ): ScoredPair | null {
    const { config, tally } = this;
    const { value, row, swap, location, pair, label } = read;
    // Scores are checked as a pair: two finite scores can still differ by an infinite gap (−1e308 and 1e308),
    // which no figure can use. Such a pair is a bad score, set aside and named.
    const gap = overall[0] - overall[1];
    if (!Number.isFinite(gap)) {
      const bad = new RowError('bad_score', 'the two scores differ by more than a number can hold', {
        field: 'scores',
        expected: 'two scores whose difference is a finite number',
        found: `${overall[0]} and ${overall[1]}`,
      });
      tally.addUnscored(bad, location);
      return null;
    }
    let reference = config.reference
      ? optionalScores(row, columnsOf(config.reference.chosen, config.reference.rejected))
      : null;
    if (swap && reference) reference = [reference[1], reference[0]];
    tally.pairs += 1;
    const id = config.idCol ? getPath(value, config.idCol) : undefined;
    // Two ids past 2^53 may have been rounded to one number: such a pair joins no other (counted unreadable).
    if (config.idCol) requireSafeId(id, config.idCol.join('.'), 'the id');
    const group = config.groupCol ? (joinKey(getPath(value, config.groupCol)) ?? '') : null;
    return {
      key: config.joinKeys ? this.keyOf(pair, id, label) : '',
      promptKey: hash(pair.prompt),
      pair,
      label,
      chosenIsA: swap && read.chosenIsA !== 2 ? ((1 - read.chosenIsA) as 0 | 1) : read.chosenIsA,
      group,
      chosen: overall[0],
      rejected: overall[1],
      aspects,
      reference,
      location,
      ...(id === undefined ? {} : { id }),
    };
  }

  /** --id-col's value, or the pair's text; a pair whose text repeats is numbered (the n-th copy joins the n-th). */
  private keyOf(pair: Pair, id: unknown, label: 0 | 1): string {
    // An id joins by the same rule as --scores/--key (1, "1" and 1.0 are one id). A tie label has no
    // chosen side (A stands first): its two responses are keyed in either order, so a rerun that read A
    // and B the other way round still finds it.
    const sides = [JSON.stringify(pair.chosen), JSON.stringify(pair.rejected)];
    if (label === 0) sides.sort();
    const key = this.config.idCol ? `id:${joinKey(id) ?? JSON.stringify(id ?? null)}` : hash([pair.prompt, ...sides]);
    const n = this.occurrences.get(key) ?? 0;
    this.occurrences.set(key, n + 1);
    return `${key}#${n}`;
  }
}

/**
 * A message's text: a string as it is; content parts (OpenAI's [{type: 'text', text}, …]) as their texts,
 * other parts named by their type; anything else as JSON.
 */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) => {
        if (typeof part === 'string') return part;
        if (part !== null && typeof part === 'object') {
          const p = part as Record<string, unknown>;
          if (typeof p.text === 'string') return p.text;
          if (typeof p.type === 'string') return `[${p.type}]`;
        }
        return JSON.stringify(part);
      })
      .join('\n');
  return JSON.stringify(content ?? '');
}

/** The text of a side's final response, for lengths and the hash that dedupes a shared response. */
export function finalText(messages: readonly Message[]): string {
  const last = messages[messages.length - 1];
  return last ? contentText(last.content) : '';
}
