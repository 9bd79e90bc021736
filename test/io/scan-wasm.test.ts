import { describe, expect, it } from 'vitest';
import { compileScanner } from '../../scripts/build-wasm.mjs';
import { SCAN_WASM } from '../../src/io/scan-wasm.js';
import { NEEDS_SLOW_PATH, parseRaw, RawTable } from '../../src/io/rawjson.js';

describe('the SIMD string scanner (src/io/scan.wat)', () => {
  it('the committed bytes are the source compiled (node scripts/build-wasm.mjs writes them)', async () => {
    expect(await compileScanner()).toBe(SCAN_WASM);
  });

  // Every escape the scanner validates itself, and every one it leaves to JavaScript, at each position in a
  // 16-byte block and across blocks: the fast path takes exactly the records JSON.parse takes (a lone surrogate
  // and \u0000 aside, which go to the plain path by design), with the same value.
  const good = [
    '\\n',
    '\\"',
    '\\\\',
    '\\r',
    '\\t',
    '\\b',
    '\\f',
    '\\/',
    '\\u00e9',
    '\\u00E9',
    '\\ud83d\\ude00',
    '\\u2028',
  ];
  const slow = [
    '\\u0000',
    '\\ud83d',
    '\\ude00',
    '\\ud83dx',
    '\\ud83d\\u0041',
    '\\x',
    '\\u12',
    '\\u12g4',
    '\u0001',
    '\t',
  ];
  it.each([...good.map((e) => [e, true] as const), ...slow.map((e) => [e, false] as const)])(
    '%s at every offset',
    (bytes, fast) => {
      for (let pad = 0; pad < 20; pad++) {
        const content = `${'a'.repeat(pad)}${bytes}${'b'.repeat(40 - pad)}${bytes}z`;
        const text = `{"k": "${content}"}`;
        const value = parseRaw(Buffer.from(text, 'utf8'), new RawTable());
        if (!fast) expect(value).toBe(NEEDS_SLOW_PATH);
        else expect(value).toEqual(JSON.parse(text));
      }
    },
  );
});
