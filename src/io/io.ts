import type { Readable, Writable } from 'node:stream';
import { RadpoError } from '../core/errors.js';
import type { Redactor } from './redact.js';

/** Everything a command touches outside itself, so `main(argv, io)` runs in-process in tests. */
export interface Io {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: commands stop, remove temporary files and return. */
  signal?: AbortSignal;
  /** The run's secrets (API keys, URL passwords): main() makes one per run and redacts stderr with it. */
  secrets?: Redactor;
  /** The arguments radpo was run with (a dataset card records the command, redacted). */
  argv?: readonly string[];
  /**
   * The script of relabel's worker threads; by default the compiled worker beside the pool. A host that runs
   * the TypeScript sources (the in-process tests) hands in a built one: a worker thread runs JavaScript only.
   */
  relabelWorker?: URL;
  /** The run's warnings, through its logger (set by runLogger): readers below the commands warn here. */
  warn?: (message: string) => void;
}

/** A warning through the run's logger, or a bare `warning:` line on stderr where no logger was set up. */
export function warn(io: Io, message: string): void {
  if (io.warn) io.warn(message);
  else io.stderr.write(`warning: ${message}\n`);
}

/** Colour only on a terminal, and never with NO_COLOR (non-empty) or TERM=dumb (clig.dev). */
export function useColor(io: Io, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.TERM === 'dumb') return false;
  return io.stderr.isTTY === true;
}

/**
 * The signal rule, one for every command: long work (reading, grouping, sorting, spilling, bootstrapping,
 * and the commit itself) calls this between chunks, each chunk well under a second, so Ctrl-C or SIGTERM
 * stops the run with exit 130; the run's `finally` then removes every temporary file and publishes nothing.
 */
export function stopIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RadpoError('interrupted', 'interrupted; no output was written under the final name');
}

let lastTurn = Date.now();

/**
 * `stopIfInterrupted` for loops that may never wait for I/O: a signal's handler (which aborts the signal)
 * runs only when the event loop turns, and a chain of batches read from a file's buffer or groups paired in
 * memory runs as microtasks for seconds. So every 50 ms this gives the event loop one turn first.
 */
export async function checkpoint(signal: AbortSignal | undefined): Promise<void> {
  if (Date.now() - lastTurn >= 50) {
    await new Promise((resolve) => setImmediate(resolve));
    lastTurn = Date.now();
  }
  stopIfInterrupted(signal);
}
