import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { inject } from 'vitest';
import { addFlags, attributeName, type FlagTable, type FlagValues, parseFlags } from '../src/cli/flags.js';
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

export interface RunOptions {
  stdin?: string | Buffer;
  stdinTTY?: boolean;
  stderrTTY?: boolean;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** The folder the run takes relative paths from (default: the test's). */
  cwd?: string;
}

/** The built worker thread script: the TypeScript sources' relabel runs its batches in it. */
const BUILT_WORKER = pathToFileURL(join(ROOT, 'dist', 'commands', 'relabel', 'worker.js'));

/** Run the CLI in-process with captured stdout/stderr and optional piped stdin. */
export function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return runWith(main, argv, options, BUILT_WORKER);
}

/**
 * Run the built CLI (dist/, made by test/global-setup.ts) in-process: what runs worker threads, whose
 * script is the compiled dist/commands/relabel/worker.js beside the compiled pool.
 */
export async function runBuilt(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const built = (await import(pathToFileURL(join(ROOT, 'dist', 'main.js')).href)) as { main: typeof main };
  return runWith(built.main, argv, options);
}

async function runWith(
  entry: typeof main,
  argv: string[],
  options: RunOptions,
  relabelWorker?: URL,
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
  const env = options.env ?? {};
  const io: Io = {
    stdin,
    stdout,
    stderr,
    env,
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal,
    relabelWorker,
  };
  const code = await entry(argv, io, VERSION);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** The built CLI as a user's shell runs it (for the tests that need a real process, a pipe or a signal). */
export const BIN = join(ROOT, 'bin', 'radpo.js');
/** The command line that starts the built CLI, for scripts given to a shell. */
export const SHELL_RADPO = `"${process.execPath}" "${BIN}"`;

/** Run the built CLI in a child process (node bin/radpo.js ARGS) and wait for it. */
export function spawnRadpo(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string | Buffer; timeout?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
}

/**
 * A command's typed flag values from its command line, parsed as main() parses them (commander, then the
 * table's parsers), without running anything: what a command's config.ts function is table-tested with.
 */
export function parseArgv<T extends FlagTable>(
  table: T,
  argv: string[],
): { flags: FlagValues<T>; given: (key: string) => boolean } {
  const cmd = addFlags(new Command('radpo').argument('[args...]'), table)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  cmd.parse(argv, { from: 'user' });
  const given = (key: string) =>
    table[key] !== undefined && cmd.getOptionValueSource(attributeName(table[key].flags)) === 'cli';
  return { flags: parseFlags(table, cmd.opts()), given };
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

/** Rows as a JSON Lines file `name` in `dir`; its path. */
export function writeJsonl(dir: string, name: string, rows: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return path;
}

/** The text of a written response: a string, or the last message's content of a list. */
export const responseText = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : Array.isArray(v)
      ? responseText(v.at(-1))
      : String((v as { content?: unknown } | null)?.content ?? '');
