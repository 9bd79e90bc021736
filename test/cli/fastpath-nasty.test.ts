/**
 * The fast path against the plain path on what breaks byte-level JSON code: 25,000 seeded rows whose
 * strings mix escapes (\" \\ \/ \n \t \uXXXX), escaped surrogate pairs and lone surrogates, raw 4-byte
 * UTF-8, CJK, raw control characters (invalid JSON), long and short strings, and long, negative,
 * fractional and exponent numbers; and every real file radpo's tests carry. The same bytes out, the same
 * rows set aside with the same messages.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { NEEDS_SLOW_PATH, parseRaw, RawTable } from '../../src/io/rawjson.js';
import { DATA, run, tempDir } from '../helpers.js';

/** Pieces that make a row unusable (a lone surrogate, a NUL): rarer, so most rows still get through. */
const RARE = ['\\ud800', '\\udc00x', '\\u0000'];
/** Pieces of JSON string content, as they appear between the quotes of a JSON text. */
const PIECES = [
  'plain words ',
  'plain words ',
  'x',
  '\\"quoted\\"',
  '\\\\',
  '\\/',
  '\\n',
  '\\t',
  '\\r',
  '\\b\\f',
  '\\u00e9',
  '\\u20ac',
  '\\ud83d\\ude00',
  '😀',
  '日本語のテキスト',
  'é',
  ' ',
  'score_chosen',
  '\\"score_chosen\\":5',
  'a'.repeat(150),
];
// Mostly inside the 1-10 scale, in every form JSON allows; now and then outside it (a row set aside).
const NUMBERS = [
  '9',
  '7.5',
  '1',
  '10',
  '8.0',
  '2E0',
  '0.9e1',
  '3.0000000000000004',
  '6.50',
  '-3',
  '1e2',
  '1234567890123',
];

function nastyRows(count: number, seed: number): string {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const text = () => {
    let s = random() < 0.2 ? ' ' : '';
    const n = 1 + Math.floor(random() * (random() < 0.3 ? 12 : 4));
    for (let k = 0; k < n; k++) s += random() < 0.005 ? pick(RARE) : pick(PIECES);
    return `"${s}"`;
  };
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const prompt = text();
    const turn = (answer: string) => `[{"role":"user","content":${prompt}},{"role":"assistant","content":${answer}}]`;
    let line =
      `{"prompt_id":${random() < 0.5 ? `"p${i}"` : i},"chosen":${turn(text())},"rejected":${turn(text())},` +
      `"score_chosen":${pick(NUMBERS)},"score_rejected":${pick(NUMBERS)}}`;
    const fault = random();
    if (fault < 0.01)
      line = line.slice(0, Math.floor(random() * line.length)); // a cut line
    else if (fault < 0.02)
      line = line.replace('"score_chosen"', '"score_chosen":1,"score_chosen"'); // a key twice
    else if (fault < 0.03) line = line.replace('x', pick(['\u0001', '\u001f', '\t'])); // a raw control character
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/** relabel with the fast path and with the plain one: exit code, stderr, stdout and rejects of each. */
async function bothPaths(input: string) {
  const rejects = join(tempDir(), 'rejects.jsonl');
  const args = ['relabel', input, '--on-error', 'skip', '--rejects', rejects, '--max-errors', '10000000', '-q'];
  // The rejects file of each run (none when nothing was set aside), removed before the other run.
  const take = () => {
    const text = existsSync(rejects) ? readFileSync(rejects, 'utf8') : '';
    rmSync(rejects, { force: true });
    return text;
  };
  const fast = await run(args);
  const fastRejects = take();
  const plain = await run(args, { env: { RADPO_FAST_PATH: '0' } });
  return { fast: { ...fast, rejects: fastRejects }, plain: { ...plain, rejects: take() } };
}

describe('fast path = plain path on nasty rows and on every real file', () => {
  it('25,000 seeded rows of escapes, surrogates, control characters, 4-byte UTF-8 and long numbers', async () => {
    const input = join(tempDir(), 'nasty.jsonl');
    // Each rare piece (a lone surrogate, a NUL) still comes up hundreds of times; 100,000 rows took 50 s.
    writeFileSync(input, nastyRows(25_000, 2026));
    const { fast, plain } = await bothPaths(input);
    expect(fast.code, fast.stderr).toBe(plain.code);
    expect(fast.stderr).toBe(plain.stderr);
    expect(fast.stdout === plain.stdout).toBe(true);
    expect(fast.rejects === plain.rejects).toBe(true);
    // Nasty enough: tens of thousands of pairs written, tens of thousands set aside, for several reasons.
    const reasons = new Set(
      fast.rejects
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).reason),
    );
    expect(fast.stdout.split('\n').length - 1).toBeGreaterThan(20_000);
    expect([...reasons].sort()).toEqual(expect.arrayContaining(['bad_encoding', 'bad_score', 'malformed_record']));
  }, 120_000);

  const realFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'chat_templates' ? [] : realFiles(path);
      return /\.(jsonl|json|csv)(\.gz)?$/.test(name) ? [path] : [];
    });

  it.each(realFiles(DATA))('%s', async (file) => {
    const { fast, plain } = await bothPaths(file);
    expect(fast.code).toBe(plain.code);
    expect(fast.stderr).toBe(plain.stderr);
    expect(fast.stdout).toBe(plain.stdout);
    expect(fast.rejects).toBe(plain.rejects);
  });
});

describe('the scan for quotes, backslashes and control characters (four bytes at a time)', () => {
  it('steps aside for a raw control character at every position and alignment, and only then', () => {
    const random = seededRandom(5);
    const PLAIN = ['a', 'é', '日', '"', '\\', ' ', '~', '\u007f'];
    for (let n = 0; n < 20_000; n++) {
      let content = '';
      const length = Math.floor(random() * 40);
      for (let k = 0; k < length; k++)
        content +=
          random() < 0.03 ? String.fromCharCode(1 + Math.floor(random() * 31)) : PLAIN[Math.floor(random() * 8)]!;
      // Quotes and backslashes escaped, everything else (control characters too) as it is.
      const text = `{"k": "${content.replace(/["\\]/g, (c) => `\\${c}`)}"}`;
      const bytes = Buffer.from(text, 'utf8');
      const shift = Math.floor(random() * 4);
      const backing = Buffer.alloc(bytes.length + 4);
      bytes.copy(backing, shift);
      const value = parseRaw(backing.subarray(shift, shift + bytes.length), new RawTable());
      if (/[\x00-\x1f]/.test(content)) expect(value).toBe(NEEDS_SLOW_PATH);
      else expect(value).toEqual(JSON.parse(text));
    }
  });
});
