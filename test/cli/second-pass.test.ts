/**
 * Issue 28, "Loud failures, second pass": one test (or table) per finding, each named after it. The
 * subprocess tests run bin/radpo.js under a real shell, with real redirections into files of a temp folder.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { parseNumber } from '../../src/cli/flags.js';
import { joinKey } from '../../src/core/ids.js';
import { main } from '../../src/main.js';
import { FIXTURES, SHELL_RADPO, parseJsonl, run, tempDir } from '../helpers.js';

const SAMPLE = join(FIXTURES, 'ultrafeedback_sample.jsonl');
const RADPO = SHELL_RADPO;

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

describe('finding 6: a number flag reads decimals only (--min-gap 0x10, --gaps 0x10 were 16)', () => {
  it.each([
    ['0.5', 0.5],
    [' 2 ', 2],
    ['+1', 1],
    ['-1.5', -1.5],
    ['.25', 0.25],
    ['3.', 3],
    ['1e-3', 0.001],
    ['2E+2', 200],
  ])('parseNumber reads %j as %d', (text, value) => {
    expect(parseNumber(text)).toBe(value);
  });
  it.each([
    ['0x10', 'not a decimal number (write 16 if that is meant)'],
    ['0b11', 'not a decimal number (write 3 if that is meant)'],
    ['0o17', 'not a decimal number (write 15 if that is meant)'],
    ['1e400', 'too large to be a finite number'],
    ['Infinity', 'expected a decimal number'],
    ['', 'expected a decimal number'],
    ['  ', 'expected a decimal number'],
    ['1_000', 'expected a decimal number'],
    ['1,5', 'expected a decimal number'],
    ['NaN', 'expected a decimal number'],
    ['1e', 'expected a decimal number'],
    ['- 1', 'expected a decimal number'],
  ])('parseNumber refuses %j: %s', (text, problem) => {
    expect(() => parseNumber(text)).toThrow(problem);
  });

  const pairsInput = () => {
    const path = join(tempDir(), 'long.jsonl');
    writeFileSync(path, '{"p":"q","r":"a","s":1}\n{"p":"q","r":"b","s":2}\n');
    return path;
  };
  const long = ['--group-col', 'p', '--response-col', 'r', '--score-col', 's'];
  it.each([
    ['relabel --min-gap', () => ['relabel', SAMPLE, '--min-gap', '0x10'], '--min-gap "0x10": not a decimal number'],
    ['pairs --min-gap', () => ['pairs', pairsInput(), ...long, '--min-gap', '0x10'], '--min-gap "0x10": not a'],
    ['audit --gaps', () => ['audit', SAMPLE, '--gaps', '0,0x10'], '"0x10" is not a plain decimal number'],
    ['audit --max-conflict-rate', () => ['audit', SAMPLE, '--max-conflict-rate', '0b1'], '"0b1": not a decimal'],
    ['audit --min-agreement', () => ['audit', SAMPLE, '--min-agreement', '0x1'], '--min-agreement "0x1": not a'],
    ['generate --temperature', () => ['generate', SAMPLE, '--temperature', '0x1'], '--temperature "0x1": not a'],
  ])('%s 0x… is a usage error (exit 2) that says so', async (_name, argv, message) => {
    const r = await run(argv());
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });
});

describe('finding 4: a group larger than --group-memory is paired from disk, as in memory', () => {
  const LONG = ['--group-col', 'prompt_id', '--prompt-col', 'q', '--response-col', 'a'];
  /** One large group (140 rows of ~2 KB: over the 1 MB floor of a pass) among small ones, shuffled. */
  const input = (dir: string, mismatch = false) => {
    const rows: Array<Record<string, unknown>> = [];
    const pad = 'x'.repeat(2000);
    for (let i = 0; i < 140; i++)
      rows.push({
        prompt_id: 'big',
        q: mismatch && i === 77 ? 'other' : 'Q',
        // Each text once: one text under two scores is refused as a conflict (core/response-lists.ts).
        a: `${i} ${pad}`,
        s: i % 7,
        r: i % 5,
      });
    for (let g = 0; g < 40; g++)
      for (let i = 0; i < 3; i++) rows.push({ prompt_id: `g${g}`, q: `q${g}`, a: `a${i}`, s: i, r: 3 - i });
    // A fixed shuffle, so the groups' first rows interleave.
    const order = rows.map((row, i) => [(i * 7919) % rows.length, row] as const).sort((a, b) => a[0] - b[0]);
    const path = join(dir, 'long.jsonl');
    writeFileSync(path, order.map(([, r]) => `${JSON.stringify(r)}\n`).join(''));
    return path;
  };
  it.each([
    ['best-worst', '--score-col', 's'],
    ['best-random', '--score-col', 's'],
    ['all', '--score-col', 's'],
    ['best-worst', '--rank-col', 'r'],
    ['best-random', '--rank-col', 'r'],
  ])('--strategy %s %s %s: the same bytes with --group-memory 0 as in memory', async (strategy, flag, column) => {
    const dir = tempDir();
    const path = input(dir);
    const args = ['pairs', path, ...LONG, flag, column, '--strategy', strategy, '--min-gap', '1'];
    const memory = await run(args);
    const report = join(dir, 'report.json');
    const disk = await run([...args, '--group-memory', '0', '--report', report]);
    expect(memory.code, memory.stderr).toBe(0);
    expect(disk.code, disk.stderr).toBe(0);
    expect(disk.stdout).toBe(memory.stdout);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({
      grouped_on_disk_rows: 260,
      paired_from_disk_rows: 140,
      prompts: 41,
    });
  });

  it('a large group that answers two prompts is set aside as in memory (prompt_mismatch), naming rows', async () => {
    const dir = tempDir();
    const path = input(dir, true);
    const args = ['pairs', path, ...LONG, '--score-col', 's', '--on-error', 'skip'];
    const memory = await run([...args, '--rejects', join(dir, 'm.jsonl')]);
    const disk = await run([...args, '--group-memory', '0', '--rejects', join(dir, 'd.jsonl')]);
    expect(disk.stdout).toBe(memory.stdout);
    const [m] = parseJsonl(readFileSync(join(dir, 'm.jsonl'), 'utf8'));
    const [d] = parseJsonl(readFileSync(join(dir, 'd.jsonl'), 'utf8'));
    expect(d).toMatchObject({ reason: 'prompt_mismatch', line: m!.line, message: m!.message });
    expect(d!.raw.lines).toEqual(m!.raw.lines);
  });
});

describe('finding 3: a signal during the CPU work after reading stops the run: exit 130, nothing published', () => {
  /** main() with stdin that ends by aborting the run's signal: the signal arrives once every row is read. */
  async function interruptedAtEndOfInput(argv: string[], input: string) {
    const controller = new AbortController();
    const stdin = new Readable({
      read() {
        this.push(input);
        this.push(null);
      },
    });
    stdin.on('end', () => controller.abort());
    const sink = () =>
      new Writable({
        write(_chunk, _encoding, callback) {
          callback();
        },
      });
    const io = { stdin, stdout: sink(), stderr: sink(), env: {}, cwd: process.cwd(), signal: controller.signal };
    return main(argv, io, '0.0.0');
  }

  const longRows = () => {
    let text = '';
    for (let g = 0; g < 50; g++)
      for (let i = 0; i < 40; i++) text += `${JSON.stringify({ g, q: `q${g}`, a: `a${i}`, s: i % 9 })}\n`;
    return text;
  };

  it.each([
    [
      'pairs grouping in memory',
      ['pairs', '-', '--group-col', 'g', '--prompt-col', 'q', '--response-col', 'a', '--score-col', 's'],
      longRows,
    ],
    [
      'pairs grouping on disk',
      [
        'pairs',
        '-',
        '--group-col',
        'g',
        '--prompt-col',
        'q',
        '--response-col',
        'a',
        '--score-col',
        's',
        '--group-memory',
        '0',
      ],
      longRows,
    ],
    ['relabel', ['relabel', '-'], () => readFileSync(SAMPLE, 'utf8')],
    ['relabel --order concat', ['relabel', '-', '--order', 'concat'], () => readFileSync(SAMPLE, 'utf8')],
  ])('%s', async (_name, argv, input) => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const code = await interruptedAtEndOfInput([...argv, '-o', out, '--rejects', join(dir, 'rejects.jsonl')], input());
    expect(code).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['audit, no bootstrap', ['--bootstrap', '0']],
    ['audit, bootstrap', ['--bootstrap', '200']],
  ])('%s: a signal after reading publishes no page and no conflicts file', async (_name, extra) => {
    const dir = tempDir();
    const argv = ['audit', '-', ...extra, '--html', join(dir, 'page.html'), '--conflicts', join(dir, 'c.jsonl')];
    const code = await interruptedAtEndOfInput(argv, readFileSync(SAMPLE, 'utf8'));
    expect(code).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('finding 5: one id rule for every join, and one gap rule for --min-gap', () => {
  it.each([
    [1, '1'],
    ['1', '1'],
    [1.0, '1'],
    ['1.0', '1'],
    ['-3', '-3'],
    [-0, '0'],
    ['007', '007'],
    ['12345678901234567890', '12345678901234567890'],
    [1.5, '1.5'],
    ['1.5', '1.5'],
    ['abc', 'abc'],
    [null, null],
    [true, null],
    [{ a: 1 }, null],
    [undefined, null],
  ])('joinKey(%j) is %j', (value, key) => {
    expect(joinKey(value)).toBe(key);
  });

  it('--scores joins 1 (JSONL) to "1.0" (CSV); 1 and "1" in the scores file are named as a duplicate', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.jsonl'), '{"id":1,"prompt":"p","chosen":"a","rejected":"b"}\n');
    writeFileSync(join(dir, 's.csv'), 'id,score_chosen,score_rejected\n1.0,7,3\n');
    const ok = await run(['relabel', join(dir, 'in.jsonl'), '--scores', join(dir, 's.csv'), '--key', 'id']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(parseJsonl(ok.stdout)).toHaveLength(2);
    writeFileSync(
      join(dir, 's.jsonl'),
      '{"id":1,"score_chosen":7,"score_rejected":3}\n{"id":"1","score_chosen":2,"score_rejected":3}\n',
    );
    const twice = await run(['relabel', join(dir, 'in.jsonl'), '--scores', join(dir, 's.jsonl'), '--key', 'id']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('key "1" appears twice in the scores file (first as 1 at');
  });

  it('--min-gap 0.3 keeps the pair 0.7/0.4 (a gap of 0.29999999999999993) in relabel and pairs alike', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'pairs.jsonl'),
      '{"prompt":"p","chosen":"a","rejected":"b","score_chosen":0.7,"score_rejected":0.4}\n',
    );
    const relabel = await run(['relabel', join(dir, 'pairs.jsonl'), '--scale', '0-1', '--min-gap', '0.3']);
    expect(relabel.code, relabel.stderr).toBe(0);
    expect(parseJsonl(relabel.stdout)).toHaveLength(2);
    // pairs keeps a pair whose gap is more than --min-gap: 0.7/0.4 is more than 0.29, not more than 0.3.
    writeFileSync(join(dir, 'lists.jsonl'), '{"prompt":"p","responses":["a","b"],"scores":[0.7,0.4]}\n');
    const above = await run(['pairs', join(dir, 'lists.jsonl'), '--min-gap', '0.29']);
    expect(parseJsonl(above.stdout)).toHaveLength(1);
    const at = await run(['pairs', join(dir, 'lists.jsonl'), '--min-gap', '0.3', '--on-error', 'skip']);
    expect(parseJsonl(at.stdout)).toHaveLength(0);
    // The same rule in both: 0.7 - 0.4 is 0.3, more than 0.2999 and not more than 0.3.
    const close = await run(['pairs', join(dir, 'lists.jsonl'), '--min-gap', '0.2999']);
    expect(close.code, close.stderr).toBe(0);
    expect(parseJsonl(close.stdout)).toHaveLength(1);
  });
});

describe('finding 7: data reaches stderr through the terminal rule; suggested commands are shell-quoted', () => {
  const TITLE = '\u001b]0;pwned\u0007';
  it.each([
    ['relabel: no scores', ['relabel'], { prompt: 'p', chosen: 'a', rejected: 'b', [TITLE]: 1 }],
    [
      "pairs: a group's missing column",
      ['pairs', '--group-col', 'g', '--response-col', 'a', '--score-col', 's'],
      { g: 1, prompt: 'p', [TITLE]: 'x', s: 1 },
    ],
  ])('%s: no raw control byte on stderr, the name shown escaped', async (_name, argv, row) => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${JSON.stringify(row)}\n`);
    const r = await run([...argv, input]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(r.stderr).toContain('\\x1b]0;pwned\\x07');
  });

  it('the summary escapes a file name; the check command suggested for relabeled data is shell-quoted', async () => {
    const dir = tempDir();
    const relabeled = join(dir, 'my data;touch PWNED #.jsonl');
    expect((await run(['relabel', SAMPLE, '-o', relabeled])).code).toBe(0);
    const again = await run(['relabel', relabeled]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`radpo check '${relabeled}' --chat-template FILE`);
    const named = join(dir, `in${TITLE}.jsonl`);
    writeFileSync(named, readFileSync(SAMPLE));
    const r = await run(['relabel', named, '-o', join(dir, 'out.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
  });
});

describe('finding 8: a repeated CSV header, a __proto__ column, a key echoed encoded', () => {
  it('a CSV header naming a column twice: radpo says which it read (-q, --log-format json apply)', async () => {
    const dir = tempDir();
    const csv = join(dir, 'dup.csv');
    writeFileSync(csv, 'prompt,chosen,rejected,score_chosen,score_chosen,score_rejected\np,a,b,7,8,3\n');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const r = await run(['relabel', csv]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        `radpo: warning: ${csv}: the CSV header names "score_chosen" 2 times (columns 4, 5): radpo reads column 4`,
      );
      expect(parseJsonl(r.stdout)[0]).toMatchObject({ score_chosen: 7 });
      expect((await run(['relabel', csv, '-q'])).stderr).toBe('');
      const json = await run(['relabel', csv, '--log-format', 'json']);
      expect(JSON.parse(json.stderr.split('\n')[0]!)).toMatchObject({ level: 40 });
      // papaparse's own console warning is never printed.
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('--format handbook keeps a top-level __proto__ column, as an own column', async () => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(
      input,
      '{"__proto__":{"note":1},"prompt":"p","chosen":"a","rejected":"b","score_chosen":7,"score_rejected":3}\n',
    );
    const r = await run(['relabel', input, '--format', 'handbook']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^\{"__proto__":\{"note":1\},"chosen":/);
  });

  it('a judge that echoes the key base64-encoded (or URL-encoded, or hex) leaves none of it anywhere', async () => {
    const KEY = 'sk-proj-Zq81mP0xVt7kW3eRb9Lc2Ny5Hs4Ug6Jd';
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const echoes = [
      b64(KEY),
      b64(`Bearer ${KEY}`),
      b64(`Bearer ${KEY}`).replace(/\+/g, '-').replace(/\//g, '_'),
      encodeURIComponent(`Bearer ${KEY}`),
      Buffer.from(KEY).toString('hex'),
    ];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'GET') {
          res.writeHead(req.url === '/v1/models' ? 200 : 404, { 'content-type': 'application/json' });
          return res.end(req.url === '/v1/models' ? JSON.stringify({ data: [{ id: 'judge' }] }) : '{}');
        }
        const content = `I cannot score this. You sent ${echoes.join(' and ')}`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = tempDir();
      writeFileSync(join(dir, 'pairs.jsonl'), '{"prompt":"q","chosen":"a","rejected":"b"}\n');
      const { port } = server.address() as AddressInfo;
      const r = await run(
        [
          'score',
          join(dir, 'pairs.jsonl'),
          ...['--judge', 'chat', '--judge-url', `http://127.0.0.1:${port}/v1`, '--judge-model', 'judge'],
          ...['--parse-retries', '0', '--max-retries', '0', '--cache', join(dir, 'cache.sqlite')],
          ...['--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl'), '--report', join(dir, 'report.json')],
          ...['--log-level', 'trace', '--allow-empty-output', '-o', join(dir, 'out.jsonl')],
        ],
        { env: { RADPO_JUDGE_API_KEY: KEY } },
      );
      expect(r.code, r.stderr).toBe(0);
      const rejects = readFileSync(join(dir, 'rejects.jsonl'), 'utf8');
      expect(rejects).toContain('I cannot score this');
      // Every 8 characters of each echo that encode the key alone (not "Bearer ", not the padding).
      const pieces = echoes.flatMap((e) => Array.from({ length: e.length - 31 }, (_, i) => e.slice(i + 16, i + 24)));
      for (const file of [...readdirSync(dir).map((f) => join(dir, f)), 'stderr']) {
        const text = file === 'stderr' ? r.stderr : readFileSync(file).toString('latin1');
        expect(
          pieces.filter((p) => text.includes(p)),
          file,
        ).toEqual([]);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
