import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DistinctCounter, NumberSample } from '../../src/pipeline/sketch.js';

const hash = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 16);

describe('inspect tallies in bounded memory', () => {
  it('count distinct prompts exactly under the cap, and within 3% past it', () => {
    const small = new DistinctCounter(1000);
    for (let i = 0; i < 900; i++) small.add(hash(`p${i % 300}`));
    expect(small.distinct).toBe(300);
    expect(new Set(small.counts!.values()), 'each prompt counted three times').toEqual(new Set([3]));
    const large = new DistinctCounter(1000);
    for (let i = 0; i < 200_000; i++) large.add(hash(`q${i % 100_000}`));
    expect(large.counts).toBeNull();
    expect(Math.abs(large.distinct - 100_000) / 100_000).toBeLessThan(0.03);
  });

  it('keep every number under the cap; past it a seeded sample whose percentiles stay close', () => {
    const exact = new NumberSample(100);
    for (let i = 1; i <= 100; i++) exact.push(i);
    expect(exact.sampled).toBe(false);
    // numpy.percentile([1..100], [50, 90]): linear interpolation at q·(n−1).
    expect(exact.percentiles([50, 90])).toEqual({ p50: 50.5, p90: 90.10000000000001, max: 100 });
    const run = () => {
      const sample = new NumberSample(10_000);
      for (let i = 0; i < 1_000_000; i++) sample.push(i % 1000);
      return sample;
    };
    const sample = run();
    expect(sample.sampled).toBe(true);
    expect(sample.values()).toHaveLength(10_000);
    const p = sample.percentiles([50, 90]);
    expect(Math.abs(p.p50! - 500)).toBeLessThan(30);
    expect(Math.abs(p.p90! - 900)).toBeLessThan(30);
    expect(p.max).toBe(999);
    // Seeded: the same input gives the same figures every run.
    expect(run().percentiles([50, 90, 99])).toEqual(sample.percentiles([50, 90, 99]));
  });
});
