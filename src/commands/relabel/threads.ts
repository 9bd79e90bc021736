/**
 * How many worker threads relabel uses. `auto` (the default) uses them only where they pay: on a
 * machine with more than two cores, up to eight (measured on a 16-core Xeon: 8 threads 2.7x one, 16 no
 * faster, the reader on the main thread being the ceiling past 8). On two cores two processes barely run
 * in parallel (measured here), so auto keeps the main thread. Pure, so tests can stub the core count.
 */
import { ValueError } from '../../core/errors.js';

export const MAX_AUTO_THREADS = 8;
/** Each worker is a V8 isolate of ~10 MB before its first row; past a few hundred a machine runs out of memory. */
const MAX_THREADS = 256;

type ThreadsSetting = number | 'auto';

export function parseThreads(text: string): ThreadsSetting {
  const t = text.trim();
  if (t === 'auto') return 'auto';
  const expected = `auto, 0 (the main thread only) or a number of worker threads up to ${MAX_THREADS}`;
  if (!/^\d+$/.test(t)) throw new ValueError(text, expected);
  const threads = Number(t);
  if (threads > MAX_THREADS)
    throw new ValueError(text, undefined, `more than ${MAX_THREADS} worker threads (each costs ~10 MB)`);
  return threads;
}

/**
 * Worker threads to start for `setting` on a machine with `cores` available (0: the main thread only). An explicit
 * number wins.
 */
export function resolveThreads(setting: ThreadsSetting, cores: number): number {
  if (setting === 'auto') return cores > 2 ? Math.min(MAX_AUTO_THREADS, cores - 1) : 0;
  return setting;
}
