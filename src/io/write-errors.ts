/** Write failures (a full disk, a quota, a failing disk) as messages that name the file and the cause. */
import { RadpoError } from '../core/errors.js';

/** What a write error means to a user, for the errors that are the machine's, not radpo's. */
export const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  EIO: 'input/output error (the disk or the network file system failed)',
  EROFS: 'read-only file system',
  EPIPE: 'the reader closed the pipe',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** An error while writing `what` (a file name, or a description), as the run's io error. */
export function writeError(err: unknown, what: string, written?: number, partial?: string): RadpoError {
  if (err instanceof RadpoError) return err;
  const e = err as NodeJS.ErrnoException;
  const cause = (e.code && WRITE_ERRORS[e.code]) ?? e.message;
  const progress = written === undefined ? '' : ` (wrote ${formatBytes(written)})`;
  // `partial`: the destination could not be written atomically (a stream), so something did reach it.
  const hint =
    partial ??
    (e.code === 'ENOSPC' || e.code === 'EDQUOT'
      ? 'free some space, or write to another disk; nothing was written under the final names'
      : 'nothing was written under the final names');
  return new RadpoError('io', `${cause} writing ${what}${progress}`, hint);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1 << 20) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1 << 20)).toFixed(1)} MB`;
}
