/**
 * Text is never changed silently: bytes that are not UTF-8, keys given twice, radpo's own output fed
 * back, JSON inside CSV cells. And messages that say what went wrong and what to do.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS } from '../../src/core/layouts.js';
import { openRecords } from '../../src/io/records.js';
import { FIXTURES, DATA, parseJsonl, run, tempDir } from '../helpers.js';

const SAMPLE = join(FIXTURES, 'ultrafeedback_sample.jsonl');
const QWEN = join(DATA, 'chat_templates', 'Qwen__Qwen2-7B-Instruct.jinja');
const row = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ prompt: 'q', chosen: 'a', rejected: 'b', score_chosen: 8, score_rejected: 3, ...extra });

async function readAll(path: string): Promise<unknown[]> {
  const out: unknown[] = [];
  const { records } = await openRecords(path, new PassThrough(), undefined, { maxLineBytes: 1 << 28 });
  for await (const batch of records) for (const r of batch) out.push(r.error ? { error: r.error.reason } : r.value);
  return out;
}

describe('encodings', () => {
  it('a Latin-1 byte is bad_encoding with the line, the byte offset and the iconv fix', async () => {
    const dir = tempDir();
    const input = join(dir, 'latin.jsonl');
    writeFileSync(
      input,
      Buffer.concat([
        Buffer.from(`${row()}\n`),
        Buffer.from('{"prompt":"Caf'),
        Buffer.from([0xe9]),
        Buffer.from('","chosen":"a","rejected":"b","score_chosen":8,"score_rejected":3}\n'),
      ]),
    );
    const r = await run(['relabel', input, '-q', '-o', join(dir, 'out.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /latin\.jsonl:2: the text is not valid UTF-8.* 0xe9 at byte 14 of the record \(byte offset 93 in the file\)/,
    );
    expect(r.stderr).toMatch(
      /hint: if the file is Latin-1 or Windows-1252,.* -f latin1 -t utf-8 .*latin\.jsonl > .*latin\.utf8\.jsonl/,
    );
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    const skipped = await run(['relabel', input, '-q', '--on-error', 'skip', '--rejects', join(dir, 'rej.jsonl')]);
    expect(skipped.code).toBe(0);
    expect(parseJsonl(skipped.stdout)).toHaveLength(2);
    const rejected = parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'));
    expect(rejected[0]).toMatchObject({ line: 2, reason: 'bad_encoding' });
    // The raw row keeps every byte (as Latin-1 characters), nothing replaced by U+FFFD.
    expect(rejected[0]!.raw).toContain('Caf\u00e9');
    expect(skipped.stdout).not.toContain('\ufffd');
  });

  it('in CSV, the first bad byte stops the run naming its line and offset', async () => {
    const dir = tempDir();
    const input = join(dir, 'l.csv');
    writeFileSync(
      input,
      Buffer.concat([
        Buffer.from('prompt,chosen,rejected,score_chosen,score_rejected\nq,a,b,8,3\nq,Caf'),
        Buffer.from([0xe9]),
        Buffer.from(',b,8,3\n'),
      ]),
    );
    const r = await run(['relabel', input, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/l\.csv:3: not valid UTF-8: byte 0xe9 at byte offset 66/);
  });

  it.each([
    ['utf-16le', 'UTF-16LE'],
    ['utf-16be', 'UTF-16BE'],
  ])('a %s file is named as such', async (encoding, name) => {
    const dir = tempDir();
    const input = join(dir, 'wide.jsonl');
    const text = `\ufeff${row()}\n`;
    const bytes = encoding === 'utf-16le' ? Buffer.from(text, 'utf16le') : Buffer.from(text, 'utf16le').swap16();
    writeFileSync(input, bytes);
    const r = await run(['relabel', input, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`wide.jsonl is ${name} text, not UTF-8`);
    expect(r.stderr).toContain(`iconv -f ${name} -t utf-8`);
  });

  it('a UTF-8 byte order mark is fine', async () => {
    const dir = tempDir();
    const input = join(dir, 'bom.jsonl');
    const plain = join(dir, 'plain.jsonl');
    writeFileSync(input, `\ufeff${row()}\n`);
    writeFileSync(plain, `${row()}\n`);
    const [withBom, without] = [await run(['relabel', input, '-q']), await run(['relabel', plain, '-q'])];
    expect(withBom.code, withBom.stderr).toBe(0);
    expect(parseJsonl(withBom.stdout), 'one pair, two copies').toHaveLength(2);
    expect(withBom.stdout, 'the bytes of the same file without the mark').toBe(without.stdout);
  });
});

describe('keys given twice', () => {
  it(
    'are counted in the summary and the report, the first named in a warning; fast and plain paths ' + 'agree',
    async () => {
      const dir = tempDir();
      const input = join(dir, 'dup.jsonl');
      writeFileSync(
        input,
        `${row()}\n{"prompt":"q2","chosen":"a","rejected":"b","score_chosen":8,"score_rejected":3,"score_chosen":2}\n`,
      );
      const fast = await run(['relabel', input, '--report', join(dir, 'r.json')]);
      const plain = await run(['relabel', input], { env: { RADPO_FAST_PATH: '0' } });
      for (const r of [fast, plain]) {
        expect(r.code).toBe(0);
        expect(r.stderr).toMatch(
          /warning: 1 row has a key given twice in one.* .*dup\.jsonl:2, "score_chosen"\); the last value was used/,
        );
        expect(r.stderr).toMatch(/rows with a key given twice: 1/);
      }
      expect(fast.stdout).toBe(plain.stdout);
      expect(parseJsonl(fast.stdout)[2]).toMatchObject({ score_chosen: 2 });
      expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).duplicate_keys).toEqual({
        rows: 1,
        first: `${input}:2 "score_chosen"`,
      });
    },
  );
});

describe("radpo's own output as input", () => {
  it.each(OUTPUT_FORMATS.filter((f) => f !== 'axolotl' && f !== 'nemo').map((f) => [f]))(
    '--format %s output is refused, naming what to feed instead',
    async (format) => {
      const dir = tempDir();
      const out = join(dir, 'ra.jsonl');
      expect((await run(['relabel', SAMPLE, '--format', format, '-o', out, '-q'])).code).toBe(0);
      const r = await run(['relabel', out, '-q']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /ra\.jsonl:1: this data is already relabeled: .*relabeling it again would put a second goal in every prompt/,
      );
      expect(r.stderr).toMatch(/hint: relabel the original pairs/);
    },
  );

  it('a prompt that starts with the goal text is refused even without radpo columns (axolotl layout)', async () => {
    const dir = tempDir();
    const out = join(dir, 'ax.jsonl');
    expect((await run(['relabel', SAMPLE, '--format', 'axolotl', '-o', out, '-q'])).code).toBe(0);
    const r = await run([
      'relabel',
      out,
      '--prompt-col',
      'messages',
      '--chosen-score-col',
      'x',
      '--rejected-score-col',
      'y',
      '-q',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/its system message starts with the goal text/);
  });
});

describe('CSV', () => {
  it.each(OUTPUT_FORMATS.map((f) => [f]))(
    'radpo reads its own --format %s CSV back to the rows of its JSONL',
    async (format) => {
      const dir = tempDir();
      const [jsonl, csv] = [join(dir, 'out.jsonl'), join(dir, 'out.csv')];
      for (const out of [jsonl, csv])
        expect((await run(['relabel', SAMPLE, '--format', format, '-o', out, '-q', '--json-in-csv'])).code).toBe(0);
      const [a, b] = [await readAll(jsonl), await readAll(csv)];
      expect(b).toHaveLength(200);
      expect(b).toEqual(a);
    },
  );

  it('check and inspect find the same in out.csv as in out.jsonl', async () => {
    const dir = tempDir();
    const [jsonl, csv] = [join(dir, 'out.jsonl'), join(dir, 'out.csv')];
    for (const out of [jsonl, csv])
      expect((await run(['relabel', SAMPLE, '--placement', 'user', '-o', out, '-q', '--json-in-csv'])).code).toBe(0);
    const check = async (f: string) =>
      JSON.parse((await run(['check', f, '--chat-template', QWEN, '--json'])).stdout) as Record<string, unknown>;
    const inspect = async (f: string) =>
      JSON.parse((await run(['inspect', f, '--json'])).stdout) as Record<string, unknown>;
    const [c1, c2] = [await check(jsonl), await check(csv)];
    expect(c1.findings).not.toEqual([]);
    expect({ ...c2, file: '' }).toEqual({ ...c1, file: '' });
    const [i1, i2] = [await inspect(jsonl), await inspect(csv)];
    expect({ ...i2, inputs: [] }).toEqual({ ...i1, inputs: [] });
  });

  it(
    'LMSYS Arena cells (JSON lists of turns) are decoded: one-turn rows relabel, multi-turn rows become ' +
      'conversations',
    async () => {
      const dir = tempDir();
      const arena = join(DATA, 'foreign', 'lmsys_arena_kaggle_train_demo.csv');
      const flags = [
        '--prompt-col',
        'prompt',
        '--chosen-col',
        'response_a',
        '--rejected-col',
        'response_b',
        '--chosen-score-col',
        'winner_model_a',
        '--rejected-score-col',
        'winner_model_b',
        '--scale',
        '0-1',
      ];
      const r = await run([
        'relabel',
        arena,
        ...flags,
        '--on-error',
        'skip',
        '--rejects',
        join(dir, 'rej.jsonl'),
        '-q',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const rows = parseJsonl(r.stdout);
      expect(rows.length).toBeGreaterThan(60);
      // The user message is the question, not the JSON text of a list.
      for (const out of rows) expect(out.prompt.at(-1).content).not.toMatch(/^\["/);
      const source = Papa.parse<Record<string, string>>(readFileSync(arena, 'utf8'), {
        header: true,
        skipEmptyLines: true,
      }).data;
      const firstSingle = source.findIndex((x) => JSON.parse(x.prompt!).length === 1);
      expect(rows.find((x) => x.source_line === firstSingle + 1)!.prompt.at(-1).content).toBe(
        JSON.parse(source[firstSingle]!.prompt!)[0],
      );
      // Multi-turn rows: each model answered its own history, so the two answers do not share a prompt.
      const rejected = parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8')).filter(
        (x) => x.reason === 'prompt_mismatch',
      );
      expect(rejected).toHaveLength(10);
      expect(rejected[0]!.message).toMatch(
        /the two answer lists differ before the last turn.*each response continues its own conversation/,
      );
    },
  );

  it('a pair column holding other JSON is kept as text, with a warning naming the column', async () => {
    const dir = tempDir();
    const input = join(dir, 'j.csv');
    writeFileSync(input, 'prompt,chosen,rejected,score_chosen,score_rejected\n"{""q"": 1}",a,b,8,3\n');
    const r = await run(['relabel', input]);
    expect(r.code).toBe(0);
    expect(parseJsonl(r.stdout)[0]!.prompt.at(-1)).toEqual({ role: 'user', content: '{"q": 1}' });
    expect(r.stderr).toMatch(
      /warning: column "prompt" holds JSON that.* a list of turns \(first at .*j\.csv:row 1\); it was kept as text/,
    );
  });

  it('a turn list whose earlier answers agree becomes a multi-turn conversation', async () => {
    const dir = tempDir();
    const input = join(dir, 'turns.csv');
    const cell = (v: unknown) => `"${JSON.stringify(v).replace(/"/g, '""')}"`;
    writeFileSync(
      input,
      `prompt,response_a,response_b,sa,sb\n${cell([
        'Hi',
        'Tell a ' + 'joke',
      ])},${cell(['Hello!', 'A pun.'])},${cell(['Hello!', 'No.'])},8,2\n`,
    );
    const r = await run([
      'relabel',
      input,
      '--chosen-col',
      'response_a',
      '--rejected-col',
      'response_b',
      '--chosen-score-col',
      'sa',
      '--rejected-score-col',
      'sb',
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [first] = parseJsonl(r.stdout);
    expect(first!.prompt.slice(1)).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Tell a joke' },
    ]);
    expect(first!.chosen).toEqual([{ role: 'assistant', content: 'A pun.' }]);
  });
});

describe('messages', () => {
  it('a truncated .json is bad data (exit 1), not bad usage', async () => {
    const dir = tempDir();
    const input = join(dir, 'cut.json');
    writeFileSync(input, readFileSync(join(FIXTURES, 'llamafactory_sharegpt_scored.json'), 'utf8').slice(0, 3000));
    const r = await run(['relabel', input, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut\.json:\d+: the top-level array is not closed \(the file looks truncated\)/);
  });

  it('a score of 1e309 says what it is and what to do', async () => {
    const dir = tempDir();
    const input = join(dir, 'inf.jsonl');
    writeFileSync(input, '{"prompt":"q","chosen":"a","rejected":"b","score_chosen":1e309,"score_rejected":3}\n');
    const r = await run(['relabel', input, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the score is not finite \(expected a finite.* large for a double, such as 1e309\)\)\n {2}hint: fix the value/,
    );
  });

  it('a CSV row with too many fields counts them right', async () => {
    const dir = tempDir();
    const input = join(dir, 'six.csv');
    writeFileSync(input, 'prompt,chosen,rejected,score_chosen,score_rejected\nq,a,b,8,3,extra\n');
    const r = await run(['relabel', input, '-q']);
    expect(r.stderr).toMatch(/expected 5 fields as in the header, found 6 fields/);
  });

  it('one row is "1 row"', async () => {
    const dir = tempDir();
    const input = join(dir, 'one.jsonl');
    writeFileSync(input, `${row()}\n`);
    const r = await run(['relabel', input, '-o', join(dir, 'o.jsonl')]);
    expect(r.stderr).toMatch(/radpo relabel: 1 row read, 2 rows written/);
    expect(r.stderr).toMatch(/\(jsonl, 1 row\)/);
  });
});
