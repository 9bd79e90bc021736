/** core/eval.ts: the goal-following figures, checked on scores worked out by hand. */
import { describe, expect, it } from 'vitest';
import { EvalAccumulator, evalWarnings, MIN_INTERVAL_PROMPTS, promptSpearman, winRate } from '../../src/core/eval.js';

describe('winRate', () => {
  it.each([
    [[3], [1], 1],
    [[1], [3], 0],
    [[2], [2], 0.5],
    // 4 pairs: 5>4, 5>3, 2<4, 2<3 → 2 of 4.
    [[5, 2], [4, 3], 0.5],
    // 3>1, 3=3 → 1.5 of 2.
    [[3], [1, 3], 0.75],
    [[], [1], null],
  ])('%j against %j: %s', (a, b, expected) => {
    expect(winRate(a, b)).toBe(expected);
  });
});

describe('promptSpearman', () => {
  it.each([
    // x = 1,1,10,10 (ties: ranks 1.5,1.5,3.5,3.5), y ranks 1,2,3,4: r = 4/√20 = 2/√5 — answers that differ
    // within a goal keep ρ below 1 even when every higher goal scores higher.
    [
      'scores rise with the goal',
      [1, 10],
      [
        [1, 2],
        [9, 10],
      ],
      2 / Math.sqrt(5),
    ],
    [
      'scores fall',
      [1, 10],
      [
        [9, 10],
        [1, 2],
      ],
      -2 / Math.sqrt(5),
    ],
    // Every score ties: the goal moved nothing, ρ is 0 (not left out).
    [
      'all ties',
      [1, 4, 10],
      [
        [5, 5],
        [5, 5],
        [5, 5],
      ],
      0,
    ],
    ['one goal', [10], [[1, 9]], null],
  ] as const)('%s', (_name, goals, scores, expected) => {
    const rho = promptSpearman(goals, scores as unknown as number[][]);
    if (expected === null) expect(rho).toBeNull();
    else expect(rho).toBeCloseTo(expected, 12);
  });

  it('ties ranked by their average, as scipy.stats.spearmanr', () => {
    // x = 1,1,5,5 ; y = 2,4,4,6: ranks x 1.5,1.5,3.5,3.5 ; y 1,2.5,2.5,4 → r = 0.7071067811865475.
    expect(
      promptSpearman(
        [1, 5],
        [
          [2, 4],
          [4, 6],
        ],
      ),
    ).toBeCloseTo(Math.SQRT1_2, 12);
  });
});

describe('EvalAccumulator', () => {
  const options = { goals: [1, 10], baseline: true, bootstrap: 0, seed: 0 };

  it('means per goal and the baseline pool answers over prompts; ρ and win rates average prompts', () => {
    const acc = new EvalAccumulator(options);
    expect(
      acc.add({
        goals: [
          [1, 3],
          [9, 9],
        ],
        baseline: [5, 5],
      }),
    ).toEqual({ rho: expect.closeTo((2 * Math.SQRT2) / 3, 12) });
    expect(
      acc.add({
        goals: [
          [4, 4],
          [2, 2],
        ],
        baseline: [4, 4],
      }).rho,
    ).toBe(-1);
    const f = acc.figures();
    expect(f.prompts).toBe(2);
    expect(f.goals).toEqual([
      { goal: 1, answers: 4, mean_score: { value: 3, ci: null } },
      { goal: 10, answers: 4, mean_score: { value: 5.5, ci: null } },
    ]);
    expect(f.baseline).toEqual({ answers: 4, mean_score: { value: 4.5, ci: null } });
    // Prompt 1: x = 1,1,10,10 ; y = 1,3,9,9 → ranks y 1,2,3.5,3.5: r = 4/√18 = 2√2/3. Prompt 2: −1.
    expect(f.goal_score_spearman.value).toBeCloseTo(((2 * Math.SQRT2) / 3 - 1) / 2, 12);
    // Top vs baseline: prompt 1 wins 4 of 4, prompt 2 loses 4 of 4.
    expect(f.top_vs_baseline).toEqual({ win_rate: 0.5, ci: null });
    expect(f.top_vs_lowest).toEqual({ win_rate: 0.5, ci: null });
    expect(f.prompts_rising).toEqual({ share: 0.5, ci: null });
  });

  it('intervals resample prompts: seeded, within the range of the prompts, and the same for the same seed', () => {
    const acc = () => {
      const a = new EvalAccumulator({ ...options, bootstrap: 200, seed: 7 });
      for (let p = 0; p < 30; p++) a.add({ goals: [[1 + (p % 3)], [8 + (p % 2)]], baseline: [5] });
      return a.figures();
    };
    const f = acc();
    const [lo, hi] = f.goals[0]!.mean_score.ci!;
    expect(lo).toBeGreaterThanOrEqual(1);
    expect(hi).toBeLessThanOrEqual(3);
    expect(lo).toBeLessThan(f.goals[0]!.mean_score.value!);
    expect(hi).toBeGreaterThan(f.goals[0]!.mean_score.value!);
    expect(acc()).toEqual(f);
  });

  it('without a baseline or with one goal, the figures that need them are null', () => {
    const acc = new EvalAccumulator({ goals: [10], baseline: false, bootstrap: 0, seed: 0 });
    acc.add({ goals: [[7, 8]], baseline: null });
    const f = acc.figures();
    expect(f.baseline).toBeNull();
    expect(f.top_vs_baseline).toBeNull();
    expect(f.top_vs_lowest).toBeNull();
    expect(f.goal_score_spearman).toEqual({ value: null, ci: null });
    // One prompt: nothing to compare, and too few prompts to say anything.
    expect(evalWarnings(f).map((w) => w.code)).toEqual(['too_few_prompts']);
  });

  // A policy that ignores the goal can still rise by chance on one or two prompts: the resamples of so
  // few prompts repeat them, a zero-width interval that would pass every gate.
  it.each([
    [1, null, ['too_few_prompts']],
    [2, null, ['too_few_prompts']],
    [MIN_INTERVAL_PROMPTS - 1, null, ['too_few_prompts']],
    [MIN_INTERVAL_PROMPTS, 'an interval', []],
  ] as const)('%i prompts rising by chance: ci %s, warnings %j', (n, ci, codes) => {
    const acc = new EvalAccumulator({ goals: [1, 10], baseline: true, bootstrap: 1000, seed: 0 });
    for (let p = 0; p < n; p++) acc.add({ goals: [[2 + (p % 2)], [8 + (p % 3)]], baseline: [1] });
    const f = acc.figures();
    if (ci === null) expect(f.goal_score_spearman.ci).toBeNull();
    else expect(f.goal_score_spearman.ci).toHaveLength(2);
    expect(f.goals[0]!.mean_score.ci === null).toBe(ci === null);
    expect(evalWarnings(f).map((w) => w.code)).toEqual(codes);
  });
});

describe('evalWarnings', () => {
  const figures = (rho: [number, number], win: [number, number]) => {
    const acc = new EvalAccumulator({ goals: [1, 10], baseline: true, bootstrap: 0, seed: 0 });
    const f = acc.figures();
    return {
      ...f,
      prompts: 30,
      goal_score_spearman: { value: (rho[0] + rho[1]) / 2, ci: rho },
      top_vs_baseline: { win_rate: (win[0] + win[1]) / 2, ci: win },
      goals: [
        { goal: 1, answers: 1, mean_score: { value: 1, ci: null } },
        { goal: 10, answers: 1, mean_score: { value: 9, ci: null } },
      ],
    };
  };
  it.each([
    ['a goal that is followed', [0.8, 0.95], [0.7, 0.9], []],
    ['ρ whose interval reaches 0', [-0.1, 0.3], [0.7, 0.9], ['goal_ignored']],
    ['ρ below 0', [-0.6, -0.2], [0.7, 0.9], ['goal_ignored']],
    ['a top goal no better than none', [0.8, 0.95], [0.4, 0.6], ['top_goal_no_better']],
  ] as const)('%s', (_name, rho, win, codes) => {
    expect(evalWarnings(figures([...rho], [...win])).map((w) => w.code)).toEqual(codes);
  });
});
