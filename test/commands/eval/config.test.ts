/** `radpo eval`'s flags → config step, table-driven, without running anything. */
import { describe, expect, it } from 'vitest';
import { attributeName, parseFlags } from '../../../src/cli/flags.js';
import { defaultGoals, evalConfig, type EvalFlags } from '../../../src/commands/eval/config.js';
import { evalFlags } from '../../../src/commands/eval/flags.js';

/** The typed flags as commander would hand them over: defaults, then what the test gives (by attribute name). */
function flags(given: Record<string, string | boolean | string[]> = {}): EvalFlags {
  const raw: Record<string, unknown> = {};
  for (const flag of Object.values(evalFlags)) {
    const name = attributeName(flag.flags);
    if (flag.default !== undefined) raw[name] = flag.default;
  }
  // A judge unless the row says otherwise: eval needs one.
  return parseFlags(evalFlags, { ...raw, judge: 'chat', ...given });
}

const facts = (given: string[] = [], judgeAttributes: string[] | null = null) => ({
  inputs: ['prompts.jsonl'],
  version: '0.0.0',
  given: (key: string) => given.includes(key),
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
    ["the paper's scale and default goals", {}, [], { goals: [1, 4, 7, 10], scale: { min: 1, max: 10 } }],
    ['goals sorted', { goals: '10,1,7' }, [], { goals: [1, 7, 10] }],
    ['goals with spaces and signs', { goals: ' 1.5, +4.5 ,2.' }, [], { goals: [1.5, 2, 4.5] }],
    [
      '--precision rounds goals as relabel rounds scores',
      { goals: '7.25,8', precision: '1' },
      ['precision'],
      { goals: [7.3, 8] },
    ],
    ['one goal against the baseline', { goals: '10' }, [], { goals: [10], baseline: true }],
    ['-n at its bound', { samples: '1000' }, [], { samples: 1000 }],
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
    const config = evalConfig(flags({ scale: '1-5' }), facts(['scale'], ['Helpfulness', 'Honesty']));
    expect(config).toMatchObject({
      attributes: ['Helpfulness', 'Honesty'],
      scale: { min: 1, max: 5 },
      goals: [1, 2, 4, 5],
    });
  });

  it.each([
    ['-n 0', { samples: '0' }, [], /-n 0 is out of bounds: from 1 to 1,000/],
    ['-n far too many', { samples: '100000000' }, [], /-n 100000000 is out of bounds: from 1 to 1,000/],
    ['a goal twice', { goals: '10,1,7,7' }, [], /--goals "10,1,7,7": 7 is given twice/],
    ['goals merged by --precision', { goals: '7.25,7.3', precision: '1' }, ['precision'], /both 7.3 at --precision 1/],
    ['an empty list', { goals: '' }, [], /--goals: the list is empty: give the goal scores, e\.g\. --goals 1,4,7,10/],
    ['an empty item', { goals: '1,,4' }, [], /--goals "1,,4": score 2 of 3 is empty/],
    ['a hexadecimal goal', { goals: '0x5' }, [], /--goals "0x5": "0x5" is not a decimal score/],
    ['an exponent', { goals: '1e1' }, [], /"1e1" is not a decimal score/],
    ['one goal, no baseline', { goals: '10', baseline: false }, [], /one goal and nothing to compare it with/],
    ['a goal outside the scale', { goals: '0,10' }, [], /--goals 0 is outside the scale 1-10/],
    ['--json with rows on stdout', { json: true, output: '-' }, [], /--json and -o - both write to stdout/],
    ['--html to stdout', { html: '-' }, [], /--html needs a file name/],
    ['--attr twice', { attr: ['A', 'A'] }, [], /--attr A is given twice/],
    ['no judge', { judge: undefined }, [], /radpo eval needs --judge chat or --judge reward/],
    // audit's bound: 10 M resamples of 3 prompts took 51 s and 2 GB (issue 28, finding 6).
    ['--bootstrap past its bound', { bootstrap: '10000000' }, [], /at most 100000 resamples/],
    ['--live-fallback with no batch file', { liveFallback: true }, [], /--live-fallback goes with --from-batch/],
  ] as const)('refuses %s', (_name, given, givenKeys, message) => {
    expect(() => evalConfig(flags(given as never), facts([...givenKeys]))).toThrow(message);
    try {
      evalConfig(flags(given as never), facts([...givenKeys]));
    } catch (err) {
      expect((err as { code: string }).code).toBe('usage');
    }
  });
});
