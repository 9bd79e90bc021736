/**
 * Mapping raw reward-model scores onto the goal scale (METHOD.md, "Scores from reward models"). Pure.
 * The same mapping is used for chosen and rejected, and recorded in the report so inference can ask for
 * the same top value.
 */
import { RowError } from '../core/errors.js';
import type { Scale } from '../core/goal.js';

export const MAPPINGS = ['identity', 'minmax', 'quantile'] as const;
export type MappingKind = (typeof MAPPINGS)[number];

export interface Mapping {
  kind: MappingKind;
  scale: Scale;
  /** Digits after the point that mapped scores are rounded to (identity, minmax). */
  precision: number;
  /** Integer levels for quantile (default: the whole numbers of the scale). */
  levels: number;
  /** Fitted on the raw scores: minmax bounds, or quantile cut points. */
  fitted: { min?: number; max?: number; cuts?: number[] };
}

export function defaultLevels(scale: Scale): number {
  return Math.max(2, Math.floor(scale.max) - Math.ceil(scale.min) + 1);
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Fit the mapping on all raw scores (chosen and rejected together). */
export function fitMapping(
  kind: MappingKind,
  scale: Scale,
  raw: Float64Array,
  precision: number,
  levels: number,
): Mapping {
  const mapping: Mapping = { kind, scale, precision, levels, fitted: {} };
  if (raw.length === 0) return mapping;
  if (kind === 'minmax') {
    let min = Infinity;
    let max = -Infinity;
    for (const x of raw) {
      if (x < min) min = x;
      if (x > max) max = x;
    }
    mapping.fitted = { min, max };
  } else if (kind === 'quantile') {
    const sorted = Float64Array.from(raw).sort();
    const cuts: number[] = [];
    for (let i = 1; i < levels; i++)
      cuts.push(sorted[Math.min(sorted.length - 1, Math.floor((i / levels) * sorted.length))]!);
    mapping.fitted = { cuts };
  }
  return mapping;
}

/** A raw score on the goal scale. Identity refuses scores outside the scale (map them instead). */
export function applyMapping(mapping: Mapping, raw: number): number {
  const { scale } = mapping;
  if (mapping.kind === 'identity') {
    if (raw < scale.min || raw > scale.max) {
      throw new RowError('bad_score', 'the raw reward is outside the goal scale (--map identity)', {
        expected: `a number from ${scale.min} to ${scale.max}`,
        found: String(raw),
        hint: 'map rewards onto the scale with --map minmax or --map quantile',
      });
    }
    return round(raw, mapping.precision);
  }
  if (mapping.kind === 'minmax') {
    const { min, max } = mapping.fitted as { min: number; max: number };
    const t = max > min ? (raw - min) / (max - min) : 0.5;
    return round(scale.min + t * (scale.max - scale.min), mapping.precision);
  }
  // quantile: the level of the bin the raw score falls in, levels spread evenly over the scale.
  const cuts = mapping.fitted.cuts ?? [];
  let level = 0;
  while (level < cuts.length && raw >= cuts[level]!) level += 1;
  const step = mapping.levels > 1 ? (scale.max - scale.min) / (mapping.levels - 1) : 0;
  return round(scale.min + level * step, mapping.precision);
}
