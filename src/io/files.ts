/** Small files a flag names (a goal template, a chat template, a rubric, a config file, batch results). */
import { readFileSync } from 'node:fs';
import { usageError } from '../core/errors.js';

/**
 * The whole text of the file `flag` names, or a usage error (exit 2) that names the flag, the path and
 * what is wrong: "--chat-template t.jinja: no such file".
 */
export function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EISDIR'
          ? 'a folder, not a file'
          : e.code === 'EACCES'
            ? 'not readable (permission denied)'
            : e.message;
    throw usageError(`${flag} ${path}: ${why}`);
  }
}
