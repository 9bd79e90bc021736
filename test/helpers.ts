import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { inject } from 'vitest';
import { main, type Io } from '../src/main.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** Real data written by others, copied into the repository with its provenance (test/data/SOURCES.md). */
export const DATA = join(ROOT, 'test', 'data');
export const FIXTURES = join(ROOT, 'fixtures');
export const UF1000 = join(DATA, 'scored', 'ultrafeedback_gpt4_1000.jsonl');

/** The paper's goal text for a score, typed out by hand from METHOD.md (not built by radpo's code). */
export const paperGoal = (score: string) =>
  'You are an assistant that generates responses for the instruction while implicitly achieving the ' +
  'following target scores (on a scale of 1-10, where 1 is lowest and 10 is highest):\n' +
  `Overall score: ${score}.`;

class Capture extends Writable {
  chunks: Buffer[] = [];
  isTTY = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  text() {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process with captured stdout/stderr and optional piped stdin. */
export async function run(
  argv: string[],
  options: {
    stdin?: string | Buffer;
    stdinTTY?: boolean;
    stderrTTY?: boolean;
    env?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  stderr.isTTY = options.stderrTTY === true;
  let stdin: Readable & { isTTY?: boolean };
  if (options.stdin !== undefined) stdin = Readable.from([Buffer.from(options.stdin)]);
  else {
    stdin = new PassThrough();
    (stdin as PassThrough).end();
  }
  if (options.stdinTTY) stdin.isTTY = true;
  const io: Io = { stdin, stdout, stderr, env: options.env ?? {}, cwd: process.cwd(), signal: options.signal };
  const code = await main(argv, io, VERSION);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** The first n real UltraFeedback prompts as {prompt} rows, in a JSONL file (in `dir`, else a fresh folder). */
export function ufPrompts(n: number, dir = tempDir()): string {
  const path = join(dir, 'prompts.jsonl');
  const rows = readFileSync(UF1000, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, n)
    .map((l) => JSON.stringify({ prompt: (JSON.parse(l) as { prompt: string }).prompt }));
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

/** A fresh folder inside this test run's own temporary root (removed when the run ends). */
export function tempDir(): string {
  return mkdtempSync(join(inject('tmpRoot'), 't-'));
}

export function readJsonl(path: string): Record<string, unknown>[] {
  return parseJsonl(readFileSync(path, 'utf8'));
}

export function parseJsonl(text: string): Record<string, any>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);
}
