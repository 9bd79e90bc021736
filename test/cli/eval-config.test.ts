/** `radpo eval`'s flags → config step, table-driven, without running anything. */
import { describe, expect, it } from 'vitest';
import { attributeName, parseFlags } from '../../src/cli/flags.js';
import { defaultGoals, evalConfig, type EvalFlags } from '../../src/commands/eval/config.js';
import { evalFlags } from '../../src/commands/eval/flags.js';

/** The typed flags as commander would hand them over: defaults, then what the test gives (by attribute name). */
function flags(given: Record<string, string | boolean | string[]> = {}): EvalFlags {
  const raw: Record<string, unknown> = {};
  for (const flag of Object.values(evalFlags)) {
    const name = attributeName(flag.flags);
    if (flag.default !== undefined) raw[name] = flag.default;
  }
  return parseFlags(evalFlags, { ...raw, ...given });
}

const facts = (given: string[] = [], judge = { min: 1, max: 10 }, judgeAttributes: string[] | null = null) => ({
  inputs: ['prompts.jsonl'],
  version: '0.0.0',
  given: (key: string) => given.includes(key),
  judgeScale: judge,
  judgeAttributes,
});

describe('evalConfig', () => {
  it.each([
    [{ min: 1, max: 10 }, [1, 4, 7, 10]],
    [{ min: 0, max: 4 }, [0, 1, 3, 4]],
    [{ min: 1, max: 5 }, [1, 2, 4, 5]],
    [{ min: -10, max: 10 }, [-10, -3, 3, 10]],
  ])('default goals on %j: %j', (scale, goals) => {
    expect(defaultGoals(scale)).toEqual(goals);
  });

  it.each([
    ['the judge scale and default goals', {}, [], { goals: [1, 4, 7, 10], scale: { min: 1, max: 10 } }],
    ['goals sorted and made distinct', { goals: '10,1,7,7' }, [], { goals: [1, 7, 10] }],
    [
      '--precision rounds goals as relabel rounds scores',
      { goals: '7.25,7.3', precision: '1' },
      ['precision'],
      { goals: [7.3] },
    ],
    ['--precision not given: goals as typed', { goals: '7.25', precision: '0' }, [], { goals: [7.25] }],
    [
      '--scale given wins over the judge',
      { scale: '0-4' },
      ['scale'],
      { scale: { min: 0, max: 4 }, goals: [0, 1, 3, 4] },
    ],
    ['--no-baseline', { baseline: false }, [], { baseline: false }],
    ['-o given: rows are written', { output: 'a.jsonl' }, [], { writeRows: true, output: 'a.jsonl' }],
    ['no -o: only the report', {}, [], { writeRows: false }],
    ['--attr names (relabel spelling too)', { attr: ['A=x,y', 'B'] }, [], { attributes: ['A', 'B'] }],
    [
      'placement and prompt column',
      { placement: 'user', promptCol: 'q.text' },
      [],
      { placement: 'user', promptPath: ['q', 'text'] },
    ],
    ['the gate', { failOn: 'warnings' }, [], { failOn: 'warnings' }],
  ] as const)('%s', (_name, given, givenKeys, expected) => {
    expect(evalConfig(flags(given as never), facts([...givenKeys]))).toMatchObject(expected);
  });

  it('a judge that scores aspects makes a multi-attribute goal, as relabel --judge does', () => {
    const config = evalConfig(flags(), facts([], { min: 1, max: 5 }, ['Helpfulness', 'Honesty']));
    expect(config).toMatchObject({
      attributes: ['Helpfulness', 'Honesty'],
      scale: { min: 1, max: 5 },
      goals: [1, 2, 4, 5],
    });
  });

  it.each([
    ['-n 0', { samples: '0' }, [], /-n must be at least 1/],
    ['a goal outside the scale', { goals: '0,10' }, [], /--goals 0 is outside the scale 1-10/],
    ['--json with rows on stdout', { json: true, output: '-' }, [], /--json and -o - both write to stdout/],
    ['--html to stdout', { html: '-' }, [], /--html needs a file name/],
    ['--attr twice', { attr: ['A', 'A'] }, [], /--attr A is given twice/],
  ] as const)('refuses %s', (_name, given, givenKeys, message) => {
    expect(() => evalConfig(flags(given as never), facts([...givenKeys]))).toThrow(message);
  });
});
