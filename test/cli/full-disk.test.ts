/**
 * A full disk never costs a row in silence. As root, each test mounts a private 2 MB tmpfs in its own
 * temp folder (unmounted afterwards) and fills it: every output radpo writes there — -o (JSONL, gzip,
 * Parquet), --report, --rejects, the --order concat spool in $TMPDIR, the judgement cache — fails the
 * run with exit 1 and a message naming the file and "no space", leaves no final file created or changed,
 * and no temporary file. Without root the same paths are covered with a stream that fails as a full
 * disk does.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamSink } from '../../src/io/output.js';
import { RunOutput } from '../../src/pipeline/run-output.js';
import { fakeServers } from '../judge-server.js';
import { SHELL_RADPO, UF1000, spawnRadpo, run, tempDir } from '../helpers.js';

const isRoot = process.getuid?.() === 0;
const SCORES = ['--chosen-score-col', 'metadata.score_chosen', '--rejected-score-col', 'metadata.score_rejected'];

/** A 2 MB tmpfs of this test's own; null (with the reason printed) where it cannot be mounted. */
function mountSmallDisk(dir: string): string | null {
  const mountPoint = join(dir, 'small');
  mkdirSync(mountPoint);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`full-disk tests skipped: cannot mount a tmpfs (${(r.stderr || r.error?.message || '').trim()})`);
    return null;
  }
  return mountPoint;
}

/** Fill the disk to the last block. */
function fill(disk: string): void {
  spawnSync('dd', ['if=/dev/zero', `of=${join(disk, 'filler')}`, 'bs=4k'], { encoding: 'utf8' });
}

function relabel(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnRadpo(['relabel', ...args, '-q'], { env: { ...process.env, ...env } });
}

describe.skipIf(!isRoot)('a full disk (a real 2 MB tmpfs, as root)', () => {
  let dir = '';
  let disk: string | null = null;
  let input = '';
  beforeAll(() => {
    dir = tempDir();
    disk = mountSmallDisk(dir);
    // About 12 MB of relabeled rows (real UltraFeedback pairs, four times): more than the disk holds, even
    // compressed.
    input = join(dir, 'pairs.jsonl');
    const rows = readFileSync(UF1000, 'utf8').split('\n').slice(0, 450).join('\n');
    writeFileSync(input, `${[rows, rows, rows, rows].join('\n')}\n`);
  });
  afterAll(() => {
    if (disk) spawnSync('umount', [disk]);
  });

  /** What the disk holds now, to compare after the run (nothing created, nothing changed, no temp left). */
  const listing = () =>
    readdirSync(disk!)
      .sort()
      .map((name) => `${name}:${readFileSync(join(disk!, name)).length}`);

  it.each([
    ['-o FILE.jsonl', 'out.jsonl'],
    ['-o FILE.jsonl.gz', 'out.jsonl.gz'],
    ['-o FILE.parquet', 'out.parquet'],
  ])('%s: exit 1, the old file unchanged, no temporary file', (_name, file) => {
    if (!disk) return;
    for (const name of readdirSync(disk)) spawnSync('rm', ['-f', join(disk, name)]);
    writeFileSync(join(disk, file), 'the previous output\n');
    const before = listing();
    const r = relabel([input, ...SCORES, '-o', join(disk, file)]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`no space left on device writing .*${file.replace('.', '\\.')}`));
    expect(r.stderr).not.toMatch(/internal error/);
    expect(listing()).toEqual(before);
    expect(readFileSync(join(disk, file), 'utf8')).toBe('the previous output\n');
  });

  it('stdout redirected to a full disk: exit 1 saying the output is incomplete, never a stack trace', () => {
    if (!disk) return;
    for (const name of readdirSync(disk)) spawnSync('rm', ['-f', join(disk, name)]);
    const out = join(disk, 'stdout.jsonl');
    // The shell opens the file and hands radpo the descriptor: Node's stream for it writes synchronously.
    const r = spawnSync('sh', ['-c', `${SHELL_RADPO} relabel - -q ${SCORES.join(' ')} < "${input}" > "${out}"`], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/radpo: error: no space left on device writing to stdout/);
    expect(r.stderr).toMatch(/what reached stdout is incomplete: discard it/);
    expect(r.stderr).not.toMatch(/at \w+ \(|internal error|node:/);
  });

  it('--report on a full disk: the rows on a good disk are not published either', () => {
    if (!disk) return;
    fill(disk);
    const before = listing();
    const good = join(dir, 'good.jsonl');
    const r = relabel([input, ...SCORES, '-o', good, '--report', join(disk, 'report.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no space left on device writing .*report\.json/);
    expect(listing()).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.startsWith('good') || f.includes('.radpo-'))).toEqual([]);
  });

  it('--rejects on a full disk: the output on a good disk is not published, nothing set aside is lost', () => {
    if (!disk) return;
    for (const name of readdirSync(disk)) spawnSync('rm', ['-f', join(disk, name)]);
    const bad = join(dir, 'bad.jsonl');
    const row = '{"prompt":"x","chosen":"a","rejected":"b","score_chosen":"n/a","score_rejected":1,"pad":"';
    writeFileSync(bad, `${row}${'.'.repeat(4000)}"}\n`.repeat(700));
    const good = join(dir, 'good2.jsonl');
    const r = relabel([bad, input, ...SCORES, '--on-error', 'skip', '--rejects', join(disk, 'rej.jsonl'), '-o', good]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no space left on device writing .*rej\.jsonl/);
    expect(readdirSync(disk)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.startsWith('good2') || f.includes('.radpo-'))).toEqual([]);
  });

  it('--order concat with a full $TMPDIR: exit 1 naming the spool, no rows dropped in silence', () => {
    if (!disk) return;
    fill(disk);
    const out = join(dir, 'concat.jsonl');
    const r = relabel([input, ...SCORES, '--order', 'concat', '-o', out], { TMPDIR: disk });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no space left on device writing the --order concat spool/);
    expect(readdirSync(dir).filter((f) => f.startsWith('concat') || f.includes('.radpo-'))).toEqual([]);
  });

  it('the judgement cache on a full disk: exit 1 naming the cache, no output', async () => {
    if (!disk) return;
    for (const name of readdirSync(disk)) spawnSync('rm', ['-f', join(disk, name)]);
    const server = await fakeServers()();
    const pairs = join(dir, 'unscored.jsonl');
    const long = 'a long answer '.repeat(400);
    writeFileSync(
      pairs,
      Array.from({ length: 400 }, (_, i) =>
        JSON.stringify({ prompt: `q${i}`, chosen: `${long}${i}`, rejected: `b${i}` }),
      )
        .join('\n')
        .concat('\n'),
    );
    fill(disk);
    spawnSync('rm', ['-f', join(disk, 'filler')]);
    // Leave room for the cache to open, not for 800 answers.
    spawnSync('dd', ['if=/dev/zero', `of=${join(disk, 'filler')}`, 'bs=1k', 'count=1900'], { encoding: 'utf8' });
    const out = join(dir, 'scored.jsonl');
    const r = await run([
      'score',
      pairs,
      '--judge',
      'chat',
      '--judge-url',
      server.url,
      '--judge-model',
      'judge',
      '--cache',
      join(disk, 'cache.sqlite'),
      '-o',
      out,
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/no space left on device writing the judgement cache/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(readdirSync(dir).filter((f) => f.startsWith('scored'))).toEqual([]);
  });
});

/** A stream that takes `room` bytes, then fails every write as a full disk does. */
function fullDisk(room: number): Writable {
  let used = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      used += chunk.length;
      if (used <= room) return callback();
      callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    },
  });
}

describe('a write that fails (an injected full disk, no root needed)', () => {
  it('a sink whose stream fails rejects at commit, never a silent success', async () => {
    const sink = streamSink(fullDisk(1000));
    for (let i = 0; i < 100; i++) await sink.write(`${'x'.repeat(99)}\n`);
    await expect(sink.commit()).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('writes after the failure fail too (a large output is not half written)', async () => {
    const sink = streamSink(fullDisk(10));
    const big = 'y'.repeat(2 << 20);
    await expect(Promise.resolve().then(() => sink.write(big))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(() => sink.write('more')).toThrow(/ENOSPC/);
  });

  it('RunOutput: rows to a failing stdout fail the commit, and the rejects file is not published', async () => {
    const dir = tempDir();
    const io = {
      stdin: process.stdin,
      stdout: fullDisk(100),
      stderr: process.stderr,
      env: {},
      cwd: dir,
    };
    const out = await RunOutput.open({ output: '-', rejects: join(dir, 'rej.jsonl') }, io);
    await out.rejects!.write('{"reason":"bad_score"}\n');
    for (let i = 0; i < 50; i++) await out.add({ prompt: `q${i}`, chosen: 'a', rejected: 'b' });
    await out.finish();
    await expect(out.commit({})).rejects.toThrow(/ENOSPC|no space/);
    await out.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
