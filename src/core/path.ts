/**
 * Dotted paths into records (`metadata.score_chosen`, `label.4`). Pure.
 * A path never walks into `__proto__`, `constructor` or `prototype`, and only follows own properties,
 * so a crafted column name cannot reach Object.prototype.
 */
import { ValueError } from './errors.js';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export type Path = readonly string[];

export function parsePath(text: string): Path {
  const segments = text.split('.');
  if (text === '' || segments.some((s) => s === '')) {
    throw new ValueError(text, 'a column name, or dotted names such as metadata.score_chosen');
  }
  for (const s of segments) {
    if (FORBIDDEN.has(s)) throw new ValueError(text, undefined, `the segment "${s}" is not allowed in a path`);
  }
  return segments;
}

/** The value at `path`, or undefined when any step is missing. */
export function getPath(record: unknown, path: Path): unknown {
  let current: unknown = record;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (FORBIDDEN.has(segment)) return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
      continue;
    }
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

export function pathText(path: Path): string {
  // Most paths are one column: its name, without making a string per row.
  return path.length === 1 ? path[0]! : path.join('.');
}
