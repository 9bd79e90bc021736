/**
 * Rules between flags are written once (src/cli/rules.ts) and hold for every command: the places where
 * relabel and score used to disagree.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonl, run, tempDir } from '../helpers.js';

// No request is made (the rows have scores), so no server and no pre-flight.
const JUDGE = [
  '--judge',
  'chat',
  '--judge-url',
  'http://127.0.0.1:9/v1',
  '--judge-model',
  'm',
  '--no-cache',
  '--no-preflight',
];

describe('score and relabel follow the same rules', () => {
  it('score --rejects - sends set-aside rows to stdout, as relabel does', async () => {
    const dir = tempDir();
    const input = join(dir, 'pairs.jsonl');
    // A malformed line is set aside before any judge request; the scored row needs none.
    writeFileSync(input, '{"prompt":"q","chosen":"a","rejected":"b","score_chosen":8,"score_rejected":3}\n{not json\n');
    const out = join(dir, 'scored.jsonl');
    const r = await run(['score', input, ...JUDGE, '--on-error', 'skip', '--rejects', '-', '-o', out, '-q']);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, '-'))).toBe(false);
    expect(existsSync(join(process.cwd(), '-'))).toBe(false);
    const rejects = parseJsonl(r.stdout);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ line: 2, reason: 'malformed_record' });
    expect(parseJsonl(readFileSync(out, 'utf8'))).toHaveLength(1);
  });

  it.each([['relabel'], ['score']])('%s --max-errors without --on-error skip is a usage error', async (command) => {
    const r = await run([command, 'x.jsonl', ...(command === 'score' ? JUDGE : []), '--max-errors', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-errors only applies with --on-error skip/);
  });

  it.each([['relabel'], ['score']])('%s -o x.parquet.gz is a usage error that says what works', async (command) => {
    const dir = tempDir();
    const r = await run([command, 'x.jsonl', ...(command === 'score' ? JUDGE : []), '-o', join(dir, 'x.parquet.gz')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Parquet output needs -o FILE\.parquet, got ".*x\.parquet\.gz"/);
    expect(r.stderr).toMatch(/hint: Parquet compresses its own pages.*-o FILE\.jsonl\.gz/);
    expect(existsSync(join(dir, 'x.parquet.gz'))).toBe(false);
  });

  it.each([['relabel'], ['score']])('%s refuses two outputs on one file', async (command) => {
    const r = await run([
      command,
      'x.jsonl',
      ...(command === 'score' ? JUDGE : []),
      '--on-error',
      'skip',
      '--rejects',
      'o.jsonl',
      '-o',
      'o.jsonl',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rejects names the same file as -o/);
  });
});
