/**
 * One record through the method: parse (fast path or JSON.parse), pair, scores, checks, the two copies,
 * serialized. No side effects: the caller aggregates counts, so the same code runs on the main thread
 * and in worker threads (worker.ts beside this file), which is how output stays identical.
 */
import { RowError, type Location } from '../../core/errors.js';
import { floatScores, type OutputFormat, type RowOrigin, trlRowTexts } from '../../core/layouts.js';
import { OUTPUT_LAYOUTS } from '../../core/output-layouts.js';
import { formatScore, type GoalSpec, type Placement } from '../../core/goal.js';
import { identicalResponses, type Message, type Pair, pairOf, readPair, type Shape } from '../../core/pair.js';
import { defaultIdColumn } from '../../core/ids.js';
import { getPath, type Path } from '../../core/path.js';
import {
  contradictsLabel,
  isTie,
  relabelPair,
  meetsMinGap,
  readPairScores,
  scoreGap,
  type IdenticalPolicy,
  type RelabeledPair,
  type TiePolicy,
} from '../../core/relabel.js';
import { roundScores, type PairScores, type ScoreColumns } from '../../core/scores.js';
import { shardOf, type Shard } from '../../core/shard.js';
import { joinScores, type ScoresRow, type SideNames } from '../../core/score-join.js';
import { orientByWinner, readOriented, winnerSide } from '../../core/winner.js';
import { chunkBytes, expandRaw, NEEDS_SLOW_PATH, parseRaw, RawTable, rawValue, type Chunk } from '../../io/rawjson.js';
import { parseJsonRecord, type SourceRecord } from '../../io/records.js';
import { spliceTrlRows } from './splice.js';

/** Everything a record needs, fixed per input once its first record is seen. Structured-cloneable. */
export interface RecordContext {
  shape: Shape;
  scoreColumns: ScoreColumns | null;
  /** --scores FILE --key PATH: the scores file's rows by key, how it names its sides, whether it has texts. */
  joined: { table: Map<string, ScoresRow[]>; names: SideNames; texts: boolean; key: Path } | null;
  idColumn: Path | null;
  /** --id-col named: that column only; else a row without idColumn's id takes its own default id column. */
  idNamed: boolean;
  goal: GoalSpec;
  placement: Placement;
  format: OutputFormat;
  ties: TiePolicy;
  /** --min-gap: pairs whose scores differ by less are set aside (0: every pair kept). */
  minGap: number;
  identical: IdenticalPolicy;
  allowEmpty: boolean;
  shard: Shard | null;
  /** Rows carry source_file when several inputs are read. */
  withFile: boolean;
  isJsonFile: boolean;
  /** Use the byte-level parser (JSON in, JSON out, a shape whose text is only moved). */
  fast: boolean;
  /** Hand back row objects instead of JSON text (CSV output serializes them itself). */
  objects: boolean;
  /** --precision given: every goal score rounded to this many digits after the point. */
  roundDigits: number | null;
}

export type RecordResult =
  | {
      kind: 'rows';
      /** The two rows' JSON text (no framing): chosen-goal copy, rejected-goal copy. */
      rows: [Chunk, Chunk];
      /** The rows as objects, with `objects` (then `rows` is empty), and the fast path's raw bytes they refer to. */
      objects?: [Record<string, unknown>, Record<string, unknown>];
      table?: RawTable | null;
      tie: boolean;
      contradicting: boolean;
      goals: [readonly number[], readonly number[]];
      fast: boolean;
      /** The pair carries tools (LLaMA-Factory's dataset_info.json maps the column then). */
      tools: boolean;
      /** --precision changed one of the pair's scores. */
      rounded: boolean;
      /** A key given twice in the record (the last value was used). */
      duplicateKey?: { key: string; location: Location };
    }
  | { kind: 'other_shard' }
  | { kind: 'error'; error: RowError; record: SourceRecord };

/**
 * The pair's scores: from the row's own columns, or from the joined scores file (by --key), each score
 * attached to the response it scores there (core/score-join.ts). The fast path's placeholders are turned
 * back into text for a join by text.
 */
function pairScores(row: unknown, value: unknown, table: RawTable | null, context: RecordContext): PairScores {
  const { joined, shape } = context;
  if (!joined) return readPairScores(row, context.scoreColumns!, context.goal.scale);
  const side = (path: Path) => {
    const v = getPath(row, path);
    return joined.texts && v !== undefined ? rawValue(v, table) : v;
  };
  const winner = shape.winner ? winnerSide(value, shape.winner) : null;
  return joinScores(joined.table, joined.names, getPath(row, joined.key), joined.key.join('.'), {
    chosen: side(shape.chosen),
    rejected: side(shape.rejected),
    winner: winner === 'tie' ? null : winner,
  });
}

/** --identical drop and --ties drop: pairs that carry no preference are set aside (never a failure). */
function refuseNoPreference(pair: Pair, tie: boolean, context: RecordContext): void {
  if (context.identical === 'drop' && identicalResponses(pair)) {
    throw new RowError('identical_responses', 'chosen and rejected are the same text', {
      hint:
        'such a pair carries no preference and breaks trainers that find the prompt by common prefix; ' +
        '--identical keep writes it anyway',
    });
  }
  if (tie && context.ties === 'drop')
    throw new RowError('tie_dropped', 'chosen and rejected have the same score (--ties drop)');
}

/**
 * --min-gap G keeps pairs whose scores differ by at least G (on the mean of several attributes, like the
 * contradicting-label count): below it, which response is better may be the judge's noise. The gap is
 * |chosen − rejected|, so a pair whose label the scores contradict is kept if they contradict it clearly.
 */
function refuseBelowGap(scores: PairScores, context: RecordContext): void {
  if (context.minGap <= 0) return;
  const gap = Math.abs(scoreGap(scores));
  if (!meetsMinGap(gap, context.minGap))
    throw new RowError('below_min_gap', `the scores differ by ${formatScore(gap)}, less than --min-gap`, {
      field: 'scores',
      expected: `a score gap of at least ${formatScore(context.minGap)}`,
      found: formatScore(gap),
      hint: 'such pairs are set aside by design; a lower --min-gap keeps them',
    });
}

/** Where a row came from: its line, its file when there are several, its own id. */
function rowOrigin(record: SourceRecord, value: unknown, table: RawTable | null, context: RecordContext): RowOrigin {
  const origin: RowOrigin = { line: record.location.line };
  if (context.withFile) origin.file = record.location.source;
  const isId = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';
  // A long id (128 bytes or more) is a placeholder of the byte-level parser: the splice writes ids as text.
  const text = (v: string | number) => rawValue(v, table);
  const id = context.idColumn ? getPath(value, context.idColumn) : undefined;
  if (isId(id)) origin.id = text(id);
  else if (!context.idNamed) {
    // The first row's id column fixes no other row's: a row added by hand under `id` keeps its own.
    const own = defaultIdColumn(value);
    const ownId = own ? getPath(value, own) : undefined;
    if (isId(ownId)) origin.id = text(ownId);
  }
  return origin;
}

/** One copy in the trainer's layout (core/output-layouts.ts). */
function layoutRow(copy: RelabeledPair, value: unknown, origin: RowOrigin, context: RecordContext) {
  const { attributes } = context.goal;
  const { shape, scoreColumns } = context;
  return OUTPUT_LAYOUTS[context.format].write(copy, { attributes, origin, source: value, shape, scoreColumns });
}

/** The goal texts' JSON (escaped, without quotes): a run has a few dozen, each written into every other row. */
const goalJson = new Map<string, Buffer>();

/**
 * The prompt with its goal text (at the start of the message that holds it) as a placeholder for the
 * goal's JSON bytes, made once per goal: serializing each row then skips escaping and encoding the
 * ~230 characters of the paper's goal, twice per pair. expandRaw splices the bytes back, so the row's
 * bytes are the same.
 */
function withGoalPlaceholder(prompt: Message[], goal: string, table: RawTable): Message[] {
  // The message is usually the goal itself (a system message placeGoal made): the same string, found by ===
  // without comparing its ~230 characters.
  const at = prompt.findIndex(
    (m) => m.content === goal || (typeof m.content === 'string' && m.content.startsWith(goal)),
  );
  if (at < 0) return prompt;
  let bytes = goalJson.get(goal);
  if (bytes === undefined) {
    if (goalJson.size >= 256) goalJson.clear();
    bytes = Buffer.from(JSON.stringify(goal).slice(1, -1), 'utf8');
    goalJson.set(goal, bytes);
  }
  const out = prompt.slice();
  const message = out[at]!;
  out[at] = { ...message, content: table.placeholder(bytes) + (message.content as string).slice(goal.length) };
  return out;
}

/** One parsed record to its two copies, in the layout and as text (or objects, for CSV and Parquet). */
function relabelValue(
  record: SourceRecord,
  value: unknown,
  table: RawTable | null,
  context: RecordContext,
): RecordResult {
  const expand = (text: string) => (table ? expandRaw(text, table) : text);
  // A/B responses with a winner: the winner is chosen (a tie is no preference, set aside).
  const winner = context.shape.winner;
  const row = winner ? orientByWinner(value, winner) : value;
  const pair = pairOf(
    readOriented(value, winner, () => readPair(row, context.shape, { allowEmpty: context.allowEmpty })),
  );
  if (context.shard) {
    const prompt = expand(JSON.stringify(pair.prompt));
    if (shardOf(typeof prompt === 'string' ? prompt : chunkBytes(prompt), context.shard.count) !== context.shard.index)
      return { kind: 'other_shard' };
  }
  // A judge's scores come with the record (judge/stage.ts), already attached to chosen and rejected.
  const read = record.scores ?? pairScores(row, value, table, context);
  const { scores, rounded } =
    context.roundDigits === null ? { scores: read, rounded: false } : roundScores(read, context.roundDigits);
  const tie = isTie(scores);
  refuseNoPreference(pair, tie, context);
  refuseBelowGap(scores, context);
  const copies = relabelPair(pair, scores, { goal: context.goal, placement: context.placement });
  const origin = rowOrigin(record, value, table, context);
  // TRL rows from the byte-level parser: spliced from the bytes it kept (splice.ts), when the pair allows.
  const spliced =
    table && context.format === 'trl' && !context.objects
      ? spliceTrlRows(copies, context.goal.attributes, origin, table)
      : null;
  // Layouts that write the prompt's messages as they are (not text, not ShareGPT's separate system field).
  if (!spliced && table && !context.objects && (context.format === 'trl' || context.format === 'handbook'))
    for (const copy of copies) copy.prompt = withGoalPlaceholder(copy.prompt, copy.goal, table);
  const texts =
    !spliced && context.format === 'trl' && !context.objects
      ? trlRowTexts(copies, context.goal.attributes, origin)
      : null;
  const objects: [Record<string, unknown>, Record<string, unknown>] | null =
    spliced || texts
      ? null
      : [layoutRow(copies[0], value, origin, context), layoutRow(copies[1], value, origin, context)];
  const rows: [Chunk, Chunk] = spliced
    ? spliced
    : texts
      ? [expand(texts[0]), expand(texts[1])]
      : context.objects
        ? ['', '']
        : [expand(floatScores(JSON.stringify(objects![0]))), expand(floatScores(JSON.stringify(objects![1])))];
  return {
    kind: 'rows',
    rows,
    objects: context.objects && objects ? objects : undefined,
    table: context.objects ? table : undefined,
    tie,
    contradicting: contradictsLabel(scores),
    goals: [copies[0].goalScores, copies[1].goalScores],
    fast: table !== null,
    tools: pair.tools !== undefined,
    rounded,
    duplicateKey:
      record.duplicateKey === undefined ? undefined : { key: record.duplicateKey, location: record.location },
  };
}

/** Parse and relabel one record. Row problems come back as results, never as exceptions. */
export function relabelRecord(record: SourceRecord, context: RecordContext): RecordResult {
  if (record.error) return { kind: 'error', error: record.error, record };
  try {
    if (context.fast && record.bytes) {
      const table = new RawTable();
      const value = parseRaw(record.bytes, table);
      if (value !== NEEDS_SLOW_PATH) {
        try {
          return relabelValue(record, value, table, context);
        } catch (err) {
          if (!(err instanceof RowError)) throw err;
          // Describe errors from the decoded record, so messages quote real text, not placeholders.
        }
      }
    }
    const parsed = parseJsonRecord(record, context.isJsonFile);
    if (parsed.error) return { kind: 'error', error: parsed.error, record: parsed };
    return relabelValue(record.scores ? { ...parsed, scores: record.scores } : parsed, parsed.value, null, context);
  } catch (err) {
    if (err instanceof RowError) {
      err.location ??= record.location;
      return { kind: 'error', error: err, record };
    }
    throw err;
  }
}
