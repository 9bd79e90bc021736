/**
 * Every temporary file radpo makes is registered here and removed on every way out: a normal end or
 * an error (by its owner), and, as the last resort, when the process exits for any reason Node still
 * sees (process.exit after a second Ctrl-C, EPIPE, an uncaught exception). Only SIGKILL can leave one
 * behind, which is why the concat spool is unlinked as soon as it is opened.
 */
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const live = new Set<string>();
let hooked = false;

/** A temporary name beside `path` (same folder, so the final rename is atomic), registered for removal. */
export function temporaryPathFor(path: string): string {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.radpo-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`,
  );
  registerTemporary(tmp);
  return tmp;
}

export function registerTemporary(path: string): void {
  live.add(path);
  if (!hooked) {
    hooked = true;
    process.on('exit', removeTemporaryFiles);
  }
}

/** The file was renamed into place or removed by its owner. */
export function releaseTemporary(path: string): void {
  live.delete(path);
}

/** Remove every registered temporary file now (synchronous: safe in an 'exit' handler). */
function removeTemporaryFiles(): void {
  for (const path of live) {
    try {
      // recursive: a staging folder (hub/folder.ts) is registered too.
      rmSync(path, { force: true, recursive: true });
    } catch {
      /* already gone, or its folder is */
    }
  }
  live.clear();
}
