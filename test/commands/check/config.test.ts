/** `radpo check`'s rules between flags, against checkConfig (src/commands/check/config.ts): no run, no file read. */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../../src/commands/check/config.js';
import { checkFlags } from '../../../src/commands/check/flags.js';
import { parseArgv } from '../../helpers.js';

const config = (argv: string[]) => {
  const { flags, given } = parseArgv(checkFlags, argv);
  return checkConfig('train.jsonl', flags, given);
};

describe('checkConfig', () => {
  it.each([
    [['--chat-template', 't.jinja'], { chatTemplate: 't.jinja', attributes: null, scaleFromGoal: true }],
    // The scale of a relabeled file is read from its goal text unless --scale or a goal template says it.
    [['--chat-template', 't.jinja', '--scale', '0-4'], { scale: { min: 0, max: 4 }, scaleFromGoal: false }],
    [['--chat-template', 't.jinja', '--goal-template', 'g.txt'], { scaleFromGoal: false }],
    // NAME, or NAME=C,R as relabel was given it: only the names count, in order.
    [
      ['--chat-template', 't.jinja', '--attr', 'helpfulness=c.h,r.h', '--attr', 'honesty'],
      { attributes: ['helpfulness', 'honesty'] },
    ],
    [['--chat-template', 't.jinja', '--trainer', 'axolotl', '--json'], { trainer: 'axolotl', json: true }],
  ])('%j', (argv, expected) => {
    expect(config(argv)).toMatchObject({ input: 'train.jsonl', ...expected });
  });

  it.each([
    [[], '--chat-template FILE is required'],
    [['--chat-template', 't.jinja', '--trainer', 'deepspeed'], "argument 'deepspeed' is invalid"],
    [['--chat-template', 't.jinja', '--max-length', 'long'], '--max-length expects a whole number, got "long"'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => config(argv)).toThrow(message);
  });
});
