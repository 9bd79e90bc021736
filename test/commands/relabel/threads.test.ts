/**
 * Worker threads change nothing but speed: every golden case of test/e2e/golden-cases.ts relabeled through
 * 2 and 4 workers (RADPO_POOL_AFTER_BYTES=0: tiny inputs go through them too) writes the golden file's bytes,
 * the main thread's output; gzip output reads back the same; auto picks the main thread on two
 * cores; the bytes in flight stay within a budget that does not grow with the thread count. The runs are
 * in-process against the build (the pool's worker script is compiled JavaScript), one process for all.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateRows } from '../../../bench/generate.mjs';
import { IN_FLIGHT_BUDGET_BYTES } from '../../../src/commands/relabel/relabel-run.js';
import { MAX_AUTO_THREADS, parseThreads, resolveThreads } from '../../../src/commands/relabel/threads.js';
import { GOLDEN_CASES } from '../../e2e/golden-cases.js';
import { FIXTURES, ROOT, runBuilt, spawnRadpo, tempDir } from '../../helpers.js';

const THROUGH_WORKERS = { RADPO_POOL_AFTER_BYTES: '0' };

/**
 * The cases whose rows never reach the pool: it relabels what the byte-level JSON fast path reads, and CSV
 * rows and hh-rlhf's implicit-prompt strings are read by the plain path, on the main thread.
 */
const MAIN_THREAD_ONLY = new Set([
  'orca_csv',
  'format_llamafactory_user',
  'hh_rlhf_gz',
  'format_nemo',
  'format_text_multiturn',
]);

describe('--threads gives the golden bytes', () => {
  it.each(GOLDEN_CASES.map((golden) => [golden.name, golden.args] as const))('%s', async (name, [file, ...flags]) => {
    const golden = readFileSync(join(ROOT, 'test', 'golden', `${name}.jsonl`));
    const input = join(FIXTURES, file!);
    const dir = tempDir();
    for (const threads of ['2', '4']) {
      const out = join(dir, `t${threads}.jsonl`);
      const report = join(dir, `t${threads}.json`);
      const r = await runBuilt(
        ['relabel', input, ...flags, '--threads', threads, '-o', out, '--report', report, '-q'],
        {
          env: THROUGH_WORKERS,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      const { workers } = JSON.parse(readFileSync(report, 'utf8')).threads;
      expect(workers, `${name}: the workers that ran with --threads ${threads}`).toBe(
        MAIN_THREAD_ONLY.has(name) ? 0 : +threads,
      );
      expect(readFileSync(out).toString(), `${name} --threads ${threads}: the golden bytes`).toBe(golden.toString());
    }
  });

  it('gzip output from workers reads back as the golden bytes; Parquet rows stay on the main thread', async () => {
    const input = join(FIXTURES, 'ultrafeedback_binarized_shape.jsonl');
    const dir = tempDir();
    // The pool hands back JSON text; Parquet and CSV writers take row objects, which the main thread builds.
    for (const [out, workers] of [
      ['w.jsonl.gz', 2],
      ['w.parquet', 0],
    ] as const) {
      const report = join(dir, `${out}.json`);
      const argv = ['relabel', input, '--format', 'axolotl', '--threads', '2', '-o', join(dir, out), '-q'];
      const r = await runBuilt([...argv, '--report', report], { env: THROUGH_WORKERS });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(report, 'utf8')).threads.workers, `${out}: workers`).toBe(workers);
    }
    const golden = readFileSync(join(ROOT, 'test', 'golden', 'format_axolotl.jsonl'), 'utf8');
    expect(gunzipSync(readFileSync(join(dir, 'w.jsonl.gz'))).toString(), 'gzip through 2 workers').toBe(golden);
  });
});

describe('the shipped command line', () => {
  it('bin/radpo.js (the bundle) finds its worker beside its chunks, started from another directory', () => {
    // The runs above are in-process against tsc's output; a user runs dist/bundle/, whose pool looks for
    // ./worker.js next to the chunk that holds it (scripts/bundle.mjs writes both into one folder).
    const golden = GOLDEN_CASES.find((c) => !MAIN_THREAD_ONLY.has(c.name))!;
    const [file, ...flags] = golden.args;
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const report = join(dir, 'report.json');
    const argv = ['relabel', join(FIXTURES, file!), ...flags, '--threads', '2', '-o', out, '--report', report, '-q'];
    const r = spawnRadpo(argv, { cwd: dir, env: { ...process.env, ...THROUGH_WORKERS } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(report, 'utf8')).threads.workers).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(ROOT, 'test', 'golden', `${golden.name}.jsonl`), 'utf8'));
  });
});

describe('--threads auto', () => {
  it.each([
    [1, 0],
    [2, 0],
    [3, 2],
    [4, 3],
    [16, MAX_AUTO_THREADS],
    [64, MAX_AUTO_THREADS],
  ])('%i cores: %i worker threads', (cores, workers) => {
    expect(resolveThreads('auto', cores)).toBe(workers);
  });

  it('an explicit number wins, 0 is the main thread', () => {
    expect(resolveThreads(4, 2)).toBe(4);
    expect(resolveThreads(0, 16)).toBe(0);
    expect(parseThreads('auto')).toBe('auto');
    expect(() => parseThreads('many')).toThrow(/auto, 0 \(the main thread only\) or a number/);
  });
});

describe('memory with threads', () => {
  // The budget is one number whatever the thread count; eight workers (the most auto starts) put the most in flight.
  it('the input bytes in flight stay within one budget with 8 workers, and the report says how many ran', async () => {
    const dir = tempDir();
    const input = join(dir, 'big.jsonl');
    writeFileSync(input, [...generateRows(40_000_000, 9)].join(''));
    for (const threads of ['8']) {
      const report = join(dir, `r${threads}.json`);
      const out = join(dir, `o${threads}.jsonl`);
      const r = await runBuilt(['relabel', input, '--threads', threads, '-o', out, '--report', report, '-q'], {
        env: { RADPO_POOL_AFTER_BYTES: '4194304' },
      });
      expect(r.code, r.stderr).toBe(0);
      const { threads: used } = JSON.parse(readFileSync(report, 'utf8'));
      expect(used.workers).toBe(Number(threads));
      // One read batch (about 1 MB) may overshoot the budget before the writer catches up.
      expect(used.in_flight_high_water_bytes).toBeGreaterThan(4 << 20);
      expect(used.in_flight_high_water_bytes).toBeLessThanOrEqual(IN_FLIGHT_BUDGET_BYTES + (2 << 20));
    }
  });

  it('the summary names the threads that ran', async () => {
    const r = await runBuilt(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '--threads', '0']);
    expect(r.stderr).toMatch(/ {2}threads: the main thread\n/);
  });
});
