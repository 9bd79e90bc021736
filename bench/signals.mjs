#!/usr/bin/env node
// Ctrl-C at random points: `npm run build && node bench/signals.mjs [--runs 20]`. Each command runs RUNS times
// and gets SIGINT after a random delay within its usual duration (measured first; a run that ends first, or
// that the signal reaches only after its commit — exit 0, every output whole — is drawn again); every run must
// exit 130 and leave no output file and no temporary file (in the output's folder or in its own $TMPDIR); how
// many exited within a second of the signal is said too. Not a test: it takes minutes and its timing is the
// machine's.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRows } from './generate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const RUNS = Number(argv.includes('--runs') ? argv[argv.indexOf('--runs') + 1] : '20');
const work = mkdtempSync(join(tmpdir(), 'radpo-signals-'));
const bin = join(root, 'bin', 'radpo.js');

async function write(path, lines) {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(line)) await new Promise((r) => out.once('drain', r));
  await new Promise((r) => out.end(r));
}

/** Long-format rows: one group of `big` rows among many small groups, shuffled by a fixed permutation. */
function* longRows(big, small) {
  const total = big + small * 4;
  for (let n = 0; n < total; n++) {
    const i = (n * 7919) % total;
    const [g, k] = i < big ? ['big', i] : [`g${Math.floor((i - big) / 4)}`, (i - big) % 4];
    yield `${JSON.stringify({ g, q: `question ${g}`, a: `answer ${k} ${'x'.repeat(k % 150)}`, s: (k * 7) % 10 })}\n`;
  }
}

/** One run in `dir` (with its own $TMPDIR): the child, and a promise of how it ended. */
function start(args, dir) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { ...process.env, TMPDIR: join(dir, 'tmp') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Killed by SIGINT itself (a signal before Node has run radpo's handler): a shell reports that as 130 too.
  const ended = new Promise((resolve) =>
    child.on('exit', (code, signal) =>
      resolve({
        code: signal === 'SIGINT' ? 130 : code,
        early: signal === 'SIGINT',
        stderr,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      }),
    ),
  );
  return { child, ended };
}

/** A run's output files and their bytes' hash, as one text (its temporary folder aside). */
function outputs(dir) {
  return readdirSync(dir)
    .filter((f) => f !== 'tmp')
    .sort()
    .map(
      (f) =>
        `${f}:${createHash('sha1')
          .update(readFileSync(join(dir, f)))
          .digest('hex')}`,
    )
    .join(' ');
}

/** How long Node takes to start radpo (`radpo --version`), the median of three. */
async function startupSeconds() {
  const times = [];
  for (let i = 0; i < 3; i++) {
    const dir = join(work, 'startup');
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    times.push((await start(['--version'], dir).ended).seconds);
  }
  return times.sort((a, b) => a - b)[1];
}

let startup = 0;

async function trial(name, args) {
  const results = [];
  // The usual duration, uninterrupted.
  const base = join(work, `${name.replace(/\W+/g, '-')}-base`);
  mkdirSync(join(base, 'tmp'), { recursive: true });
  const full = await start(args, base).ended;
  if (full.code !== 0) throw new Error(`${name}: failed uninterrupted (${full.code}): ${full.stderr}`);
  const complete = outputs(base);
  // RUNS runs that the signal reached; a run that ends before its delay is drawn again (at most RUNS more).
  let finished = 0;
  let afterCommit = 0;
  let usual = full.seconds;
  for (let r = 0; results.length < RUNS && r < 2 * RUNS; r++) {
    const dir = join(work, `${name.replace(/\W+/g, '-')}-${r}`);
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    // After start-up (a signal before radpo's handler is Node's own exit), anywhere up to near the end.
    const share = Math.random() * 0.9;
    const delay = startup + share * Math.max(0, usual - startup);
    const { child, ended } = start(args, dir);
    let sentAt = 0n;
    const timer = setTimeout(() => {
      sentAt = process.hrtime.bigint();
      child.kill('SIGINT');
    }, delay * 1000);
    const done = await ended;
    clearTimeout(timer);
    const exitAfter = sentAt ? Number(process.hrtime.bigint() - sentAt) / 1e9 : null;
    const left = [
      ...readdirSync(dir).filter((f) => f !== 'tmp'),
      ...readdirSync(join(dir, 'tmp')).map((f) => `tmp/${f}`),
    ];
    // A signal after the commit's last check (the renames, the summary, Node's exit) finds the run done: exit 0
    // with every output whole, the same bytes as uninterrupted. Such a run was not interrupted: drawn again.
    // Node killed by the signal while it exits (its handlers gone) is the same case: 130 from the shell, but
    // every output already whole.
    const committed =
      exitAfter !== null &&
      (done.code === 0 || done.early) &&
      complete !== '' &&
      left.every((f) => !f.startsWith('tmp/')) &&
      outputs(dir) === complete;
    rmSync(dir, { recursive: true, force: true });
    if (exitAfter === null || committed) {
      // The machine got faster than the first run: later delays are drawn within this run's duration.
      usual = Math.min(usual, done.seconds);
      finished += 1;
      if (committed) afterCommit += 1;
      continue;
    }
    results.push({ share: +share.toFixed(2), code: done.code, early: done.early, exitAfter, left });
  }
  const bad = results.filter((r) => r.code !== 130 || r.left.length > 0);
  const slow = results.filter((r) => r.exitAfter > 1).length;
  const worst = Math.max(...results.map((r) => r.exitAfter));
  const early = results.filter((r) => r.early).length;
  const late = results.filter((r) => r.share >= 0.5).length;
  console.log(
    `${name}: ${results.length} interrupted (${late} in the second half of the run, ` +
      `${early} killed before radpo's handler; ` +
      `${finished} more finished first, ${afterCommit} of them with the signal after their commit), ` +
      `uninterrupted ${full.seconds.toFixed(1)} s; ` +
      `exit 130 with no output and no temporary file: ${results.length - bad.length} of ${results.length}; ` +
      `exit within 1 s of the signal: ${results.length - slow} (slowest ${worst.toFixed(2)} s)`,
  );
  for (const b of bad) console.log('  ', JSON.stringify(b));
  if (results.length < RUNS) console.log(`   only ${results.length} of ${RUNS} runs were interrupted`);
  return bad.length + (results.length < RUNS ? 1 : 0);
}

async function main() {
  const relabelIn = join(work, 'relabel.jsonl');
  await write(relabelIn, generateRows(100 << 20));
  // Scored pairs for audit: 20 k prompts, 5 pairs each.
  const auditIn = join(work, 'audit.jsonl');
  await write(
    auditIn,
    (function* () {
      for (let i = 0; i < 100_000; i++) {
        const p = Math.floor(i / 5);
        const row = {
          prompt: `q${p}`,
          chosen: `a${i}`,
          rejected: `b${i}`,
          score_chosen: (i * 7) % 10,
          score_rejected: (i * 3) % 10,
        };
        yield `${JSON.stringify(row)}\n`;
      }
    })(),
  );
  const longIn = join(work, 'long.jsonl');
  await write(longIn, longRows(150_000, 5_000));
  const long = ['pairs', longIn, '--group-col', 'g', '--prompt-col', 'q', '--response-col', 'a', '--score-col', 's'];
  startup = await startupSeconds();
  console.log(`start-up (radpo --version): ${startup.toFixed(2)} s; each signal comes after it`);
  let bad = 0;
  // A 1 MB budget: the big group (150 k rows) is sorted on disk in dozens of runs, merged in two levels, then
  // paired in passes; the small groups are spilled to partitions and gathered back.
  bad += await trial('pairs, one group of 150 k rows, --group-memory 1', [
    ...long,
    '--group-memory',
    '1',
    '-o',
    'out.jsonl',
    '--rejects',
    'rejects.jsonl',
  ]);
  bad += await trial('pairs, in memory', [...long, '-o', 'out.jsonl']);
  bad += await trial('relabel', ['relabel', relabelIn, '-o', 'out.jsonl', '--rejects', 'rejects.jsonl']);
  bad += await trial('relabel --order concat', ['relabel', relabelIn, '--order', 'concat', '-o', 'out.jsonl']);
  // Most of an audit's time is its bootstrap (after reading): the delays fall in it as often as not.
  bad += await trial('audit, 1000 resamples', [
    'audit',
    auditIn,
    '--bootstrap',
    '1000',
    '--html',
    'page.html',
    '--conflicts',
    'conflicts.jsonl',
    '--json',
  ]);
  rmSync(work, { recursive: true, force: true });
  process.exitCode = bad === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
