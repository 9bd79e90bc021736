/** `radpo inspect`'s rules between flags, against inspectConfig (src/commands/inspect/config.ts): nothing is read. */
import { describe, expect, it } from 'vitest';
import { inspectConfig } from '../../../src/commands/inspect/config.js';
import { inspectFlags } from '../../../src/commands/inspect/flags.js';
import { parseArgv } from '../../helpers.js';

const config = (argv: string[], inputs = ['pairs.jsonl']) => inspectConfig(inputs, parseArgv(inspectFlags, argv).flags);

describe('inspectConfig', () => {
  it.each<[string, string[], Record<string, unknown>]>([
    ['defaults', [], { inputs: ['pairs.jsonl'], scoresFile: undefined, scale: undefined }],
    ['--scale', ['--scale', '1-5'], { scale: { min: 1, max: 5 } }],
    [
      'a scores file, its a/b columns its own',
      ['--scores', 's.jsonl', '--key', 'id', '--score-a-col', 'a', '--score-b-col', 'b'],
      {
        scoresFile: {
          path: 's.jsonl',
          key: ['id'],
          spec: { names: 'a-b', columns: { chosen: ['a'], rejected: ['b'] } },
        },
        shape: { winnerScores: undefined },
      },
    ],
    [
      'score columns named',
      ['--chosen-score-col', 'm.c', '--rejected-score-col', 'm.r'],
      { scores: { chosen: ['m', 'c'], rejected: ['m', 'r'] } },
    ],
  ])('%s', (_name, argv, expected) => {
    expect(config(argv)).toMatchObject(expected);
  });

  it.each<[string[], string[], RegExp]>([
    [['--scores', 's.jsonl'], ['a.jsonl'], /--scores and --key go together/],
    [['--key', 'id'], ['a.jsonl'], /--scores and --key go together/],
    [['--scores', '-', '--key', 'id'], ['-'], /stdin \("-"\) can be read only once/],
    [[], ['-', '-'], /stdin \("-"\) can be read only once/],
    [['--score-a-col', 'a'], ['a.jsonl'], /--score-a-col and --score-b-col go together/],
  ])('%j on %j is refused', (argv, inputs, message) => {
    expect(() => config(argv, inputs)).toThrow(message);
  });
});
