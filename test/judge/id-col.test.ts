/**
 * --id-col on generate, score and pairs as on relabel (issue 26): a row's id under any column name goes
 * with it through every command and reaches relabel's source_id; a row without one is set aside.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fakeServers } from '../judge-server.js';
import { parseJsonl, run, tempDir } from '../helpers.js';

const server = fakeServers();

it('generate, score, pairs, relabel: the id in qid reaches source_id; a prompt without one is set aside', async () => {
  const dir = tempDir();
  const prompts = join(dir, 'prompts.jsonl');
  const rows = ['What is DPO?', 'Name a prime.', 'Why is the sky blue?'].map((prompt, i) => ({
    qid: `q-${i}`,
    prompt,
  }));
  writeFileSync(prompts, `${[...rows, { prompt: 'no id here' }].map((r) => JSON.stringify(r)).join('\n')}\n`);
  const policy = await server({ kind: 'vllm', policy: true, models: ['policy'] });
  const fake = await server();
  const id = ['--id-col', 'qid'];
  const rejects = join(dir, 'rejects.jsonl');
  const file = (name: string) => join(dir, name);
  const generate = await run([
    'generate',
    prompts,
    ...['-n', '3', '--policy-url', policy.url, '--policy-model', 'policy', '--no-cache'],
    ...id,
    ...['--on-error', 'skip', '--rejects', rejects, '-o', file('samples.jsonl')],
  ]);
  expect(generate.code, generate.stderr).toBe(0);
  const set = parseJsonl(readFileSync(rejects, 'utf8'));
  expect(set.map((r) => r.reason)).toEqual(['missing_field']);
  expect(set[0]!.message).toContain('qid');
  const judge = ['--judge', 'chat', '--judge-url', fake.url, '--judge-model', 'judge', '--no-cache'];
  const score = await run(['score', file('samples.jsonl'), ...judge, ...id, '-o', file('scored.jsonl')]);
  expect(score.code, score.stderr).toBe(0);
  const pairs = await run(['pairs', file('scored.jsonl'), ...id, '-o', file('pairs.jsonl')]);
  expect(pairs.code, pairs.stderr).toBe(0);
  const paired = parseJsonl(readFileSync(file('pairs.jsonl'), 'utf8'));
  expect(paired.length).toBeGreaterThan(0);
  for (const p of paired) expect(p.qid).toMatch(/^q-[0-2]$/);
  const relabel = await run(['relabel', file('pairs.jsonl'), ...id, '--max-conflict-rate', '1']);
  expect(relabel.code, relabel.stderr).toBe(0);
  const out = parseJsonl(relabel.stdout);
  expect(out).toHaveLength(2 * paired.length);
  expect(new Set(out.map((r) => r.source_id))).toEqual(new Set(paired.map((p) => p.qid)));
  // Without --id-col, pairs finds no id in qid (not one of the default names) and writes none.
  const plain = await run(['pairs', file('scored.jsonl')]);
  expect(
    parseJsonl(plain.stdout).filter((p) => 'qid' in p),
    'rows that carry qid',
  ).toEqual([]);
});
