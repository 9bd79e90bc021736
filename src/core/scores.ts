/**
 * Where scores come from in a record, and reading them strictly. Pure.
 */
import { RowError, preview, usageError } from './errors.js';
import { formatScore, type Scale } from './goal.js';
import { getPath, parsePath, pathText, type Path } from './path.js';

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

export interface ScoreColumnOptions {
  chosenScoreCol?: string;
  rejectedScoreCol?: string;
  /** `NAME=CHOSEN_PATH,REJECTED_PATH`, in goal order. */
  attr?: readonly string[];
}

export function parseAttr(spec: string): { name: string; chosen: Path; rejected: Path } {
  const match = /^([^=]+)=([^,]+),([^,]+)$/.exec(spec);
  if (!match) {
    throw usageError(`--attr expects NAME=CHOSEN_PATH,REJECTED_PATH, got "${spec}"`, 'for example --attr helpfulness=chosen_scores.helpfulness,rejected_scores.helpfulness');
  }
  const name = match[1]!.trim();
  if (!/^[A-Za-z][A-Za-z0-9 _-]*$/.test(name)) {
    throw usageError(`--attr name "${name}" must start with a letter and hold only letters, digits, spaces, "_" or "-"`);
  }
  return { name, chosen: parsePath(match[2]!.trim(), '--attr'), rejected: parsePath(match[3]!.trim(), '--attr') };
}

/** Where a known pair of score columns sits: at the top level, or inside one nested object. */
function findKnownColumns(record: Record<string, unknown>): [Path, Path] | null {
  for (const [c, r] of KNOWN_SCORE_COLUMNS) {
    if (record[c] !== undefined && record[r] !== undefined && Object.prototype.hasOwnProperty.call(record, c)) return [[c], [r]];
  }
  for (const key of Object.keys(record)) {
    const nested = record[key];
    if (nested === null || typeof nested !== 'object' || Array.isArray(nested) || key === '__proto__') continue;
    for (const [c, r] of KNOWN_SCORE_COLUMNS) {
      const n = nested as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(n, c) && n[c] !== undefined && n[r] !== undefined) return [[key, c], [key, r]];
    }
  }
  return null;
}

/**
 * Decide the score columns from flags or, failing that, from the first record's column names.
 * Returns null when the record has none (the caller then needs another source, or fails).
 */
export function resolveScoreColumns(first: unknown, options: ScoreColumnOptions): ScoreColumns | null {
  if (options.attr && options.attr.length > 0) {
    if (options.chosenScoreCol || options.rejectedScoreCol) {
      throw usageError('--attr cannot be combined with --chosen-score-col/--rejected-score-col', 'give the overall score as one more --attr if you want it in the goal');
    }
    const attrs = options.attr.map(parseAttr);
    const names = attrs.map((a) => a.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw usageError(`--attr ${dup} is given twice`);
    return {
      attributes: names,
      chosen: attrs.map((a) => a.chosen),
      rejected: attrs.map((a) => a.rejected),
      description: attrs.map((a) => `${a.name}=${pathText(a.chosen)},${pathText(a.rejected)}`).join('; '),
    };
  }
  if (options.chosenScoreCol || options.rejectedScoreCol) {
    if (!options.chosenScoreCol || !options.rejectedScoreCol) {
      throw usageError('--chosen-score-col and --rejected-score-col go together', 'name both score columns');
    }
    const c = parsePath(options.chosenScoreCol, '--chosen-score-col');
    const r = parsePath(options.rejectedScoreCol, '--rejected-score-col');
    return { attributes: null, chosen: [c], rejected: [r], description: `${pathText(c)} / ${pathText(r)}` };
  }
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return null;
  const found = findKnownColumns(first as Record<string, unknown>);
  if (!found) return null;
  return { attributes: null, chosen: [found[0]], rejected: [found[1]], description: `${pathText(found[0])} / ${pathText(found[1])}` };
}

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

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
      hint: missing ? 'score the row first (radpo score), or set it aside with --on-error skip --rejects FILE' : 'fix the value, or set the row aside with --on-error skip --rejects FILE',
    });
  }
  if (!Number.isFinite(score)) {
    throw new RowError('bad_score', 'the score is not finite', { field, expected: 'a finite number', found: preview(value) });
  }
  if (score < scale.min || score > scale.max) {
    throw new RowError('bad_score', 'the score is outside the goal scale', {
      field,
      expected: `a number from ${formatScore(scale.min)} to ${formatScore(scale.max)}`,
      found: formatScore(score),
      hint: 'pass --scale MIN-MAX for the scale your judge used (the goal text names it)',
    });
  }
  return score;
}

export interface PairScores {
  chosen: number[];
  rejected: number[];
}

export function readScores(record: unknown, columns: ScoreColumns, scale: Scale): PairScores {
  return {
    chosen: columns.chosen.map((p) => parseScore(getPath(record, p), pathText(p), scale)),
    rejected: columns.rejected.map((p) => parseScore(getPath(record, p), pathText(p), scale)),
  };
}
