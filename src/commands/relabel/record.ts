/**
 * One record through the method: parse (fast path or JSON.parse), pair, scores, checks, the two copies,
 * serialized. No side effects: the caller aggregates counts, so the same code runs on the main thread
 * and in worker threads (worker.ts beside this file), which is how output stays identical.
 */
import { RowError, type Location } from '../../core/errors.js';
import {
  floatScores,
  toAxolotlRow,
  toHandbookRow,
  toLlamaFactoryRow,
  toNemoRow,
  toTextRow,
  toTrlRow,
  type OutputFormat,
  type RowOrigin,
} from '../../core/formats.js';
import type { GoalSpec, Placement } from '../../core/goal.js';
import { identicalResponses, toPair, type Shape } from '../../core/pair.js';
import { getPath, type Path } from '../../core/path.js';
import { contradictsLabel, isTie, relabelPair, type IdenticalPolicy, type TiePolicy } from '../../core/relabel.js';
import { readScores, type PairScores, type ScoreColumns } from '../../core/scores.js';
import { shardOf, type Shard } from '../../core/shard.js';
import { chunkBytes, expandRaw, NEEDS_SLOW_PATH, parseRaw, RawTable, type Chunk } from '../../io/rawjson.js';
import { parseJsonRecord, type SourceRecord } from '../../io/records.js';

/** Everything a record needs, fixed per input once its first record is seen. Structured-cloneable. */
export interface RecordContext {
  shape: Shape;
  scoreColumns: ScoreColumns | null;
  joined: Map<string, PairScores> | null;
  keyPath: Path | null;
  idColumn: Path | null;
  goal: GoalSpec;
  placement: Placement;
  format: OutputFormat;
  ties: TiePolicy;
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
      /** A key given twice in the record (the last value was used). */
      duplicateKey?: { key: string; location: Location };
    }
  | { kind: 'other_shard' }
  | { kind: 'error'; error: RowError; record: SourceRecord };

function relabelValue(record: SourceRecord, value: unknown, table: RawTable | null, ctx: RecordContext): RecordResult {
  const expand = (text: string) => (table ? expandRaw(text, table) : text);
  const pair = toPair(value, ctx.shape, { allowEmpty: ctx.allowEmpty });
  if (ctx.shard) {
    const prompt = expand(JSON.stringify(pair.prompt));
    if (shardOf(typeof prompt === 'string' ? prompt : chunkBytes(prompt), ctx.shard.count) !== ctx.shard.index)
      return { kind: 'other_shard' };
  }
  let scores: PairScores;
  if (ctx.joined) {
    const key = getPath(value, ctx.keyPath!);
    const entry = key === undefined || key === null ? undefined : ctx.joined.get(String(key));
    if (!entry) {
      throw new RowError('missing_score', 'no scores for this row in the scores file', {
        field: ctx.keyPath!.join('.'),
        expected: 'a key present in the scores file',
        found: key === undefined ? 'no key column' : JSON.stringify(key),
        hint: 'score the missing rows, or set them aside with --on-error skip --rejects FILE',
      });
    }
    scores = entry;
  } else scores = readScores(value, ctx.scoreColumns!, ctx.goal.scale);
  if (ctx.identical === 'drop' && identicalResponses(pair)) {
    throw new RowError('identical_responses', 'chosen and rejected are the same text', {
      hint:
        'such a pair carries no preference and breaks trainers that find the prompt by common prefix; ' +
        '--identical keep writes it anyway',
    });
  }
  const tie = isTie(scores);
  if (tie && ctx.ties === 'drop')
    throw new RowError('tie_dropped', 'chosen and rejected have the same score (--ties drop)');
  const copies = relabelPair(pair, scores, { goal: ctx.goal, placement: ctx.placement });
  const origin: RowOrigin = { line: record.location.line };
  if (ctx.withFile) origin.file = record.location.source;
  if (ctx.idColumn) {
    const id = getPath(value, ctx.idColumn);
    if (typeof id === 'string' || typeof id === 'number') origin.id = id;
  }
  const attributes = ctx.goal.attributes;
  const object = (copy: (typeof copies)[number]): Record<string, unknown> => {
    switch (ctx.format) {
      case 'trl':
        return toTrlRow(copy, attributes, origin);
      case 'handbook':
        return toHandbookRow(copy, attributes, origin, value as Record<string, unknown>, ctx.shape);
      case 'llamafactory':
        return toLlamaFactoryRow(copy, attributes, origin);
      case 'axolotl':
        return toAxolotlRow(copy);
      case 'nemo':
        return toNemoRow(copy);
      case 'text':
        return toTextRow(copy, attributes, origin);
    }
  };
  const objects: [Record<string, unknown>, Record<string, unknown>] = [object(copies[0]), object(copies[1])];
  return {
    kind: 'rows',
    rows: ctx.objects
      ? ['', '']
      : [expand(floatScores(JSON.stringify(objects[0]))), expand(floatScores(JSON.stringify(objects[1])))],
    objects: ctx.objects ? objects : undefined,
    table: ctx.objects ? table : undefined,
    tie,
    contradicting: contradictsLabel(scores),
    goals: [copies[0].goalScores, copies[1].goalScores],
    fast: table !== null,
    duplicateKey:
      record.duplicateKey === undefined ? undefined : { key: record.duplicateKey, location: record.location },
  };
}

/** Parse and relabel one record. Row problems come back as results, never as exceptions. */
export function relabelRecord(record: SourceRecord, ctx: RecordContext): RecordResult {
  if (record.error) return { kind: 'error', error: record.error, record };
  try {
    if (ctx.fast && record.bytes) {
      const table = new RawTable();
      const value = parseRaw(record.bytes, table);
      if (value !== NEEDS_SLOW_PATH) {
        try {
          return relabelValue(record, value, table, ctx);
        } catch (err) {
          if (!(err instanceof RowError)) throw err;
          // Describe errors from the decoded record, so messages quote real text, not placeholders.
        }
      }
    }
    const parsed = parseJsonRecord(record, ctx.isJsonFile);
    if (parsed.error) return { kind: 'error', error: parsed.error, record: parsed };
    return relabelValue(parsed, parsed.value, null, ctx);
  } catch (err) {
    if (err instanceof RowError) {
      err.location ??= record.location;
      return { kind: 'error', error: err, record };
    }
    throw err;
  }
}
