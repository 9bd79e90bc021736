/**
 * Worker threads change nothing but speed: byte-identical output for --threads 0, 2, 4 and auto on every
 * golden case of test/e2e/golden-cases.ts (each through the workers: RADPO_POOL_AFTER_BYTES=0), in JSONL,
 * gzip and Parquet, with --order concat too; auto picks the main thread on two cores; the bytes in flight
 * stay within a budget that does not grow with the thread count.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateRows } from '../../bench/generate.mjs';
import { IN_FLIGHT_BUDGET_BYTES } from '../../src/commands/relabel/relabel-run.js';
import { MAX_AUTO_THREADS, parseThreads, resolveThreads } from '../../src/commands/relabel/threads.js';
import { GOLDEN_CASES } from '../e2e/golden-cases.js';
import { FIXTURES, ROOT, tempDir } from '../helpers.js';

const BIN = join(ROOT, 'bin', 'radpo.js');

function relabel(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'relabel', ...args, '-q'], {
    env: { ...process.env, RADPO_POOL_AFTER_BYTES: '0', ...env },
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

describe('--threads gives the same bytes', () => {
  it.each(GOLDEN_CASES.map((golden) => [golden.name, golden.args] as const))('%s', (_name, [file, ...flags]) => {
    const input = join(FIXTURES, file!);
    const dir = tempDir();
    const outputs = ['0', '2', '4', 'auto'].map((threads) => {
      const jsonl = join(dir, `t${threads}.jsonl`);
      const gz = join(dir, `t${threads}.jsonl.gz`);
      const parquet = join(dir, `t${threads}.parquet`);
      // LLaMA-Factory cannot load .gz files, so radpo refuses to write one for that layout.
      const gzipped = !flags.includes('llamafactory');
      for (const out of gzipped ? [jsonl, gz, parquet] : [jsonl, parquet])
        expect(relabel([input, ...flags, '--threads', threads, '-o', out]).status).toBe(0);
      const unzipped = gzipped ? gunzipSync(readFileSync(gz)) : readFileSync(jsonl);
      return { jsonl: readFileSync(jsonl), gz: unzipped, parquet: readFileSync(parquet) };
    });
    for (const o of outputs.slice(1)) {
      expect(o.jsonl.equals(outputs[0]!.jsonl)).toBe(true);
      expect(o.gz.equals(outputs[0]!.jsonl)).toBe(true);
      expect(o.parquet.equals(outputs[0]!.parquet)).toBe(true);
    }
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
  it('the input bytes in flight stay within one budget for 2 and 8 workers, and the report says how many ran', () => {
    const dir = tempDir();
    const input = join(dir, 'big.jsonl');
    writeFileSync(input, [...generateRows(40_000_000, 9)].join(''));
    for (const threads of ['2', '8']) {
      const report = join(dir, `r${threads}.json`);
      const r = relabel([input, '--threads', threads, '-o', join(dir, `o${threads}.jsonl`), '--report', report], {
        RADPO_POOL_AFTER_BYTES: '4194304',
      });
      expect(r.status, r.stderr).toBe(0);
      const { threads: used } = JSON.parse(readFileSync(report, 'utf8'));
      expect(used.workers).toBe(Number(threads));
      // One read batch (about 1 MB) may overshoot the budget before the writer catches up.
      expect(used.in_flight_high_water_bytes).toBeGreaterThan(4 << 20);
      expect(used.in_flight_high_water_bytes).toBeLessThanOrEqual(IN_FLIGHT_BUDGET_BYTES + (2 << 20));
    }
  });

  it('the summary names the threads that ran', () => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '--threads', '0'],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toMatch(/ {2}threads: the main thread\n/);
  });
});
