/**
 * The byte-level JSON fast path must give byte-identical output to the plain JSON.parse/JSON.stringify
 * path (RADPO_FAST_PATH=0) for every shape, layout and flag combination, including rows it sets aside.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRows } from '../../bench/generate.mjs';
import { FIXTURES, run, tempDir, UF1000 } from '../helpers.js';
import { writeFileSync } from 'node:fs';

const scratch = tempDir();
const generated = join(scratch, 'generated.jsonl');
// Set-aside rows go to a file of this test's own: never to a device (renaming over /dev/null as root breaks the
// machine).
const REJECTS = join(scratch, 'rejects.jsonl');
writeFileSync(generated, [...generateRows(2_000_000, 7)].join(''));

const inputs = [
  [UF1000, '--identical', 'keep', '--allow-empty'],
  [UF1000, '--on-error', 'skip', '--rejects', REJECTS],
  [join(FIXTURES, 'ultrafeedback_binarized_shape.jsonl')],
  [join(FIXTURES, 'trl_conversational.jsonl')],
  [join(FIXTURES, 'llamafactory_sharegpt_scored.json')],
  [join(FIXTURES, 'stack_exchange_scored.json')],
  [
    join(FIXTURES, 'helpsteer2_pairs.jsonl'),
    '--scale',
    '0-4',
    '--attr',
    'h=chosen_attributes.helpfulness,rejected_attributes.helpfulness',
  ],
  [generated],
];
const variants = [
  [],
  ['--placement', 'user'],
  ['--format', 'handbook', '--order', 'concat'],
  ['--shard', '2/3', '--ties', 'drop', '--rejects', REJECTS],
  ['--format', 'text', '--on-error', 'skip', '--rejects', REJECTS],
  ['--format', 'llamafactory', '--on-error', 'skip', '--rejects', REJECTS],
  ['--output-format', 'csv', '--json-in-csv'],
  ['--output-format', 'csv', '--format', 'text', '--order', 'concat'],
];

describe('fast path = plain path, byte for byte', () => {
  it.each(inputs.flatMap((input) => variants.map((v) => [...input, ...v])))('%s', async (...argv) => {
    const fast = await run(['relabel', ...argv, '-q']);
    const slow = await run(['relabel', ...argv, '-q'], { env: { RADPO_FAST_PATH: '0' } });
    expect(fast.code).toBe(slow.code);
    expect(fast.stderr).toBe(slow.stderr);
    expect(fast.stdout).toBe(slow.stdout);
  });
});

it('the fast path is taken for JSON input', async () => {
  const r = await run(['relabel', generated, '-q', '--log-level', 'debug', '-o', join(tempDir(), 'o.jsonl')]);
  const rows = Number(/rows_read=(\d+)/.exec(r.stderr)![1]);
  expect(rows).toBeGreaterThan(100);
  // The first record is parsed by the plain path: it decides the shape, and with it whether the fast path fits.
  expect(r.stderr).toContain(`fast_path_records=${rows - 1}`);
});

it('worker threads (--threads 2) give the same bytes as the main thread', async () => {
  const dir = tempDir();
  const big = join(dir, 'big.jsonl');
  writeFileSync(big, [...generateRows(9_000_000, 11)].join(''));
  const threaded = await run(['relabel', big, '-q', '--threads', '2', '--log-level', 'debug']);
  const single = await run(['relabel', big, '-q', '--threads', '0'], { env: { RADPO_FAST_PATH: '0' } });
  expect(threaded.code).toBe(0);
  expect(threaded.stderr).toMatch(/relabeling in worker threads \(threads=2\)/);
  expect(threaded.stdout).toBe(single.stdout);
  expect(threaded.stdout.length).toBeGreaterThan(9_000_000);
});
