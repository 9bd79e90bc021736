/**
 * Every ```sh block of README.md runs, as written, in a scratch folder laid out like a checkout
 * (fixtures/ and test/data/ in it), with `radpo` and `npx radpo` meaning this build.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeJudge, type FakeJudge } from './judge-server.js';
import { DATA, ROOT, VERSION, tempDir } from './helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

/**
 * radpo as a user gets it: the package packed (npm pack, from a copy of the sources, so the checkout is
 * never touched) and installed into a temporary prefix from npm's cache (no network). Install scripts are
 * skipped and the judge cache's SQLite binary built by `npm ci` is reused, which saves compiling it again
 * (about a minute); everything else is the installed package.
 */
function installPacked(top: string): { bin: string; installLog: string } {
  const source = join(top, 'source');
  mkdirSync(source);
  for (const entry of [
    'bin',
    'src',
    'scripts',
    'docs',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'README.md',
    'LICENSE',
    'ARCHITECTURE.md',
  ]) {
    cpSync(join(ROOT, entry), join(source, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'));
  const npm = (args: string[], cwd: string) => {
    const r = spawnSync('npm', args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
    });
    if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    return `${r.stdout}${r.stderr}`;
  };
  const packed = npm(['pack', '--silent', '--pack-destination', top], source).trim().split('\n').pop()!;
  const prefix = join(top, 'prefix');
  const installLog = npm(
    ['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', join(top, packed)],
    top,
  );
  const builtSqlite = join(ROOT, 'node_modules', 'better-sqlite3', 'build');
  const installedSqlite = join(prefix, 'lib', 'node_modules', 'radpo', 'node_modules', 'better-sqlite3');
  if (existsSync(builtSqlite) && existsSync(installedSqlite))
    cpSync(builtSqlite, join(installedSqlite, 'build'), { recursive: true });
  return { bin: join(prefix, 'bin'), installLog };
}

/** A scratch folder laid out like a checkout (fixtures/ and test/data/), with the installed radpo first on PATH. */
function sandbox(top: string, bin: string): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = join(top, 'work');
  mkdirSync(cwd);
  symlinkSync(join(ROOT, 'fixtures'), join(cwd, 'fixtures'));
  mkdirSync(join(cwd, 'test'));
  symlinkSync(DATA, join(cwd, 'test', 'data'));
  return { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1' } };
}

/** Run a script without blocking this process (the fake judge server answers from here). */
function bash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * RADPO_README_SNAPSHOT=FILE: append each block's stdout and every file it left (sha256) to FILE, so a
 * refactor can show that every README example writes the same bytes before and after.
 */
function snapshot(block: number, cwd: string, stdout: string): void {
  const file = process.env.RADPO_README_SNAPSHOT;
  if (!file) return;
  const files: Record<string, string> = {};
  for (const name of readdirSync(cwd).sort()) {
    const path = join(cwd, name);
    if (lstatSync(path).isFile()) files[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  appendFileSync(
    file,
    `${JSON.stringify({ block, stdout: createHash('sha256').update(stdout).digest('hex'), files })}\n`,
  );
}

describe('README examples, run with the packed and installed radpo', () => {
  // The judge examples talk to a fake OpenAI-compatible / vLLM server on 127.0.0.1, as RADPO_JUDGE_URL.
  let judge: FakeJudge;
  let cwd = '';
  let env: NodeJS.ProcessEnv = {};
  let installLog = '';
  const before = gitStatus();
  beforeAll(async () => {
    const top = tempDir();
    const installed = installPacked(top);
    installLog = installed.installLog;
    ({ cwd, env } = sandbox(top, installed.bin));
    judge = await startFakeJudge();
    env.RADPO_JUDGE_URL = judge.url;
  }, 240_000);
  afterAll(async () => judge?.close());

  it('has examples to run, and the install printed no warning', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(installLog).not.toMatch(/warn/i);
    expect(spawnSync('radpo', ['--version'], { env, encoding: 'utf8' }).stdout.trim()).toBe(VERSION);
    expect(spawnSync('which', ['radpo'], { env, encoding: 'utf8' }).stdout).toContain(join('prefix', 'bin', 'radpo'));
  });

  it.each(blocks.map((b, i) => [i + 1, b] as const))('block %i runs', async (i, block) => {
    // The quick start's install step is what CI itself does; `npm test` would recurse.
    const script = block
      .split('\n')
      .filter((line) => line.trim() !== 'npm test')
      .map((line) => line.replace(/^npm ci && /, '').replace(/\bnpx radpo\b/g, 'radpo'))
      .join('\n');
    const result = await bash(script, cwd, env);
    snapshot(i, cwd, result.stdout);
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status, `${script}\n--- stderr:\n${result.stderr}`).toBe(0);
  });

  it('the quick start prints 200 relabeled rows of the bundled sample', () => {
    const result = spawnSync('radpo', ['relabel', 'fixtures/ultrafeedback_sample.jsonl'], {
      cwd,
      env,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(200);
    expect(result.stderr).toMatch(/100 rows read, 200 rows written/);
  });

  it('the shard example adds up to one unsharded run', () => {
    const result = spawnSync('bash', ['-c', 'cat shard.1.jsonl shard.2.jsonl shard.3.jsonl | wc -l'], {
      cwd,
      env,
      encoding: 'utf8',
    });
    expect(result.stdout.trim()).toBe('200');
  });

  it('following the README leaves no file in the repository', () => {
    expect(gitStatus()).toBe(before);
  });
});

/** Untracked and changed files of the checkout (empty outside a git checkout). */
function gitStatus(): string {
  const r = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}
