/**
 * src/io/log.ts: the text format's lines, pino's JSON lines (levels, child loggers), and both through
 * the run's redacting stderr.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LogFormat, LogLevel } from '../../src/io/choices.js';
import type { Io } from '../../src/io/io.js';
import { type Logger, runLogger } from '../../src/io/log.js';
import { Redactor, redactingStream } from '../../src/io/redact.js';
import { FIXTURES, run } from '../helpers.js';
import { join } from 'node:path';

const UF_SAMPLE = join(FIXTURES, 'ultrafeedback_sample.jsonl');

class Lines extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString('utf8');
    cb();
  }
}

interface Options {
  level?: LogLevel;
  format?: LogFormat;
  quiet?: boolean;
  tty?: boolean;
  secret?: string;
}

/** What `log` writes to stderr with these log flags. */
function logged(log: (logger: Logger) => void, o: Options = {}): string {
  const stderr = new Lines();
  stderr.isTTY = o.tty === true;
  const secrets = new Redactor();
  secrets.add(o.secret);
  const io = { env: {}, cwd: '/', stderr: redactingStream(stderr, secrets) } as unknown as Io;
  log(runLogger(io, { quiet: o.quiet ?? false, logLevel: o.level, logFormat: o.format ?? 'text' }));
  return stderr.text;
}

describe('the text format', () => {
  it.each<[string, (l: Logger) => void, Options, string]>([
    [
      'a warning',
      (l) => l.warn('a CSV header names "id" twice'),
      {},
      'radpo: warning: a CSV header names "id" twice\n',
    ],
    ['info is below the default level', (l) => l.info('fitted'), {}, ''],
    ['--log-level info', (l) => l.info('fitted'), { level: 'info' }, 'radpo: info: fitted\n'],
    [
      'fields after the message, strings bare, the rest as JSON',
      (l) => l.debug({ attempt: 2, host: 'h', wait: { ms: 5 } }, 'retrying'),
      { level: 'debug' },
      'radpo: debug: retrying (attempt=2, host=h, wait={"ms":5})\n',
    ],
    ['an undefined field is left out', (l) => l.warn({ a: undefined, b: 1 }, 'w'), {}, 'radpo: warning: w (b=1)\n'],
    [
      'a child carries its fields before the record',
      (l) => l.child({ role: 'judge' }).child({ n: 1 }).error({ code: 500 }, 'failed'),
      {},
      'radpo: error: failed (role=judge, n=1, code=500)\n',
    ],
    ['-q: warnings go', (l) => l.warn('w'), { quiet: true }, ''],
    ['-q: errors stay', (l) => l.error('e'), { quiet: true }, 'radpo: error: e\n'],
    ['-q with --log-level chosen', (l) => l.warn('w'), { quiet: true, level: 'info' }, 'radpo: warning: w\n'],
    // warn typed is a choice too, though it is the default's level (-q --log-level warn hid warnings).
    ['-q with --log-level warn typed', (l) => l.warn('w'), { quiet: true, level: 'warn' }, 'radpo: warning: w\n'],
    [
      'no -q, no --log-level: warn',
      (l) => {
        l.info('i');
        l.warn('w');
      },
      {},
      'radpo: warning: w\n',
    ],
    ['silent', (l) => l.error('e'), { level: 'silent' }, ''],
    ['colour on a terminal', (l) => l.warn('w'), { tty: true }, 'radpo: \x1b[33mwarning\x1b[0m: w\n'],
    ['data cannot drive the terminal', (l) => l.warn('col \x1b]0;x\x07'), {}, 'radpo: warning: col \\x1b]0;x\\x07\n'],
    [
      'a secret is masked',
      (l) => l.warn({ key: 'sk-0123456789abcdef' }, 'k'),
      { secret: 'sk-0123456789abcdef' },
      'radpo: warning: k (key=***)\n',
    ],
  ])('%s', (_name, log, options, expected) => {
    expect(logged(log, options)).toBe(expected);
  });
});

describe('--log-format json: pino', () => {
  const records = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('one JSON line per record at or above the level, with ISO time and no pid or host', () => {
    const text = logged(
      (l) => {
        l.debug('hidden');
        l.info({ threads: 2 }, 'relabeling in worker threads');
        l.child({ role: 'judge' }).warn({ status: 429 }, 'retrying');
      },
      { format: 'json', level: 'info' },
    );
    const [info, warn, ...rest] = records(text);
    expect(rest).toEqual([]);
    expect(info).toMatchObject({ level: 30, threads: 2, msg: 'relabeling in worker threads' });
    expect(warn).toMatchObject({ level: 40, role: 'judge', status: 429, msg: 'retrying' });
    expect(new Date(String(info!.time)).toISOString()).toBe(info!.time);
    expect(Object.keys(info!)).not.toContain('pid');
    expect(Object.keys(info!)).not.toContain('hostname');
  });

  it('C1 controls, bidi marks and line separators are \\u escapes: the same JSON, nothing for a terminal', () => {
    const name = 'k\u009b31m\u202eX\u2028Y';
    const text = logged((l) => l.warn({ column: name }, `a column named ${name}`), { format: 'json' });
    expect(text).not.toMatch(/[\u0080-\u009f\u202e\u2028]/);
    expect(records(text)).toEqual([expect.objectContaining({ column: name, msg: `a column named ${name}` })]);
  });

  it('-q keeps errors only; a secret is masked in the line', () => {
    const secret = 'sk-0123456789abcdef';
    const text = logged(
      (l) => {
        l.warn('w');
        l.error({ url: `http://x/?key=${secret}` }, `bad key ${secret}`);
      },
      { format: 'json', quiet: true, secret },
    );
    expect(text).not.toContain(secret);
    expect(records(text)).toEqual([
      expect.objectContaining({ level: 50, url: 'http://x/?key=***', msg: 'bad key ***' }),
    ]);
  });
});

describe('--log-format json: every line radpo writes on stderr is a record (summary and fatal errors too)', () => {
  const records = (stderr: string) =>
    stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it.each([
    ['a run: the summary is an info record with the report', ['relabel', UF_SAMPLE], 0, { level: 30 }],
    ['bad data: an error record with its code and hint', ['relabel', '/nonexistent/in.jsonl'], 1, { level: 50 }],
    ['a bad flag value: an error record, exit 2', ['relabel', UF_SAMPLE, '--min-gap', '0x1'], 2, { level: 50 }],
  ])('%s', async (_name, argv, code, first) => {
    const r = await run([...argv, '--log-format', 'json']);
    expect(r.code, r.stderr).toBe(code);
    const lines = records(r.stderr);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject(first);
    if (code === 0)
      expect(lines[0]).toMatchObject({
        msg: expect.stringMatching(/^radpo relabel: 100 rows read, 200 rows written/),
        report: { rows_read: 100, rows_written: 200, set_aside: { total: 0 } },
      });
    else expect(lines.at(-1)).toMatchObject({ code: code === 2 ? 'usage' : 'io', exit_code: code });
  });
});
