/**
 * The byte-level JSON fast path must give byte-identical output to the plain JSON.parse/JSON.stringify
 * path (RADPO_FAST_PATH=0) for every shape, layout and flag combination, including rows it sets aside.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRows } from '../../bench/generate.mjs';
import { FIXTURES, run, tempDir, UF1000 } from '../helpers.js';
import { readFileSync, writeFileSync } from 'node:fs';

const scratch = tempDir();
const generated = join(scratch, 'generated.jsonl');
// Set-aside rows go to a file of this test's own: never to a device (renaming over /dev/null as root breaks the
// machine).
const REJECTS = join(scratch, 'rejects.jsonl');
// Every kind of generated row many times over (some 120 rows), each through 16 command lines (2 MB took 30 s).
writeFileSync(generated, [...generateRows(1_000_000, 7)].join(''));

/**
 * JSON as Python's json.dumps writes it by default: ", " and ": " between tokens, every character past
 * ASCII as a \uXXXX escape (one per UTF-16 unit, so an emoji is an escaped surrogate pair).
 */
function pythonJson(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}

// Each input below goes through every variant: the first 480 real UltraFeedback rows do for that, with the
// first identical pair (line 307) and empty response (line 479) the file holds, which --on-error skip sets
// aside (all 1000 rows, and every other real file, are compared once in fastpath-nasty.test.ts).
const ufLines = readFileSync(UF1000, 'utf8').trim().split('\n').slice(0, 480);
const ufHead = join(scratch, 'ultrafeedback_gpt4_480.jsonl');
writeFileSync(ufHead, `${ufLines.join('\n')}\n`);

// The real UltraFeedback rows in HuggingFaceH4/ultrafeedback_binarized's shape, as Python writes them: the
// fast path rewrites their escapes into the bytes JSON.stringify writes, without decoding them.
const binarized = join(scratch, 'binarized-python.jsonl');
writeFileSync(
  binarized,
  ufLines
    .map((line, i) => {
      const r = JSON.parse(line);
      const user = { content: r.prompt, role: 'user' };
      const chosen = [user, { content: r.chosen, role: 'assistant' }];
      const row = {
        prompt: r.prompt,
        prompt_id: `p${i}`,
        chosen,
        rejected: [user, { content: r.rejected, role: 'assistant' }],
        messages: chosen,
        score_chosen: r.metadata.score_chosen,
        score_rejected: r.metadata.score_rejected,
      };
      return `${pythonJson(row)}\n`;
    })
    .join(''),
);

const inputs = [
  [ufHead, '--identical', 'keep', '--allow-empty'],
  [ufHead, '--on-error', 'skip', '--rejects', REJECTS],
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
  [binarized, '--on-error', 'skip', '--rejects', REJECTS],
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

it('escaped text (Python json.dumps) goes through the fast path', async () => {
  const dir = tempDir();
  const r = await run(
    ['relabel', binarized, '-q', '--log-level', 'debug', '-o', join(dir, 'o.jsonl')].concat([
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'r.jsonl'),
    ]),
  );
  const rows = Number(/rows_read=(\d+)/.exec(r.stderr)![1]);
  expect(readFileSync(binarized, 'utf8')).toMatch(/\\u00e9/);
  expect(rows).toBe(ufLines.length);
  expect(Number(/fast_path_records=(\d+)/.exec(r.stderr)![1])).toBeGreaterThan(rows * 0.9);
});

it('a response of Unicode white space only is empty on the fast path too', async () => {
  // Long enough to be kept as bytes: blankness is a question about the text, which the fast path must decode.
  const row = (answer: string) =>
    JSON.stringify({
      prompt: 'hi',
      chosen: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: answer },
      ],
      rejected: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'x'.repeat(200) },
      ],
      score_chosen: 8,
      score_rejected: 3,
    });
  const input = join(tempDir(), 'blank.jsonl');
  const blanks = ['\u3000', '\u00a0', '\u2003', '\ufeff', '\u2028'].map((c) => row(c.repeat(60)));
  writeFileSync(input, `${[row('fine'), ...blanks, row('\u00e9'.repeat(80))].join('\n')}\n`);
  const args = ['relabel', input, '-q', '--on-error', 'skip', '--rejects', join(tempDir(), 'r.jsonl')];
  const fast = await run(args);
  const plain = await run(args, { env: { RADPO_FAST_PATH: '0' } });
  expect(fast.stdout).toBe(plain.stdout);
  expect(fast.stdout.trim().split('\n')).toHaveLength(4);
  expect(fast.stderr).toBe(plain.stderr);
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
  writeFileSync(big, [...generateRows(2_000_000, 11)].join(''));
  // The pool starts after 512 KiB (4 MiB by default): the main thread's rows, then the workers'.
  const threaded = await run(['relabel', big, '-q', '--threads', '2', '--log-level', 'debug'], {
    env: { RADPO_POOL_AFTER_BYTES: String(512 << 10) },
  });
  const single = await run(['relabel', big, '-q', '--threads', '0'], { env: { RADPO_FAST_PATH: '0' } });
  expect(threaded.code).toBe(0);
  expect(threaded.stderr).toMatch(/relabeling in worker threads \(threads=2\)/);
  expect(threaded.stdout).toBe(single.stdout);
  expect(threaded.stdout.length).toBeGreaterThan(2_000_000);
});
