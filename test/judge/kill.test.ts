/**
 * A judged run killed with SIGKILL halfway resumes from the cache: the rerun repeats at most the
 * requests that were in flight, and its output equals an uninterrupted run's.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, DATA, run, tempDir } from '../helpers.js';
import { startFakeJudge } from '../judge-server.js';

const LF = join(DATA, 'unscored/dpo_en_demo.json');

function radpo(args: string[], env: Record<string, string>): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  done.then(() => stderr && process.env.DEBUG_KILL && console.error(stderr));
  return { done, kill: () => child.kill('SIGKILL') };
}

describe('SIGKILL mid-run, then rerun', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => Promise.all(servers.map((s) => s.close())));

  it('repeats at most the in-flight requests and writes what an uninterrupted run writes', async () => {
    const server = await startFakeJudge({ latencyMs: 10 });
    servers.push(server);
    const dir = tempDir();
    const concurrency = 4;
    const args = (out: string, cache: string) => [
      'score',
      LF,
      '-o',
      out,
      '--judge',
      'chat',
      '--judge-url',
      server.url,
      '--judge-model',
      'judge',
      '--cache',
      cache,
      '--concurrency',
      String(concurrency),
      '-q',
    ];
    const env = { RADPO_JUDGE_API_KEY: 'sk-test' };

    const first = radpo(args(join(dir, 'out.jsonl'), join(dir, 'cache.sqlite')), env);
    while (server.requests.length < 150) await new Promise((r) => setTimeout(r, 5));
    first.kill();
    expect(await first.done).toBeNull(); // killed by the signal
    const beforeKill = server.requests.length;
    expect(() => readFileSync(join(dir, 'out.jsonl'))).toThrow(); // nothing under the final name

    const second = radpo(args(join(dir, 'out.jsonl'), join(dir, 'cache.sqlite')), env);
    expect(await second.done).toBe(0);
    const rerun = server.requests.length - beforeKill;

    // An uninterrupted run with its own cache, for the request count and the bytes.
    const clean = await startFakeJudge();
    servers.push(clean);
    const reference = await run(
      [
        'score',
        LF,
        '--judge',
        'chat',
        '--judge-url',
        clean.url,
        '--judge-model',
        'judge',
        '--cache',
        join(dir, 'clean.sqlite'),
        '-q',
      ],
      { env },
    );
    expect(reference.code).toBe(0);
    const unique = clean.requests.length;
    expect(beforeKill + rerun).toBeLessThanOrEqual(unique + concurrency);
    expect(rerun).toBeLessThan(unique - 100);
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8')).toBe(reference.stdout);
  });
});
