/** `radpo pairs`' rules between flags, against pairsConfig (src/commands/pairs/config.ts): nothing runs. */
import { describe, expect, it } from 'vitest';
import { pairsConfig } from '../../../src/commands/pairs/config.js';
import { pairsFlags } from '../../../src/commands/pairs/flags.js';
import { parseArgv } from '../../helpers.js';

const config = (argv: string[], inputs = ['responses.jsonl']) =>
  pairsConfig(inputs, parseArgv(pairsFlags, argv).flags, '0.0.0');

describe('pairsConfig', () => {
  it.each<[string, string[], Record<string, unknown>]>([
    ['lists per row: not long format', [], { long: false, run: { inputs: ['responses.jsonl'], output: '-' } }],
    [
      'long format by score, grouped by a column',
      ['--group-col', 'prompt_id', '--response-col', 'response', '--score-col', 'score'],
      { long: true, groupCol: ['prompt_id'], responseCol: ['response'], scoreCol: ['score'] },
    ],
    ['long format by rank', ['--response-col', 'r', '--rank-col', 'rank'], { long: true, rankCol: ['rank'] }],
    [
      'best-random, its seed, a gap',
      ['--strategy', 'best-random', '--seed', '7', '--min-gap', '0.5'],
      { strategy: 'best-random', seed: 7, minGap: 0.5 },
    ],
    [
      'skip with rejects to a file',
      ['--on-error', 'skip', '--rejects', 'r.jsonl', '-o', 'pairs.jsonl'],
      { run: { onError: 'skip', rejects: 'r.jsonl', output: 'pairs.jsonl' } },
    ],
  ])('%s', (_name, argv, expected) => {
    expect(config(argv)).toMatchObject(expected);
  });

  it.each<[string[], string[], RegExp]>([
    [['--score-col', 's'], ['a.jsonl'], /--group-col, --score-col and --rank-col are for long format/],
    // A negative gap would keep only pairs apart by more than a negative number: refused as relabel refuses it.
    [['--min-gap', '-1'], ['a.jsonl'], /--min-gap/],
    [['--group-col', 'g'], ['a.jsonl'], /name its --response-col/],
    [['--response-col', 'r'], ['a.jsonl'], /long format needs one of --score-col .* or --rank-col/],
    [['--response-col', 'r', '--score-col', 's', '--rank-col', 'k'], ['a.jsonl'], /long format needs one of/],
    [
      ['--response-col', 'r', '--score-col', 's', '--responses-col', 'rs'],
      ['a.jsonl'],
      /--responses-col \(a list per row\) and --response-col \(one response per row\) exclude each other/,
    ],
    [[], ['-', '-'], /stdin \("-"\) can be read only once/],
    [['--max-errors', '2'], ['a.jsonl'], /--max-errors only applies with --on-error skip/],
    [['-o', 'p.parquet.gz'], ['a.jsonl'], /Parquet output needs -o FILE\.parquet/],
  ])('%j on %j is refused', (argv, inputs, message) => {
    expect(() => config(argv, inputs)).toThrow(message);
  });
});
