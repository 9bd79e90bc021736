/** `radpo generate`'s rules between flags, against generateSettings (src/commands/generate/config.ts). */
import { describe, expect, it } from 'vitest';
import { generateSettings } from '../../../src/commands/generate/config.js';
import { generateFlags } from '../../../src/commands/generate/flags.js';
import { parseArgv } from '../../helpers.js';

const settings = (argv: string[]) => generateSettings(parseArgv(generateFlags, argv).flags, 'policy-7b');

describe('generateSettings', () => {
  it.each([
    [[], { goal: null, promptPath: ['prompt'], params: { model: 'policy-7b', n: 4 } }],
    [['-n', '8', '--temperature', '0.7', '--seed', '3'], { params: { n: 8, temperature: 0.7, seed: 3 } }],
    [['--prompt-col', 'q.text'], { promptPath: ['q', 'text'] }],
    [
      ['--goal-score', '10', '--placement', 'user'],
      { goal: { score: 10, placement: 'user' }, sampling: { goal_score: 10, placement: 'user', model: 'policy-7b' } },
    ],
  ])('%j', (argv, expected) => {
    expect(settings(argv)).toMatchObject(expected);
  });

  it.each([
    [['-n', '0'], '-n 0 is out of bounds: from 1 to 1,000 samples per prompt'],
    [['-n', '1001'], '-n 1001 is out of bounds'],
    [['--goal-score', '11'], '--goal-score 11 is outside the scale 1-10'],
    [['--goal-score', '4', '--scale', '0-3'], '--goal-score 4 is outside the scale 0-3'],
    [['--on-error', 'skip'], '--on-error skip needs --rejects FILE'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => settings(argv)).toThrow(message);
  });
});
