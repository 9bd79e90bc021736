import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wordHint } from '../../src/cli/hints.js';
import { PeekableBytes } from '../../src/io/bytes.js';
import { detectInputFormat, readCsv, readJsonArray, readJsonl, type SourceRecord } from '../../src/io/records.js';
import { FIXTURES, DATA } from '../helpers.js';

/** Feed bytes in chunks of `size` so every boundary case (inside strings, escapes, CRLF, UTF-8) is hit. */
async function* chunks(data: Buffer | string, size: number): AsyncGenerator<Buffer> {
  const buf = Buffer.from(data);
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function collect(gen: AsyncGenerator<SourceRecord[]>): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const batch of gen) out.push(...batch);
  return out;
}

const limit = { maxLineBytes: 1 << 20 };

describe('readJsonl', () => {
  it.each([1, 2, 3, 7, 64, 1 << 16])('reads the same records whatever the chunk size (%i)', async (size) => {
    const text = '\uFEFF{"a":"é"}\r\n\n{"b":"日本"}\n   \n{"c":3}';
    const records = await collect(readJsonl('t.jsonl', chunks(text, size), limit));
    expect(records.map((r) => r.value)).toEqual([{ a: 'é' }, { b: '日本' }, { c: 3 }]);
    expect(records.map((r) => r.location.line)).toEqual([1, 3, 5]);
  });

  it('yields malformed lines as errors with their line and text', async () => {
    const records = await collect(readJsonl('t.jsonl', chunks('{"a":1}\n{"a":\n{"a":3}\n', 4), limit));
    expect(records.map((r) => r.error?.reason)).toEqual([undefined, 'malformed_record', undefined]);
    expect(records[1]!.error!.describe(wordHint)).toMatch(/^t\.jsonl:2: not valid JSON/);
    expect(records[1]!.raw).toBe('{"a":');
  });

  it.each([3, 50])('an over-long line is an error, and reading goes on after it (chunk %i)', async (size) => {
    const long = `{"x":"${'y'.repeat(200)}"}`;
    const records = await collect(
      readJsonl('t.jsonl', chunks(`{"a":1}\n${long}\n{"a":3}\n${long}`, size), { maxLineBytes: 100 }),
    );
    expect(records.map((r) => r.error?.reason ?? r.value)).toEqual([
      { a: 1 },
      'line_too_long',
      { a: 3 },
      'line_too_long',
    ]);
    expect(records[1]!.error!.describe(wordHint)).toMatch(
      /t\.jsonl:2: the record is 208 bytes, over the limit of 100.*--max-line-bytes/,
    );
  });
});

describe('readJsonArray', () => {
  const text = ' [\n {"a": "x]}\\"{["},\n\n {"b": [1, {"c": null}]} , {"d": "\\\\"}\n]\n';
  it.each([1, 2, 5, 1024])('scans elements across chunk boundaries (%i)', async (size) => {
    const records = await collect(readJsonArray('t.json', chunks(text, size), limit));
    expect(records.map((r) => r.value)).toEqual([{ a: 'x]}"{[' }, { b: [1, { c: null }] }, { d: '\\' }]);
    expect(records.map((r) => r.location.line)).toEqual([2, 4, 4]);
  });

  it('reads the real LLaMA-Factory file element for element', async () => {
    const bytes = readFileSync(join(DATA, 'unscored/dpo_en_demo.json'));
    const records = await collect(readJsonArray('dpo_en_demo.json', chunks(bytes, 4096), limit));
    expect(records.map((r) => r.value)).toEqual(JSON.parse(bytes.toString('utf8')));
  });

  it('a malformed element is a row error; the rest is read', async () => {
    const records = await collect(readJsonArray('t.json', chunks('[{"a":1},{"a":tru},{"a":3}]', 3), limit));
    expect(records.map((r) => r.error?.reason ?? r.value)).toEqual([{ a: 1 }, 'malformed_record', { a: 3 }]);
  });

  it.each([
    ['{"a":1}', /expected "\[" to open the top-level array/],
    ['[{"a":1}', /not closed/],
    ['[{"a":1}] x', /after the closing/],
  ])('%j is a clear error', async (input, message) => {
    await expect(collect(readJsonArray('t.json', chunks(input, 2), limit))).rejects.toThrow(message);
  });

  it('an empty array has no records', async () => {
    expect(await collect(readJsonArray('t.json', chunks('[ ]', 1), limit))).toEqual([]);
  });
});

describe('readCsv', () => {
  it('reads the real orca CSV with quoted multi-line fields, numbering data rows', async () => {
    const bytes = readFileSync(join(DATA, 'unscored/orca_dpo_pairs_demo.csv'));
    const records = await collect(readCsv('orca.csv', chunks(bytes, 1000), limit));
    expect(records).toHaveLength(100);
    expect(Object.keys(records[0]!.value as object)).toEqual(['system', 'question', 'chosen', 'rejected']);
    expect((records[0]!.value as { question: string }).question).toContain('\n');
    expect(records[99]!.location).toEqual({ source: 'orca.csv', line: 100, unit: 'row' });
  });

  it('decodes UTF-8 split across chunks and strips a BOM', async () => {
    const records = await collect(readCsv('t.csv', chunks('\uFEFFprompt,chosen\n"日本語","é"\n', 1), limit));
    expect(records.map((r) => r.value)).toEqual([{ prompt: '日本語', chosen: 'é' }]);
  });

  it('a row with the wrong number of fields is a row error', async () => {
    const records = await collect(readCsv('t.csv', chunks('a,b\n1,2\n3\n4,5\n', 100), limit));
    expect(records.map((r) => r.error?.reason)).toEqual([undefined, 'malformed_record', undefined]);
    expect(records[1]!.error!.describe(wordHint)).toMatch(/t\.csv:row 2: not a valid CSV row/);
  });

  it('reads JSON-encoded message lists back from cells', async () => {
    const records = await collect(
      readCsv('t.csv', chunks('prompt,n\n"[{""role"":""user"",""content"":""hi""}]",[{x}]\n', 7), limit),
    );
    expect(records[0]!.value).toEqual({ prompt: [{ role: 'user', content: 'hi' }], n: '[{x}]' });
  });
});

describe('detectInputFormat', () => {
  const peek = (text: string) => new PeekableBytes(chunks(text, 3));
  it.each([
    ['a.jsonl', '{', 'jsonl'],
    ['a.csv.gz', 'x', 'csv'],
    ['a.json', '[{}]', 'json'],
    ['a.json', '{"a":1}\n{"a":2}', 'jsonl'],
    ['<stdin>', '  [', 'json'],
    ['<stdin>', '{"a":1}', 'jsonl'],
    ['<stdin>', 'prompt,chosen', 'csv'],
  ])('%s starting %j -> %s', async (name, text, format) => {
    expect(await detectInputFormat(name, peek(text))).toBe(format);
  });

  it('fixtures sniff as their extensions say', async () => {
    const text = readFileSync(join(FIXTURES, 'ultrafeedback_sample.jsonl'));
    expect(await detectInputFormat('x', new PeekableBytes(chunks(text, 100)))).toBe('jsonl');
  });
});
