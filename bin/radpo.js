#!/usr/bin/env node
// Thin shim: the CLI lives in dist/bundle/main.js (built by `npm run build`, run by `npm ci` via prepare: tsc's output,
// bundled by scripts/bundle.mjs).
import { createReadStream, fstatSync, readFileSync } from 'node:fs';

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    interrupts += 1;
    // The first signal stops the run cleanly; a second one exits at once. Either way every temporary
    // file is removed: process.exit runs the 'exit' hook of io/temp-files.ts.
    if (interrupts > 1) process.exit(130);
    controller.abort();
  });
}
// The handlers above come first and radpo's modules after them (a static import would run before any of
// this file): a signal while the modules load (~0.2 s) is an interruption (130, nothing written), not death
// by signal (143 for SIGTERM). Only a signal during Node's own start, before this line, still kills.
const { main } = await import('../dist/bundle/main.js');
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// `radpo … | head` closes stdout early: stop quietly instead of printing EPIPE (temporary files go too).
// Any other error (stdout on a full disk) belongs to the run: its writer reports it and fails the run; it
// is kept here too, so that no command ends with 0 after output that was lost.
let stdoutError = null;
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(0);
  stdoutError ??= err;
});

/**
 * stdin redirected from a file (`radpo relabel - < big.jsonl`) is read in 1 MB chunks like a named file:
 * Node's own stdin stream reads 64 KB at a time, and the main thread waits on each read. Made on first use,
 * so a command that never reads stdin leaves it alone.
 */
function stdinStream() {
  try {
    if (fstatSync(0).isFile()) return createReadStream('', { fd: 0, highWaterMark: 1 << 20, autoClose: false });
  } catch {
    /* no fd 0: Node's stream says so when read */
  }
  return process.stdin;
}
let stdin;

const code = await main(
  process.argv.slice(2),
  {
    get stdin() {
      stdin ??= stdinStream();
      return stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  },
  version,
);
if (stdoutError && code === 0) {
  process.stderr.write(`radpo: error: writing to stdout: ${stdoutError.message}\n`);
  process.exitCode = 1;
} else process.exitCode = code;
