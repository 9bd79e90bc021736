/**
 * How deep a value radpo walks may be nested. JSON.parse reads any depth, but JSON.stringify, String()
 * and every recursive walk overflow the stack somewhere past a few thousand levels: one such row (9 KB of
 * brackets) would end the run. Rows deeper than this are set aside; real conversations nest a few levels.
 */
export const MAX_DEPTH = 1000;

/** Is `value` nested deeper than `limit` levels? Iterative: it never recurses itself. */
export function deeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (depth > limit) return true;
    const children = Array.isArray(item) ? item : Object.values(item as object);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
