import { describe, expect, it } from 'vitest';
import { RowError, ValueError } from '../../src/core/errors.js';
import {
  formatScore,
  goalMessages,
  goalText,
  paperGoalSpec,
  parseGoalTemplate,
  parseScale,
  placeGoal,
  type GoalSpec,
} from '../../src/core/goal.js';
import { paperGoal } from '../helpers.js';

describe('formatScore matches Python `int(s) if int(s) == s else s`', () => {
  it.each([
    [8.0, '8'],
    [10, '10'],
    [7.5, '7.5'],
    [1, '1'],
    [0, '0'],
    [-0, '0'],
    [0.1, '0.1'],
    [6.25, '6.25'],
    [-0.754, '-0.754'],
    [1e-5, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [0.0001, '0.0001'],
    [123456789.5, '123456789.5'],
    [1e21, '1000000000000000000000'],
    [2 / 3, '0.6666666666666666'],
  ])('%s -> %s', (input, expected) => {
    expect(formatScore(input)).toBe(expected);
  });

  it('rejects non-finite numbers', () => {
    expect(() => formatScore(Number.NaN)).toThrow(RangeError);
    expect(() => formatScore(Infinity)).toThrow(RangeError);
  });
});

describe('goalText', () => {
  it('is the paper template byte for byte', () => {
    expect(goalText(paperGoalSpec(), [9])).toBe(paperGoal('9'));
    expect(goalText(paperGoalSpec(), [7.5])).toBe(paperGoal('7.5'));
    const text = goalText(paperGoalSpec(), [8]);
    expect(text.endsWith('Overall score: 8.')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
  });

  it('names another scale in the same sentence', () => {
    const spec: GoalSpec = { ...paperGoalSpec(), scale: parseScale('0-4') };
    expect(goalText(spec, [3])).toContain(
      '(on a scale of 0-4, where 0 is lowest and 4 is highest):\nOverall score: 3.',
    );
  });

  it('writes one line per attribute in the given order', () => {
    const spec: GoalSpec = { attributes: ['Helpfulness', 'Correctness'], scale: parseScale('0-4'), template: null };
    expect(goalText(spec, [3, 4])).toBe(
      'You are an assistant that generates responses for the instruction while implicitly achieving the ' +
        'following target scores (on a scale of 0-4, where 0 is lowest and 4 is highest):\nHelpfulness: ' +
        '3.\nCorrectness: 4.',
    );
  });

  it('substitutes a user template literally, with {{ }} escapes', () => {
    const spec: GoalSpec = {
      attributes: null,
      scale: parseScale('1-10'),
      template: parseGoalTemplate('Target {{quality}}: {score}/{max}', null),
    };
    expect(goalText(spec, [8.5])).toBe('Target {quality}: 8.5/10');
    // Never evaluated: a score-looking placeholder inside text stays text.
    const evil: GoalSpec = {
      attributes: null,
      scale: parseScale('1-10'),
      template: parseGoalTemplate('${{process.exit()}} `{score}`', null),
    };
    expect(goalText(evil, [1])).toBe('${process.exit()} `1`');
    // An expression in braces is not a placeholder name: it is refused, not run.
    expect(() => parseGoalTemplate('{score} {process.exit()}', null)).toThrow(/unknown placeholder/);
  });

  it.each([
    ['Score {scor}', /unknown placeholder \{scor\}/],
    ['Score {score', /never closed/],
    ['Score } {score}', /unmatched "}"/],
    ['No score at all', /never uses \{score\}/],
  ])('rejects the template %j', (template, message) => {
    expect(() => parseGoalTemplate(template, null)).toThrow(message);
    // A value error: the CLI words it with the flag that named the template file.
    expect(() => parseGoalTemplate(template, null)).toThrow(ValueError);
  });
});

describe('parseScale', () => {
  it.each([
    ['1-10', { min: 1, max: 10 }],
    ['0-4', { min: 0, max: 4 }],
    ['-1-1', { min: -1, max: 1 }],
    [' 0.5 - 5 ', { min: 0.5, max: 5 }],
  ])('%j', (text, expected) => expect(parseScale(text)).toEqual(expected));
  it.each(['10-1', '1', 'a-b', '1-1'])('rejects %j', (text) => expect(() => parseScale(text)).toThrow(ValueError));
});

describe('placeGoal', () => {
  const goal = paperGoal('9');
  const user = { role: 'user', content: 'What color is the sky?' };

  it('system: adds a system message first', () => {
    expect(placeGoal([user], goal, 'system')).toEqual([{ role: 'system', content: goal }, user]);
  });

  it('system: an existing system message receives the goal first, then a blank line', () => {
    const out = placeGoal([{ role: 'system', content: 'Be brief.' }, user], goal, 'system');
    expect(out).toEqual([{ role: 'system', content: `${goal}\n\nBe brief.` }, user]);
  });

  it('system: an empty system message is replaced by the goal, never doubled', () => {
    expect(placeGoal([{ role: 'system', content: '' }, user], goal, 'system')).toEqual([
      { role: 'system', content: goal },
      user,
    ]);
  });

  it('user: goal and a blank line before the first user message only', () => {
    const prompt = [user, { role: 'assistant', content: 'Blue.' }, { role: 'user', content: 'Why?' }];
    const out = placeGoal(prompt, goal, 'user');
    expect(out[0]).toEqual({ role: 'user', content: `${goal}\n\nWhat color is the sky?` });
    expect(out.slice(1)).toEqual(prompt.slice(1));
  });

  it('user: a system message is folded into the first user turn (templates without a system role)', () => {
    const prompt = [
      { role: 'system', content: 'Be brief.' },
      user,
      { role: 'assistant', content: 'Blue.' },
      { role: 'user', content: 'Why?' },
    ];
    const out = placeGoal(prompt, goal, 'user');
    expect(out).toEqual([
      { role: 'user', content: `${goal}\n\nBe brief.\n\nWhat color is the sky?` },
      prompt[2],
      prompt[3],
    ]);
    expect(placeGoal([{ role: 'system', content: '' }, user], goal, 'user')).toEqual([
      { role: 'user', content: `${goal}\n\nWhat color is the sky?` },
    ]);
  });

  it('does not modify its input', () => {
    const prompt = [{ ...user }];
    placeGoal(prompt, goal, 'user');
    expect(prompt[0]!.content).toBe('What color is the sky?');
  });

  it('user: a prompt without a user message is a row error', () => {
    expect(() => placeGoal([{ role: 'system', content: 'x' }], goal, 'user')).toThrow(RowError);
  });

  it('goalMessages gives what inference prepends', () => {
    expect(goalMessages(goal, 'system')).toEqual([{ role: 'system', content: goal }]);
    expect(goalMessages(goal, 'user', 'Hi')).toEqual([{ role: 'user', content: `${goal}\n\nHi` }]);
  });
});
