/** `radpo goal`'s rules between flags, against goalConfig (src/commands/goal/config.ts): no run, no process. */
import { describe, expect, it } from 'vitest';
import { goalConfig } from '../../../src/commands/goal/config.js';
import { goalFlags } from '../../../src/commands/goal/flags.js';
import { parseArgv } from '../../helpers.js';

const config = (argv: string[]) => goalConfig(parseArgv(goalFlags, argv).flags);

describe('goalConfig', () => {
  it.each([
    [['--score', '10'], { attributes: null, values: [10], scale: { min: 1, max: 10 } }],
    [['--score', '7.5', '--scale', '0-10'], { values: [7.5], scale: { min: 0, max: 10 } }],
    [
      ['--attr-score', 'helpfulness=4', '--attr-score', 'honesty = 3', '--scale', '1-5'],
      { attributes: ['helpfulness', 'honesty'], values: [4, 3] },
    ],
    [
      ['--score', '10', '--placement', 'user', '--json', '--prompt', 'Q?'],
      { placement: 'user', json: true, prompt: 'Q?' },
    ],
    [['--score', '10'], { placement: 'system', json: false, prompt: '' }],
  ])('%j', (argv, expected) => {
    expect(config(argv)).toMatchObject(expected);
  });

  it.each([
    [[], '--score is required'],
    [['--score', 'ten'], '--score expects a decimal number such as 0.5, 2 or 1e-3, got "ten"'],
    [['--score', '0x10'], '--score "0x10": not a decimal number (write 16 if that is meant)'],
    [['--score', '11'], '--score 11 is outside the scale 1-10'],
    [['--score', '4', '--attr-score', 'a=4'], 'give either --score or --attr-score, not both'],
    [['--attr-score', 'helpfulness'], '--attr-score expects NAME=N, got "helpfulness"'],
    [['--attr-score', 'a=x'], '--attr-score expects a decimal number such as 0.5, 2 or 1e-3, got "x"'],
    [['--attr-score', 'a=4', '--attr-score', 'b=6', '--scale', '1-5'], '--attr-score b 6 is outside the scale 1-5'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => config(argv)).toThrow(message);
  });
});
