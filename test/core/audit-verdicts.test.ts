/**
 * The audit's verdicts on seeded synthetic judges, one case per row of docs/AUDIT.md's warning table: each
 * case names the codes that must fire, and every other verdict code must stay silent. The cases are the
 * ones a judge evaluation meets: healthy, random, constant, coarse, a 1-5 judge at its ceiling, labels
 * derived from the scores (with one typo), flipped labels with and without a reliable rerun, length-driven
 * and length-honest judges, position-biased and neutral judges.
 */
import { describe, expect, it } from 'vitest';
import { auditVerdicts } from '../../src/core/audit-verdicts.js';
import { CASES, figuresOf, finish, VERDICT_CODES } from './audit-cases.js';

describe('the warning table: each synthetic case fires its codes and no other verdict', () => {
  it.each(CASES)('%s', async (name, make, fires) => {
    const figures = await figuresOf(finish(make(), name));
    const codes = auditVerdicts(figures).map((w) => w.code);
    expect(codes.filter((c) => (VERDICT_CODES as readonly string[]).includes(c)).sort()).toEqual([...fires].sort());
  });
});
