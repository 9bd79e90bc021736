/**
 * The audit's verdicts on seeded synthetic judges, one case per row of docs/AUDIT.md's warning table: each
 * case names the codes that must fire, and every other verdict code must stay silent. The cases are the
 * ones a judge evaluation meets: healthy, random, constant, coarse, a 1-5 judge at its ceiling, labels
 * derived from the scores (with one typo), flipped labels with and without a reliable rerun, length-driven
 * and length-honest judges, position-biased and neutral judges.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditVerdicts, THRESHOLDS } from '../../src/core/audit-verdicts.js';
import { ROOT } from '../helpers.js';
import { CASES, figuresOf, finish, VERDICT_CODES } from './audit-cases.js';

describe('the warning table: each synthetic case fires its codes and no other verdict', () => {
  it.each(CASES)('%s', async (name, make, fires) => {
    const figures = await figuresOf(finish(make(), name));
    const codes = auditVerdicts(figures).map((w) => w.code);
    expect(codes.filter((c) => (VERDICT_CODES as readonly string[]).includes(c)).sort()).toEqual([...fires].sort());
  });
});

describe('what a rerun and a reference can show where the judge and the labels disagree', () => {
  const named = (name: string) => CASES.find(([n]) => n === name)!;
  it('a consistent rerun says the judge is self-consistent, never that the labels are flipped', async () => {
    const [name, make] = named('flipped labels (20%), a reliable rerun');
    const warnings = auditVerdicts(await figuresOf(finish(make(), name)));
    const wide = warnings.find((w) => w.code === 'wide_gap_disagreement')!;
    expect(wide.message).toMatch(/the judge is self-consistent here/);
    expect(wide.message).toMatch(/not a judge that is consistently wrong/);
    expect(warnings.map((w) => w.code)).not.toContain('labels_flipped');
  });
  it('a reference yields labels_flipped only on the condition that it is independent ground truth', async () => {
    const [name, make] = named('flipped labels (20%), a reference that agrees with the judge');
    const flipped = auditVerdicts(await figuresOf(finish(make(), name))).find((w) => w.code === 'labels_flipped')!;
    expect(flipped.message).toMatch(/if the reference is independent ground truth \(human or gold judgements/);
  });
});

describe('docs/AUDIT.md states every verdict and threshold', () => {
  const docs = readFileSync(join(ROOT, 'docs', 'AUDIT.md'), 'utf8');
  it.each(VERDICT_CODES.map((c) => [c]))('%s has its row', (code) => {
    expect(docs).toMatch(new RegExp(`\\| \`${code}\``));
  });
  it.each(Object.entries(THRESHOLDS))('threshold %s = %s is named with its value', (name, value) => {
    expect(docs).toMatch(new RegExp(`\`${name}\`[^|]*?${String(value).replace('.', '\\.')}`));
  });
});
