/**
 * Subprocess tests: the built CLI (bin/radpo.js) on the fixtures built from test/data, compared byte for
 * byte with golden files — and every golden row checked by an oracle (golden-cases.ts) against its source
 * row: the goal typed from the paper's template, the two copies, the swap, the scores. Regenerate after
 * an intended change with UPDATE_GOLDEN=1 npm test; the oracle still has to agree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, parseJsonl, spawnRadpo } from '../helpers.js';
import { GOLDEN_CASES, type GoldenCase, paperGoalText, readCopy, sourcePairs } from './golden-cases.js';

const GOLDEN = join(ROOT, 'test', 'golden');

/** Each golden row checked against its source: returns how many source pairs the golden file holds. */
function checkAgainstSource(golden: GoldenCase, rows: Array<Record<string, unknown>>): number {
  const sources = sourcePairs(golden.args[0]!);
  expect(rows.length % 2, 'two copies per pair').toBe(0);
  const half = rows.length / 2;
  let lastIndex = -1;
  for (let k = 0; k < half; k++) {
    const [first, second] = golden.order === 'concat' ? [rows[k]!, rows[k + half]!] : [rows[2 * k]!, rows[2 * k + 1]!];
    const probe = readCopy(golden, first, '');
    const source = sources.find((s) => s.chosen === probe.chosen && s.rejected === probe.rejected);
    expect(source, `golden pair ${k + 1}: its chosen/rejected text is a source pair's, in that order`).toBeDefined();
    const src = source!;
    expect(src.index, 'pairs in source order').toBeGreaterThan(lastIndex);
    lastIndex = src.index;
    const chosenGoal = paperGoalText(src.scoreChosen, golden.scale);
    const rejectedGoal = paperGoalText(src.scoreRejected, golden.scale);
    const copies = [
      { copy: readCopy(golden, first, chosenGoal), goal: chosenGoal, answers: [src.chosen, src.rejected] },
      { copy: readCopy(golden, second, rejectedGoal), goal: rejectedGoal, answers: [src.rejected, src.chosen] },
    ];
    for (const [i, { copy, goal, answers }] of copies.entries()) {
      const where = `golden pair ${k + 1}, copy ${i + 1} (source row ${src.index + 1})`;
      expect(copy.goal, `${where}: the goal`).toBe(goal);
      expect([copy.chosen, copy.rejected], `${where}: ${i === 0 ? 'the source order' : 'swapped'}`).toEqual(answers);
      if (copy.prompt !== null) expect(copy.prompt, `${where}: the prompt`).toBe(src.prompt);
      const afterGoal =
        golden.placement === 'user' ? [src.system, src.prompt].filter(Boolean).join('\n\n') : (src.system ?? '');
      if (golden.format !== 'text') expect(copy.afterGoal, `${where}: what follows the goal`).toBe(afterGoal);
      if (copy.scores) {
        const [chosenScore, rejectedScore] =
          i === 0 ? [src.scoreChosen, src.scoreRejected] : [src.scoreRejected, src.scoreChosen];
        expect(copy.scores, `${where}: the scores`).toEqual({
          chosen: chosenScore,
          rejected: rejectedScore,
          goal: chosenScore,
        });
      }
    }
  }
  return half;
}

describe('golden outputs of bin/radpo.js relabel', () => {
  it.each(GOLDEN_CASES)('$name', (golden) => {
    const [input, ...flags] = golden.args;
    const result = spawnRadpo(['relabel', join('fixtures', input!), ...flags], { cwd: ROOT });
    expect.soft(result.status).toBe(0);
    expect.soft(result.stderr).toMatch(golden.shape);
    const file = join(GOLDEN, `${golden.name}.jsonl`);
    if (process.env.UPDATE_GOLDEN) writeFileSync(file, result.stdout);
    expect(result.stdout).toBe(readFileSync(file, 'utf8'));
    const pairs = checkAgainstSource(golden, parseJsonl(readFileSync(file, 'utf8')));
    // Every source row is in the golden file or counted as set aside: nothing lost in silence.
    const setAside = Number(/set aside: (\d+)/.exec(result.stderr)?.[1]);
    expect(pairs + setAside).toBe(sourcePairs(input!).length);
  });

  it('the oracle rejects a wrong row: a golden file with its copies swapped, or one goal changed', () => {
    const golden = GOLDEN_CASES.find((c) => c.name === 'hh_rlhf_gz')!;
    const rows = parseJsonl(readFileSync(join(GOLDEN, `${golden.name}.jsonl`), 'utf8'));
    expect(() => checkAgainstSource(golden, [rows[1]!, rows[0]!, ...rows.slice(2)])).toThrow(/a source pair/);
    const changed = structuredClone(rows);
    changed[1]!.prompt[0].content = changed[1]!.prompt[0].content.replace(/Overall score: \d+/, 'Overall score: 10');
    expect(() => checkAgainstSource(golden, changed)).toThrow(/the goal/);
  });
});
