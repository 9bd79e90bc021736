/** `radpo audit`'s rules between flags, against auditConfig (src/commands/audit/config.ts): nothing is read. */
import { describe, expect, it } from 'vitest';
import { auditConfig } from '../../../src/commands/audit/config.js';
import { auditFlags } from '../../../src/commands/audit/flags.js';
import { parseArgv } from '../../helpers.js';

const config = (argv: string[], inputs = ['scored.jsonl']) => auditConfig(inputs, parseArgv(auditFlags, argv).flags);

describe('auditConfig', () => {
  it.each<[string, string[], Record<string, unknown>]>([
    [
      'defaults: one input, no join',
      [],
      { read: { joinKeys: false, aspects: [], reference: undefined }, scoresFile: undefined, reads: ['scored.jsonl'] },
    ],
    [
      'a rerun and a reference are joined by key, and read',
      ['--rerun', 'r.jsonl', '--reference', 'ref.jsonl'],
      { read: { joinKeys: true }, reads: ['scored.jsonl', 'r.jsonl', 'ref.jsonl'] },
    ],
    [
      'reference columns in the input',
      ['--reference-chosen-col', 'gpt.c', '--reference-rejected-col', 'gpt.r'],
      { read: { joinKeys: false, reference: { chosen: ['gpt', 'c'], rejected: ['gpt', 'r'] } } },
    ],
    [
      'aspects beside the overall score',
      ['--attr', 'honesty=h.c,h.r'],
      { read: { aspects: [{ name: 'honesty', chosen: ['h', 'c'], rejected: ['h', 'r'] }] } },
    ],
    [
      'a scores file with a/b columns: its own, not the input winner scores',
      ['--scores', 's.jsonl', '--key', 'id', '--score-a-col', 'sa', '--score-b-col', 'sb'],
      {
        scoresFile: { path: 's.jsonl', key: ['id'], spec: { names: 'a-b', columns: { chosen: ['sa'] } } },
        read: { shape: { winnerScores: undefined } },
        reads: ['scored.jsonl', 's.jsonl'],
      },
    ],
    ['--group-col', ['--group-col', 'meta.task'], { read: { groupCol: ['meta', 'task'] } }],
    ['--html - alone takes stdout', ['--html', '-', '--conflicts', 'c.jsonl'], { reads: ['scored.jsonl'] }],
  ])('%s', (_name, argv, expected) => {
    expect(config(argv)).toMatchObject(expected);
  });

  it.each<[string[], string[], RegExp]>([
    [['--max-flip-rate', '0.1'], ['a.jsonl'], /--max-flip-rate needs --rerun FILE/],
    [['--html', '-', '--conflicts', '/dev/stdout'], ['a.jsonl'], /both go to stdout, where they would interleave/],
    [['--rerun', '-'], ['-'], /stdin \("-"\) is named more than once/],
    [['--scores', '-', '--key', 'id'], ['-'], /stdin \("-"\) is named more than once/],
    [['--reference-chosen-col', 'c'], ['a.jsonl'], /--reference-chosen-col and --reference-rejected-col go together/],
    [['--chosen-score-col', 'c'], ['a.jsonl'], /--chosen-score-col and --rejected-score-col go together/],
    [
      ['--reference', 'r.jsonl', '--reference-chosen-col', 'c', '--reference-rejected-col', 'r'],
      ['a.jsonl'],
      /--reference and --reference-chosen-col name two references/,
    ],
    [['--scores', 's.jsonl'], ['a.jsonl'], /--scores and --key go together/],
    [['--key', 'id'], ['a.jsonl'], /--scores and --key go together/],
    [
      [
        '--scores',
        's.jsonl',
        '--key',
        'id',
        '--score-a-col',
        'a',
        '--score-b-col',
        'b',
        '--chosen-score-col',
        'c',
        '--rejected-score-col',
        'r',
      ],
      ['a.jsonl'],
      /both name the scores file's columns/,
    ],
    [['--attr', 'honesty'], ['a.jsonl'], /--attr expects NAME=CHOSEN_PATH,REJECTED_PATH, got "honesty"/],
  ])('%j on %j is refused', (argv, inputs, message) => {
    expect(() => config(argv, inputs)).toThrow(message);
  });

  it.each<[string[], RegExp]>([
    [['--bootstrap', '10000000'], /at most 100000 resamples/],
    [['--gaps', '0x10'], /--gaps "0x10": "0x10" is not a plain decimal number/],
    [['--min-agreement', '80'], /--min-agreement expects a share from 0 to 1 \(0\.8, not 80\)/],
  ])('%j is refused as it is parsed', (argv, message) => {
    expect(() => config(argv)).toThrow(message);
  });
});
