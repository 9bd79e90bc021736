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
import { DATA, ROOT, VERSION, parseJsonl, tempDir } from './helpers.js';

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

/**
 * A fresh scratch folder laid out like a checkout (fixtures/ and test/data/): each block runs in its own,
 * so no block depends on the files another left.
 */
function scratch(top: string, name: string): string {
  const cwd = join(top, name);
  mkdirSync(cwd);
  symlinkSync(join(ROOT, 'fixtures'), join(cwd, 'fixtures'));
  mkdirSync(join(cwd, 'test'));
  symlinkSync(DATA, join(cwd, 'test', 'data'));
  return cwd;
}

interface BlockRun {
  cwd: string;
  stdout: string;
  stderr: string;
  /** The rows of a JSON Lines file the block wrote. */
  rows(file: string): Array<Record<string, any>>;
}

/**
 * What each example must show beyond exit 0, found by a line of the block. Every block also has its
 * relabeled files checked: the two copies of each pair swap chosen and rejected.
 */
const EXPECTED: Array<[string, (run: BlockRun) => void]> = [
  [
    'npx radpo relabel fixtures/ultrafeedback_sample.jsonl',
    ({ stdout, stderr }) => {
      expect(stdout.trim().split('\n')).toHaveLength(200);
      expect(stderr).toMatch(/100 rows read, 200 rows written/);
    },
  ],
  ['-o trl.jsonl', ({ rows }) => expect(rows('from-stdin.jsonl')).toHaveLength(200)],
  [
    '--response-a-col a',
    ({ stdout, rows }) => {
      expect(stdout).toMatch(/input from input .*winner from PandaLM/);
      expect(rows('ab-relabeled.jsonl').map((r) => r.chosen[0].content)).toEqual(['Paris.', 'Lyon.']);
    },
  ],
  ['--id-col prompt_id', ({ rows }) => expect(rows('ids.jsonl')[0]!.source_id).toMatch(/^uf-/)],
  [
    'fixtures/ultrafeedback_binarized_shape.jsonl -o uf-goals/',
    ({ cwd, stderr }) => {
      expect(stderr).toMatch(/10 rows read, 20 rows written/);
      expect(readdirSync(join(cwd, 'uf-goals', 'data'))).toEqual(['train_prefs-00000-of-00001.parquet']);
      const card = readFileSync(join(cwd, 'uf-goals', 'README.md'), 'utf8');
      expect(card).toContain('- split: train_prefs\n        path: data/train_prefs-*-of-*.parquet');
      expect(card).toContain('rows read: 10; rows written: 20; set aside: 0');
    },
  ],
  [
    '-o oasst-pairs.jsonl',
    ({ stderr, rows }) => {
      expect(stderr).toMatch(/10 prompts read, 10 pairs written/);
      expect(rows('oasst-pairs.jsonl')[0]).toMatchObject({ rank_chosen: 0, message_tree_id: expect.any(String) });
    },
  ],
  [
    'uf-rejects.jsonl',
    ({ rows }) => {
      expect(rows('uf-rejects.jsonl').length).toBeGreaterThan(0);
      expect(rows('uf.jsonl').length / 2 + rows('uf-rejects.jsonl').length).toBe(1000);
    },
  ],
  [
    '-o swapped.jsonl',
    ({ cwd, stdout }) => {
      expect(stdout).toContain('stopped: exit 1');
      expect(existsSync(join(cwd, 'swapped.jsonl'))).toBe(false);
    },
  ],
  ['--scores scores.csv', ({ rows }) => expect(rows('joined.jsonl').map((r) => r.goal_score)).toEqual([9, 8])],
  ['--attr Helpfulness', ({ rows }) => expect(rows('helpsteer2.jsonl')[0]!.goal_scores).toHaveProperty('Correctness')],
  [
    'radpo score test/data/unscored/dpo_en_demo.json',
    ({ rows }) => {
      expect(rows('lf-scored.jsonl')).toHaveLength(300);
      expect(rows('lf-relabeled.jsonl')).toHaveLength(600);
    },
  ],
  ['--emit-batch requests.jsonl', ({ rows }) => expect(rows('requests.jsonl').length).toBeGreaterThan(0)],
  [
    '--goal-template goal.txt',
    ({ rows }) => expect(rows('custom-goal.jsonl')[0]!.prompt[0].content).toMatch(/^Target quality: \d+\/10\./),
  ],
  ['radpo goal --score 10', ({ stdout }) => expect(stdout).toMatch(/Overall score: 10\./)],
  [
    '--format handbook -o handbook.jsonl',
    ({ stdout, cwd }) => {
      expect(existsSync(join(cwd, 'dataset_info.json'))).toBe(true);
      expect(readFileSync(join(cwd, 'lf_config.yaml'), 'utf8')).toMatch(/lf_prefs/);
      expect(stdout).toMatch(/train_prefs_ra.parquet \(parquet\) — relabeled by radpo/);
      expect(stdout).toMatch(/relabeled pairs: chosen_goal 10, rejected_goal 10/);
    },
  ],
  [
    'radpo inspect test/data/scored',
    ({ stdout, cwd }) => {
      expect(stdout).toMatch(/rows: 1,000/);
      expect(JSON.parse(readFileSync(join(cwd, 'hh-report.json'), 'utf8'))).toHaveProperty('rows');
    },
  ],
  [
    '--conflicts conflicts.jsonl',
    ({ stdout, cwd, rows }) => {
      expect(stdout).toMatch(/conflicts \(chosen lower\)\s+0\.188/);
      expect(stdout).toMatch(/gate failed: exit code 1/);
      expect(rows('conflicts.jsonl')).toHaveLength(94);
      expect(readFileSync(join(cwd, 'audit.html'), 'utf8')).toMatch(/^<!doctype html>/);
      const report = JSON.parse(readFileSync(join(cwd, 'audit.json'), 'utf8'));
      expect(report.gates[0]).toMatchObject({ flag: '--max-conflict-rate', passed: false });
    },
  ],
  [
    '-o gemma.jsonl',
    ({ cwd }) => expect(JSON.parse(readFileSync(join(cwd, 'check.json'), 'utf8'))).toHaveProperty('errors', 0),
  ],
  [
    '--ties drop',
    ({ rows }) => expect(new Set(rows('ties.jsonl').map((r) => r.reason))).toEqual(new Set(['tie_dropped'])),
  ],
  [
    'radpo relabel bad.jsonl || echo',
    ({ stdout, rows }) => {
      expect(stdout).toMatch(/exit code 1/);
      expect(rows('rejects.jsonl').map((r) => r.reason)).toEqual(['bad_score']);
      expect(rows('good.jsonl')).toHaveLength(2);
    },
  ],
  ['--threads 2', ({ rows }) => expect(rows('threaded.jsonl')).toHaveLength(200)],
  [
    'radpo eval prompts.jsonl',
    ({ stderr, rows, cwd }) => {
      // The fake policy follows the goal in its system message; the fake judge reads the quality it states.
      expect(stderr).toMatch(/goal–score Spearman, within prompts\s+0\.9\d\d/);
      expect(stderr).not.toMatch(/warning/i);
      expect(rows('answers.jsonl')).toHaveLength(20);
      expect(rows('answers.jsonl')[0]!.goals).toHaveLength(20);
      expect(rows('pairs.jsonl')).toHaveLength(20);
      expect(JSON.parse(readFileSync(join(cwd, 'audit.json'), 'utf8')).pairs).toBe(20);
      expect(readFileSync(join(cwd, 'eval.html'), 'utf8')).toMatch(/^<!doctype html>/);
    },
  ],
  ['--shard', ({ stdout }) => expect(stdout.trim()).toBe('200')],
];

/** The answer of a chosen or rejected cell in any layout: text, a message, or a conversation's last message. */
function answer(cell: unknown): unknown {
  const last = Array.isArray(cell) ? cell.at(-1) : cell;
  return last && typeof last === 'object'
    ? ((last as { content?: unknown; value?: unknown }).content ?? (last as { value?: unknown }).value)
    : last;
}

/** Relabeled rows come in pairs whose copies swap chosen and rejected (a check every written file gets). */
function checkCopies(rows: Array<Record<string, any>>, file: string): void {
  if (rows.length === 0 || !('copy' in rows[0]!) || rows[0]!.copy !== 'chosen_goal') return;
  if (rows.some((r) => r.copy !== 'chosen_goal' && r.copy !== 'rejected_goal')) return;
  const interleaved = rows[1]?.copy === 'rejected_goal';
  for (let k = 0; k < rows.length / 2; k++) {
    const [first, second] = interleaved ? [rows[2 * k]!, rows[2 * k + 1]!] : [rows[k]!, rows[k + rows.length / 2]!];
    expect([answer(second.chosen), answer(second.rejected)], `${file}: pair ${k + 1} swaps its copies`).toEqual([
      answer(first.rejected),
      answer(first.chosen),
    ]);
    expect(second.goal_score ?? second.goal_scores, `${file}: pair ${k + 1}`).toEqual(
      first.score_rejected ?? second.score_chosen,
    );
  }
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
  // radpo eval's policy: a fake whose answers follow the goal in the system message.
  let policy: FakeJudge;
  let top = '';
  let env: NodeJS.ProcessEnv = {};
  let installLog = '';
  const before = gitStatus();
  beforeAll(async () => {
    top = tempDir();
    const installed = installPacked(top);
    installLog = installed.installLog;
    env = { ...process.env, PATH: `${installed.bin}:${process.env.PATH}`, NO_COLOR: '1' };
    judge = await startFakeJudge();
    env.RADPO_JUDGE_URL = judge.url;
    policy = await startFakeJudge({ policy: 'follows-goal', models: ['policy'] });
    env.RADPO_POLICY_URL = policy.url;
  }, 240_000);
  afterAll(async () => {
    await judge?.close();
    await policy?.close();
  });

  it('has examples to run, and the install printed no warning', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(installLog).not.toMatch(/warn/i);
    expect(spawnSync('radpo', ['--version'], { env, encoding: 'utf8' }).stdout.trim()).toBe(VERSION);
    expect(spawnSync('which', ['radpo'], { env, encoding: 'utf8' }).stdout).toContain(join('prefix', 'bin', 'radpo'));
  });

  // Each block runs in a scratch folder of its own, so blocks run side by side (the packed project runs
  // alone, after the suite: a machine's second core would idle while one block waits on its child).
  it.concurrent.each(blocks.map((b, i) => [i + 1, b] as const))(
    'block %i runs',
    async (i, block) => {
      // The quick start's install step is what CI itself does; `npm test` would recurse.
      const script = block
        .split('\n')
        .filter((line) => line.trim() !== 'npm test')
        .map((line) => line.replace(/^npm ci && /, '').replace(/\bnpx radpo\b/g, 'radpo'))
        .join('\n');
      const cwd = scratch(top, `block-${i}`);
      const result = await bash(script, cwd, env);
      snapshot(i, cwd, result.stdout);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.status, `${script}\n--- stderr:\n${result.stderr}`).toBe(0);
      const rows = (file: string) => parseJsonl(readFileSync(join(cwd, file), 'utf8'));
      for (const file of readdirSync(cwd).filter((f) => f.endsWith('.jsonl'))) checkCopies(rows(file), file);
      const expected = EXPECTED.filter(([line]) => block.includes(line));
      if (block.trim() !== 'npm test') expect(expected, 'every block has its expectations').toHaveLength(1);
      for (const [, check] of expected) check({ cwd, stdout: result.stdout, stderr: result.stderr, rows });
      // Side by side, a block takes longer than alone: a bound for a hung block, not a speed check.
    },
    180_000,
  );

  it('following the README leaves no file in the repository', () => {
    expect(gitStatus()).toBe(before);
  });
});

/** Untracked and changed files of the checkout (empty outside a git checkout). */
function gitStatus(): string {
  const r = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}
