/**
 * No path a user types can destroy an input, a device or another output, and no temporary file
 * outlives the run. Devices are private nodes made in a temp folder (mknod as root, a FIFO otherwise):
 * the machine's own /dev is never touched.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRows } from '../../bench/generate.mjs';
import { BIN, SHELL_RADPO, FIXTURES, UF1000, spawnRadpo, parseJsonl, run, tempDir } from '../helpers.js';

const SAMPLE = join(FIXTURES, 'ultrafeedback_sample.jsonl');
const isRoot = process.getuid?.() === 0;

/** A private character device (a null device, 1:3) when root can make one, else a FIFO with a reader. */
function privateNode(dir: string): { path: string; kind: 'device' | 'fifo' } {
  const path = join(dir, 'sink-node');
  if (isRoot && spawnSync('mknod', [path, 'c', '1', '3']).status === 0) return { path, kind: 'device' };
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
  return { path, kind: 'fifo' };
}

/** Read a FIFO to its end in a child process (so opening it for writing does not block forever). */
function drain(path: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('exit', () => resolve(text));
  });
}

function temporaries(...dirs: string[]): string[] {
  return dirs.flatMap((d) => readdirSync(d).filter((f) => f.includes('.radpo-') || f.includes('radpo-spool')));
}

describe('devices, FIFOs and symlinks', () => {
  it('--rejects at a device or FIFO writes into it and leaves it what it was', async () => {
    const dir = tempDir();
    const node = privateNode(dir);
    const reader = node.kind === 'fifo' ? drain(node.path) : null;
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${readFileSync(SAMPLE, 'utf8')}{broken\n`);
    const r = await run([
      'relabel',
      input,
      '--on-error',
      'skip',
      '--rejects',
      node.path,
      '-o',
      join(dir, 'out.jsonl'),
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const stats = lstatSync(node.path);
    expect(node.kind === 'device' ? stats.isCharacterDevice() : stats.isFIFO()).toBe(true);
    if (reader) expect(parseJsonl(await reader)[0]).toMatchObject({ line: 101, reason: 'malformed_record' });
    expect(temporaries(dir)).toEqual([]);
  });

  it('-o at a FIFO streams the rows into it', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'rows.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = drain(fifo);
    const r = await run(['relabel', SAMPLE, '-o', fifo, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(await reader)).toHaveLength(200);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('-o /dev/stdout and -o /proc/self/fd/1 write to stdout, whether it is a pipe or a socket', () => {
    for (const target of ['/dev/stdout', '/proc/self/fd/1', '/dev/fd/1']) {
      // spawnSync connects stdout through a socket (which cannot be opened by path); bash through a pipe.
      const socket = spawnRadpo(['relabel', SAMPLE, '-o', target, '-q']);
      expect(socket.status, socket.stderr).toBe(0);
      expect(parseJsonl(socket.stdout)).toHaveLength(200);
      // A reader that starts late: the pipe (non-blocking, as Node leaves stdout's) fills at 64 KiB and
      // writes come back short or with EAGAIN; every byte must still arrive.
      const pipe = spawnSync(
        'bash',
        ['-o', 'pipefail', '-c', `${SHELL_RADPO} relabel "${SAMPLE}" -o ${target} -q | (sleep 0.3; cat)`],
        { encoding: 'utf8' },
      );
      expect(pipe.status, pipe.stderr).toBe(0);
      expect(parseJsonl(pipe.stdout)).toHaveLength(200);
    }
  });

  it('-o /dev/stdout is stdout by another name: | head ends it as -o - does, a stop leaves it empty', () => {
    for (const target of ['-', '/dev/stdout', '/proc/self/fd/1']) {
      // The reader leaves after 100 bytes: exit 0 and no error, under either name (was exit 1, "wrote 0 B").
      const head = spawnSync(
        'bash',
        [
          '-c',
          `${SHELL_RADPO} relabel "${UF1000}" --allow-empty -o ${target} | head -c 100 >/dev/null; ` +
            'echo "rc=${PIPESTATUS[0]}" >&2',
        ],
        { encoding: 'utf8' },
      );
      expect(head.stderr.trim(), target).toBe('rc=0');
      // The label-conflict stop: nothing reaches stdout (its rows were streamed under /dev/stdout).
      const swapped = spawnRadpo([
        'relabel',
        UF1000,
        '--allow-empty',
        '--chosen-score-col',
        'metadata.score_rejected',
        '--rejected-score-col',
        'metadata.score_chosen',
        '-o',
        target,
      ]);
      expect(swapped.status, target).toBe(1);
      expect(swapped.stderr).toContain('nothing was written');
      expect(swapped.stdout, target).toBe('');
    }
  });

  it('Parquet to /dev/stdout through a slow pipe is byte-identical to the file', () => {
    const dir = tempDir();
    const file = join(dir, 'file.parquet');
    expect(spawnRadpo(['relabel', SAMPLE, '-o', file, '-q']).status).toBe(0);
    const piped = spawnSync(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `${SHELL_RADPO} relabel "${SAMPLE}" -o /dev/stdout --output-format parquet -q | ` + `(sleep 0.3; cat)`,
      ],
      { maxBuffer: 64 << 20 },
    );
    expect(piped.status, String(piped.stderr)).toBe(0);
    expect(readFileSync(file).length).toBeGreaterThan(65536);
    expect(Buffer.compare(piped.stdout, readFileSync(file))).toBe(0);
  });

  it('-o at a symlink replaces its target and keeps the link', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'train.jsonl'), 'old\n');
    symlinkSync(join('data', 'train.jsonl'), join(dir, 'latest.jsonl'));
    const r = await run(['relabel', SAMPLE, '-o', join(dir, 'latest.jsonl'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(dir, 'latest.jsonl')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'latest.jsonl'))).toBe(join('data', 'train.jsonl'));
    expect(parseJsonl(readFileSync(join(dir, 'data', 'train.jsonl'), 'utf8'))).toHaveLength(200);
    expect(temporaries(dir, join(dir, 'data'))).toEqual([]);
  });

  it('replacing a file keeps its permissions', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    writeFileSync(out, 'old\n', { mode: 0o640 });
    expect((await run(['relabel', SAMPLE, '-o', out, '-q'])).code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o640);
  });
});

describe('no output may be an input or another output', () => {
  const setup = () => {
    const dir = tempDir();
    const input = join(dir, 'data.jsonl');
    writeFileSync(input, readFileSync(SAMPLE));
    return { dir, input, before: readFileSync(input) };
  };

  it.each([
    [
      '--rejects names the input',
      (d: string, i: string) => ['--on-error', 'skip', '--rejects', i, '-o', join(d, 'o.jsonl')],
      /--rejects names the same file as the input .*data\.jsonl.*destroy the input/,
    ],
    [
      '--report names the input',
      (d: string, i: string) => ['--report', i, '-o', join(d, 'o.jsonl')],
      /--report names the same file as the input/,
    ],
    ['-o names the input', (_d: string, i: string) => ['-o', i], /-o names the same file as the input/],
    [
      '-o is a hard link to the input',
      (d: string, i: string) => {
        linkSync(i, join(d, 'hard.jsonl'));
        return ['-o', join(d, 'hard.jsonl')];
      },
      /-o names the same file as the input/,
    ],
    [
      '--report is a symlink to the input',
      (d: string, i: string) => {
        symlinkSync(i, join(d, 'link.json'));
        return ['--report', join(d, 'link.json'), '-o', join(d, 'o.jsonl')];
      },
      /--report names the same file as the input/,
    ],
    [
      '--report and -o are one file',
      (d: string) => ['--report', join(d, 'o.jsonl'), '-o', join(d, 'o.jsonl')],
      /--report names the same file as -o/,
    ],
    ['-o is a folder', (d: string) => ['-o', d], /-o .* is a directory/],
  ])('%s: exit 2, the input untouched', async (_name, args, message) => {
    const { dir, input, before } = setup();
    const r = await run(['relabel', input, ...args(dir, input)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(readFileSync(input).equals(before)).toBe(true);
    expect(temporaries(dir)).toEqual([]);
  });

  it('score checks the same, --emit-batch and --cache included', async () => {
    const { dir, input } = setup();
    const judge = ['--judge', 'chat', '--judge-url', 'http://127.0.0.1:9/v1', '--judge-model', 'm'];
    const r1 = await run(['score', input, ...judge, '--emit-batch', input]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/--emit-batch names the same file as the input/);
    const r2 = await run(['score', input, ...judge, '--cache', input, '-o', join(dir, 'o.jsonl')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--cache names the same file as the input/);
  });
});

describe('temporary files never outlive the run', () => {
  const big = (dir: string) => {
    const path = join(dir, 'big.jsonl');
    writeFileSync(path, [...generateRows(24_000_000, 5)].join(''));
    return path;
  };

  it('a double Ctrl-C during --order concat -o FILE leaves neither the output temp file nor a spool', async () => {
    const dir = tempDir();
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    // The input comes through stdin and stops half way, so the run is surely still going when the signals come.
    const child = spawn(
      process.execPath,
      [BIN, 'relabel', '-', '--order', 'concat', '-o', join(dir, 'x.jsonl'), '-q'],
      { env: { ...process.env, TMPDIR: tmp }, stdio: ['pipe', 'ignore', 'ignore'] },
    );
    // The child dies with part of this still unread: the pipe's EPIPE is expected, not an error of the test.
    child.stdin.on('error', () => undefined);
    child.stdin.write([...generateRows(3_000_000, 5)].join(''));
    const started = Date.now();
    while (temporaries(dir).length === 0 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 10));
    expect(temporaries(dir).length).toBe(1);
    // The spool is unlinked right after it is opened: gone from the folder while the run goes on.
    // Up to 10 s: on a loaded 2-core machine the child can wait seconds for a turn between open and unlink.
    for (let i = 0; i < 1000 && readdirSync(tmp).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(tmp)).toEqual([]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    child.kill('SIGINT');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    child.stdin.destroy();
    expect(temporaries(dir)).toEqual([]);
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a closed pipe (--order concat | head -n 1) leaves no temporary file', () => {
    const dir = tempDir();
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const input = big(dir);
    const r = spawnSync(
      'bash',
      [
        '-c',
        `${SHELL_RADPO} relabel "${input}" --order concat --on-error skip ` +
          `--rejects "${join(dir, 'rej.jsonl')}" -q | head -n 1`,
      ],
      { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(parseJsonl(r.stdout)).toHaveLength(1);
    expect(temporaries(dir)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('a run that writes nothing fails', () => {
  it.each([
    ['an empty file', '', /no row was written: the input is empty \(.*in\.jsonl held no records\)/],
    ['an empty JSON array', '[]\n', /no row was written: the input is empty/],
    [
      'every row set aside',
      '{"prompt":"q","chosen":"a","rejected":"b","score_chosen":8,"score_rejected":"n/a"}\n' +
        '{"prompt":"q2","chosen":"a","rejected":"a","score_chosen":8,"score_rejected":2}\n',
      /no row was written: all 2 rows were set aside: 1 bad_score, 1 identical_responses\n {2}hint: see .*rej\.jsonl/,
    ],
  ])('%s: exit 1 with the reason, no output file; --allow-empty-output writes it', async (_name, text, message) => {
    const dir = tempDir();
    const input = join(dir, text.startsWith('[') ? 'in.json' : 'in.jsonl');
    writeFileSync(input, text);
    const out = join(dir, 'out.jsonl');
    const r = await run(['relabel', input, '--on-error', 'skip', '--rejects', join(dir, 'rej.jsonl'), '-o', out, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
    const allowed = await run([
      'relabel',
      input,
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'rej.jsonl'),
      '-o',
      out,
      '-q',
      '--allow-empty-output',
    ]);
    expect(allowed.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('');
  });

  it('a --shard that owns no row says so', async () => {
    const dir = tempDir();
    const input = join(dir, 'one.jsonl');
    writeFileSync(input, `${readFileSync(SAMPLE, 'utf8').split('\n')[0]}\n`);
    const results = await Promise.all([1, 2].map((k) => run(['relabel', input, '--shard', `${k}/2`, '-q'])));
    const empty = results.find((r) => r.code !== 0)!;
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/shard [12]\/2 owns none of the input's 1 row[\s\S]*--allow-empty-output/);
  });
});
