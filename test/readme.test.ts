/**
 * Every ```sh block of README.md runs, as written, in a scratch folder laid out like a checkout
 * (fixtures/ and test/data/ in it), with `radpo` and `npx radpo` meaning this build.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeJudge, type FakeJudge } from './judge-server.js';
import { ROOT, DATA, tempDir } from './helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

function sandbox(): { cwd: string; env: NodeJS.ProcessEnv } {
  const top = tempDir();
  const cwd = join(top, 'main');
  const bin = join(top, 'bin');
  mkdirSync(cwd);
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'fixtures'), join(cwd, 'fixtures'));
  mkdirSync(join(cwd, 'test'));
  symlinkSync(DATA, join(cwd, 'test', 'data'));
  const shim = join(bin, 'radpo');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'radpo.js')}" "$@"\n`);
  chmodSync(shim, 0o755);
  return { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1' } };
}

/** Run a script without blocking this process (the fake judge server answers from here). */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

describe('README examples', () => {
  // The judge examples talk to a fake OpenAI-compatible / vLLM server on 127.0.0.1, as RADPO_JUDGE_URL.
  let judge: FakeJudge;
  beforeAll(async () => {
    judge = await startFakeJudge();
    env.RADPO_JUDGE_URL = judge.url;
  });
  afterAll(async () => judge.close());

  it('has examples to run', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  const { cwd, env } = sandbox();
  it.each(blocks.map((b, i) => [i + 1, b] as const))('block %i runs', async (_i, block) => {
    // The quick start's install step is what CI itself does; `npm test` would recurse.
    const script = block
      .split('\n')
      .filter((line) => line.trim() !== 'npm test')
      .map((line) => line.replace(/^npm ci && /, '').replace(/\bnpx radpo\b/g, 'radpo'))
      .join('\n');
    const result = await bash(script, cwd, env);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status, `${script}\n--- stderr:\n${result.stderr}`).toBe(0);
  });

  it('the quick start prints 200 relabeled rows of the bundled sample', () => {
    const result = spawnSync('radpo', ['relabel', 'fixtures/ultrafeedback_sample.jsonl'], { cwd, env, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(200);
    expect(result.stderr).toMatch(/100 rows read, 200 rows written/);
  });

  it('the shard example adds up to one unsharded run', () => {
    const result = spawnSync('bash', ['-c', 'cat shard.1.jsonl shard.2.jsonl shard.3.jsonl | wc -l'], { cwd, env, encoding: 'utf8' });
    expect(result.stdout.trim()).toBe('200');
  });
});
