/**
 * `radpo inspect`: what a dataset holds, before relabeling it — shape, score columns, rows, score
 * histograms, ties, contradicting pairs, duplicate prompts, length percentiles. Streaming, in bounded
 * memory: exact up to a million values a column and 500,000 distinct prompts, then estimates that say so
 * (pipeline/sketch.ts).
 */
import { commandOf, severalReadings } from '../../cli/readings.js';
import { createHash } from 'node:crypto';
import type { RunCommand } from '../../cli/command.js';
import { wordHint } from '../../cli/hints.js';
import { resolveInputs } from '../../cli/rules.js';
import { codePoints, scoreHistogram as histogram } from '../../core/audit.js';
import { formatLocation, RadpoError, RowError, type RowReason } from '../../core/errors.js';
import { formatScore, paperGoalSpec, type Scale } from '../../core/goal.js';
import { hint } from '../../core/hints.js';
import { readingsOf, type ColumnRole, type Reading, type Unpaired } from '../../core/input-layouts.js';
import { longItem } from '../../core/response-lists.js';
import { detectShapeOf, isEmptyResponse, pairOf, readPair, type Message, type Shape } from '../../core/pair.js';
import { LabelLikeValues, labelLikeWarning } from '../../core/label-like.js';
import { contradictsLabel, isTie, relabeledEvidence } from '../../core/relabel.js';
import { getPath, pathText, type Path } from '../../core/path.js';
import { joinScores, positionalMismatch } from '../../core/score-join.js';
import { readScores, refuseSidedScores, resolveScoreColumns, type PairScores } from '../../core/scores.js';
import { orientByWinner, probeOrientation, readOriented, winnerSide } from '../../core/winner.js';
import { type Io, stopIfInterrupted } from '../../io/io.js';
import { openInput } from '../../pipeline/inputs.js';
import { type JoinedScores, loadScoresFile } from '../../pipeline/scores-file.js';
import { DistinctCounter, NumberSample } from '../../pipeline/sketch.js';
import { bar, formatCount } from '../../pipeline/text.js';
import type { inspectFlags } from './flags.js';
import { type InspectConfig, inspectConfig } from './config.js';
import { readerWarnings } from '../../io/log.js';

export const run: RunCommand<typeof inspectFlags> = async (args, flags, { io, help }) => {
  const inputs = resolveInputs(args, io, help);
  if (!inputs) return 'usage';
  // Reader warnings (a CSV header naming a column twice) reach stderr as in every command.
  readerWarnings(io);
  const report = await runInspect(inspectConfig(inputs, flags), io);
  // The report is this command's data: it goes to stdout.
  io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderInspect(report));
  return 'ok';
};

/** A pair's scores from a row (oriented by its winner), however the input gives them. */
type ReadScores = (raw: unknown, value: unknown) => PairScores;

interface HistogramBin {
  label: string;
  rows: number;
}

/** The core's histogram, with inspect's `rows` for the count (its JSON keeps its own names). */
function scoreHistogram(values: Float64Array): HistogramBin[] {
  return histogram(values).map((bin) => ({ label: bin.label, rows: bin.count }));
}

/** Characters as the audit counts them: Unicode code points (one length definition, `codePoints`). */
function textLength(messages: Message[]): number {
  let n = 0;
  for (const m of messages)
    n += codePoints(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''));
  return n;
}

/** A response's text, as the label check compares it. */
const plainText = (messages: Message[]) =>
  messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''))).join('\n');

/** A column of a file whose shape radpo does not know: what it holds, to name it with a flag. */
interface ColumnInfo {
  name: string;
  type: string;
  sample: string;
}

interface InputEntry {
  source: string;
  format: string;
  shape: string;
  scores: string;
  /** Only when the shape is unknown: the columns of the first record, the layouts that fit, and the commands. */
  columns?: ColumnInfo[];
  readings?: Reading[];
  suggestion?: string;
  /** The file is radpo's own output (relabeled pairs). */
  relabeled?: boolean;
  /** A known shape, where several registry entries fit its first record: each, and what picks it. */
  alsoFits?: string;
}

interface InspectReport {
  inputs: InputEntry[];
  rows: number;
  pairs: number;
  unreadable: Record<string, number>;
  scores: null | {
    columns: string;
    chosen_histogram: HistogramBin[];
    rejected_histogram: HistogramBin[];
    ties: number;
    contradicting_label: number;
    unscored: number;
    /** null when no pair was scored: there is no range to check. */
    range: { min: number; max: number } | null;
    /** The scale the range is checked against: --scale, or null for the paper's 1-10. */
    scale: { min: number; max: number } | null;
  };
  /** For radpo's own output: the two copies and the goals, instead of labels that the swap contradicts by design. */
  relabeled: null | { copies: Record<string, number>; goal_histogram: HistogramBin[] };
  duplicate_prompts: {
    distinct: number;
    rows_with_repeated_prompt: number | null;
    rows_repeating_an_earlier_prompt?: number;
    estimated?: boolean;
  };
  /** Percentiles and histograms from a seeded sample of a million values per column (large inputs). */
  sampled?: boolean;
  identical_responses: number;
  /** Pairs with an empty response: relabel stops at the first (`first_empty_response`) by default. */
  empty_responses: number;
  first_empty_response?: string;
  /** What the data says against the reading: response columns that hold labels or model names. */
  warnings: string[];
  lengths_chars: { prompt: Record<string, number>; chosen: Record<string, number>; rejected: Record<string, number> };
}

/** Everything inspect counts, one record at a time. */
class Tally {
  readonly prompts = new DistinctCounter();
  readonly lengths = { prompt: new NumberSample(), chosen: new NumberSample(), rejected: new NumberSample() };
  readonly chosenScores = new NumberSample();
  readonly rejectedScores = new NumberSample();
  readonly unreadable = new Map<RowReason, number>();
  rows = 0;
  pairs = 0;
  ties = 0;
  contradicting = 0;
  unscored = 0;
  identical = 0;
  empty = 0;
  firstEmpty: string | null = null;
  /** Each side's texts, for a response column that holds labels (core/label-like.ts), and its column's name. */
  readonly sides: Array<{ column: string; values: LabelLikeValues }> = [];
  /** The current input's watched sides: one for a winner shape (both columns mixed), else chosen and rejected. */
  private watched: Array<{ column: string; values: LabelLikeValues }> = [];
  columnsText: string | null = null;
  /** --scale, when given: the range the scores are checked against. */
  scale: Scale | null = null;
  readonly copies = new Map<string, number>();
  readonly goals = new NumberSample();

  /** A row of radpo's own output: its copy and its goal (the first attribute's, for several). */
  addRelabeled(value: Record<string, unknown>): void {
    const copy = String(value.copy);
    this.copies.set(copy, (this.copies.get(copy) ?? 0) + 1);
    const goal = value.goal_score ?? Object.values((value.goal_scores as Record<string, unknown>) ?? {})[0];
    if (typeof goal === 'number') this.goals.push(goal);
  }

  /** The response columns of an input's shape, watched for labels: with a winner, each side mixes A and B. */
  watch(shape: Shape): void {
    const [a, b] = shape.winner ? [shape.winner.responseA, shape.winner.responseB] : [shape.chosen, shape.rejected];
    // An unpacked judge prompt holds the responses: its column is no response column to watch.
    const names = shape.winner ? [`${pathText(a)} or ${pathText(b)}`] : [pathText(a), pathText(b)];
    this.watched = shape.winner?.unpack ? [] : names.map((column) => ({ column, values: new LabelLikeValues() }));
    this.sides.push(...this.watched);
  }

  /** One record of an input whose shape (and score columns, if any) are known; `where` is its location. */
  add(raw: unknown, shape: Shape, read: ReadScores | null, where: string): void {
    const value = shape.winner ? orientByWinner(raw, shape.winner) : raw;
    const pair = pairOf(readOriented(raw, shape.winner, () => readPair(value, shape, { allowEmpty: true })));
    this.pairs += 1;
    if (isEmptyResponse(pair.chosen) || isEmptyResponse(pair.rejected)) {
      this.empty += 1;
      this.firstEmpty ??= where;
    }
    const { watched } = this;
    if (watched.length > 0) {
      const texts = [pair.chosen, pair.rejected].map(plainText);
      if (watched.length === 1) for (const text of texts) watched[0]!.values.add(text);
      else for (const [i, side] of watched.entries()) side.values.add(texts[i]!);
    }
    this.prompts.add(createHash('sha1').update(JSON.stringify(pair.prompt)).digest('hex').slice(0, 16));
    this.lengths.prompt.push(textLength(pair.prompt));
    this.lengths.chosen.push(textLength(pair.chosen));
    this.lengths.rejected.push(textLength(pair.rejected));
    if (JSON.stringify(pair.chosen) === JSON.stringify(pair.rejected)) this.identical += 1;
    if (!read) return;
    try {
      const scores = read(raw, value);
      // Histograms show the first (or only) attribute.
      this.chosenScores.push(scores.chosen[0]!);
      this.rejectedScores.push(scores.rejected[0]!);
      if (isTie(scores)) this.ties += 1;
      if (contradictsLabel(scores)) this.contradicting += 1;
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      this.unscored += 1;
    }
  }

  unreadableRow(reason: RowReason): void {
    this.unreadable.set(reason, (this.unreadable.get(reason) ?? 0) + 1);
  }

  report(inputs: InspectReport['inputs']): InspectReport {
    const exact = this.prompts.counts;
    let repeated = 0;
    if (exact) for (const n of exact.values()) if (n > 1) repeated += n;
    const ps = [50, 90, 99];
    return {
      inputs,
      rows: this.rows,
      pairs: this.pairs,
      unreadable: Object.fromEntries([...this.unreadable.entries()].sort()),
      relabeled:
        this.copies.size > 0
          ? {
              copies: Object.fromEntries([...this.copies.entries()].sort()),
              goal_histogram: scoreHistogram(this.goals.values()),
            }
          : null,
      scores:
        this.columnsText !== null && this.copies.size === 0
          ? {
              columns: this.columnsText,
              chosen_histogram: scoreHistogram(this.chosenScores.values()),
              rejected_histogram: scoreHistogram(this.rejectedScores.values()),
              ties: this.ties,
              contradicting_label: this.contradicting,
              unscored: this.unscored,
              range:
                this.chosenScores.count + this.rejectedScores.count === 0
                  ? null
                  : {
                      min: Math.min(this.chosenScores.min, this.rejectedScores.min),
                      max: Math.max(this.chosenScores.max, this.rejectedScores.max),
                    },
              scale: this.scale,
            }
          : null,
      // Past 500,000 distinct prompts the count is a HyperLogLog estimate, and the rows beyond each prompt's
      // first are what is left of the pairs (also an estimate).
      duplicate_prompts: exact
        ? { distinct: exact.size, rows_with_repeated_prompt: repeated }
        : {
            distinct: this.prompts.distinct,
            rows_with_repeated_prompt: null,
            rows_repeating_an_earlier_prompt: Math.max(0, this.pairs - this.prompts.distinct),
            estimated: true,
          },
      identical_responses: this.identical,
      empty_responses: this.empty,
      ...(this.firstEmpty === null ? {} : { first_empty_response: this.firstEmpty }),
      warnings: this.sides.flatMap(({ column, values }) => {
        const evidence = values.evidence();
        return evidence ? [labelLikeWarning(column, evidence)] : [];
      }),
      // Interpolated percentiles: to one decimal (a length of 3657.2999999999997 characters says nothing more).
      lengths_chars: {
        prompt: tenths(this.lengths.prompt.percentiles(ps)),
        chosen: tenths(this.lengths.chosen.percentiles(ps)),
        rejected: tenths(this.lengths.rejected.percentiles(ps)),
      },
      ...(this.lengths.prompt.sampled ? { sampled: true } : {}),
    };
  }
}

async function runInspect(config: InspectConfig, io: Io): Promise<InspectReport> {
  const tally = new Tally();
  tally.scale = config.scale ?? null;
  const file = config.scoresFile;
  const joined = file
    ? await loadScoresFile(file.path, file.key, file.spec, ANY_SCALE, config.maxLineBytes, io, wordHint)
    : null;
  const inputs: InputEntry[] = [];
  for (const input of config.inputs) {
    const { name, format, records } = await openInput(input, config, io);
    const entry: InputEntry = { source: name, format, shape: '(no records)', scores: '(none found)' };
    inputs.push(entry);
    let shape: Shape | null = null;
    let unknown = false;
    /** The values of an unknown file's label column (a reading with a winner column maps them to A and B). */
    const labels = new Set<string>();
    let labelColumn: string | undefined;
    let longCheck: LongCheck | null = null;
    let unpaired: UnpairedCheck | null = null;
    let read: ReadScores | null = null;
    for await (const batch of records) {
      stopIfInterrupted(io.signal);
      for (const record of batch) {
        tally.rows += 1;
        // A record that does not parse is counted whatever the shape (an unknown one included).
        if (record.error) {
          tally.unreadableRow(record.error.reason);
          continue;
        }
        if (unknown) {
          longCheck?.add(record.value);
          unpaired?.add(record.value);
          const label = labelColumn === undefined ? undefined : (record.value as Record<string, unknown>)[labelColumn];
          if (label !== undefined && labels.size < 20) labels.add(String(label));
          continue;
        }
        try {
          if (shape === null) {
            try {
              shape = detectShapeOf(name, record.value, config.shape);
            } catch (err) {
              if (!(err instanceof RadpoError) || err.code !== 'schema') throw err;
              // Not a layout radpo knows: say what is there, and how to name it.
              unknown = true;
              Object.assign(entry, describeUnknown(record.value, err.message));
              // Data that is no pairs is no unknown shape: the registry knows it, and says so.
              const first = entry.readings?.[0];
              if (first?.unpaired) entry.shape = `not pairs: ${first.layout}`;
              labelColumn = entry.readings?.find((r) => r.winnerColumn)?.winnerColumn;
              longCheck = LongCheck.of(entry.readings);
              longCheck?.add(record.value);
              unpaired = UnpairedCheck.of(entry.readings);
              unpaired?.add(record.value);
              const label = labelColumn && (record.value as Record<string, unknown>)[labelColumn];
              if (label !== undefined && label !== '') labels.add(String(label));
              continue;
            }
            entry.shape = shape.description;
            entry.alsoFits = severalReadings(record.value, config.shape) ?? undefined;
            tally.watch(shape);
            entry.relabeled = relabeledEvidence(record.value, null, paperGoalSpec()) !== null;
            const source = scoreReader(record.value, shape, config, joined);
            if (source) [read, entry.scores, tally.columnsText] = [source.read, source.text, source.text];
          }
          if (entry.relabeled) tally.addRelabeled(record.value as Record<string, unknown>);
          tally.add(record.value, shape, read, formatLocation(record.location));
        } catch (err) {
          if (!(err instanceof RowError)) throw err;
          tally.unreadableRow(err.reason);
        }
      }
    }
    if (entry.readings) entry.suggestion = unpaired?.verdict() ?? suggestionOf(entry.readings, labels, longCheck);
  }
  return tally.report(inputs);
}

const ANY_SCALE: Scale = { min: -Infinity, max: Infinity };

/** How an input's scores are read, from its first record: a scores file, or the row's columns (or none). */
function scoreReader(
  first: unknown,
  shape: Shape,
  config: InspectConfig,
  joined: JoinedScores | null,
): { read: ReadScores; text: string } | null {
  if (joined) return { read: joinedReader(joined, config.scoresFile!.key, shape), text: joined.description };
  refuseSidedScores(config.scores, shape.winner ?? undefined);
  const columns = resolveScoreColumns(shape.winner ? probeOrientation(first, shape.winner) : first, config.scores);
  if (!columns) return null;
  return { read: (_raw, value) => readScores(value, columns, ANY_SCALE), text: columns.description };
}

/** Scores from a scores file, each attached to the response it scores there (core/score-join.ts). */
function joinedReader(joined: JoinedScores, key: Path, shape: Shape): ReadScores {
  const why = joined.responses ? null : positionalMismatch(joined.names, shape.winner !== null);
  if (why) throw new RadpoError('schema', why, wordHint(hint('match_scores_file')));
  return (raw, value) => {
    const side = shape.winner ? winnerSide(raw, shape.winner) : null;
    return joinScores(joined.table, joined.names, getPath(value, key), key.join('.'), {
      chosen: getPath(value, shape.chosen),
      rejected: getPath(value, shape.rejected),
      winner: side === 'tie' ? null : side,
    });
  };
}

/** The flag that names each column role of a reading (core/input-layouts.ts names roles, not flags). */
function typeOf(value: unknown): string {
  if (Array.isArray(value))
    return value.length > 0 && value.every((m) => m && typeof m === 'object' && ('role' in m || 'from' in m))
      ? 'message list'
      : `list of ${value.length}`;
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** The columns of a first record radpo cannot read as a pair, and the layouts of the registry that fit it. */
function describeUnknown(value: unknown, message: string): Pick<InputEntry, 'shape' | 'columns' | 'readings'> {
  const record = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const columns = Object.entries(record).map(([name, v]) => {
    const sample = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
    return { name, type: typeOf(v), sample: sample.length > 60 ? `${sample.slice(0, 59)}…` : sample };
  });
  return { shape: `unknown (${message.replace(/^.*?: /, '')})`, columns, readings: readingsOf(record) };
}

/** Rows a long-format reading is tried on before inspect prints its command. */
const LONG_CHECK_ROWS = 10_000;

/**
 * A long-format reading tried on the file's first rows, as radpo pairs would group them: a command is
 * printed only with what it would meet — groups whose rows answer different prompts (Prometheus' MT-Bench
 * turn-2 grading prompts each hold their own model's first answer) or groups of one row (nothing to pair).
 */
class LongCheck {
  private readonly prompts = new Map<string, { prompt: string; rows: number; mismatch: boolean }>();
  private rowsSeen = 0;
  constructor(private readonly reading: Reading) {}

  static of(readings: Reading[] | undefined): LongCheck | null {
    const reading = readings?.[0];
    return reading?.columns.some(([role]) => role === 'response') ? new LongCheck(reading) : null;
  }

  add(value: unknown): void {
    if (this.rowsSeen >= LONG_CHECK_ROWS || value === null || typeof value !== 'object') return;
    this.rowsSeen += 1;
    const column = (role: ColumnRole) => this.reading.columns.find(([r]) => r === role)?.[1];
    const named = (role: ColumnRole) => (column(role) === undefined ? undefined : [column(role)!]);
    try {
      const { key, item } = longItem(
        value as Record<string, unknown>,
        {
          responseCol: named('response')!,
          scoreCol: named('score'),
          groupCol: named('group'),
          promptCol: named('prompt'),
        },
        0,
        this.rowsSeen,
      );
      // A digest, not the text: the first rows' prompts may be long.
      const prompt = createHash('sha1').update(JSON.stringify(item.prompt)).digest('base64');
      const group = this.prompts.get(key);
      if (!group) this.prompts.set(key, { prompt, rows: 1, mismatch: false });
      else {
        group.rows += 1;
        if (group.prompt !== prompt) group.mismatch = true;
      }
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
    }
  }

  /** What the command would meet, or null when the groups pair as they should. */
  warning(): string | null {
    const groups = [...this.prompts.values()];
    const pairable = groups.filter((g) => g.rows >= 2);
    const mismatched = pairable.filter((g) => g.mismatch).length;
    const over = `of the first ${formatCount(this.rowsSeen)} rows`;
    if (groups.length > 0 && pairable.length === 0)
      return `but every group ${over} has one row: nothing to pair (one response per prompt)`;
    if (mismatched > 0 && mismatched === pairable.length)
      return (
        `but in every group ${over} the rows answer different prompts: pairs would set each group aside ` +
        '(prompt_mismatch); pair by a column that is the same only for the same prompt, if the file has one'
      );
    if (mismatched > 0)
      return (
        `note: in ${formatCount(mismatched)} of ${formatCount(pairable.length)} groups ${over} the rows answer ` +
        'different prompts (set aside as prompt_mismatch)'
      );
    return null;
  }
}

/**
 * Data that is no pairs (a registry reading with command `none`), counted over the whole file: what it
 * is, and whether anything in it could be paired. Bounded: the keys are digests, up to a million.
 */
class UnpairedCheck {
  private readonly keys = new Map<string, { rows: number; liked: number; disliked: number }>();
  private rows = 0;
  private overflow = false;
  private firstKey: string | undefined;
  constructor(
    private readonly reading: Reading,
    private readonly unpaired: Unpaired,
  ) {}

  static of(readings: Reading[] | undefined): UnpairedCheck | null {
    const reading = readings?.[0];
    return reading?.unpaired ? new UnpairedCheck(reading, reading.unpaired) : null;
  }

  add(value: unknown): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const record = value as Record<string, unknown>;
    const key = this.unpaired.keyOf(record);
    if (key === undefined) return;
    this.rows += 1;
    this.firstKey ??= key;
    const digest = createHash('sha1').update(key).digest('base64');
    let entry = this.keys.get(digest);
    if (!entry) {
      if (this.keys.size >= 1_000_000) {
        this.overflow = true;
        return;
      }
      entry = { rows: 0, liked: 0, disliked: 0 };
      this.keys.set(digest, entry);
    }
    entry.rows += 1;
    const liked = this.unpaired.liked?.(record);
    if (liked === true) entry.liked += 1;
    if (liked === false) entry.disliked += 1;
  }

  /** What inspect prints for the input: the layout, why it is no pairs, and what could be paired. */
  verdict(): string {
    const { reading } = this;
    const head = `reads as ${reading.layout} (${reading.reason})`;
    const n = formatCount;
    const groups = [...this.keys.values()];
    const over = this.overflow ? ' (counted over the first 1,000,000 distinct)' : '';
    if (this.unpaired.count === 'models') {
      return groups.length === 1
        ? `${head}\n  only one model (${this.firstKey}) in ${n(this.rows)} rows: nothing to pair ` +
            '(pairs need two answers to one ' +
            'question: judgments of another model on the same questions, or samples from radpo generate)'
        : `${head}\n  ${n(groups.length)} models${over}: radpo does not take the answers out of FastChat's ` +
            "single-answer prompts; FastChat's pairwise judgments of the same models (model_1, model_2, " +
            'g1_winner, g2_winner) are a layout radpo reads';
    }
    if (this.unpaired.count === 'prompts') {
      const repeated = groups.filter((g) => g.rows >= 2);
      const both = groups.filter((g) => g.liked > 0 && g.disliked > 0);
      const counts =
        `${n(groups.length)} distinct prompts${over} in ${n(this.rows)} rows; ${n(repeated.length)} with ` +
        `more than one response, ${n(both.length)} with both a liked and a disliked one`;
      return both.length > 0
        ? `${head}\n  ${counts}: those could be pairs (the liked response chosen): write them one response ` +
            'per row with a score (1 liked, 0 disliked) and the prompt, then radpo pairs FILE --prompt-col ' +
            'PROMPT --response-col RESPONSE --score-col SCORE'
        : `${head}\n  ${counts}: nothing to pair; sample more responses per prompt (radpo generate) and ` +
            'score them (radpo score), then radpo pairs';
    }
    return head;
  }
}

/** What inspect prints for an input radpo cannot read as pairs: each reading, and the command for it. */
function suggestionOf(readings: Reading[], labels: ReadonlySet<string>, check: LongCheck | null): string {
  if (readings.length === 0)
    return (
      'no known layout fits: name the columns that hold the prompt and the two responses with --prompt-col, ' +
      '--chosen-col and --rejected-col (or --response-a-col, --response-b-col and --winner-col)'
    );
  const lines = readings.map(
    (r) => `${r.layout} (${r.reason})${r.command === 'none' ? '' : `: ${commandOf(r, labels)}`}`,
  );
  const warning = check?.warning();
  if (warning) lines[0] += `\n    ${warning}`;
  return lines.length === 1 ? `reads as ${lines[0]}` : `reads as one of:\n    ${lines.join('\n    ')}`;
}

function bars(bins: HistogramBin[]): string[] {
  const max = Math.max(1, ...bins.map((b) => b.rows));
  const labelWidth = Math.max(...bins.map((b) => b.label.length));
  return bins.map((b) => `    ${b.label.padStart(labelWidth)} ${String(b.rows).padStart(8)} ${bar(b.rows, max)}`);
}

/** Each figure to one decimal. */
function tenths(figures: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}

function renderInspect(report: InspectReport): string {
  const n = formatCount;
  const lines: string[] = [];
  for (const input of report.inputs) {
    lines.push(`${input.source} (${input.format})${input.relabeled ? ' — relabeled by radpo' : ''}`);
    lines.push(`  shape:  ${input.shape}`);
    if (input.alsoFits) lines.push(`  ${input.alsoFits}`);
    if (input.columns) {
      lines.push('  columns of the first record:');
      const width = Math.max(...input.columns.map((c) => c.name.length));
      for (const c of input.columns)
        lines.push(`    ${c.name.padEnd(width)}  ${c.type.padEnd(12)}  ${c.sample.replace(/\n/g, ' ')}`);
      lines.push(`  ${input.suggestion}`);
      continue;
    }
    lines.push(`  scores: ${input.scores}`);
  }
  const bad = Object.entries(report.unreadable).map(([k, v]) => `${k} ${n(v)}`);
  lines.push(
    `rows: ${n(report.rows)} (${n(report.pairs)} readable ` +
      `pairs${bad.length ? `; not readable: ${bad.join(', ')}` : ''})`,
  );
  lines.push(...scoreLines(report));
  if (report.pairs === 0) return `${lines.join('\n')}\n`;
  const dup = report.duplicate_prompts;
  lines.push(
    dup.estimated
      ? `duplicate prompts: ≈${n(dup.rows_repeating_an_earlier_prompt ?? 0)} rows repeat an earlier prompt ` +
          `(≈${n(dup.distinct)} distinct prompts, estimated past 500,000)`
      : `duplicate prompts: ${n(dup.rows_with_repeated_prompt ?? 0)} rows share a prompt with ` +
          `another row (${n(dup.distinct)} distinct prompts)`,
  );
  lines.push(`identical chosen and rejected: ${n(report.identical_responses)}`);
  const first = report.first_empty_response;
  lines.push(
    `empty responses: ${n(report.empty_responses)}${
      first
        ? ` (the first at ${first}): radpo relabel stops there unless --on-error skip (set aside) or ` +
          '--allow-empty (written as they are)'
        : ''
    }`,
  );
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(
    report.sampled
      ? 'lengths in characters (≈: p50-p99 from a seeded sample of 1,048,576 rows; max exact):'
      : 'lengths in characters:        p50       p90       p99       max',
  );
  if (report.sampled) lines.push('                              p50       p90       p99       max');
  for (const [k, v] of Object.entries(report.lengths_chars)) {
    // Always a space between columns, however long a length.
    const cell = (x: number | undefined) => ` ${x ?? '-'}`.padStart(10);
    lines.push(`  ${k.padEnd(26)}${[v.p50, v.p90, v.p99, v.max].map(cell).join('')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What the scores say: a relabeled file's copies and goals, a pair file's scores, or where scores are. */
function scoreLines(report: InspectReport): string[] {
  const n = formatCount;
  const out: string[] = [];
  if (report.relabeled) {
    const copies = Object.entries(report.relabeled.copies)
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ');
    out.push(
      `relabeled pairs: ${copies} (each source pair twice: under its chosen score and, swapped, under its ` +
        `rejected score)`,
    );
    out.push('goal scores:', ...bars(report.relabeled.goal_histogram));
  } else if (report.scores && report.pairs === 0)
    // No pair was read: no ties, histograms or range to speak of (a range of "0 to 0" was a false alarm).
    out.push(`scores: ${report.scores.columns}, but no readable pair to read them from`);
  else if (report.scores) {
    const s = report.scores;
    out.push(
      `ties: ${n(s.ties)}   contradicting label (chosen scored ` +
        `lower): ${n(s.contradicting_label)}${s.unscored ? `   rows without usable scores: ${n(s.unscored)}` : ''}`,
    );
    const range = s.range;
    if (range)
      out.push(
        `score range: ${formatScore(range.min)} to ${formatScore(range.max)}${
          range.min < (s.scale?.min ?? 1) || range.max > (s.scale?.max ?? 10)
            ? s.scale
              ? ` — outside --scale ${formatScore(s.scale.min)}-${formatScore(s.scale.max)}: relabel would set ` +
                'those rows aside (bad_score)'
              : ' — outside ' + "the paper's 1-10 scale: relabel with --scale MIN-MAX naming the judge's scale"
            : ''
        }`,
      );
    out.push('chosen scores:', ...bars(s.chosen_histogram), 'rejected scores:', ...bars(s.rejected_histogram));
  } else if (report.inputs.every((input) => input.readings?.[0]?.command === 'none'))
    out.push('scores: not read (the data is no pairs: above)');
  else if (report.inputs.some((input) => input.readings?.[0]?.command === 'pairs'))
    // Scores beside several responses per prompt (a scored list, long format): pairs reads them, not relabel.
    out.push(
      'scores or ranks: beside the responses, several per prompt: radpo pairs (above) picks its pairs by ' +
        'them (pairs picked by rank go to radpo score next, scored ones to radpo relabel)',
    );
  else
    out.push(
      'scores: none found (score the pairs with a judge: radpo score FILE --judge chat|reward …, or radpo ' +
        'relabel FILE --judge …; or name score columns with --chosen-score-col/--rejected-score-col, ' +
        '--scores or --attr)',
    );
  return out;
}
