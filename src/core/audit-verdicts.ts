/**
 * What the audit's figures support, in one table: each warning's rule, thresholds and message (its stable
 * `code` is what scripts read), and each figure's line with the status those warnings give it. The terminal
 * table, --json and the page all read from here; docs/AUDIT.md states the same rules. The CLI adds what to do.
 */
import {
  type AuditFigures,
  type AuditWarning,
  displayNumber,
  plural,
  type Suggestion,
  scaleText,
  type WarningCode,
} from './audit.js';
import { wilson } from './stats.js';

/** Every threshold a verdict uses (docs/AUDIT.md lists them; a test holds the two together). */
export const THRESHOLDS = {
  /** Fewer labelled pairs than this: intervals too wide to read values first (few_pairs). */
  fewPairs: 30,
  /** scores_coarse: this many distinct score values or fewer… */
  coarseValues: 3,
  /** …or more than this share of side-labelled pairs scored equal. */
  coarseTieRate: 0.5,
  /** labels_from_scores: conflicts at most this share of the pairs scored apart… */
  derivedConflictRate: 0.005,
  /** …ties at most this share… */
  derivedTieRate: 0.25,
  /** …over at least this many pairs scored apart. */
  derivedMinPairs: 20,
  /** wide_gap_disagreement: the widest quarter's agreement interval ends below this… */
  wideGapAgreement: 0.95,
  /** …over at least this many pairs. */
  wideGapMinPairs: 30,
  /** wide_gap_disagreement: a rerun reversing at most this share of the widest pairs shows a self-consistent judge. */
  reliableRerunChange: 0.05,
  /** labels_flipped: a reference orders at least this share of them as the judge does… */
  reliableReferenceAgreement: 0.9,
  /** …each over at least this many pairs. */
  reliableMinPairs: 20,
  /** length_bias and position_bias: at least this many pairs. */
  biasMinPairs: 30,
  /** position_bias: |judge_prefers_a − label_prefers_a| at least this, its interval excluding 0. */
  positionDifference: 0.05,
  /** scale_floor / scale_ceiling: more than this share of scores at the end of a declared or inferred scale. */
  scaleEndShare: 0.5,
  /** Status of the conflict rate line (warn above it). */
  conflictRate: 0.1,
  /** Status of the retest reversal line (warn above it). */
  reversalRate: 0.1,
  /** Status of the scale-use line (warn below it). */
  entropy: 0.3,
} as const;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const contains = (ci: [number, number] | null | undefined, x: number) => !!ci && ci[0] <= x && x <= ci[1];

/** The verdicts the figures support, in a fixed order; each names its evidence. */
export function auditVerdicts(f: AuditFigures): AuditWarning[] {
  const out: AuditWarning[] = [];
  const warn = (code: WarningCode, message: string) => out.push({ code, message });
  const t = THRESHOLDS;
  const decisive = f.label_agreement.ties_dropped.n;
  const labelled = f.label_agreement.ties_half.n;
  const h = f.scale_health;
  const tieRate = f.ties.rate ?? 0;
  const constant = h.scores > 0 && (h.distinct_values === 1 || (labelled > 0 && f.ties.count === labelled));
  const coarse = !constant && h.scores > 0 && (h.distinct_values <= t.coarseValues || tieRate > t.coarseTieRate);
  if (constant)
    warn(
      'scores_constant',
      h.distinct_values === 1
        ? `every score is ${displayNumber(h.histogram[0]?.lo ?? 0)}: the judge does not discriminate, and no verdict ` +
            'on the labels can be drawn from it'
        : 'every pair is scored equal: the judge does not discriminate, and no verdict on the labels can be drawn',
    );
  if (coarse)
    warn(
      'scores_coarse',
      `the judge barely discriminates (${plural(h.distinct_values, 'score value')} in use, ` +
        `${pct(tieRate)} of the pairs ` +
        'tied): no verdict on the labels is drawn from it',
    );
  const agreement = f.label_agreement.ties_dropped;
  const slope = f.calibration.logistic;
  const noSignal =
    !constant &&
    decisive >= 10 &&
    (contains(agreement.ci, 0.5) || (slope !== null && slope.ci[0] <= 0 && 0 <= slope.ci[1]));
  if (noSignal)
    warn(
      'no_signal',
      `these scores say nothing about the labels: agreement ${agreement.value?.toFixed(3)} ` +
        (agreement.ci ? `(95% CI ${agreement.ci[0].toFixed(3)}–${agreement.ci[1].toFixed(3)}) ` : '') +
        (slope ? `and the logistic slope's interval ${slope.ci[0].toFixed(3)}–${slope.ci[1].toFixed(3)} ` : '') +
        'include chance',
    );
  const labelVerdicts = !constant && !coarse && !noSignal;
  const conflictShare = decisive > 0 ? f.conflicts.count / decisive : 1;
  const derived =
    labelVerdicts &&
    decisive >= t.derivedMinPairs &&
    conflictShare <= t.derivedConflictRate &&
    tieRate <= t.derivedTieRate;
  if (derived)
    warn(
      'labels_from_scores',
      `${f.conflicts.count} of ${decisive} pairs scored apart have the chosen response scored lower, and ` +
        `${pct(tieRate)} are tied: the labels look derived from these scores (binarized by score), so agreement ` +
        'measures nothing about the judge',
    );
  const widest = f.calibration.widest_gaps;
  if (labelVerdicts && !derived && widest && widest.pairs >= t.wideGapMinPairs && widest.ci[1] < t.wideGapAgreement) {
    const e = f.evidence;
    const rerunReliable = !!e && e.rerun.pairs >= t.reliableMinPairs && (e.rerun.changed ?? 1) <= t.reliableRerunChange;
    const referenceReliable =
      !!e && e.reference.pairs >= t.reliableMinPairs && (e.reference.agreement ?? 0) >= t.reliableReferenceAgreement;
    const gap = displayNumber(Number(widest.min_gap.toPrecision(3)));
    const where = `the pairs whose scores differ most (|Δ| ≥ ${gap}, ${widest.pairs} pairs)`;
    // Only a reference can say the labels are wrong: a rerun measures the judge's consistency, not its
    // correctness, and a judge that is consistently wrong reruns just as steadily. Even a reference shows it
    // only if it is independent ground truth (human or gold judgements); a second judge sharing this one's
    // bias would agree with it too, so the verdict says so rather than assume it.
    if (referenceReliable)
      warn(
        'labels_flipped',
        `${where} agree with their label only ${pct(widest.agreement)} of the time, and a reference orders ` +
          `${pct(e!.reference.agreement!)} of them as the judge does: if the reference is independent ground ` +
          "truth (human or gold judgements, not a judge that may share this one's bias), about " +
          `${((1 - widest.agreement) * 100).toFixed(0)}% of the labels look flipped`,
      );
    else
      warn(
        'wide_gap_disagreement',
        `the judge and the labels disagree where the judge is surest: ${where} agree with their label only ` +
          `${pct(widest.agreement)} of the time (95% CI up to ${widest.ci[1].toFixed(3)}). ` +
          (rerunReliable
            ? `A rerun reverses only ${pct(e!.rerun.changed!)} of them: the judge is self-consistent here, ` +
              'which rules out noise but not a judge that is consistently wrong; flipped labels or a wrong ' +
              'judge, only human or gold judgements (a reference) tell them apart'
            : 'Flipped labels, or a judge that is wrong on this data: a reference or a rerun tells them apart, ' +
              'and the conflicting pairs show which'),
      );
  }
  const l = f.length_bias;
  const judgeLonger = l.p_higher_score_longer;
  const labelLonger = l.p_label_longer.value;
  if (!constant && judgeLonger.value !== null && labelLonger !== null && judgeLonger.n >= t.biasMinPairs) {
    const k = Math.round(judgeLonger.value * judgeLonger.n);
    const lower = wilson(k, judgeLonger.n)![0];
    if (lower > labelLonger)
      warn(
        'length_bias',
        `the judge prefers the longer response (by more than ${l.min_difference} code points) in ` +
          `${pct(judgeLonger.value)} of ${judgeLonger.n} pairs, the labels in only ${pct(labelLonger)}: beyond ` +
          `the interval (lower bound ${lower.toFixed(3)}), the judge rewards length itself`,
      );
  }
  const p = f.position_bias;
  if (!constant && p && p.pairs >= t.biasMinPairs && p.difference.value !== null && p.difference.ci) {
    const d = p.difference.value;
    if (Math.abs(d) >= t.positionDifference && !contains(p.difference.ci, 0))
      warn(
        'position_bias',
        `the judge scores response ${d > 0 ? 'A' : 'B'} higher more often than the labels prefer it: A in ` +
          `${pct(p.judge_prefers_a!)} of ${p.pairs} pairs against the labels' ${pct(p.label_prefers_a!)} ` +
          `(difference ${d.toFixed(3)}, 95% CI ${p.difference.ci[0].toFixed(3)}–${p.difference.ci[1].toFixed(3)})`,
      );
  }
  const scaleName = scaleText(f.scale);
  if (h.off_scale > 0)
    warn(
      'scores_off_scale',
      `${h.off_scale} of ${h.scores} scores lie outside the ${scaleName} scale (${f.scale.source}): its floor, ` +
        'ceiling and scale-use figures describe another scale than the judge used, and scale use is not reported',
    );
  // A constant judge on a scale read off its scores (inferred or the paper's) says nothing of where that
  // scale ends: scores_constant already says all there is. A declared scale's end is evidence of its own.
  const declaredScale = f.scale.source === 'flag' || f.scale.source === 'goal';
  if (f.scale.source !== 'observed' && (declaredScale || !constant)) {
    const scale = scaleName;
    if ((h.ceiling_share ?? 0) > t.scaleEndShare)
      warn(
        'scale_ceiling',
        `${pct(h.ceiling_share!)} of the scores sit at the top of the ${scale} scale: the judge cannot tell the ` +
          'best responses apart',
      );
    if ((h.floor_share ?? 0) > t.scaleEndShare)
      warn(
        'scale_floor',
        `${pct(h.floor_share!)} of the scores sit at the bottom of the ${scale} scale: the judge cannot tell the ` +
          'worst responses apart',
      );
  }
  if (decisive > 0 && decisive < t.fewPairs)
    warn(
      'few_pairs',
      `only ${plural(decisive, 'pair')} scored apart: the intervals are wide, read them before the values`,
    );
  if (f.prompts === 1 && f.pairs > 1)
    warn(
      'one_prompt',
      'every pair shares one prompt: the bootstrap resamples prompts, so it cannot see how pairs of one prompt ' +
        'vary together; where it gives an interval of width zero, Wilson’s interval stands in, which treats the ' +
        'pairs as independent and so is too narrow if they are not',
    );
  if (f.retest?.identical)
    warn(
      'cached_rerun',
      'every rerun score repeats the first exactly: the rerun looks like answers from a cache, not a second ' +
        'judgement, so no reliability is reported',
    );
  return out;
}

/** The verdicts under which agreement with the labels carries no information about a threshold. */
const UNINFORMATIVE: readonly WarningCode[] = ['scores_constant', 'scores_coarse', 'no_signal', 'labels_from_scores'];

/**
 * The suggestion as the verdicts allow it: where one says agreement measures nothing, a gap read off that
 * agreement would contradict it, so it is withheld (status `unsupported`, no gap) with the verdict named.
 */
export function supportedSuggestion(s: Suggestion, warnings: readonly AuditWarning[]): Suggestion {
  const code = UNINFORMATIVE.find((c) => warnings.some((w) => w.code === c));
  if (!code) return s;
  return {
    ...s,
    gap: null,
    status: 'unsupported',
    nearest: null,
    reason: `withheld: ${code} says agreement with these labels carries no information, so no gap can be read off it`,
  };
}

type Status = 'ok' | 'warn' | 'FAIL' | '';

/** One line of the figures table: the JSON keys of its value and interval, its n, its status and anchor. */
export interface FigureLine {
  label: string;
  key: string;
  ciKey?: string;
  n?: number;
  status: Status;
  /** A published figure it compares with, or what it should be. */
  anchor?: string;
  /** The warning that marks this line, if any fired. */
  code?: WarningCode;
}

/**
 * The figures table in display order, for the terminal and the page alike. A line's status is `warn` when
 * a warning that reads it fired, `ok` when its rule was checked and passed, FAIL/ok when a gate bounds it.
 */
export function figureTable(
  f: AuditFigures,
  warnings: readonly AuditWarning[],
  gates: ReadonlyArray<{ figure: string; passed: boolean }>,
): FigureLine[] {
  const fired = new Set(warnings.map((w) => w.code));
  const lines: FigureLine[] = [];
  const add = (line: Omit<FigureLine, 'status'>, codes: WarningCode[] = [], checked = false) => {
    const gate = gates.find((g) => g.figure === line.key);
    const code = codes.find((c) => fired.has(c));
    const status: Status = gate ? (gate.passed ? 'ok' : 'FAIL') : code ? 'warn' : checked ? 'ok' : '';
    lines.push({ ...line, status, ...(code ? { code } : {}) });
  };
  const a = f.label_agreement;
  const t = THRESHOLDS;
  add(
    {
      label: 'agreement, ties dropped',
      key: 'label_agreement.ties_dropped.value',
      ciKey: 'label_agreement.ties_dropped.ci',
      n: a.ties_dropped.n,
      anchor: 'GPT-4 vs humans 85% (MT-Bench)',
    },
    ['no_signal', 'scores_constant'],
    a.ties_dropped.value !== null,
  );
  add({
    label: 'agreement, ties half',
    key: 'label_agreement.ties_half.value',
    ciKey: 'label_agreement.ties_half.ci',
    n: a.ties_half.n,
  });
  add({
    label: 'agreement, ties wrong',
    key: 'label_agreement.ties_wrong.value',
    ciKey: 'label_agreement.ties_wrong.ci',
    n: a.ties_wrong.n,
  });
  if (a.three_way)
    add({
      label: 'agreement, three-way',
      key: 'label_agreement.three_way.value',
      ciKey: 'label_agreement.three_way.ci',
      n: a.three_way.n,
      anchor: 'GPT-4 vs humans 66% (MT-Bench)',
    });
  add({ label: 'conflicts (chosen lower)', key: 'conflicts.rate', ciKey: 'conflicts.ci', n: f.conflicts.count }, [
    'labels_flipped',
    'wide_gap_disagreement',
    'labels_from_scores',
  ]);
  if (lines.at(-1)!.status === '' && f.conflicts.rate !== null)
    lines.at(-1)!.status = f.conflicts.rate > t.conflictRate ? 'warn' : 'ok';
  add({ label: 'ties (equal scores)', key: 'ties.rate', n: f.ties.count }, ['scores_coarse', 'scores_constant']);
  if (a.tie_labels) {
    add({ label: "Cohen's κ, labels with ties", key: 'label_agreement.cohen_kappa', n: f.pairs });
    add({ label: 'tie labels scored equal', key: 'label_agreement.tie_labels.scored_tie_rate', n: a.tie_labels.count });
  }
  const l = f.length_bias;
  add(
    {
      label: 'higher score is longer',
      key: 'length_bias.p_higher_score_longer.value',
      n: l.p_higher_score_longer.n,
      anchor: 'at most the label side below',
    },
    ['length_bias'],
    l.p_higher_score_longer.n >= t.biasMinPairs,
  );
  add({ label: 'label side is longer', key: 'length_bias.p_label_longer.value', n: l.p_label_longer.n });
  add({
    label: 'always-longer, ties half',
    key: 'length_bias.longer_baseline.ties_half',
    anchor: '62.2% vs humans (alpaca_eval)',
  });
  const p = f.position_bias;
  if (p) {
    add({ label: 'judge prefers A', key: 'position_bias.judge_prefers_a', n: p.pairs }, ['position_bias']);
    add({ label: 'label prefers A', key: 'position_bias.label_prefers_a', n: p.pairs });
    add(
      {
        label: 'position: judge − label',
        key: 'position_bias.difference.value',
        ciKey: 'position_bias.difference.ci',
        n: p.pairs,
        anchor: 'near 0 for a fair judge',
      },
      ['position_bias'],
      p.pairs >= t.biasMinPairs,
    );
    if (p.swap_consistency)
      add({
        label: 'swapped rerun: same verdict',
        key: 'position_bias.swap_consistency.value',
        n: p.swap_consistency.n,
        anchor: 'near 1 for a fair judge',
      });
  }
  const h = f.scale_health;
  const declared = f.scale.source !== 'observed';
  add(
    { label: `scores at the floor (${displayNumber(f.scale.min)})`, key: 'scale_health.floor_share', n: h.scores },
    ['scale_floor'],
    declared,
  );
  add(
    { label: `scores at the ceiling (${displayNumber(f.scale.max)})`, key: 'scale_health.ceiling_share', n: h.scores },
    ['scale_ceiling'],
    declared,
  );
  add({ label: `scale use (entropy, ${plural(h.distinct_values, 'value')})`, key: 'scale_health.normalized_entropy' }, [
    'scores_off_scale',
    'scores_constant',
    'scores_coarse',
  ]);
  if (lines.at(-1)!.status === '' && h.normalized_entropy !== null)
    lines.at(-1)!.status = h.normalized_entropy < t.entropy ? 'warn' : 'ok';
  if (h.parse_failures.count > 0)
    add({ label: 'rows without usable scores', key: 'scale_health.parse_failures.rate', n: h.parse_failures.count });
  const fit = f.calibration.logistic;
  add(
    {
      label: 'logistic slope on Δ',
      key: 'calibration.logistic.slope',
      ciKey: 'calibration.logistic.ci',
      ...(fit ? { n: fit.n } : {}),
      ...(f.calibration.logistic_missing ? { anchor: `none: ${f.calibration.logistic_missing}` } : {}),
    },
    ['no_signal'],
    fit !== null,
  );
  const widest = f.calibration.widest_gaps;
  if (widest)
    add(
      {
        label: `agreement at |Δ| ≥ ${displayNumber(Number(widest.min_gap.toPrecision(3)))}`,
        key: 'calibration.widest_gaps.agreement',
        ciKey: 'calibration.widest_gaps.ci',
        n: widest.pairs,
        anchor: 'near 1 when labels are sound',
      },
      ['labels_flipped', 'wide_gap_disagreement'],
      widest.pairs >= t.wideGapMinPairs,
    );
  const r = f.retest;
  if (r) {
    add(
      {
        label: 'retest: mean |difference|',
        key: 'retest.mean_abs_diff',
        n: r.responses,
        anchor: 'GPT-4 at temperature 0: 0.16-0.2',
      },
      ['cached_rerun'],
    );
    add({ label: 'retest: exact repeats', key: 'retest.exact_repeat_rate', n: r.responses }, ['cached_rerun']);
    add({ label: 'retest: reversals (+ ↔ −)', key: 'retest.reversal_rate', n: r.pairs });
    if (lines.at(-1)!.status === '' && r.reversal_rate !== null)
      lines.at(-1)!.status = r.reversal_rate > t.reversalRate ? 'warn' : 'ok';
    add({ label: 'retest: tie changes (0 ↔ ±)', key: 'retest.tie_change_rate', n: r.pairs });
    add({ label: 'retest: order flips (both)', key: 'retest.flip_rate', n: r.pairs });
    add({ label: 'retest: ICC(2,1)', key: 'retest.icc', n: r.responses / Math.max(1, r.runs - 1) });
    add({ label: 'retest: noise gap', key: 'retest.noise_gap' });
  }
  const ref = f.reference;
  if (ref) {
    add({ label: 'reference: Pearson', key: 'reference.pearson', n: ref.responses });
    add({ label: 'reference: Spearman', key: 'reference.spearman', n: ref.responses });
    add({ label: 'reference: Kendall τ-b', key: 'reference.kendall_tau_b', n: ref.responses });
    add({ label: 'reference: quadratic κ', key: 'reference.quadratic_kappa', n: ref.responses });
    add({
      label: 'reference: Spearman per prompt',
      key: 'reference.per_prompt_spearman.mean',
      n: ref.per_prompt_spearman.prompts,
    });
    add({ label: 'reference: same pair order', key: 'reference.pair_agreement.value', n: ref.pair_agreement.n });
  }
  const s = f.aspects;
  if (s) {
    add({ label: 'aspects: mean vs overall conflict', key: 'aspects.conflicts.rate', n: s.conflicts.count });
    if (s.conflicts.rate !== null) lines.at(-1)!.status = s.conflicts.rate > t.conflictRate ? 'warn' : 'ok';
    add({
      label: 'aspects: extreme mismatches',
      key: 'aspects.extreme_mismatches.rate',
      n: s.extreme_mismatches.count,
    });
    if (s.extreme_mismatches.rate !== null) lines.at(-1)!.status = s.extreme_mismatches.count > 0 ? 'warn' : 'ok';
    for (const [i, aspect] of s.per_aspect.entries())
      add({ label: `  ${aspect.name}: Spearman`, key: `aspects.per_aspect.${i}.spearman_with_overall` });
  }
  return lines;
}
