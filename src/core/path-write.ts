/** Writing a value at a dotted path (creating objects on the way). Pure; paths are checked by parsePath. */
import type { Path } from './path.js';

export function setPath(record: Record<string, unknown>, path: Path, value: unknown): void {
  let current: Record<string, unknown> = record;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i]!;
    const next = Object.hasOwn(current, segment) ? current[segment] : undefined;
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const created: Record<string, unknown> = {};
      current[segment] = created;
      current = created;
    } else current = next as Record<string, unknown>;
  }
  current[path[path.length - 1]!] = value;
}
