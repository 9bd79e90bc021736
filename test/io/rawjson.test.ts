import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkBytes, expandRaw, NEEDS_SLOW_PATH, parseRaw, RawTable } from '../../src/io/rawjson.js';
import { readJsonArray, readJsonl } from '../../src/io/records.js';
import { FIXTURES, DATA } from '../helpers.js';

/** The fast path must give exactly the bytes JSON.parse + JSON.stringify give, or step aside. */
function roundTrip(text: string): { fast: string | null; slow: string } {
  const table = new RawTable();
  const value = parseRaw(Buffer.from(text, 'utf8'), table);
  const slow = JSON.stringify(JSON.parse(text));
  if (value === NEEDS_SLOW_PATH) return { fast: null, slow };
  const out = expandRaw(JSON.stringify(value), table);
  return { fast: chunkBytes(out).toString('utf8'), slow };
}

const long = (s: string) => s.repeat(Math.ceil(80 / s.length));
/**
 * Past RAW_MIN_BYTES in the form JSON.stringify writes (\u00e9's six bytes are é's two there): kept as bytes.
 */
const longer = (s: string) => s.repeat(Math.ceil(800 / s.length));

describe('parseRaw is byte-identical to JSON.parse + JSON.stringify', () => {
  it.each([
    ['plain', `{"a": "${long('日本語 é ')}", "n": 1.50, "b": [true, false, null, -0, 1e2]}`],
    ['escapes kept raw', `{"a": "${long('say \\"hi\\"\\n\\\\ ')}"}`],
    ['\\u escapes are rewritten', `{"a": "${long('caf\\u00e9 \\ud83d\\ude00 ')}"}`],
    ['\\/ is decoded', `{"a": "${long('a\\/b ')}"}`],
    ['control escape', `{"a": "${long('x\\u0001y ')}"}`],
    ['leading space keeps text decoded', `{"a": "   ${long('z')}"}`],
    ['__proto__ is an own property', '{"__proto__": {"x": 1}, "y": 2}'],
    [
      'nested',
      `{"c": [{"role": "user", "content": "${long('q ')}"}, {"role": "assistant", "content": "${long('a ')}"}]}`,
    ],
    ['same text shares a slot', `{"a": "${long('same ')}", "b": "${long('same ')}", "c": "${long('diff ')}"}`],
    ['pretty printed', `{\n\t"a": [\n  1,\n  "${long('x ')}"\r\n]\n}`],
    ['emoji and U+2028', `{"a": "${long('🙂\u2028 ')}"}`],
    // JSON.stringify writes the text as \\u0000: not a placeholder's token (expandRaw read it as one).
    ['the text \\u0000 beside kept bytes', `{"a": "${long('C: \\\\u0000 ')}", "b": "${longer('x')}"}`],
  ])('%s', (_name, text) => {
    const { fast, slow } = roundTrip(text);
    expect(fast).not.toBeNull();
    expect(fast).toBe(slow);
  });

  it.each([
    ['non-ASCII as Python writes it', longer('caf\\u00e9 na\\u00efve \\u65e5\\u672c ')],
    ['a surrogate pair, upper and lower case hex', longer('\\uD83D\\uDE00 \\ud83d\\ude80 ')],
    ['control characters: short forms, lower case hex', longer('\\u0001\\u0008\\u0009\\u000A\\u000c\\u000D\\u001F ')],
    ['escaped quote, backslash, slash, DEL', longer('\\u0022\\u005C\\u005c\\/\\u007f\\u002F ')],
    ['U+2028 and U+2029', longer('\\u2028\\u2029 ')],
    ['escapes kept as they are around rewritten ones', longer('\\n\\u00e9\\"\\t\\\\\\u00e9\\b\\f\\r ')],
    ['a long run after the last escape', `\\u00e9${'x'.repeat(300)}`],
  ])('%s: rewritten as bytes, never decoded', (_name, content) => {
    // A first character that could be white space would have the string decoded (the blank check).
    const text = `{"a": "x${content}"}`;
    const table = new RawTable();
    const value = parseRaw(Buffer.from(text, 'utf8'), table);
    expect(table.size).toBe(1);
    expect(chunkBytes(expandRaw(JSON.stringify(value), table)).toString('utf8')).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('the same text takes the same form however it was escaped (127 bytes as é, 131 as \\u00e9)', () => {
    // Kept or decoded by the length of the form JSON.stringify writes: one decoded and one kept compared unequal.
    const a = 'a'.repeat(125);
    const value = parseRaw(Buffer.from(`{"x": "${a}é", "y": "${a}\\u00e9"}`, 'utf8'), new RawTable()) as {
      x: string;
      y: string;
    };
    expect(value.x).toBe(value.y);
  });

  it.each([
    ['U+3000', '\u3000'],
    ['U+00A0', '\u00a0'],
    ['U+2003', '\u2003'],
    ['U+FEFF', '\ufeff'],
    ['U+1680', '\u1680'],
    ['an escaped newline', '\\n'],
  ])('a long string that starts with %s (perhaps all white space) is decoded for the blank check', (_n, c) => {
    const table = new RawTable();
    const value = parseRaw(Buffer.from(`{"a": "${c.repeat(60)}"}`, 'utf8'), table) as { a: string };
    expect(table.size).toBe(0);
    expect(value.a).toBe(JSON.parse(`"${c.repeat(60)}"`));
  });

  // A repeat (a binarized row's prompt in prompt, chosen, rejected and messages) is found by its bytes and
  // gets the first one's value without a second scan: only an exact repeat, never a prefix or an extension.
  const prompt = 'how to cook t-bone in the oven \\u00b0F\\n';
  const response = longer('caf\\u00e9 \\"quoted\\" \\ud83d\\ude00\\n');
  it.each([
    [
      'a short prompt four times',
      `{"p": "${prompt}", "c": [{"content": "${prompt}"}], "r": ["${prompt}"], "m": "${prompt}"}`,
    ],
    ['a long response twice', `{"c": "${response}", "m": [{"content": "${response}", "role": "assistant"}]}`],
    [
      'a repeat then one character more',
      `{"a": "${prompt}", "b": "${prompt}x", "c": "${response}", "d": "${response}\\n"}`,
    ],
    [
      'a repeat then one character less',
      `{"a": "${prompt}x", "b": "${prompt}", "c": "${response}é", "d": "${response}"}`,
    ],
    ['a repeat that ends in an escaped quote', `{"a": "${prompt}\\"", "b": "${prompt}\\"", "c": "${prompt}\\\\"}`],
    ['the same bytes as a key and as a value', `{"${prompt}": "${prompt}", "k": {"${prompt}": 1}, "v": "${prompt}"}`],
    ['a repeat whose first copy may be blank', `{"a": "${'\\n '.repeat(70)}", "b": "${'\\n '.repeat(70)}"}`],
    [
      'seventeen different strings, then repeats',
      `[${Array.from({ length: 17 }, (_, i) => `"${prompt}${i}"`).join(', ')}, "${prompt}0", "${prompt}16"]`,
    ],
  ])('repeats: %s', (_name, text) => {
    const { fast, slow } = roundTrip(text);
    expect(fast).not.toBeNull();
    expect(fast).toBe(slow);
  });

  // The scan reads the stop's position off a whole word. After an escape it goes on in the same word, and a
  // stop before the escape's end (its backslash, an escaped quote or backslash) must not make a byte after
  // it look like one: '#' (0x23), ']' (0x5d) and ' ' (0x20) are the bytes the borrow of the test would flag.
  it.each(['\\\\]', '\\"#', '\\\\#', '\\n ', '\\"]', '\\\\ ', '\\t#]'])(
    'an escape followed by %s at every alignment stays on the fast path',
    (bytes) => {
      for (let shift = 0; shift < 4; shift++)
        for (let pad = 0; pad < 4; pad++) {
          const text = `{"a": "x${'y'.repeat(pad)}${bytes.repeat(60)}z"}`;
          const backing = Buffer.alloc(text.length + 8);
          backing.write(text, shift, 'utf8');
          const table = new RawTable();
          const value = parseRaw(backing.subarray(shift, shift + text.length), table);
          expect(value).not.toBe(NEEDS_SLOW_PATH);
          expect(chunkBytes(expandRaw(JSON.stringify(value), table)).toString('utf8')).toBe(
            JSON.stringify(JSON.parse(text)),
          );
        }
    },
  );

  it('numbers: the value JSON.parse gives, bit for bit (short decimals are computed without a string)', () => {
    const fixed = [
      '0',
      '-0',
      '-0.0',
      '8.5',
      '0.1',
      '0.3',
      '-7.25',
      '0.05',
      '123456789012345',
      '1234567890123456',
      '0.000000000000001',
      '9007199254740993',
      '1.7976931348623157e308',
      '5e-324',
      '2.5E+3',
      '10.000',
      '0.1000000000000001',
    ];
    // Seeded decimals of every length up to 17 digits, with the point anywhere.
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const generated = Array.from({ length: 4000 }, () => {
      const length = 1 + (random() % 17);
      let digits = String(1 + (random() % 9));
      while (digits.length < length) digits += String(random() % 10);
      const point = random() % (length + 1);
      const text = point === 0 || point === length ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
      return random() % 2 ? `-${text}` : text;
    });
    for (const text of [...fixed, ...generated]) {
      const value = parseRaw(Buffer.from(`[${text}]`), new RawTable()) as number[];
      expect(Object.is(value[0], JSON.parse(text)), text).toBe(true);
    }
  });

  it.each(['1', '[]', '""', '"a"', '{}', 'null', '"\u0001"'])('%s at every alignment (shorter than a word)', (text) => {
    for (let shift = 0; shift < 4; shift++) {
      const backing = Buffer.alloc(text.length + 8);
      backing.write(text, shift, 'utf8');
      const value = parseRaw(backing.subarray(shift, shift + Buffer.byteLength(text)), new RawTable());
      if (/[\u0000-\u001f]/.test(text)) expect(value).toBe(NEEDS_SLOW_PATH);
      else expect(value).toEqual(JSON.parse(text));
    }
  });

  it('leaves a key given twice to the plain path, which counts it', () => {
    expect(parseRaw(Buffer.from('{"a": 1, "b": {"a": 2}, "a": 3}'), new RawTable())).toBe(NEEDS_SLOW_PATH);
    expect(parseRaw(Buffer.from('{"a": 1, "b": {"a": 2}}'), new RawTable())).not.toBe(NEEDS_SLOW_PATH);
  });

  it.each([
    ['not JSON', '{"a": }'],
    ['trailing text', '{"a": 1} x'],
    ['raw tab in a string', `{"a": "${long('x\ty ')}"}`],
    ['raw control byte', '{"a": "x\u0001y"}'],
    ['escaped NUL could collide with placeholders', '{"a": "x\\u0000y"}'],
    ['invalid escape', '{"a": "x\\qy"}'],
    ['bad number', '{"a": 01}'],
    ['unterminated string', '{"a": "xyz'],
  ])('%s: steps aside for JSON.parse', (_name, text) => {
    expect(parseRaw(Buffer.from(text, 'utf8'), new RawTable())).toBe(NEEDS_SLOW_PATH);
  });

  it('invalid UTF-8 never reaches it: the readers set the record aside as bad_encoding, bytes unhanded', async () => {
    // parseRaw trusts its bytes to be UTF-8 (it does not check them twice): both readers check every record.
    const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    const lines = Buffer.concat([bad, Buffer.from('\n')]);
    const array = Buffer.concat([Buffer.from('['), bad, Buffer.from(']')]);
    for (const [read, bytes] of [
      [readJsonl, lines],
      [readJsonArray, array],
    ] as const) {
      const records = [];
      for await (const batch of read(
        'in',
        (async function* () {
          yield bytes;
        })(),
        { maxLineBytes: 1 << 20, lazy: true },
      ))
        records.push(...batch);
      expect(records).toHaveLength(1);
      expect(records[0]!.error?.reason).toBe('bad_encoding');
      expect(records[0]!.bytes).toBeUndefined();
    }
  });

  it('every line of the real and fixture JSONL files round-trips exactly', () => {
    const files = [
      join(DATA, 'scored/ultrafeedback_gpt4_1000.jsonl'),
      join(DATA, 'scored/activeuf_rm_scored_10.jsonl'),
      join(DATA, 'scored/helpsteer2_nemo_rm.jsonl'),
      join(FIXTURES, 'ultrafeedback_binarized_shape.jsonl'),
    ];
    let fast = 0;
    for (const file of files) {
      for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        const r = roundTrip(line);
        if (r.fast !== null) {
          fast += 1;
          expect(r.fast).toBe(r.slow);
        }
      }
    }
    expect(fast).toBeGreaterThan(1000);
  });
});

describe("the scanner's rewriting (canon) and comparison (same), at every position of a 16-byte block", () => {
  // canon copies the runs between escapes sixteen bytes at a time and stops at the string's end: an escape at each
  // offset, a string ending at each offset, two escapes side by side, and escapes that stay escapes must give the
  // bytes JSON.stringify writes.
  const escapes = [
    '\\u00e9',
    '\\ud83d\\ude00',
    '\\u001f',
    '\\u0008',
    '\\u0022',
    '\\u005c',
    '\\/',
    '\\n',
    '\\\\',
    '\\u2028',
  ];
  it('an escape at each offset, strings of each length past RAW_MIN_BYTES', () => {
    for (const sequence of escapes)
      for (let at = 0; at < 40; at++)
        for (const after of [0, 1, 15, 16, 17, 33]) {
          const content = `x${'a'.repeat(130 + at)}${sequence}${'b'.repeat(after)}`;
          const text = `{"k": "${content}", "again": "${content}"}`;
          const { fast, slow } = roundTrip(text);
          expect(fast, `${sequence} at ${at}, ${after} after`).toBe(slow);
        }
  });

  it('escapes side by side and a string that is all escapes', () => {
    for (const a of escapes)
      for (const b of escapes) {
        const { fast, slow } = roundTrip(`{"k": "x${`${a}${b}`.repeat(40)}"}`);
        expect(fast, `${a}${b}`).toBe(slow);
      }
  });

  it('a repeated string is the same value only when every byte is the same (each length and position)', () => {
    for (let length = 16; length <= 48; length++)
      for (let at = 0; at < length; at++) {
        const first = 'q'.repeat(length);
        const second = `${first.slice(0, at)}r${first.slice(at + 1)}`;
        const table = new RawTable();
        const value = parseRaw(Buffer.from(JSON.stringify({ a: first, b: second, c: first }), 'utf8'), table) as Record<
          string,
          string
        >;
        expect([value.a, value.b, value.c], `${length} at ${at}`).toEqual([first, second, first]);
      }
  });
});
