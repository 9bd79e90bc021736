/**
 * Issue 28, "Loud failures, second pass": one test (or table) per finding, each named after it. The
 * subprocess tests run bin/radpo.js under a real shell, with real redirections into files of a temp folder.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, parseJsonl, run, tempDir } from '../helpers.js';

const BIN = join(ROOT, 'bin', 'radpo.js');
const SAMPLE = join(FIXTURES, 'ultrafeedback_sample.jsonl');
const RADPO = `"${process.execPath}" "${BIN}"`;

/** A shell command line in `dir` (its redirections are the shell's own). */
function sh(dir: string, line: string) {
  return spawnSync('bash', ['-c', line], { cwd: dir, encoding: 'utf8' });
}

const temporaries = (dir: string) => readdirSync(dir).filter((f) => f.includes('.radpo-'));

describe('finding 2: a device path that leads to a regular file is written through the descriptor', () => {
  it('relabel -o /dev/stdout >> log.jsonl keeps what log.jsonl held (and its inode)', () => {
    const dir = tempDir();
    const log = join(dir, 'log.jsonl');
    writeFileSync(log, '{"earlier":true}\n');
    const inode = statSync(log).ino;
    const r = sh(dir, `${RADPO} relabel "${SAMPLE}" -o /dev/stdout -q >> log.jsonl`);
    expect(r.status, r.stderr).toBe(0);
    const rows = parseJsonl(readFileSync(log, 'utf8'));
    expect(rows[0]).toEqual({ earlier: true });
    expect(rows.length).toBeGreaterThan(2);
    expect(statSync(log).ino).toBe(inode);
    expect(temporaries(dir)).toEqual([]);
  });

  it('--rejects /dev/stderr 2>> job.log and -o /proc/self/fd/3 3>> out.jsonl append, in place', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.jsonl'), `${readFileSync(SAMPLE, 'utf8')}{broken\n`);
    writeFileSync(join(dir, 'job.log'), 'started\n');
    writeFileSync(join(dir, 'out.jsonl'), '{"kept":1}\n');
    const r = sh(
      dir,
      `${RADPO} relabel in.jsonl --on-error skip --rejects /dev/stderr -o /proc/self/fd/3 -q 2>> job.log 3>> out.jsonl`,
    );
    expect(r.status).toBe(0);
    const job = readFileSync(join(dir, 'job.log'), 'utf8');
    expect(job.startsWith('started\n')).toBe(true);
    expect(job).toContain('"reason":"malformed_record"');
    const out = parseJsonl(readFileSync(join(dir, 'out.jsonl'), 'utf8'));
    expect(out[0]).toEqual({ kept: 1 });
    expect(out.length).toBeGreaterThan(2);
    expect(temporaries(dir)).toEqual([]);
  });

  it('audit --html /dev/stdout >> page.html appends the page (audit shares the sinks)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'page.html'), '<!-- earlier -->\n');
    const r = sh(dir, `${RADPO} audit "${SAMPLE}" --bootstrap 0 --html /dev/stdout >> page.html`);
    expect(r.status, r.stderr).toBe(0);
    const page = readFileSync(join(dir, 'page.html'), 'utf8');
    expect(page.startsWith('<!-- earlier -->\n')).toBe(true);
    expect(page).toContain('</html>');
    expect(temporaries(dir)).toEqual([]);
  });

  it('a descriptor onto the input file is still refused as the input', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.jsonl'), readFileSync(SAMPLE));
    const r = sh(dir, `${RADPO} relabel in.jsonl -o /dev/stdout -q >> in.jsonl`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('same file');
    expect(readFileSync(join(dir, 'in.jsonl'), 'utf8')).toBe(readFileSync(SAMPLE, 'utf8'));
  });
});

describe('finding 1: scores are checked as a pair (a gap that is not finite is a bad score)', () => {
  const huge = `1${'0'.repeat(308)}`;
  it.each([
    [
      'relabel',
      ['--scale', `-${huge}-${huge}`],
      { prompt: 'p', chosen: 'a', rejected: 'b', score_chosen: -1e308, score_rejected: 1e308 },
      'score_chosen / score_rejected',
    ],
    ['pairs', [], { prompt: 'p', responses: ['a', 'b', 'c'], scores: [1e308, -1e308, 3] }, 'scores'],
  ])('%s sets the row aside as bad_score, naming its scores and the gap', async (command, extra, row, field) => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    const good =
      command === 'pairs'
        ? { prompt: 'q', responses: ['a', 'b'], scores: [2, 1] }
        : { ...row, score_chosen: 2, score_rejected: 1 };
    writeFileSync(input, `${JSON.stringify(row)}\n${JSON.stringify(good)}\n`);
    const rejects = join(dir, 'rejects.jsonl');
    const r = await run([
      command,
      input,
      ...extra,
      '--on-error',
      'skip',
      '--rejects',
      rejects,
      '-o',
      join(dir, 'out.jsonl'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [reject] = parseJsonl(readFileSync(rejects, 'utf8'));
    expect(reject).toMatchObject({ line: 1, reason: 'bad_score' });
    expect(reject!.message).toContain(`field "${field}"`);
    expect(reject!.message).toContain('gap');
    expect(reject!.message).toContain('1e+308');
    expect(parseJsonl(readFileSync(join(dir, 'out.jsonl'), 'utf8')).length).toBeGreaterThan(0);
  });

  it('a file of scores joined by --key is checked by the same rule', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'in.jsonl'),
      '{"id":1,"prompt":"p","chosen":"a","rejected":"b"}\n{"id":2,"prompt":"p","chosen":"c","rejected":"d"}\n',
    );
    writeFileSync(
      join(dir, 's.jsonl'),
      '{"id":1,"score_chosen":-1e308,"score_rejected":1e308}\n{"id":2,"score_chosen":2,"score_rejected":1}\n',
    );
    const rejects = join(dir, 'rejects.jsonl');
    const r = await run([
      'relabel',
      join(dir, 'in.jsonl'),
      '--scores',
      join(dir, 's.jsonl'),
      '--key',
      'id',
      '--scale',
      `-${huge}-${huge}`,
      '--on-error',
      'skip',
      '--rejects',
      rejects,
      '-o',
      join(dir, 'out.jsonl'),
    ]);
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toContain('gap is not a finite number');
  });
});

describe('finding 6: --winner-values names each value for one side, and no empty value', () => {
  const input = () => {
    const dir = tempDir();
    const path = join(dir, 'arena.jsonl');
    writeFileSync(path, '{"prompt":"p","response_a":"x","response_b":"y","winner":"tie"}\n');
    return path;
  };
  it.each([
    ['tie=tie,A=A|tie,B=B', 'the value "tie" is named for two sides, tie and A'],
    ['A=A,B=B,tie=A', 'the value "A" is named for two sides, A and tie'],
    ['A=,B=B', 'A= names an empty value'],
    ['A=a,B=b|', 'B= names an empty value'],
  ])('%s is refused: %s', async (values, problem) => {
    const r = await run([
      'relabel',
      input(),
      '--response-a-col',
      'response_a',
      '--response-b-col',
      'response_b',
      '--winner-col',
      'winner',
      '--winner-values',
      values,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--winner-values');
    expect(r.stderr).toContain(problem);
  });
});
