/**
 * Output row layouts, one per trainer family. Pure: a relabeled pair in, a plain object out.
 * See ../shared/docs/FORMATS.md.
 */
import type { Message } from './pair.js';
import type { Shape } from './pair.js';
import type { RelabeledPair } from './relabel.js';

export const OUTPUT_FORMATS = ['trl', 'handbook'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where the row came from, so a trainer's bad row can be traced back. */
export interface RowOrigin {
  line: number;
  /** Only set when several inputs are read, so single-file output does not depend on the path given. */
  file?: string;
  /** The source row's own id (`id`, `prompt_id` or --id-col), when it has one. */
  id?: unknown;
}

/**
 * Names TRL reserves ("Invalid keys in the example" on <=0.28, silently re-read on newer versions).
 * No format may emit them as metadata.
 */
export const TRL_RESERVED = new Set(['prompt', 'chosen', 'rejected', 'completion', 'messages', 'label']);

function scoresValue(attributes: readonly string[] | null, values: readonly number[]): number | Record<string, number> {
  if (attributes === null) return values[0]!;
  const out: Record<string, number> = {};
  attributes.forEach((name, i) => (out[name] = values[i]!));
  return out;
}

function metadata(pair: RelabeledPair, attributes: readonly string[] | null, origin: RowOrigin): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  meta[attributes === null ? 'goal_score' : 'goal_scores'] = scoresValue(attributes, pair.goalScores);
  meta.score_chosen = scoresValue(attributes, pair.scoreChosen);
  meta.score_rejected = scoresValue(attributes, pair.scoreRejected);
  meta.copy = pair.copy;
  if (origin.id !== undefined) meta.source_id = origin.id;
  if (origin.file !== undefined) meta.source_file = origin.file;
  meta.source_line = origin.line;
  return meta;
}

/** TRL conversational with explicit prompt: the layout TRL, Unsloth and OpenRLHF read. */
export function toTrlRow(pair: RelabeledPair, attributes: readonly string[] | null, origin: RowOrigin): Record<string, unknown> {
  return { prompt: pair.prompt, chosen: pair.chosen, rejected: pair.rejected, ...metadata(pair, attributes, origin) };
}

/**
 * The reference's (alignment-handbook) shape: chosen and rejected are whole conversations, goal first.
 * Other input columns are kept as they were, except those that would carry the goal-less pair into a
 * trainer: the source prompt/response columns, `messages` (TRL reserved), `conversations` and `system`.
 */
export function toHandbookRow(
  pair: RelabeledPair,
  attributes: readonly string[] | null,
  origin: RowOrigin,
  record: Record<string, unknown>,
  shape: Shape,
): Record<string, unknown> {
  const dropped = new Set(['prompt', 'messages', 'completion', 'label', 'conversations', 'system']);
  for (const path of [shape.prompt, shape.chosen, shape.rejected, shape.system]) if (path) dropped.add(path[0]!);
  const chosen: Message[] = [...pair.prompt, ...pair.chosen];
  const rejected: Message[] = [...pair.prompt, ...pair.rejected];
  const row: Record<string, unknown> = {};
  let placed = false;
  for (const key of Object.keys(record)) {
    if (key === shape.chosen[0] || key === 'chosen') {
      if (!placed) {
        row.chosen = chosen;
        row.rejected = rejected;
        placed = true;
      }
      continue;
    }
    if (dropped.has(key) || key === '__proto__') continue;
    row[key] = record[key];
  }
  if (!placed) {
    row.chosen = chosen;
    row.rejected = rejected;
  }
  return Object.assign(row, metadata(pair, attributes, origin));
}
