/**
 * radpo audit against an oracle typed from the definitions in docs/AUDIT.md (not from radpo's code): the
 * real label-flip file (UltraFeedback with 20% of labels flipped), a rerun, reference scores, aspects, tie
 * labels; the relabeled output audits to the same figures; gates, outputs and determinism.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meetsMinGap } from '../../../src/core/relabel.js';
import { DATA, parseJsonl, ROOT, run, tempDir } from '../../helpers.js';

const FLIP = join(DATA, 'foreign', 'ultrafeedback_label_flip_20_first500.jsonl');
const GOLDEN = join(ROOT, 'test', 'golden');

interface Row {
  prompt: string;
  chosen: string;
  rejected: string;
  metadata: { score_chosen: number; score_rejected: number };
}
const rows = parseJsonl(readFileSync(FLIP, 'utf8')) as unknown as Row[];

const close = (actual: unknown, expected: number | null, digits = 9) => {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual as number).toBeCloseTo(expected, digits);
};

async function auditJson(args: string[]) {
  const r = await run(['audit', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

// --- the oracle: each figure from its definition --------------------------------------------------------
const delta = (r: Row) => r.metadata.score_chosen - r.metadata.score_rejected;
const count = <T>(xs: T[], f: (x: T, i: number) => boolean) => xs.filter(f).length;
const codePointLength = (s: string) => [...s].length;

function wilsonOracle(k: number, n: number): [number, number] {
  const z = 1.959963984540054; // Φ⁻¹(0.975)
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [(centre - spread) / denominator, (centre + spread) / denominator];
}

function ranksOracle(xs: number[]): number[] {
  return xs.map((x) => {
    const below = xs.filter((y) => y < x).length;
    const equal = xs.filter((y) => y === x).length;
    return below + (equal + 1) / 2;
  });
}

function pearsonOracle(x: number[], y: number[]): number {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const [mx, my] = [mean(x), mean(y)];
  const cov = x.reduce((a, xi, i) => a + (xi - mx) * (y[i]! - my), 0);
  const vx = x.reduce((a, xi) => a + (xi - mx) ** 2, 0);
  const vy = y.reduce((a, yi) => a + (yi - my) ** 2, 0);
  return cov / Math.sqrt(vx * vy);
}

/** τ-b by counting every pair of observations. */
function kendallOracle(x: number[], y: number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const s = Math.sign(x[i]! - x[j]!) * Math.sign(y[i]! - y[j]!);
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
      if (x[i] === x[j] && y[i] !== y[j]) tiesX++;
      if (y[i] === y[j] && x[i] !== x[j]) tiesY++;
    }
  }
  return (concordant - discordant) / Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
}

/** Quadratic-weighted κ: categories = the distinct values used, weights by their positions. */
function qwkOracle(a: number[], b: number[]): number {
  const categories = [...new Set([...a, ...b])].sort((p, q) => p - q);
  const k = categories.length;
  const at = (v: number) => categories.indexOf(v);
  let observed = 0;
  for (let i = 0; i < a.length; i++) observed += (at(a[i]!) - at(b[i]!)) ** 2;
  let expected = 0;
  for (let r = 0; r < k; r++)
    for (let c = 0; c < k; c++)
      expected += ((r - c) ** 2 * count(a, (v) => at(v) === r) * count(b, (v) => at(v) === c)) / a.length;
  return 1 - observed / expected;
}

/** ICC(2,1) from Shrout & Fleiss' table: BMS, JMS, EMS of a targets × judges matrix. */
function iccOracle(matrix: number[][]): number {
  const n = matrix.length;
  const k = matrix[0]!.length;
  const all = matrix.flat();
  const grand = all.reduce((a, b) => a + b, 0) / all.length;
  const rowMean = matrix.map((r) => r.reduce((a, b) => a + b, 0) / k);
  const colMean = Array.from({ length: k }, (_, j) => matrix.reduce((a, r) => a + r[j]!, 0) / n);
  const bms = (k * rowMean.reduce((a, m) => a + (m - grand) ** 2, 0)) / (n - 1);
  const jms = (n * colMean.reduce((a, m) => a + (m - grand) ** 2, 0)) / (k - 1);
  let residual = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) residual += (matrix[i]![j]! - rowMean[i]! - colMean[j]! + grand) ** 2;
  const ems = residual / ((n - 1) * (k - 1));
  return (bms - ems) / (bms + (k - 1) * ems + (k * (jms - ems)) / n);
}

describe('radpo audit on the label-flip file (every figure against the oracle)', () => {
  it('label agreement under the three tie conventions, conflicts, ties', async () => {
    const report = await auditJson([FLIP, '--bootstrap', '200']);
    const n = rows.length;
    const pos = count(rows, (r) => delta(r) > 0);
    const zero = count(rows, (r) => delta(r) === 0);
    const neg = count(rows, (r) => delta(r) < 0);
    expect(report.schema).toBe('radpo.audit/v1');
    expect(report.pairs).toBe(500);
    expect([pos, zero, neg]).toEqual([349, 57, 94]);
    close(report.label_agreement.ties_half.value, (pos + zero / 2) / n);
    close(report.label_agreement.ties_dropped.value, pos / (pos + neg));
    expect(report.label_agreement.ties_dropped.n).toBe(pos + neg);
    close(report.label_agreement.ties_wrong.value, pos / n);
    expect(report.conflicts.count).toBe(neg);
    close(report.conflicts.rate, neg / n);
    expect(report.ties).toEqual({ count: zero, rate: zero / n });
    for (const e of [report.label_agreement.ties_half, report.label_agreement.ties_dropped, report.conflicts]) {
      const value = e.value ?? e.rate;
      expect(e.ci[0]).toBeLessThanOrEqual(value);
      expect(e.ci[1]).toBeGreaterThanOrEqual(value);
    }
    expect(report.label_agreement.cohen_kappa).toBeNull(); // no tie labels in this file
  });

  it('sees the flipped labels: a conflict rate near 20%, a plateau below 1 at the widest gaps', async () => {
    const r = await run(['audit', FLIP, '--bootstrap', '200']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/conflicts \(chosen lower\)\s+0\.188 .*warn/);
    for (const line of r.stdout.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(100);
    // Without a rerun or a reference, flipped labels and a judge wrong where it is surest look the same.
    expect(r.stdout).toMatch(/warning \[wide_gap_disagreement\]: the judge and the labels disagree where the judge/);
    expect(r.stdout).not.toMatch(/labels_flipped/);
    // The same rows before the flip (the study's clean file): no conflict, and the audit says why that is
    // no proof of a good judge either.
    const clean = await run(['audit', join(DATA, 'scored', 'ultrafeedback_gpt4_1000.jsonl'), '--bootstrap', '50']);
    expect(clean.stdout).toMatch(/warning \[labels_from_scores\]: 0 of [\s\S]*labels look derived/);
  });

  it('length bias by the 30-code-point rule', async () => {
    const report = await auditJson([FLIP, '--bootstrap', '0']);
    const lengths = rows.map((r) => [codePointLength(r.chosen), codePointLength(r.rejected)] as const);
    const eligible = rows.filter((_, i) => Math.abs(lengths[i]![0] - lengths[i]![1]) > 30);
    const longer = (r: Row) => codePointLength(r.chosen) > codePointLength(r.rejected);
    const scored = eligible.filter((r) => delta(r) !== 0);
    const lb = report.length_bias;
    expect(lb.pairs).toBe(eligible.length);
    close(lb.p_label_longer.value, count(eligible, longer) / eligible.length);
    close(lb.p_higher_score_longer.value, count(scored, (r) => delta(r) > 0 === longer(r)) / scored.length);
    expect(lb.p_higher_score_longer.n).toBe(scored.length);
    close(lb.longer_baseline.ties_half, (count(eligible, longer) + (rows.length - eligible.length) / 2) / rows.length);
  });

  it('scale health: floor, ceiling, entropy over the 19 half points of 1-10', async () => {
    const report = await auditJson([FLIP, '--bootstrap', '0']);
    const scores = rows.flatMap((r) => [r.metadata.score_chosen, r.metadata.score_rejected]);
    const h = report.scale_health;
    close(h.floor_share, count(scores, (s) => s === 1) / scores.length);
    close(h.ceiling_share, count(scores, (s) => s === 10) / scores.length);
    const freq = [...new Set(scores)].map((v) => count(scores, (s) => s === v) / scores.length);
    close(h.normalized_entropy, -freq.reduce((a, p) => a + p * Math.log(p), 0) / Math.log(19));
    expect(h.histogram.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(1000);
    expect(report.scale).toEqual({ min: 1, max: 10, source: 'paper' });
  });

  it('calibration: each bin by Wilson, the logistic slope by bisection, the widest quarter', async () => {
    const report = await auditJson([FLIP, '--bootstrap', '0']);
    const deltas = rows.map(delta).filter((d) => d !== 0);
    for (const [k, bin] of report.calibration.bins.entries()) {
      const last = k === report.calibration.bins.length - 1;
      const inside = deltas.filter((d) => {
        const m = Math.abs(d);
        return bin.lo === bin.hi ? m === bin.lo : m >= bin.lo && (m < bin.hi || (last && m === bin.hi));
      });
      const agree = count(inside, (d) => d > 0);
      expect(bin.pairs).toBe(inside.length);
      close(bin.agreement, agree / inside.length);
      close(bin.ci[0], wilsonOracle(agree, inside.length)[0]);
      close(bin.ci[1], wilsonOracle(agree, inside.length)[1]);
    }
    expect(report.calibration.bins.reduce((a: number, b: { pairs: number }) => a + b.pairs, 0)).toBe(deltas.length);
    // MLE of Σ log σ(βΔ): the score equation Σ Δ(1 − σ(βΔ)) = 0 decreases in β; bisect it.
    const sigma = (t: number) => 1 / (1 + Math.exp(-t));
    const gradient = (b: number) => deltas.reduce((a, d) => a + d * (1 - sigma(b * d)), 0);
    let [lo, hi] = [0, 10];
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (gradient(mid) > 0) lo = mid;
      else hi = mid;
    }
    const beta = (lo + hi) / 2;
    const fit = report.calibration.logistic;
    close(fit.slope, beta);
    // Every prompt is its own cluster here: the sandwich is Σ score² over the information.
    const information = deltas.reduce((a, d) => a + d * d * sigma(beta * d) * (1 - sigma(beta * d)), 0);
    const meat = deltas.reduce((a, d) => a + (d * (1 - sigma(beta * d))) ** 2, 0);
    close(fit.ci[1] - fit.slope, (1.96 * Math.sqrt(meat)) / information);
    close(fit.gap_at_target, Math.log(0.8 / 0.2) / beta);
    const magnitudes = deltas.map(Math.abs).sort((a, b) => a - b);
    const position = 0.75 * (magnitudes.length - 1);
    const cut =
      magnitudes[Math.floor(position)]! +
      (magnitudes[Math.ceil(position)]! - magnitudes[Math.floor(position)]!) * (position - Math.floor(position));
    const widest = deltas.filter((d) => Math.abs(d) >= cut);
    close(report.calibration.widest_gaps.agreement, count(widest, (d) => d > 0) / widest.length);
  });

  it('min-gap sweep: pairs, share, prompts, agreement, conflicts at each gap; the suggestion by its rule', async () => {
    const report = await auditJson([FLIP, '--bootstrap', '300', '--gaps', '0,1,2,3,4']);
    expect(report.min_gap_sweep.map((s: { gap: number }) => s.gap)).toEqual([0, 1, 2, 3, 4]);
    for (const s of report.min_gap_sweep) {
      const kept = rows.filter((r) => Math.abs(delta(r)) >= s.gap);
      const pos = count(kept, (r) => delta(r) > 0);
      const neg = count(kept, (r) => delta(r) < 0);
      expect(s.pairs).toBe(kept.length);
      close(s.share, kept.length / rows.length);
      expect(s.prompts).toBe(new Set(kept.map((r) => r.prompt)).size);
      close(s.agreement, pos / (pos + neg));
      expect(s.conflicts).toBe(neg);
    }
    // The rule: the first gap keeping half the pairs whose seed-free bound is not clearly below the target
    // (bound + its Monte-Carlo error reaches it); ok when bound − error clears it, else borderline.
    type Row = { gap: number; pairs: number; bound: { value: number; mc_error: number } };
    const oracle = (r: { min_gap_sweep: Row[] }, target: number) => {
      const first = r.min_gap_sweep.find((s) => s.pairs >= 250 && s.bound.value + s.bound.mc_error >= target);
      if (!first) return { gap: null, status: 'none' };
      return { gap: first.gap, status: first.bound.value - first.bound.mc_error >= target ? 'ok' : 'borderline' };
    };
    // The bound is the clustered Wilson one; every pair on its own prompt here, so plain Wilson.
    for (const s of report.min_gap_sweep) {
      const kept = rows.filter((r) => Math.abs(delta(r)) >= s.gap && delta(r) !== 0);
      close(
        s.bound.value,
        wilsonOracle(
          count(kept, (r) => delta(r) > 0),
          kept.length,
        )[0],
      );
    }
    expect(report.suggested_min_gap).toMatchObject(oracle(report, 0.8));
    // A lower target is reachable: the suggestion and the relabel command that applies it.
    const easy = await auditJson([FLIP, '--bootstrap', '300', '--target-agreement', '0.7']);
    expect(easy.suggested_min_gap).toMatchObject({ gap: 0, status: 'ok' });
    const tighter = await auditJson([FLIP, '--bootstrap', '300', '--target-agreement', '0.75']);
    const expected = oracle(tighter, 0.75);
    expect(tighter.suggested_min_gap).toMatchObject(expected);
    if (expected.status === 'ok' && expected.gap! > 0)
      expect(tighter.apply).toBe(`radpo relabel ${FLIP} --min-gap ${expected.gap}`);
  });

  it('retest: mean |difference|, exact repeats, flips, ICC(2,1) and the noise gap against a rerun', async () => {
    const dir = tempDir();
    const rerun = join(dir, 'rerun.jsonl');
    // A second judgement: each score moved by a fixed pattern of −1 … +1 (rows shuffled: joined by text).
    const moves = [0, 0.5, -1, 0, 1, -0.5, 0];
    const again = rows.map((r, i) => ({
      ...r,
      metadata: {
        score_chosen: Math.min(10, Math.max(1, r.metadata.score_chosen + moves[i % 7]!)),
        score_rejected: Math.min(10, Math.max(1, r.metadata.score_rejected + moves[(i * 3 + 1) % 7]!)),
      },
    }));
    writeFileSync(
      rerun,
      `${[...again]
        .reverse()
        .map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
    const report = await auditJson([FLIP, '--rerun', rerun, '--bootstrap', '0']);
    const diffs = rows.flatMap((r, i) => [
      r.metadata.score_chosen - again[i]!.metadata.score_chosen,
      r.metadata.score_rejected - again[i]!.metadata.score_rejected,
    ]);
    const t = report.retest;
    expect(t.pairs).toBe(500);
    expect(t.responses).toBe(1000);
    close(t.mean_abs_diff, diffs.reduce((a, d) => a + Math.abs(d), 0) / diffs.length);
    close(t.exact_repeat_rate, count(diffs, (d) => d === 0) / diffs.length);
    const flips = count(rows, (r, i) => {
      const again2 = again[i]!.metadata;
      return Math.sign(delta(r)) !== Math.sign(again2.score_chosen - again2.score_rejected);
    });
    close(t.flip_rate, flips / rows.length);
    // The flips split into reversals (+ ↔ −) and tie changes (0 ↔ ±).
    const signs = rows.map((r, i) => {
      const again2 = again[i]!.metadata;
      return [Math.sign(delta(r)), Math.sign(again2.score_chosen - again2.score_rejected)] as const;
    });
    close(t.reversal_rate, count(signs, ([a, b]) => a * b < 0) / rows.length);
    close(t.tie_change_rate, count(signs, ([a, b]) => a !== b && a * b === 0) / rows.length);
    close(t.reversal_rate + t.tie_change_rate, t.flip_rate);
    const matrix = rows.flatMap((r, i) => [
      [r.metadata.score_chosen, again[i]!.metadata.score_chosen],
      [r.metadata.score_rejected, again[i]!.metadata.score_rejected],
    ]);
    close(t.icc, iccOracle(matrix));
    close(t.noise_gap, 1.96 * Math.SQRT2 * Math.sqrt(diffs.reduce((a, d) => a + d * d, 0) / diffs.length / 2));
    expect(t.identical).toBe(false);
  });

  it('a rerun that repeats every score is named a cache, not perfect reliability, and fails a flip gate', async () => {
    const r = await run(['audit', FLIP, '--rerun', FLIP, '--bootstrap', '0', '--max-flip-rate', '0.1', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.retest.identical).toBe(true);
    expect(report.retest.icc).toBeNull();
    expect(report.retest.flip_rate).toBeNull();
    expect(report.warnings.map((w: { code: string }) => w.code)).toContain('cached_rerun');
    expect(JSON.stringify(report.warnings)).toMatch(/looks like answers from a cache.*--rescore --no-cache/);
    expect(r.stderr).toMatch(/retest\.flip_rate is not measurable, above --max-flip-rate 0\.1/);
  });

  it('reference scores: Pearson, Spearman, Kendall τ-b, quadratic κ and order agreement', async () => {
    const dir = tempDir();
    const path = join(dir, 'with-ref.jsonl');
    // A second "judge": the GPT-4 score rounded down to a whole point, and one step off on every fifth row.
    const ref = (s: number, i: number) => Math.max(1, Math.floor(s) - (i % 5 === 0 ? 1 : 0));
    writeFileSync(
      path,
      `${rows
        .map((r, i) =>
          JSON.stringify({
            ...r,
            ref_c: ref(r.metadata.score_chosen, i),
            ref_r: ref(r.metadata.score_rejected, i + 2),
          }),
        )
        .join('\n')}\n`,
    );
    const report = await auditJson([path, '--reference-chosen-col', 'ref_c', '--reference-rejected-col', 'ref_r']);
    // Each response once per prompt (one pair here has the same text twice).
    const mine: number[] = [];
    const theirs: number[] = [];
    rows.forEach((r, i) => {
      mine.push(r.metadata.score_chosen);
      theirs.push(ref(r.metadata.score_chosen, i));
      if (r.rejected === r.chosen) return;
      mine.push(r.metadata.score_rejected);
      theirs.push(ref(r.metadata.score_rejected, i + 2));
    });
    const f = report.reference;
    expect(f.responses).toBe(mine.length);
    close(f.pearson, pearsonOracle(mine, theirs));
    close(f.spearman, pearsonOracle(ranksOracle(mine), ranksOracle(theirs)));
    close(f.kendall_tau_b, kendallOracle(mine, theirs));
    close(f.quadratic_kappa, qwkOracle(mine, theirs));
    const same = rows.filter((r, i) => {
      const a = Math.sign(delta(r));
      const b = Math.sign(ref(r.metadata.score_chosen, i) - ref(r.metadata.score_rejected, i + 2));
      return a !== 0 && b !== 0;
    });
    expect(f.pair_agreement.n).toBe(same.length);
  });

  it('the relabeled output of the file audits to the same figures (both placements, both orders)', async () => {
    const dir = tempDir();
    const source = await auditJson([FLIP, '--bootstrap', '200']);
    for (const extra of [[], ['--placement', 'user', '--order', 'concat']]) {
      const out = join(dir, `relabeled${extra.length}.jsonl`);
      const relabel = await run(['relabel', FLIP, '--identical', 'keep', '--allow-empty', '-o', out, '-q', ...extra]);
      expect(relabel.code, relabel.stderr).toBe(0);
      const audited = await auditJson([out, '--bootstrap', '200']);
      expect(audited.rows.relabeled_twins).toBe(500);
      for (const key of Object.keys(source).filter((k) => !['inputs', 'rows', 'apply', 'scale'].includes(k)))
        expect(audited[key], key).toEqual(source[key]);
      // The same 1-10, read from the goal text this time.
      expect(audited.scale).toEqual({ min: 1, max: 10, source: 'goal' });
    }
  });
});

describe('radpo audit: labels with ties, aspects, prompts shared by pairs', () => {
  it("winner columns with ties: tie labels are kept as ties and Cohen's κ is reported", async () => {
    const dir = tempDir();
    const path = join(dir, 'arena.jsonl');
    const lines: string[] = [];
    // 12 rows: A wins (scores agree), B wins (scores agree, one disagrees), ties (scores equal on half).
    const spec: Array<[string, number, number]> = [
      ['model_a', 8, 5],
      ['model_a', 7, 6],
      ['model_a', 4, 6],
      ['model_b', 3, 9],
      ['model_b', 2, 8],
      ['model_b', 7, 5],
      ['tie', 5, 5],
      ['tie', 6, 6],
      ['tie', 6, 8],
      ['tie', 9, 3],
      ['model_a', 9, 9],
      ['model_b', 1, 10],
    ];
    for (const [i, [winner, a, b]] of spec.entries()) {
      const row = { prompt: `q${i}`, response_a: `a${i}`, response_b: `b${i}`, winner, score_a: a, score_b: b };
      lines.push(JSON.stringify(row));
    }
    writeFileSync(path, `${lines.join('\n')}\n`);
    const report = await auditJson([
      path,
      ...['--response-a-col', 'response_a', '--response-b-col', 'response_b', '--winner-col', 'winner'],
      ...['--score-a-col', 'score_a', '--score-b-col', 'score_b', '--bootstrap', '0'],
    ]);
    // Label (1 = the winner, as chosen; 0 = tie) against the scores' verdict (+1, 0, −1 for chosen − rejected).
    const labelOf = (w: string) => (w === 'tie' ? 0 : 1);
    const verdictOf = ([w, a, b]: [string, number, number]) => Math.sign(w === 'model_b' ? b - a : a - b);
    // κ on {chosen, tie, rejected}, each row counted as read and turned round (−label, −verdict).
    const labels = spec.flatMap(([w]) => [labelOf(w), -labelOf(w)]);
    const verdicts = spec.flatMap((row) => [verdictOf(row), -verdictOf(row)]);
    const categories = [-1, 0, 1];
    const po = count(labels, (_, i) => labels[i] === verdicts[i]) / labels.length;
    const pe = categories.reduce(
      (a, c) => a + (count(labels, (l) => l === c) / labels.length) * (count(verdicts, (v) => v === c) / labels.length),
      0,
    );
    close(report.label_agreement.cohen_kappa, (po - pe) / (1 - pe));
    // The A/B order of a tied row cannot move it: the same file with every tie's A and B swapped.
    const swapped = join(dir, 'swapped.jsonl');
    writeFileSync(
      swapped,
      `${spec
        .map(([winner, a, b], i) => {
          const [ra, rb, sa, sb] = winner === 'tie' ? [`b${i}`, `a${i}`, b, a] : [`a${i}`, `b${i}`, a, b];
          return JSON.stringify({ prompt: `q${i}`, response_a: ra, response_b: rb, winner, score_a: sa, score_b: sb });
        })
        .join('\n')}\n`,
    );
    const again = await auditJson([
      swapped,
      ...['--response-a-col', 'response_a', '--response-b-col', 'response_b', '--winner-col', 'winner'],
      ...['--score-a-col', 'score_a', '--score-b-col', 'score_b', '--bootstrap', '0'],
    ]);
    expect(again.label_agreement.cohen_kappa).toBe(report.label_agreement.cohen_kappa);
    // Three-way (FastChat's "with tie"): a tie label agrees with equal scores, a side label with its side higher.
    const threeWay = count(spec, ([w, a, b]) => (w === 'tie' ? a === b : verdictOf([w, a, b]) > 0));
    close(report.label_agreement.three_way.value, threeWay / spec.length);
    expect(report.label_agreement.three_way.n).toBe(12);
    // Position: over side labels with unequal scores, the judge's A share and the label's.
    const sided = spec.filter(([w, a, b]) => w !== 'tie' && a !== b);
    expect(report.position_bias.pairs).toBe(sided.length);
    close(report.position_bias.judge_prefers_a, count(sided, ([, a, b]) => a > b) / sided.length);
    close(report.position_bias.label_prefers_a, count(sided, ([w]) => w === 'model_a') / sided.length);
    close(
      report.position_bias.difference.value,
      (count(sided, ([, a, b]) => a > b) - count(sided, ([w]) => w === 'model_a')) / sided.length,
    );
    expect(report.label_agreement.tie_labels).toEqual({ count: 4, scored_tie_rate: 0.5 });
    expect(report.pairs).toBe(12);
    expect(report.label_agreement.ties_half.n).toBe(8);
  });

  it('aspects: overall against the mean of --attr ratings, conflicts and extreme mismatches', async () => {
    const dir = tempDir();
    const path = join(dir, 'aspects.jsonl');
    const data = [
      { o: [9, 4], h: [5, 2], t: [4, 2] }, // agree
      { o: [8, 6], h: [2, 4], t: [1, 5] }, // the overall says chosen, the aspects say rejected: a conflict
      { o: [10, 3], h: [1, 3], t: [1, 3] }, // an overall 10 on a response the aspects rate 1: extreme
      { o: [5, 5], h: [3, 3], t: [3, 4] },
    ];
    writeFileSync(
      path,
      `${data
        .map((d, i) =>
          JSON.stringify({
            prompt: `p${i}`,
            chosen: `c${i}`,
            rejected: `r${i}`,
            score_chosen: d.o[0],
            score_rejected: d.o[1],
            help: { c: d.h[0], r: d.h[1] },
            truth: { c: d.t[0], r: d.t[1] },
          }),
        )
        .join('\n')}\n`,
    );
    const report = await auditJson([
      path,
      '--attr',
      'help=help.c,help.r',
      '--attr',
      'truth=truth.c,truth.r',
      '--bootstrap',
      '0',
    ]);
    const a = report.aspects;
    expect(a.names).toEqual(['help', 'truth']);
    expect(a.conflicts).toEqual({ count: 2, rate: 0.5 }); // pairs 2 and 3
    // Extreme: |(o−1)/9 − (mean−1)/4| ≥ 0.5 — pair 3's chosen (10 vs 1), pair 2's chosen (8 vs 1.5).
    const norm = (o: number, m: number) => Math.abs((o - 1) / 9 - (m - 1) / 4);
    const extreme = data.flatMap((d) => [
      norm(d.o[0]!, (d.h[0]! + d.t[0]!) / 2),
      norm(d.o[1]!, (d.h[1]! + d.t[1]!) / 2),
    ]);
    expect(a.extreme_mismatches.count).toBe(count(extreme, (x) => x >= 0.5));
    expect(a.per_aspect.map((p: { conflicts: number }) => p.conflicts)).toEqual([2, 2]);
  });

  it('bootstrap resamples prompts: pairs that share a prompt move together', async () => {
    const dir = tempDir();
    const path = join(dir, 'shared.jsonl');
    const lines: string[] = [];
    for (let p = 0; p < 40; p++)
      for (let k = 0; k < 5; k++)
        lines.push(
          JSON.stringify({
            prompt: `prompt ${p}`,
            chosen: `c${p}.${k}`,
            rejected: `r${p}.${k}`,
            score_chosen: p % 4 === 0 ? 3 : 8,
            score_rejected: 5,
          }),
        );
    writeFileSync(path, `${lines.join('\n')}\n`);
    const report = await auditJson([path, '--bootstrap', '500']);
    expect(report.prompts).toBe(40);
    // 200 pairs but 40 independent prompts: the interval is as wide as 40 draws', not 200's.
    const [lo, hi] = report.label_agreement.ties_dropped.ci;
    expect(hi - lo).toBeGreaterThan(0.15);
  });
});

describe('radpo audit --group-col', () => {
  it('groups: pairs, agreement with a clustered Wilson interval, conflicts, ties, length, per group', async () => {
    const dir = tempDir();
    const path = join(dir, 'grouped.jsonl');
    // Three tasks, two pairs per prompt; the label-flip file's scores and texts.
    const tasks = ['math', 'code', 'chat'];
    const lines = rows.map((r, i) => JSON.stringify({ ...r, prompt: `q${Math.floor(i / 2)}`, task: tasks[i % 3] }));
    writeFileSync(path, `${lines.join('\n')}\n`);
    const report = await auditJson([path, '--group-col', 'task', '--bootstrap', '0']);
    expect(report.groups.map((g: { group: string }) => g.group)).toEqual(tasks);
    // The overall figures are those of the file without groups.
    const plain = await auditJson([FLIP, '--bootstrap', '0']);
    expect(report.label_agreement.ties_dropped.value).toBe(plain.label_agreement.ties_dropped.value);
    for (const [t, task] of tasks.entries()) {
      const g = report.groups[t];
      const members = rows.map((r, i) => ({ r, i })).filter(({ i }) => i % 3 === t);
      const decisive = members.filter(({ r }) => delta(r) !== 0);
      const agree = count(decisive, ({ r }) => delta(r) > 0);
      expect(g).toMatchObject({
        group: task,
        pairs: members.length,
        ties: { count: members.length - decisive.length },
      });
      close(g.label_agreement.value, agree / decisive.length);
      close(g.conflicts.rate, count(members, ({ r }) => delta(r) < 0) / members.length);
      // Clustered Wilson: n shrunk by the design effect (prompts as clusters), then Wilson's interval.
      const p = agree / decisive.length;
      const byPrompt = new Map<number, [number, number]>();
      for (const { r, i } of decisive) {
        const c = byPrompt.get(Math.floor(i / 2)) ?? [0, 0];
        byPrompt.set(Math.floor(i / 2), [c[0] + (delta(r) > 0 ? 1 : 0), c[1] + 1]);
      }
      const robust = [...byPrompt.values()].reduce((a, [k, n]) => a + (k - p * n) ** 2, 0) / decisive.length ** 2;
      const effect = Math.max(1, robust / ((p * (1 - p)) / decisive.length));
      const nEff = decisive.length / effect;
      const [lo, hi] = wilsonOracle(p * nEff, nEff);
      close(g.label_agreement.ci[0], lo);
      close(g.label_agreement.ci[1], hi);
      const longer = members.filter(({ r }) => Math.abs(codePointLength(r.chosen) - codePointLength(r.rejected)) > 30);
      close(
        g.length_bias.p_label_longer,
        count(longer, ({ r }) => codePointLength(r.chosen) > codePointLength(r.rejected)) / longer.length,
      );
    }
  });
});

describe('radpo audit with a separate scores file (--scores FILE --key PATH, as relabel)', () => {
  it('joins the scores by key; a row the file does not score is counted as missing_score, not dropped', async () => {
    const dir = tempDir();
    const pairs = join(dir, 'pairs.jsonl');
    const scores = join(dir, 'scores.jsonl');
    // The label-flip rows without their scores, and their scores in a file of their own, keyed by row number.
    writeFileSync(
      pairs,
      rows
        .map((r, i) => JSON.stringify({ id: `r${i}`, prompt: r.prompt, chosen: r.chosen, rejected: r.rejected }))
        .join('\n') + '\n',
    );
    writeFileSync(
      scores,
      rows
        .slice(0, 499)
        .map((r, i) =>
          JSON.stringify({
            id: `r${i}`,
            score_chosen: r.metadata.score_chosen,
            score_rejected: r.metadata.score_rejected,
          }),
        )
        .join('\n') + '\n',
    );
    const joined = await auditJson([pairs, '--scores', scores, '--key', 'id', '--bootstrap', '0']);
    expect(joined.rows.unreadable).toEqual({ missing_score: 1 });
    expect(joined.pairs).toBe(499);
    const kept = rows.slice(0, 499);
    close(joined.conflicts.rate, count(kept, (r) => delta(r) < 0) / 499);
    expect((await run(['audit', pairs, '--scores', scores])).code).toBe(2);
  });
});

describe('radpo audit on radpo output of every layout', () => {
  it('--attr output: each attribute an aspect, their mean the overall, the scale from the goal', async () => {
    const report = await auditJson([join(GOLDEN, 'helpsteer2_attributes.jsonl'), '--bootstrap', '0']);
    expect(report.pairs).toBe(4);
    expect(report.rows.relabeled_twins).toBe(4);
    expect(report.scale).toEqual({ min: 0, max: 4, source: 'goal' });
    expect(report.warnings.map((w: { code: string }) => w.code)).toContain('aspects_only');
    const rows = parseJsonl(readFileSync(join(GOLDEN, 'helpsteer2_attributes.jsonl'), 'utf8'));
    const mean = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0) / Object.values(o).length;
    const firsts = rows.filter((r) => r.copy === 'chosen_goal');
    const pos = count(firsts, (r) => mean(r.score_chosen) > mean(r.score_rejected));
    const neg = count(firsts, (r) => mean(r.score_chosen) < mean(r.score_rejected));
    close(report.label_agreement.ties_dropped.value, pos + neg > 0 ? pos / (pos + neg) : null);
  });

  it('NeMo and Axolotl rows keep no scores: a clear refusal naming the layout and what to audit instead', async () => {
    for (const [file, layout] of [
      ['format_nemo.jsonl', 'NeMo'],
      ['format_axolotl.jsonl', 'Axolotl'],
    ]) {
      const r = await run(['audit', join(GOLDEN, file!)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`the ${layout} layout keeps no scores[\\s\\S]*--format trl`));
    }
  });

  it('every other layout relabel writes reads back to one pair per source row', async () => {
    for (const file of ['format_llamafactory.jsonl', 'format_text_multiturn.jsonl', 'orca_csv.jsonl']) {
      const report = await auditJson([join(GOLDEN, file), '--bootstrap', '0']);
      expect(report.pairs, file).toBe(report.rows.relabeled_twins);
      expect(report.pairs * 2, file).toBe(report.rows.read);
    }
  });
});

describe('radpo audit: outputs, gates, determinism', () => {
  it('same input and seed give the same bytes; another seed moves only the intervals', async () => {
    const a = await run(['audit', FLIP, '--json', '--seed', '7']);
    const b = await run(['audit', FLIP, '--json', '--seed', '7']);
    const c = await run(['audit', FLIP, '--json', '--seed', '8']);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    expect(JSON.parse(c.stdout).label_agreement.ties_dropped.value).toBe(
      JSON.parse(a.stdout).label_agreement.ties_dropped.value,
    );
  });

  it('gates: exit 1 naming the figure, its value and the bound; passing gates exit 0', async () => {
    const failing = await run([
      'audit',
      FLIP,
      '--bootstrap',
      '0',
      '--min-agreement',
      '0.85',
      '--max-conflict-rate',
      '0.1',
    ]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/label_agreement\.ties_dropped is 0\.7878, below --min-agreement 0\.85/);
    expect(failing.stderr).toMatch(/conflicts\.rate is 0\.1880, above --max-conflict-rate 0\.1/);
    expect(failing.stdout).toMatch(/gate --min-agreement 0\.85: FAILED/);
    const passing = await run([
      'audit',
      FLIP,
      '--bootstrap',
      '0',
      '--min-agreement',
      '0.7',
      '--max-conflict-rate',
      '0.2',
    ]);
    expect(passing.code, passing.stderr).toBe(0);
  });

  it('--conflicts writes every conflicting pair; --html one self-contained page, its numbers the JSON', async () => {
    const dir = tempDir();
    const conflicts = join(dir, 'conflicts.jsonl');
    const page = join(dir, 'audit.html');
    const r = await run(['audit', FLIP, '--json', '--bootstrap', '100', '--conflicts', conflicts, '--html', page]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const written = parseJsonl(readFileSync(conflicts, 'utf8'));
    expect(written).toHaveLength(94);
    for (const c of written) expect(c.score_chosen).toBeLessThan(c.score_rejected);
    expect(written[0]).toMatchObject({ line: 2, score_chosen: 1, score_rejected: 8, gap: -7 });
    expect(readdirSync(dir).sort()).toEqual(['audit.html', 'conflicts.jsonl']);
    const html = readFileSync(page, 'utf8');
    // Nothing to load: no script, link, src or href (the data's text is escaped: its "<" opens no tag).
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=/);
    expect(html.match(/<style>([^<]*)<\/style>/)![1]).not.toMatch(/@import|url\(/);
    expect(html).toMatch(/<svg/);
    const cells = [...html.matchAll(/data-key="([^"]+)">([^<]*)</g)];
    expect(cells.length).toBeGreaterThan(60);
    const get = (key: string) => key.split('.').reduce((v: any, k) => v?.[k], report);
    for (const [, key, text] of cells) {
      const value = get(key!);
      if (Array.isArray(value)) expect(text, key).toBe(`${value[0].toFixed(3)}–${value[1].toFixed(3)}`);
      else if (value === null) expect(text, key).toMatch(/^(-|none)?$/);
      else if (Number.isInteger(value)) expect(Number(text), key).toBe(value);
      else expect(Number(text), key).toBeCloseTo(value, 3);
    }
  });

  it('a run that fails leaves no page and no conflicts file behind', async () => {
    const dir = tempDir();
    const bad = join(dir, 'unscored.jsonl');
    writeFileSync(bad, `${JSON.stringify({ prompt: 'p', chosen: 'a', rejected: 'b' })}\n`);
    const r = await run(['audit', bad, '--html', join(dir, 'a.html'), '--conflicts', join(dir, 'c.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no scores found.*\n.*radpo score/);
    expect(readdirSync(dir)).toEqual(['unscored.jsonl']);
    expect(existsSync(join(dir, 'a.html'))).toBe(false);
  });

  it('names what it could not read and audits the rest (nothing lost in silence)', async () => {
    const dir = tempDir();
    const path = join(dir, 'mixed.jsonl');
    const good = (i: number) =>
      JSON.stringify({ prompt: `p${i}`, chosen: 'a', rejected: 'b', score_chosen: 7, score_rejected: 4 });
    writeFileSync(
      path,
      `${[
        good(1),
        '{"prompt": broken',
        JSON.stringify({ prompt: 'p', chosen: 'a', rejected: 'b', score_chosen: 'n/a', score_rejected: 3 }),
        good(2),
      ].join('\n')}\n`,
    );
    const report = await auditJson([path, '--bootstrap', '0']);
    expect(report.rows).toEqual({ read: 4, unreadable: { malformed_record: 1 }, unscored: 1, relabeled_twins: 0 });
    expect(report.pairs).toBe(2);
    expect(report.scale_health.parse_failures).toEqual({ count: 1, rate: 0.25 });
    // Each kind's first row is named — file, line, field, what was found — and how to see them all.
    const notAudited = report.warnings.find((w: { code: string }) => w.code === 'rows_not_audited');
    expect(notAudited.message).toMatch(/^2 rows left out of the figures/);
    expect(notAudited.message).toMatch(/mixed\.jsonl:2: .*not valid JSON/);
    expect(notAudited.message).toMatch(/mixed\.jsonl:3: field "score_chosen": .*found a string "n\/a"/);
    expect(notAudited.hint).toMatch(/--on-error skip --rejects rejects\.jsonl/);
  });
});

describe('radpo relabel --min-gap', () => {
  it('sets aside pairs whose scores differ by less than the gap, as the sweep counts them', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const rejects = join(dir, 'rejects.jsonl');
    const report = await auditJson([FLIP, '--bootstrap', '0', '--gaps', '0,2']);
    const r = await run([
      'relabel',
      FLIP,
      '--min-gap',
      '2',
      '--identical',
      'keep',
      '--allow-empty',
      '--on-error',
      'skip',
      '--rejects',
      rejects,
      '-o',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(readFileSync(out, 'utf8'))).toHaveLength(report.min_gap_sweep[1].pairs * 2);
    const reasons = parseJsonl(readFileSync(rejects, 'utf8')).map((x) => x.reason);
    expect(reasons).toHaveLength(500 - report.min_gap_sweep[1].pairs);
    expect(new Set(reasons)).toEqual(new Set(['below_min_gap']));
    expect(r.stderr).toMatch(/below_min_gap/);
  });
});

describe('radpo audit: the suggestion', () => {
  it('eight seeds, one suggestion: a borderline file gets the same suggestion, marked borderline', async () => {
    const dir = tempDir();
    const path = join(dir, 'borderline.jsonl');
    // 400 pairs, gaps 1-4, 64 of them (16%) scored against their label: the bound of agreement sits at 0.80.
    const lines = Array.from({ length: 400 }, (_, i) => {
      const gap = 1 + (i % 4);
      const agree = (i * 37) % 400 >= 64;
      return JSON.stringify({
        prompt: `p${i}`,
        chosen: `c${i}`,
        rejected: `r${i}`,
        score_chosen: agree ? 5 + gap : 5,
        score_rejected: agree ? 5 : 5 + gap,
      });
    });
    writeFileSync(path, `${lines.join('\n')}\n`);
    const suggestions = new Set<string>();
    const lowerBounds = new Set<string>();
    for (let seed = 0; seed < 8; seed++) {
      const report = await auditJson([path, '--seed', String(seed)]);
      suggestions.add(JSON.stringify(report.suggested_min_gap));
      lowerBounds.add(report.min_gap_sweep[0].agreement_ci[0].toFixed(4));
    }
    // The bootstrap's own bound moves with the seed around the target; the suggestion does not.
    expect(lowerBounds.size).toBeGreaterThan(1);
    expect(suggestions.size).toBe(1);
    expect(JSON.parse([...suggestions][0]!)).toMatchObject({ gap: 0, status: 'borderline' });
  });
});

// Issue 28's findings on audit, one test each, named after the finding.
describe('issue 28: audit keeps the promises', () => {
  const scored = (i: number, c: number, r: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      prompt: `p${i}`,
      chosen: `a${i}`,
      rejected: `b${i}`,
      score_chosen: c,
      score_rejected: r,
      ...extra,
    });

  it('finding 7: suggested commands are shell-quoted and data reaches the terminal escaped', async () => {
    const dir = tempDir();
    const name = join(dir, 'my data;touch PWNED #\u001b]0;title\u0007.jsonl');
    writeFileSync(
      name,
      `${Array.from({ length: 60 }, (_, i) => scored(i, i % 10 < 8 ? 8 : 3, i % 10 < 8 ? 2 : 5)).join('\n')}\n` +
        '{"prompt": broken\n',
    );
    const table = await run(['audit', name, '--bootstrap', '50']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout + table.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(table.stdout).toContain("apply it: radpo relabel $'");
    expect(table.stdout).toContain('\\x1b]0;title\\x07');
    const json = JSON.parse((await run(['audit', name, '--bootstrap', '50', '--json'])).stdout);
    const apply: string = json.apply;
    const hint: string = json.warnings.find((w: { code: string }) => w.code === 'rows_not_audited').hint;
    // Pasted into bash, each runs radpo with the file name as one word (echoed here, nothing run).
    for (const command of [apply, hint.slice(hint.indexOf('radpo relabel'))]) {
      const words = spawnSync('bash', ['-c', `f() { printf '%s\\n' "$2"; }; f ${command.slice('radpo '.length)}`], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(words.stdout).toBe(`${name}\n`);
    }
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
  });
});

describe('issue 28: audit keeps the promises (findings 1, 3, 5, 6, 8)', () => {
  const pairRow = (i: number, c: number, r: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      prompt: `p${i}`,
      chosen: `a${i}`,
      rejected: `b${i}`,
      score_chosen: c,
      score_rejected: r,
      ...extra,
    });
  const healthy = (n: number) =>
    Array.from({ length: n }, (_, i) => pairRow(i, i % 5 === 0 ? 3 : 8, i % 5 === 0 ? 6 : 2));

  it('finding 1: two finite scores whose gap is not finite are a bad score, set aside, named (no hang)', async () => {
    const dir = tempDir();
    const path = join(dir, 'in.jsonl');
    writeFileSync(path, `${[...healthy(40), pairRow(99, -1e308, 1e308)].join('\n')}\n`);
    const page = join(dir, 'a.html');
    const r = await run([
      'audit',
      path,
      '--json',
      '--bootstrap',
      '50',
      '--html',
      page,
      '--conflicts',
      join(dir, 'c.jsonl'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.pairs).toBe(40);
    expect(report.rows.unscored).toBe(1);
    const notAudited = report.warnings.find((w: { code: string }) => w.code === 'rows_not_audited');
    expect(notAudited.message).toMatch(/in\.jsonl:41: .*-1e\+308 and 1e\+308/);
    expect(readdirSync(dir).sort()).toEqual(['a.html', 'c.jsonl', 'in.jsonl']);
  });

  it('finding 3: Ctrl-C during the bootstrap exits 130, publishes nothing and leaves no temp', async () => {
    const dir = tempDir();
    // Ten copies of the 500 pairs: the read takes a moment, the bootstrap of 100 000 resamples of 5 000 pairs
    // far longer than 1.5 s on any machine (500 pairs alone could finish first on an idle one), so the abort
    // lands in it.
    const input = join(tempDir(), 'flip10.jsonl');
    writeFileSync(input, readFileSync(FLIP, 'utf8').repeat(10));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const r = await run(
      ['audit', input, '--bootstrap', '100000', '--html', join(dir, 'a.html'), '--conflicts', join(dir, 'c.jsonl')],
      { signal: controller.signal },
    );
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('finding 5: distinct pairs sharing a source id, and two relabeled files, are not folded as twins', async () => {
    const dir = tempDir();
    // Two pairs from one prompt with one id (as pairs --strategy all makes them), relabeled.
    const src = join(dir, 'src.jsonl');
    writeFileSync(
      src,
      `${[
        JSON.stringify({ id: 'q1', prompt: 'p', chosen: 'best', rejected: 'mid', score_chosen: 9, score_rejected: 5 }),
        JSON.stringify({
          id: 'q1',
          prompt: 'p',
          chosen: 'best',
          rejected: 'worst',
          score_chosen: 9,
          score_rejected: 2,
        }),
        JSON.stringify({ id: 'q2', prompt: 'p2', chosen: 'x', rejected: 'y', score_chosen: 7, score_rejected: 4 }),
      ].join('\n')}\n`,
    );
    const out = join(dir, 'out.jsonl');
    const other = join(dir, 'other.jsonl');
    expect((await run(['relabel', src, '-o', out, '-q'])).code).toBe(0);
    const otherSrc = join(dir, 'src2.jsonl');
    writeFileSync(otherSrc, readFileSync(src, 'utf8').replaceAll('best', 'good'));
    expect((await run(['relabel', otherSrc, '-o', other, '-q'])).code).toBe(0);
    const one = await auditJson([out, '--bootstrap', '0']);
    expect(one.pairs).toBe(3);
    expect(one.rows.relabeled_twins).toBe(3);
    const both = await auditJson([out, other, '--bootstrap', '0']);
    expect(both.pairs).toBe(6);
  });

  it('finding 5: a rerun or reference file counts its unread rows and names the pairs it does not cover', async () => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${healthy(40).join('\n')}\n`);
    const rerun = join(dir, 'rerun.jsonl');
    const again = healthy(30).map((l) => l.replace('"score_chosen":8', '"score_chosen":7'));
    again[3] = pairRow(3, Number.NaN, 2).replace('null', '"n/a"');
    writeFileSync(rerun, `${[...again, '{"prompt": broken', pairRow(500, 5, 5)].join('\n')}\n`);
    const report = await auditJson([input, '--rerun', rerun, '--bootstrap', '0']);
    expect(report.joins).toEqual([
      {
        file: rerun,
        role: 'rerun',
        rows: 32,
        matched: 29,
        unmatched: 1,
        unreadable: 1,
        unscored: 1,
        uncovered: 11,
        duplicates: 0,
      },
    ]);
    const codes = report.warnings.map((w: { code: string }) => w.code);
    expect(codes).toEqual(expect.arrayContaining(['unmatched_rows', 'join_rows_not_read', 'uncovered_pairs']));
    const unread = report.warnings.find((w: { code: string }) => w.code === 'join_rows_not_read');
    expect(unread.message).toMatch(/2 of its 32 rows could not be used .*rerun\.jsonl:31: .*not valid JSON/);
  });

  it('finding 5: --id-col joins 1 (JSONL), "1" (CSV) and 1.0 as one id, as --scores/--key does', async () => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(
      input,
      `${healthy(30)
        .map((l, i) => l.replace('{', `{"id":${i + 1},`))
        .join('\n')}\n`,
    );
    const rerun = join(dir, 'rerun.csv');
    const csv = ['id,prompt,chosen,rejected,score_chosen,score_rejected'];
    for (let i = 0; i < 30; i++) csv.push(`${i + 1},q${i},other${i},texts${i},7,3`);
    writeFileSync(rerun, `${csv.join('\n')}\n`);
    const report = await auditJson([input, '--rerun', rerun, '--id-col', 'id', '--bootstrap', '0']);
    expect(report.retest.pairs).toBe(30);
    expect(report.joins[0]).toMatchObject({ matched: 30, unmatched: 0, uncovered: 0 });
    const floats = join(dir, 'floats.jsonl');
    writeFileSync(
      floats,
      `${healthy(30)
        .map((l, i) => l.replace('{', `{"id":${i + 1}.0,`))
        .join('\n')}\n`,
    );
    expect((await auditJson([floats, '--rerun', rerun, '--id-col', 'id', '--bootstrap', '0'])).retest.pairs).toBe(30);
  });

  // audit - --rerun - (stdin read twice) is refused: a row of test/commands/audit/config.test.ts.
  it('finding 5: an audit of 0 scored pairs exits 1', async () => {
    const dir = tempDir();
    const path = join(dir, 'broken.jsonl');
    writeFileSync(path, '{"prompt": broken\n');
    const none = await run(['audit', path, '--json']);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/no scored pairs to audit: 1 row read; 1 row left out .*broken\.jsonl:1/);
  });

  it('finding 5: a gap that prints as the --gaps value clears it, by the one min-gap rule', async () => {
    const dir = tempDir();
    const path = join(dir, 'in.jsonl');
    // 0.7 − 0.4 is 0.29999999999999993 in floating point.
    writeFileSync(path, `${[pairRow(1, 0.7, 0.4), pairRow(2, 0.9, 0.3), pairRow(3, 0.5, 0.45)].join('\n')}\n`);
    const report = await auditJson([path, '--gaps', '0,0.3', '--bootstrap', '0']);
    expect(report.min_gap_sweep[1]).toMatchObject({ gap: 0.3, pairs: 2 });
    expect(meetsMinGap(0.7 - 0.4, 0.3)).toBe(true);
    expect(meetsMinGap(0.29, 0.3)).toBe(false);
  });

  // finding 6 (--bootstrap bounded, --gaps decimals only): rows of test/commands/audit/config.test.ts.
  it('finding 8: a run that fails a gate leaves no page and no conflicts file', async () => {
    const dir = tempDir();
    const r = await run([
      'audit',
      FLIP,
      '--bootstrap',
      '0',
      '--min-agreement',
      '0.95',
      '--html',
      join(dir, 'a.html'),
      '--conflicts',
      join(dir, 'c.jsonl'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/below --min-agreement 0\.95 \(no page or conflicts file written\)/);
    expect(readdirSync(dir)).toEqual([]);
  });

  // finding 8 (--html - with --conflicts /dev/stdout): a row of test/commands/audit/config.test.ts.
  it('finding 8: one prompt for every pair gets a word about clustering and no zero-width interval', async () => {
    const dir = tempDir();
    const path = join(dir, 'one.jsonl');
    writeFileSync(
      path,
      `${healthy(19)
        .map((l) => l.replace(/"prompt":"p\d+"/, '"prompt":"same"'))
        .join('\n')}\n`,
    );
    const report = await auditJson([path]);
    expect(report.prompts).toBe(1);
    expect(report.warnings.map((w: { code: string }) => w.code)).toContain('one_prompt');
    for (const ci of [report.label_agreement.ties_dropped.ci, report.min_gap_sweep[0].agreement_ci])
      expect(ci[1] - ci[0]).toBeGreaterThan(0.05);
  });

  it('finding 8: the page shows a NUL byte visibly, never cuts an emoji, shows prompts of content parts', async () => {
    const dir = tempDir();
    const path = join(dir, 'in.jsonl');
    const long = `${'x'.repeat(279)}😀😀 and more`;
    const rows = healthy(30);
    rows.push(
      JSON.stringify({
        prompt: [
          { role: 'user', content: [{ type: 'text', text: 'look at this\u0000picture' }, { type: 'image_url' }] },
        ],
        chosen: [{ role: 'assistant', content: long }],
        rejected: [{ role: 'assistant', content: 'short' }],
        score_chosen: 1,
        score_rejected: 9,
      }),
    );
    writeFileSync(path, `${rows.join('\n')}\n`);
    const page = join(dir, 'a.html');
    const r = await run(['audit', path, '--bootstrap', '0', '--html', page]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html).not.toContain('\u0000');
    expect(html).toContain('look at this\\x00picture');
    expect(html).toContain('[image_url]');
    expect(html).toContain(`${'x'.repeat(279)}😀…`);
    expect(html).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('issue 27 review: verdicts say only what the evidence supports', () => {
  const pairRow = (i: number, c: number, r: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      prompt: `p${i}`,
      chosen: `a${i}`,
      rejected: `b${i}`,
      score_chosen: c,
      score_rejected: r,
      ...extra,
    });
  const write = (name: string, lines: string[]) => {
    const path = join(tempDir(), name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  it('finding 5: labels derived from the scores withhold the --min-gap suggestion (table, --json, page)', async () => {
    // The chosen response always scores higher: the labels read off the scores, agreement measures nothing.
    const path = write(
      'derived.jsonl',
      Array.from({ length: 60 }, (_, i) => pairRow(i, 4 + (i % 6), 1 + (i % 3))),
    );
    const report = await auditJson([path, '--bootstrap', '20']);
    expect(report.warnings.map((w: { code: string }) => w.code)).toContain('labels_from_scores');
    expect(report.suggested_min_gap).toMatchObject({ gap: null, status: 'unsupported', nearest: null });
    expect(report.suggested_min_gap.reason).toMatch(/withheld: labels_from_scores/);
    expect(report.apply).toBeNull();
    const text = await run(['audit', path, '--bootstrap', '20']);
    expect(text.stdout).toMatch(/suggested --min-gap: withheld — withheld: labels_from_scores/);
    expect(text.stdout).not.toMatch(/apply it/);
    const page = join(tempDir(), 'page.html');
    expect((await run(['audit', path, '--bootstrap', '20', '--html', page])).code).toBe(0);
    expect(readFileSync(page, 'utf8')).toMatch(/data-key="suggested_min_gap.gap">withheld</);
  });

  it('finding 9: a constant judge gets no inferred scale, no scale_ceiling; two values still infer', async () => {
    const constant = write(
      'constant.jsonl',
      Array.from({ length: 60 }, (_, i) => pairRow(i, 7, 7)),
    );
    const report = await auditJson([constant, '--bootstrap', '10']);
    expect(report.scale.source).not.toBe('inferred');
    const codes = report.warnings.map((w: { code: string }) => w.code);
    expect(codes).toContain('scores_constant');
    expect(codes).not.toContain('scale_ceiling');
    const two = write(
      'two.jsonl',
      Array.from({ length: 60 }, (_, i) => pairRow(i, 5, i % 4 === 0 ? 5 : 4)),
    );
    expect((await auditJson([two, '--bootstrap', '10'])).scale).toMatchObject({ min: 1, max: 5, source: 'inferred' });
  });

  it('finding 8: --scale the scores do not keep to warns with the count; no entropy above 1', async () => {
    const path = write(
      'ten.jsonl',
      Array.from({ length: 60 }, (_, i) => pairRow(i, 6 + (i % 5), 1 + (i % 4))),
    );
    const report = await auditJson([path, '--scale', '1-5', '--bootstrap', '10']);
    const off = report.warnings.find((w: { code: string }) => w.code === 'scores_off_scale');
    expect(off.message).toMatch(/^60 of 120 scores lie outside the 1-5 scale \(flag\)/);
    expect(report.scale_health.off_scale).toBe(60);
    expect(report.scale_health.normalized_entropy).toBeNull();
  });

  it('finding 10: a swapped-order rerun is swap consistency, not retest noise; no hint to rerun', async () => {
    // A judge adding 3 to whichever response sits in slot A; the rerun reads every pair the other way round.
    const winnerRow = (i: number, swapped: boolean) => {
      const [good, bad] = [6 + (i % 3), 3 + (i % 2)];
      const chosenInA = (i % 2 === 0) !== swapped;
      const [a, b] = chosenInA ? [`c${i}`, `r${i}`] : [`r${i}`, `c${i}`];
      const [sa, sb] = chosenInA ? [good + 3, bad] : [bad + 3, good];
      return JSON.stringify({
        id: i,
        prompt: `p${i}`,
        response_a: a,
        response_b: b,
        winner: chosenInA ? 'A' : 'B',
        score_a: sa,
        score_b: sb,
      });
    };
    const main = write(
      'main.jsonl',
      Array.from({ length: 60 }, (_, i) => winnerRow(i, false)),
    );
    const swap = write(
      'swap.jsonl',
      Array.from({ length: 60 }, (_, i) => winnerRow(i, true)),
    );
    const layout = [
      '--response-a-col',
      'response_a',
      '--response-b-col',
      'response_b',
      '--winner-col',
      'winner',
      '--score-a-col',
      'score_a',
      '--score-b-col',
      'score_b',
      '--prompt-col',
      'prompt',
      '--id-col',
      'id',
    ];
    const report = await auditJson([main, ...layout, '--rerun', swap, '--bootstrap', '20']);
    expect(report.position_bias.swap_consistency.n).toBe(60);
    expect(report.retest).toBeUndefined();
    expect(report.suggested_min_gap.noise_gap).toBeNull();
    const bias = report.warnings.find((w: { code: string }) => w.code === 'position_bias');
    expect(bias.hint).not.toMatch(/a --rerun with A and B swapped/);
    expect(bias.hint).toMatch(/average each pair's two orders/);
  });

  it('finding 6: the apply command reads the input as the audit did and applies the gap --json shows', async () => {
    // 100 pairs a gap of 1 apart, half against their label; 300 pairs 2-4 apart, 46 against: at gap 1.5 the
    // bound of agreement sits within the bootstrap's error of 0.8 (borderline).
    const rows = Array.from({ length: 400 }, (_, i) => {
      const gap = i < 100 ? 1 : 2 + (i % 3);
      const agree = i < 100 ? i % 2 === 0 : ((i - 100) * 37) % 300 >= 46;
      const [c, r] = agree ? [5 + gap, 5] : [5, 5 + gap];
      return JSON.stringify({ q: `p${i}`, chosen: `c${i}`, rejected: `r${i}`, sc: c, sr: r });
    });
    const dir = tempDir();
    const path = write('custom.jsonl', rows);
    const flags = ['--prompt-col', 'q', '--chosen-score-col', 'sc', '--rejected-score-col', 'sr', '--scale', '0-10'];
    const report = await auditJson([path, ...flags]);
    expect(report.suggested_min_gap).toMatchObject({ gap: 1.5, status: 'borderline' });
    expect(report.apply).toBe(
      `radpo relabel ${path} --prompt-col=q --chosen-score-col=sc --rejected-score-col=sr --scale=0-10 --min-gap 1.5`,
    );
    const applied = await run([...report.apply.split(' ').slice(1), '-o', join(dir, 'out.jsonl')]);
    expect(applied.code, applied.stderr).toBe(0);
    const text = await run(['audit', path, ...flags]);
    expect(text.stdout).toMatch(/suggested --min-gap: 1\.5 \(borderline: /);
    expect(text.stdout).not.toMatch(/\(borderline\) \(borderline/);
    const piped = await run(['audit', '-', ...flags], { stdin: `${rows.join('\n')}\n` });
    expect(JSON.stringify(piped.stdout)).not.toMatch(/radpo relabel -/);
    expect(piped.stdout).toMatch(/apply it: save the input to a file and pass that file to radpo relabel/);
  });

  it('finding 11: --group-col no pair has is refused; one some pairs lack is counted', async () => {
    const path = write(
      'groups.jsonl',
      Array.from({ length: 40 }, (_, i) => pairRow(i, 8 - (i % 3), 3 + (i % 2), i < 30 ? { task: `t${i % 2}` } : {})),
    );
    const none = await run(['audit', path, '--group-col', 'nope', '--bootstrap', '0']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--group-col nope: none of the 40 scored pairs has a value there/);
    const report = await auditJson([path, '--group-col', 'task', '--bootstrap', '0']);
    const missing = report.warnings.find((w: { code: string }) => w.code === 'group_missing');
    expect(missing.message).toBe('10 of 40 pairs have no value in --group-col task: they form the group (none)');
  });

  it('finding 4: huge finite scores print compactly; a failed logistic fit is missing, with its reason', async () => {
    const path = write('huge.jsonl', [
      ...Array.from({ length: 30 }, (_, i) => pairRow(i, i % 4 === 0 ? -5 : 1e300, i % 4 === 0 ? 1e300 : -5)),
    ]);
    const report = await auditJson([path, '--bootstrap', '10']);
    expect(report.calibration.logistic).toBeNull();
    expect(report.calibration.logistic_missing).toMatch(/the fit failed: the score gaps are too large/);
    const text = await run(['audit', path, '--bootstrap', '10']);
    expect(text.stdout).not.toMatch(/\d{30}/);
    expect(text.stdout).not.toMatch(/NaN/);
    expect(text.stdout).toMatch(/scale -5 to 1e\+300/);
    expect(text.stdout).toMatch(/logistic slope on Δ .*none: the fit failed/);
  });

  it('finding 13: one pair, one prompt, one value are singular; a negative scale reads "-1 to 1"', async () => {
    const one = write('one.jsonl', [pairRow(1, 0.5, -0.5)]);
    const text = await run(['audit', one, '--bootstrap', '0']);
    expect(text.stdout).toMatch(/^radpo audit: 1 row, 1 scored pair over 1 prompt \(scale -0\.5 to 0\.5/);
    expect(text.stdout).toMatch(/only 1 pair scored apart/);
    const constant = write(
      'c.jsonl',
      Array.from({ length: 5 }, (_, i) => pairRow(i, 3, 3)),
    );
    expect((await run(['audit', constant, '--bootstrap', '0'])).stdout).toMatch(/scale use \(entropy, 1 value\)/);
  });

  it('finding 7: repeated pairs in the input and a repeated rerun row are counted and named', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => pairRow(i, 8 - (i % 3), 3 + (i % 2), { id: i }));
    const twice = write('twice.jsonl', [...rows, ...rows]);
    const report = await auditJson([twice, '--bootstrap', '0']);
    const dup = report.warnings.find((w: { code: string }) => w.code === 'duplicate_pairs');
    expect(dup.message).toMatch(/^30 pairs repeat an earlier one \(same prompt, chosen and rejected\)/);
    expect(dup.message).toMatch(/the first: .*twice\.jsonl line 31 repeats .*twice\.jsonl line 1$/);
    const input = write('in.jsonl', rows);
    const rerun = write('rerun.jsonl', [...rows, pairRow(4, 1, 9, { id: 4 })]);
    const joined = await auditJson([input, '--id-col', 'id', '--rerun', rerun, '--bootstrap', '0']);
    const codes = joined.warnings.map((w: { code: string }) => w.code);
    expect(codes).not.toContain('unmatched_rows');
    const again = joined.warnings.find((w: { code: string }) => w.code === 'duplicate_pairs');
    expect(again.message).toMatch(
      /rerun\.jsonl: 1 row repeats a pair an earlier row already scored \(joined by --id-col id\)/,
    );
    expect(again.message).toMatch(/rerun\.jsonl line 31 repeats .*rerun\.jsonl line 5$/);
    expect(joined.joins[0]).toMatchObject({ matched: 30, duplicates: 1, uncovered: 0 });
  });
});
