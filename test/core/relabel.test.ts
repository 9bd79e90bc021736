import { describe, expect, it } from 'vitest';
import { type Placement, paperGoalSpec } from '../../src/core/goal.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../src/core/layouts.js';
import { OUTPUT_LAYOUTS } from '../../src/core/output-layouts.js';
import { detectShape, type Pair, pairOf, readPair } from '../../src/core/pair.js';
import { contradictsLabel, isTie, relabelPair } from '../../src/core/relabel.js';
import { paperGoal } from '../helpers.js';

// A real UltraFeedback pair (first row of test/data/scored/ultrafeedback_gpt4_1000.jsonl, shortened).
const pair: Pair = {
  prompt: [{ role: 'user', content: 'how to cook t-bone in the oven' }],
  chosen: [{ role: 'assistant', content: 'To cook a delicious T-bone steak in the oven, follow these steps:' }],
  rejected: [{ role: 'assistant', content: 'Preheat the oven to 450°F.' }],
};

describe('relabelPair (paper, Figure 1)', () => {
  for (const placement of ['system', 'user'] as const) {
    describe(`placement ${placement}`, () => {
      const [first, second] = relabelPair(pair, { chosen: [9], rejected: [7.5] }, { goal: paperGoalSpec(), placement });

      it('copy 1: chosen-score goal, original order', () => {
        expect(first.copy).toBe('chosen_goal');
        expect(first.goal).toBe(paperGoal('9'));
        expect(first.chosen).toEqual(pair.chosen);
        expect(first.rejected).toEqual(pair.rejected);
        expect(first.scoreChosen).toEqual([9]);
        expect(first.scoreRejected).toEqual([7.5]);
      });

      it('copy 2: rejected-score goal, chosen and rejected swapped', () => {
        expect(second.copy).toBe('rejected_goal');
        expect(second.goal).toBe(paperGoal('7.5'));
        expect(second.chosen).toEqual(pair.rejected);
        expect(second.rejected).toEqual(pair.chosen);
        expect(second.goalScores).toEqual([7.5]);
        expect(second.scoreChosen).toEqual([7.5]);
        expect(second.scoreRejected).toEqual([9]);
      });

      it('puts the goal where the placement says, once', () => {
        const text = JSON.stringify(first.prompt);
        expect(text.split('Overall score').length - 1).toBe(1);
        if (placement === 'system') expect(first.prompt[0]).toEqual({ role: 'system', content: paperGoal('9') });
        else
          expect(first.prompt).toEqual([
            { role: 'user', content: `${paperGoal('9')}\n\nhow to cook t-bone in the oven` },
          ]);
        expect(JSON.stringify(second.prompt)).toContain('Overall score: 7.5.');
      });
    });
  }

  it('leaves the input pair untouched', () => {
    const before = JSON.stringify(pair);
    relabelPair(pair, { chosen: [9], rejected: [8] }, { goal: paperGoalSpec(), placement: 'user' });
    expect(JSON.stringify(pair)).toBe(before);
  });
});

describe('ties and contradictions', () => {
  it.each([
    [[8], [8], true, false],
    [[9], [8], false, false],
    [[7], [8], false, true],
    [[3, 4], [3, 4], true, false],
    [[3, 1], [2, 4], false, true],
  ])('chosen %j rejected %j: tie %s, contradicts %s', (chosen, rejected, tie, contra) => {
    expect(isTie({ chosen, rejected })).toBe(tie);
    expect(contradictsLabel({ chosen, rejected })).toBe(contra);
  });

  it('a tie gives the same goal with opposite preferences', () => {
    const [a, b] = relabelPair(pair, { chosen: [8], rejected: [8] }, { goal: paperGoalSpec(), placement: 'system' });
    expect(a.goal).toBe(b.goal);
    expect(a.chosen).toEqual(b.rejected);
  });
});

describe('the two copies share the prompt messages the goal leaves alone (placeGoal): no layout may change one', () => {
  // placeGoal copies only the message the goal goes into; the others are the input's objects, in both copies
  // of the pair, and the responses were always shared. A layout that changed a message in place would write
  // the first copy's change into the second. Every message frozen: such a change throws (ES modules are strict).
  const record = {
    id: 'p1',
    prompt: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is 2+2?' },
      { role: 'assistant', content: '4.' },
      { role: 'user', content: 'And 3+3?' },
    ],
    chosen: [{ role: 'assistant', content: '6.' }],
    rejected: [{ role: 'assistant', content: '7.' }],
    score_chosen: 9,
    score_rejected: 3,
  };
  const freeze = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
    Object.freeze(value);
    for (const v of Object.values(value)) freeze(v);
  };
  const shape = detectShape(record, {});
  const written = (pair: Pair, placement: Placement, format: OutputFormat) =>
    relabelPair(pair, { chosen: [9], rejected: [3] }, { goal: paperGoalSpec(), placement }).map((copy) =>
      OUTPUT_LAYOUTS[format].write(copy, {
        attributes: null,
        origin: { line: 1, id: 'p1' },
        source: record,
        shape,
        scoreColumns: null,
      }),
    );
  for (const placement of ['system', 'user'] as const)
    it.each(OUTPUT_FORMATS)(`placement ${placement}, --format %s`, (format) => {
      const frozen = pairOf(readPair(record, shape));
      freeze(frozen);
      const rows = written(frozen, placement, format);
      // The same rows as from a pair of its own for each copy: writing the first copy changed nothing the
      // second one reads.
      const alone = [0, 1].map((k) => written(pairOf(readPair(record, shape)), placement, format)[k]);
      expect(JSON.stringify(rows)).toBe(JSON.stringify(alone));
    });
});
