/**
 * Seeded synthetic judges for the audit's verdicts, one per row of docs/AUDIT.md's warning table (shared by
 * test/core/audit-verdicts.test.ts and the figures quoted in the docs).
 */
import { type AuditFigures, type AuditPairs, auditFigures, type PairScoreColumns } from '../../src/core/audit.js';
import { seededRandom } from '../../src/core/random.js';

export const VERDICT_CODES = [
  'no_signal',
  'scores_constant',
  'scores_coarse',
  'labels_from_scores',
  'wide_gap_disagreement',
  'labels_flipped',
  'length_bias',
  'position_bias',
  'scale_ceiling',
  'scale_floor',
  'scores_off_scale',
  'few_pairs',
  'one_prompt',
  'cached_rerun',
] as const;

interface Built {
  pairs: AuditPairs;
  reruns?: PairScoreColumns[];
  reference?: PairScoreColumns;
  scale?: { min: number; max: number };
  scaleSource?: 'paper' | 'inferred' | 'observed';
}

/** A standard normal draw (Box-Muller) from a seeded uniform. */
const normal = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const half = (x: number) => Math.round(x * 2) / 2;

/**
 * n pairs on their own prompts: the chosen response is truly better by a positive margin; `score` turns a
 * true quality (and the pair index, and its slot) into the judge's score.
 */
function build(
  n: number,
  seed: number,
  options: {
    score: (quality: number, random: () => number, isA: boolean) => number;
    flip?: number;
    lengths?: (chosenBetter: boolean, random: () => number) => [number, number];
    slots?: boolean;
    tieLabels?: number;
  },
): AuditPairs {
  const random = seededRandom(seed);
  const chosen = new Float64Array(n);
  const rejected = new Float64Array(n);
  const chosenLength = new Int32Array(n);
  const rejectedLength = new Int32Array(n);
  const chosenIsA = new Uint8Array(n).fill(2);
  for (let i = 0; i < n; i++) {
    const q = normal(random);
    const margin = Math.abs(normal(random)) * 0.8 + 0.05;
    let [qc, qr] = [q + margin, q];
    const flipped = random() < (options.flip ?? 0);
    if (flipped) [qc, qr] = [qr, qc];
    const aIsChosen = options.slots ? random() < 0.5 : true;
    if (options.slots) chosenIsA[i] = aIsChosen ? 1 : 0;
    chosen[i] = options.score(qc, random, aIsChosen);
    rejected[i] = options.score(qr, random, !aIsChosen);
    const [lc, lr] = options.lengths ? options.lengths(!flipped, random) : [500, 500];
    chosenLength[i] = lc;
    rejectedLength[i] = lr;
  }
  return {
    count: n,
    chosen,
    rejected,
    label: new Uint8Array(n).fill(1),
    prompt: Int32Array.from({ length: n }, (_, i) => i),
    prompts: n,
    chosenLength,
    rejectedLength,
    chosenText: Int32Array.from({ length: n }, (_, i) => 2 * i),
    rejectedText: Int32Array.from({ length: n }, (_, i) => 2 * i + 1),
    chosenIsA,
    group: new Int32Array(n).fill(-1),
    groupNames: [],
  };
}

/** A judge on 1-10 (half points) that sees quality through noise of this spread. */
const judge10 =
  (noise: number) =>
  (q: number, random: () => number): number =>
    clamp(half(5.5 + 2 * q + noise * normal(random)), 1, 10);

/** A rerun of the same judge: each score again with fresh noise of this spread. */
function rerunOf(pairs: AuditPairs, seed: number, noise: number): PairScoreColumns {
  const random = seededRandom(seed);
  const again = (s: number) => clamp(half(s + noise * normal(random)), 1, 10);
  return { chosen: pairs.chosen.map(again), rejected: pairs.rejected.map(again) };
}

export const CASES: Array<[string, () => Built, string[]]> = [
  ['healthy judge', () => ({ pairs: build(600, 1, { score: judge10(0.8) }) }), []],
  [
    'random scores (uniform 1-10)',
    () => ({ pairs: build(600, 2, { score: (_q, r) => 1 + Math.floor(r() * 10) }) }),
    ['no_signal'],
  ],
  ['constant scores (every score 7)', () => ({ pairs: build(600, 3, { score: () => 7 }) }), ['scores_constant']],
  [
    'coarse judge (says 7 or 8 only)',
    () => ({ pairs: build(600, 4, { score: (q, r) => (q + 0.8 * normal(r) > 0.3 ? 8 : 7) }) }),
    ['scores_coarse'],
  ],
  [
    '1-5 judge at its ceiling',
    () => ({
      pairs: build(600, 5, { score: (q, r) => clamp(Math.round(4.6 + q + 0.6 * normal(r)), 1, 5) }),
      scale: { min: 1, max: 5 },
      scaleSource: 'inferred',
    }),
    ['scale_ceiling', 'scores_coarse'],
  ],
  [
    'labels derived from the scores, one typo in 600',
    () => {
      // Continuous scores; the label is the higher score, and one label is written the wrong way round.
      const pairs = build(600, 6, { score: (q, r) => q + 0.5 * normal(r) });
      for (let i = 0; i < pairs.count; i++)
        if (pairs.chosen[i]! < pairs.rejected[i]! !== (i === 17))
          [pairs.chosen[i], pairs.rejected[i]] = [pairs.rejected[i]!, pairs.chosen[i]!];
      return { pairs, scaleSource: 'observed', scale: { min: -4, max: 4 } };
    },
    ['labels_from_scores'],
  ],
  [
    'flipped labels (20%), no rerun',
    () => ({ pairs: build(600, 7, { score: judge10(0.5), flip: 0.2 }) }),
    ['wide_gap_disagreement'],
  ],
  [
    // A rerun shows the judge consistent, not right: a judge wrong on these pairs reruns just as steadily.
    'flipped labels (20%), a reliable rerun',
    () => {
      const pairs = build(600, 7, { score: judge10(0.5), flip: 0.2 });
      return { pairs, reruns: [rerunOf(pairs, 70, 0.3)] };
    },
    ['wide_gap_disagreement'],
  ],
  [
    'flipped labels (20%), a reference that agrees with the judge',
    () => {
      const pairs = build(600, 7, { score: judge10(0.5), flip: 0.2 });
      return { pairs, reference: rerunOf(pairs, 71, 0.3) };
    },
    ['labels_flipped'],
  ],
  [
    'length-driven judge',
    () => ({
      pairs: build(600, 8, {
        // Scores follow quality and, more, length; the labels' side is longer half of the time.
        score: (q) => q,
        lengths: (_better, r) => [200 + Math.floor(r() * 800), 200 + Math.floor(r() * 800)],
      }),
    }),
    // Where its gaps are widest, length made them: it is wrong there too, and says so.
    ['length_bias', 'wide_gap_disagreement'],
  ],
  [
    'length-honest judge (better answers really are longer)',
    () => ({
      pairs: build(600, 9, {
        score: judge10(0.8),
        lengths: (better, r) => {
          const long = 600 + Math.floor(r() * 400);
          const short = 200 + Math.floor(r() * 300);
          return r() < 0.8 === better ? [long, short] : [short, long];
        },
      }),
    }),
    [],
  ],
  [
    'position-biased judge (+2 to response A)',
    () => ({
      pairs: build(600, 10, {
        score: (q, r, isA) => clamp(half(5.5 + 2 * q + 0.8 * normal(r) + (isA ? 2 : 0)), 1, 10),
        slots: true,
      }),
    }),
    ['position_bias'],
  ],
  [
    '1-5 judge at its floor',
    () => ({
      pairs: build(600, 12, { score: (q, r) => clamp(Math.round(0.9 + 0.7 * q + 0.5 * normal(r)), 1, 5) }),
      scale: { min: 1, max: 5 },
      scaleSource: 'inferred',
    }),
    ['scale_floor', 'scores_coarse'],
  ],
  [
    'a 1-10 judge audited with --scale 1-5',
    () => ({ pairs: build(600, 16, { score: judge10(0.8) }), scale: { min: 1, max: 5 }, scaleSource: 'flag' }),
    ['scores_off_scale'],
  ],
  [
    'constant scores at the top of a scale read off the data',
    () => ({ pairs: build(600, 17, { score: () => 10 }) }),
    ['scores_constant'],
  ],
  ['few pairs (20)', () => ({ pairs: build(20, 13, { score: judge10(0.5) }) }), ['few_pairs']],
  [
    'every pair under one prompt',
    () => {
      const pairs = build(200, 14, { score: judge10(0.8) });
      pairs.prompt.fill(0);
      return { pairs: { ...pairs, prompts: 1 } };
    },
    ['one_prompt'],
  ],
  [
    'a rerun answered from a cache',
    () => {
      const pairs = build(600, 15, { score: judge10(0.8) });
      return { pairs, reruns: [{ chosen: pairs.chosen.slice(), rejected: pairs.rejected.slice() }] };
    },
    ['cached_rerun'],
  ],
  ['neutral judge in a winner layout', () => ({ pairs: build(600, 11, { score: judge10(0.8), slots: true }) }), []],
];

/** The length-driven case adds length to each score: set after the lengths are drawn. */
export function finish(built: Built, name: string): Built {
  if (name.startsWith('length-driven')) {
    const p = built.pairs;
    const random = seededRandom(80);
    const score = (q: number, length: number) =>
      clamp(half(5.5 + q + (length - 600) / 150 + 0.5 * normal(random)), 1, 10);
    for (let i = 0; i < p.count; i++) {
      p.chosen[i] = score(p.chosen[i]!, p.chosenLength[i]!);
      p.rejected[i] = score(p.rejected[i]!, p.rejectedLength[i]!);
    }
  }
  return built;
}

export async function figuresOf(built: Built): Promise<AuditFigures> {
  return auditFigures(built.pairs, {
    scale: built.scale ?? { min: 1, max: 10 },
    scaleSource: built.scaleSource ?? 'paper',
    gaps: null,
    targetAgreement: 0.8,
    bootstrap: 300,
    seed: 0,
    unscored: 0,
    rows: built.pairs.count,
    reruns: built.reruns ?? [],
    reference: built.reference ?? null,
    aspects: null,
  });
}
