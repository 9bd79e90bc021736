/** Small text helpers for what radpo prints for people: counts and histogram bars. */

/** 12,345 */
export function formatCount(x: number): string {
  return x.toLocaleString('en-US');
}

/** A bar of up to `width` blocks for `count` of `max`; any non-zero count shows at least one block. */
export function bar(count: number, max: number, width = 30): string {
  const n = max <= 0 || count <= 0 ? 0 : Math.max(1, Math.round((count / max) * width));
  return '█'.repeat(n);
}

/** "1 row", "2 rows", "1,000 rows". */
export function counted(x: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(x)} ${x === 1 ? singular : plural}`;
}
