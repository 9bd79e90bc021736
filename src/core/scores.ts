/**
 * Where scores come from in a record, and reading them strictly. Pure.
 */
import { hint } from './hints.js';
import { RadpoError, RowError, ValueError, preview } from './errors.js';
import { formatScore, type Scale } from './goal.js';
import { NUMERIC } from './input-layouts.js';
import { getPath, parsePath, pathText, type Path } from './path.js';
import type { WinnerSpec } from './winner.js';

/** Column-name pairs that datasets use for judge scores, in the order they are tried. */
export const KNOWN_SCORE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['score_chosen', 'score_rejected'],
  ['chosen-rating', 'rejected-rating'],
  ['chosen_rating', 'rejected_rating'],
  ['overall_score_chosen', 'overall_score_rejected'],
  ['chosen_score', 'rejected_score'],
  ['chosen_reward', 'rejected_reward'],
];

/** For each attribute (one, unnamed, for the overall score) the path of its chosen and rejected score. */
export interface ScoreColumns {
  attributes: readonly string[] | null;
  chosen: readonly Path[];
  rejected: readonly Path[];
  description: string;
}

/**
 * Where the scores are, as the user named them (already parsed): both columns, or one pair per
 * attribute in goal order; neither means "find a known pair of columns in the first record".
 */
export interface ScoreColumnSpec {
  chosen?: Path;
  rejected?: Path;
  attributes?: readonly ScoreAttribute[];
}

export interface ScoreAttribute {
  name: string;
  chosen: Path;
  rejected: Path;
}

/** `NAME=CHOSEN_PATH,REJECTED_PATH` (an --attr value). */
export function parseAttr(spec: string): ScoreAttribute {
  const match = /^([^=]+)=([^,]+),([^,]+)$/.exec(spec);
  if (!match)
    throw new ValueError(
      spec,
      'NAME=CHOSEN_PATH,REJECTED_PATH',
      undefined,
      'for example helpfulness=chosen_scores.helpfulness,rejected_scores.helpfulness',
    );
  const name = match[1]!.trim();
  if (!/^[A-Za-z][A-Za-z0-9 _-]*$/.test(name)) {
    throw new ValueError(
      spec,
      undefined,
      `the name "${name}" must start with a letter and hold only letters, digits, spaces, "_" or "-"`,
    );
  }
  return { name, chosen: parsePath(match[2]!.trim()), rejected: parsePath(match[3]!.trim()) };
}

/** Where a known pair of score columns sits: at the top level, or inside one nested object. */
function findKnownColumns(record: Record<string, unknown>): [Path, Path] | null {
  for (const [c, r] of KNOWN_SCORE_COLUMNS) {
    if (record[c] !== undefined && record[r] !== undefined && Object.hasOwn(record, c)) return [[c], [r]];
  }
  for (const key of Object.keys(record)) {
    const nested = record[key];
    if (nested === null || typeof nested !== 'object' || Array.isArray(nested) || key === '__proto__') continue;
    for (const [c, r] of KNOWN_SCORE_COLUMNS) {
      const n = nested as Record<string, unknown>;
      if (Object.hasOwn(n, c) && n[c] !== undefined && n[r] !== undefined)
        return [
          [key, c],
          [key, r],
        ];
    }
  }
  return null;
}

/**
 * Decide the score columns from the spec or, failing that, from the first record's column names.
 * Returns null when the record has none (the caller then needs another source, or fails).
 */
export function resolveScoreColumns(first: unknown, spec: ScoreColumnSpec): ScoreColumns | null {
  if (spec.attributes && spec.attributes.length > 0) {
    const attrs = spec.attributes;
    return {
      attributes: attrs.map((a) => a.name),
      chosen: attrs.map((a) => a.chosen),
      rejected: attrs.map((a) => a.rejected),
      description: attrs.map((a) => `${a.name}=${pathText(a.chosen)},${pathText(a.rejected)}`).join('; '),
    };
  }
  if (spec.chosen && spec.rejected) {
    return {
      attributes: null,
      chosen: [spec.chosen],
      rejected: [spec.rejected],
      description: `${pathText(spec.chosen)} / ${pathText(spec.rejected)}`,
    };
  }
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return null;
  const found = findKnownColumns(first as Record<string, unknown>);
  if (!found) return null;
  return {
    attributes: null,
    chosen: [found[0]],
    rejected: [found[1]],
    description: `${pathText(found[0])} / ${pathText(found[1])}`,
  };
}

/** A score value: a finite number, or a numeric string (CSV cells, string ratings). Throws RowError. */
export function parseScore(value: unknown, field: string, scale: Scale): number {
  let score: number;
  if (typeof value === 'number') score = value;
  else if (typeof value === 'string' && NUMERIC.test(value.trim())) score = Number(value.trim());
  else {
    const missing = value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
    throw new RowError('bad_score', missing ? 'the score is missing' : 'the score is not a number', {
      field,
      expected: 'a number',
      found: value === undefined ? 'no such column' : preview(value),
      hint: missing ? hint('score_first_or_set_aside') : hint('fix_value_or_set_aside'),
    });
  }
  if (!Number.isFinite(score)) {
    throw new RowError('bad_score', 'the score is not finite', {
      field,
      expected: 'a finite number',
      found: typeof value === 'number' ? `${score} (a number too large for a double, such as 1e309)` : preview(value),
      hint: hint('fix_source_or_set_aside'),
    });
  }
  if (score < scale.min || score > scale.max) {
    throw new RowError('bad_score', 'the score is outside the goal scale', {
      field,
      expected: `a number from ${formatScore(scale.min)} to ${formatScore(scale.max)}`,
      found: formatScore(score),
      hint: hint('name_judge_scale'),
    });
  }
  return score;
}

export interface PairScores {
  chosen: number[];
  rejected: number[];
}

/**
 * Scores rounded to `digits` after the point (--precision), so a fractional score (3.3333333333333335, a
 * mean of ratings) is written as the goal a trainer can read (3.33); `rounded` says whether any changed.
 */
export function roundScores(scores: PairScores, digits: number): { scores: PairScores; rounded: boolean } {
  const round = (x: number) => Number(x.toFixed(digits));
  const out = { chosen: scores.chosen.map(round), rejected: scores.rejected.map(round) };
  const rounded =
    out.chosen.some((x, i) => x !== scores.chosen[i]) || out.rejected.some((x, i) => x !== scores.rejected[i]);
  return { scores: out, rounded };
}

export function readScores(record: unknown, columns: ScoreColumns, scale: Scale): PairScores {
  return { chosen: readSide(record, columns.chosen, scale), rejected: readSide(record, columns.rejected, scale) };
}

/** One side's scores; a number on the scale (nearly every one) is taken without naming its field. */
function readSide(record: unknown, paths: readonly Path[], scale: Scale): number[] {
  const scores: number[] = [];
  for (const path of paths) {
    const value = getPath(record, path);
    scores.push(
      typeof value === 'number' && value >= scale.min && value <= scale.max
        ? value
        : parseScore(value, pathText(path), scale),
    );
  }
  return scores;
}

/**
 * Score columns named as chosen and rejected, given for a layout whose winner decides which response is chosen
 * (A/B responses and a label): score_1 beside output_1 scores the first response whichever won, so read as
 * the chosen one's it swaps the goal of every pair B won. Whether a column scores a position or the winner
 * cannot be told from its name, so radpo refuses, as it refuses such a scores file (pipeline/scores-file.ts).
 */
export function refuseSidedScores(spec: ScoreColumnSpec, winner: WinnerSpec | undefined): void {
  if (winner === undefined || (winner.scoreA && winner.scoreB)) return;
  const columns = spec.attributes?.length
    ? spec.attributes.flatMap((a) => [a.chosen, a.rejected])
    : spec.chosen && spec.rejected
      ? [spec.chosen, spec.rejected]
      : [];
  if (columns.length === 0) return;
  throw new RadpoError(
    'schema',
    `the scores are named as the chosen and the rejected response's (${columns.map(pathText).join(', ')}), but ` +
      `the responses are ${pathText(winner.responseA)} and ${pathText(winner.responseB)} with a winner (` +
      `${winner.description}) that decides which is chosen: whether ${pathText(columns[0]!)} scores the first ` +
      'response or the winner cannot be told',
    hint(spec.attributes?.length ? 'name_ab_attributes' : 'name_ab_scores'),
  );
}
