import { describe, expect, it } from 'vitest';
import { RunCounts } from '../../src/pipeline/summary.js';

describe('RunCounts.unsavedSetAsideWarning', () => {
  const counts = (setAside: number) => {
    const c = new RunCounts();
    for (let i = 0; i < setAside; i++) c.addSetAside('malformed_record');
    return c;
  };
  it.each([
    ['nothing set aside', 0, false, 'rows', null],
    ['set aside and kept in --rejects', 3, true, 'rows', null],
    [
      'rows lost to the run',
      3,
      false,
      'rows',
      '3 rows were set aside and not saved; pass --rejects FILE to keep them with their reasons',
    ],
    [
      'one row',
      1,
      false,
      'rows',
      '1 row was set aside and not saved; pass --rejects FILE to keep them with their reasons',
    ],
    [
      'one prompt (radpo pairs)',
      1,
      false,
      'prompts',
      '1 prompt was set aside and not saved; pass --rejects FILE to keep them with their reasons',
    ],
    [
      'prompts (radpo pairs)',
      1200,
      false,
      'prompts',
      '1,200 prompts were set aside and not saved; pass --rejects FILE to keep them with their reasons',
    ],
  ] as const)('%s', (_name, setAside, kept, noun, expected) => {
    expect(counts(setAside).unsavedSetAsideWarning(kept, noun)).toBe(expected);
  });
});
