/** `radpo score`'s rules between flags, against scoreConfig (src/commands/score/config.ts): nothing runs. */
import { describe, expect, it } from 'vitest';
import { judgeRunConfig } from '../../../src/cli/judge-config.js';
import { scoreConfig } from '../../../src/commands/score/config.js';
import { scoreFlags } from '../../../src/commands/score/flags.js';
import type { Io } from '../../../src/io/io.js';
import { parseArgv } from '../../helpers.js';

/** The config from a command line, its judge configured as run.ts configures it (no request is made). */
async function config(argv: string[], inputs = ['pairs.jsonl']) {
  const { flags, given } = parseArgv(scoreFlags, argv);
  const judge = await judgeRunConfig(flags, { env: {}, cwd: '/work' } as Io, flags.scale, given('precision'));
  return scoreConfig(flags, { inputs, version: '0.0.0', judge });
}

const CHAT = ['--judge', 'chat', '--judge-url', 'http://127.0.0.1:9/v1', '--judge-model', 'm', '--no-cache'];
const REWARD = ['--judge', 'reward', '--judge-url', 'http://127.0.0.1:9/v1', '--judge-model', 'rm', '--no-cache'];

describe('scoreConfig', () => {
  it.each<[string, string[], Record<string, unknown>]>([
    ['a chat judge, to stdout', CHAT, { output: '-', judge: { judge: { kind: 'chat' } }, list: {}, onError: 'fail' }],
    [
      'rows of several responses, with ids',
      [...CHAT, '--responses-col', 'completions', '--text-field', 'text', '--id-col', 'meta.id'],
      { list: { column: ['completions'], textField: 'text' }, idCol: ['meta', 'id'] },
    ],
    [
      'skip with rejects to stdout and rows to a file',
      [...CHAT, '--on-error', 'skip', '--rejects', '-', '-o', 'scored.jsonl'],
      { onError: 'skip', rejects: '-', output: 'scored.jsonl' },
    ],
    [
      'score columns named',
      [...CHAT, '--chosen-score-col', 'sc', '--rejected-score-col', 'sr'],
      { scores: { chosen: ['sc'], rejected: ['sr'] } },
    ],
    ['a reward model fitted on a file', [...REWARD, '--map', 'minmax'], { judge: { judge: { kind: 'reward' } } }],
  ])('%s', async (_name, argv, expected) => {
    expect(await config(argv)).toMatchObject(expected);
  });

  it.each<[string[], string[], RegExp]>([
    [[], ['pairs.jsonl'], /radpo score needs --judge chat or --judge reward/],
    [CHAT, ['-', '-'], /stdin \("-"\) can be read only once/],
    [[...CHAT, '--max-errors', '3'], ['pairs.jsonl'], /--max-errors only applies with --on-error skip/],
    [[...CHAT, '--on-error', 'skip'], ['pairs.jsonl'], /--on-error skip needs --rejects FILE/],
    [[...CHAT, '-o', 'x.parquet.gz'], ['pairs.jsonl'], /Parquet output needs -o FILE\.parquet, got "x\.parquet\.gz"/],
    [[...CHAT, '--on-error', 'skip', '--rejects', '-'], ['pairs.jsonl'], /cannot both go to stdout/],
    // A deadline no timer holds crashed inside AbortSignal.timeout (an internal error, exit 1).
    [[...CHAT, '--timeout', '-1'], ['pairs.jsonl'], /--timeout "-1": must be a number of seconds above 0/],
    [[...CHAT, '--timeout', '5000000'], ['pairs.jsonl'], /at most 4294967 \(49 days\)/],
    [[...CHAT, '--timeout', '0'], ['pairs.jsonl'], /must be a number of seconds above 0/],
    [[...REWARD, '--map', 'minmax'], ['-'], /--map minmax fits the mapping on all rewards first/],
    [[...CHAT, '--chosen-score-col', 'sc'], ['pairs.jsonl'], /--chosen-score-col and --rejected-score-col/],
  ])('%j on %j is refused', async (argv, inputs, message) => {
    await expect(config(argv, inputs)).rejects.toThrow(message);
  });
});
