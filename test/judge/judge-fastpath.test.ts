/**
 * relabel --judge keeps the byte fast path (issue 26): the judge stage hands each pair's scores over on its
 * record instead of writing score columns into the row, so the row's raw bytes survive and relabel
 * detects nothing a second time. Same bytes as the plain path, and as `score` then `relabel`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fakeServers } from '../judge-server.js';
import { DATA, run, tempDir } from '../helpers.js';

const server = fakeServers();

it('relabel --judge: the fast path reads every record but the first, with the bytes of the plain path', async () => {
  const dir = tempDir();
  const rows = (JSON.parse(readFileSync(join(DATA, 'unscored', 'dpo_en_demo.json'), 'utf8')) as unknown[]).slice(0, 40);
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const judge = await server();
  // The fake judge scores by a hash of the text, not by the labels: the conflict stop is not tested here.
  const flags = ['--judge', 'chat', '--judge-url', judge.url, '--judge-model', 'judge', '--max-conflict-rate', '1'];
  const cache = ['--cache', join(dir, 'cache.sqlite')];
  const fast = await run(['relabel', input, ...flags, ...cache, '--log-level', 'debug']);
  expect(fast.code, fast.stderr).toBe(0);
  expect(fast.stderr).toContain(`fast_path_records=${rows.length - 1}`);
  const slow = await run(['relabel', input, ...flags, ...cache, '-q'], { env: { RADPO_FAST_PATH: '0' } });
  expect(slow.code, slow.stderr).toBe(0);
  expect(fast.stdout).toBe(slow.stdout);
  // Scored first, relabeled after: the same rows.
  const scored = join(dir, 'scored.jsonl');
  expect((await run(['score', input, ...flags, ...cache, '-o', scored])).code).toBe(0);
  const twoSteps = await run(['relabel', scored, '-q', '--max-conflict-rate', '1']);
  expect(twoSteps.code, twoSteps.stderr).toBe(0);
  expect(fast.stdout).toBe(twoSteps.stdout);
});
