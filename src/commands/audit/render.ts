/**
 * The audit as a terminal table: one line per figure (value, 95% interval, n, status, and the published
 * figure it compares with), then calibration, the min-gap sweep and the suggestion. At most 100 columns.
 */
import { formatScore } from '../../core/goal.js';
import { terminalSafe } from '../../core/terminal.js';
import { formatCount } from '../../pipeline/text.js';
import type { AuditReport } from './report.js';

type Status = 'ok' | 'warn' | 'FAIL' | '';

/** A rate or coefficient with 3 decimals; '-' when not measurable. */
export function figure(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : value.toFixed(3);
}

export function interval(ci: [number, number] | null | undefined): string {
  return ci ? `${ci[0].toFixed(3)}–${ci[1].toFixed(3)}` : '';
}

interface Line {
  name: string;
  value: string;
  ci?: string;
  n?: number;
  status?: Status;
  anchor?: string;
}

function row(line: Line): string {
  return (
    `${line.name.padEnd(30)}${line.value.padStart(8)}  ${(line.ci ?? '').padEnd(12)}` +
    `${line.n === undefined ? ''.padStart(8) : formatCount(line.n).padStart(8)}  ${(line.status ?? '').padEnd(5)}` +
    ` ${line.anchor ?? ''}`
  ).trimEnd();
}

const warnIf = (value: number | null, bad: boolean): Status => (value === null ? '' : bad ? 'warn' : 'ok');

/** A gate's status overrides the figure's own. */
function gated(report: AuditReport, figureName: string, own: Status): Status {
  const gate = report.gates.find((g) => g.figure === figureName);
  return gate ? (gate.passed ? 'ok' : 'FAIL') : own;
}

function figureLines(r: AuditReport): Line[] {
  const a = r.label_agreement;
  const lines: Line[] = [
    {
      name: 'agreement, ties half',
      value: figure(a.ties_half.value),
      ci: interval(a.ties_half.ci),
      n: a.ties_half.n,
      anchor: 'GPT-4 vs humans 66% (MT-Bench)',
    },
    {
      name: 'agreement, ties dropped',
      value: figure(a.ties_dropped.value),
      ci: interval(a.ties_dropped.ci),
      n: a.ties_dropped.n,
      status: gated(r, 'label_agreement.ties_dropped', ''),
      anchor: 'GPT-4 vs humans 85% (MT-Bench)',
    },
    {
      name: 'agreement, ties wrong',
      value: figure(a.ties_wrong.value),
      ci: interval(a.ties_wrong.ci),
      n: a.ties_wrong.n,
    },
    {
      name: 'conflicts (chosen lower)',
      value: figure(r.conflicts.rate),
      ci: interval(r.conflicts.ci),
      n: r.conflicts.count,
      status: gated(r, 'conflicts.rate', warnIf(r.conflicts.rate, (r.conflicts.rate ?? 0) > 0.1)),
    },
    { name: 'ties (equal scores)', value: figure(r.ties.rate), n: r.ties.count },
  ];
  if (a.tie_labels) {
    lines.push({ name: "Cohen's κ, labels with ties", value: figure(a.cohen_kappa), n: r.pairs });
    lines.push({ name: 'tie labels scored equal', value: figure(a.tie_labels.scored_tie_rate), n: a.tie_labels.count });
  }
  const l = r.length_bias;
  lines.push(
    {
      name: 'higher score is longer',
      value: figure(l.p_higher_score_longer.value),
      n: l.p_higher_score_longer.n,
      status: warnIf(l.p_higher_score_longer.value, (l.p_higher_score_longer.value ?? 0) > 0.7),
    },
    { name: 'label side is longer', value: figure(l.p_label_longer.value), n: l.p_label_longer.n },
    {
      name: 'always-longer, ties half',
      value: figure(l.longer_baseline.ties_half),
      anchor: '62.2% vs humans (alpaca_eval)',
    },
  );
  const h = r.scale_health;
  lines.push(
    {
      name: `scores at the floor (${formatScore(r.scale.min)})`,
      value: figure(h.floor_share),
      n: h.scores,
      status: warnIf(h.floor_share, (h.floor_share ?? 0) > 0.5),
    },
    {
      name: `scores at the ceiling (${formatScore(r.scale.max)})`,
      value: figure(h.ceiling_share),
      n: h.scores,
      status: warnIf(h.ceiling_share, (h.ceiling_share ?? 0) > 0.5),
    },
    {
      name: `scale use (entropy, ${h.distinct_values} values)`.slice(0, 30),
      value: figure(h.normalized_entropy),
      status: warnIf(h.normalized_entropy, (h.normalized_entropy ?? 1) < 0.3),
    },
  );
  if (h.parse_failures.count > 0)
    lines.push({ name: 'rows without usable scores', value: figure(h.parse_failures.rate), n: h.parse_failures.count });
  const fit = r.calibration.logistic;
  lines.push({
    name: 'logistic slope on Δ',
    value: fit ? fit.slope.toFixed(3) : '-',
    ci: interval(fit?.ci),
    n: fit?.n,
  });
  const widest = r.calibration.widest_gaps;
  if (widest)
    lines.push({
      name: `agreement at |Δ| ≥ ${formatScore(Number(widest.min_gap.toPrecision(3)))}`,
      value: figure(widest.agreement),
      ci: interval(widest.ci),
      n: widest.pairs,
      status: widest.pairs >= 30 ? warnIf(widest.agreement, widest.ci[1] < 0.95) : '',
      anchor: 'near 1 when labels are sound',
    });
  if (r.retest) {
    const t = r.retest;
    lines.push(
      {
        name: 'retest: mean |difference|',
        value: figure(t.mean_abs_diff),
        n: t.responses,
        status: t.identical ? 'warn' : '',
        anchor: 'GPT-4 at temperature 0: 0.16-0.2',
      },
      { name: 'retest: exact repeats', value: figure(t.exact_repeat_rate), n: t.responses },
      {
        name: 'retest: order flips',
        value: figure(t.flip_rate),
        n: t.pairs,
        status: gated(r, 'retest.flip_rate', warnIf(t.flip_rate, (t.flip_rate ?? 0) > 0.1)),
      },
      { name: 'retest: ICC(2,1)', value: figure(t.icc), n: t.responses / (t.runs - 1) },
      { name: 'retest: noise gap', value: figure(t.noise_gap) },
    );
  }
  if (r.reference) {
    const f = r.reference;
    lines.push(
      { name: 'reference: Pearson', value: figure(f.pearson), n: f.responses },
      { name: 'reference: Spearman', value: figure(f.spearman), n: f.responses },
      { name: 'reference: Kendall τ-b', value: figure(f.kendall_tau_b), n: f.responses },
      { name: 'reference: quadratic κ', value: figure(f.quadratic_kappa), n: f.responses },
      {
        name: 'reference: Spearman per prompt',
        value: figure(f.per_prompt_spearman.mean),
        n: f.per_prompt_spearman.prompts,
      },
      { name: 'reference: same pair order', value: figure(f.pair_agreement.value), n: f.pair_agreement.n },
    );
  }
  if (r.aspects) {
    const s = r.aspects;
    lines.push(
      {
        name: 'aspects: mean vs overall conflict',
        value: figure(s.conflicts.rate),
        n: s.conflicts.count,
        status: warnIf(s.conflicts.rate, (s.conflicts.rate ?? 0) > 0.1),
      },
      {
        name: 'aspects: extreme mismatches',
        value: figure(s.extreme_mismatches.rate),
        n: s.extreme_mismatches.count,
        status: warnIf(s.extreme_mismatches.rate, s.extreme_mismatches.count > 0),
      },
    );
    for (const aspect of s.per_aspect)
      lines.push({ name: `  ${aspect.name}: Spearman`.slice(0, 30), value: figure(aspect.spearman_with_overall) });
  }
  return lines;
}

/** Text wrapped at 100 columns, continuation lines indented. */
function wrap(text: string, indent = '  '): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > 100) {
      lines.push(line);
      line = indent + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

export function renderAudit(r: AuditReport): string {
  const out: string[] = [];
  const unreadable = Object.values(r.rows.unreadable).reduce((a, b) => a + b, 0);
  const scaleWords = { flag: '', goal: ', named in the goal text', paper: ', the paper’s', observed: ', as seen' };
  out.push(
    `radpo audit: ${formatCount(r.rows.read)} rows, ${formatCount(r.pairs)} scored pairs over ` +
      `${formatCount(r.prompts)} prompts (scale ${formatScore(r.scale.min)}-${formatScore(r.scale.max)}` +
      `${scaleWords[r.scale.source]})`,
  );
  const aside = [
    unreadable ? `${formatCount(unreadable)} unreadable` : '',
    r.rows.unscored ? `${formatCount(r.rows.unscored)} without scores` : '',
    r.rows.relabeled_twins ? `${formatCount(r.rows.relabeled_twins)} second copies folded` : '',
  ].filter(Boolean);
  if (aside.length) out.push(`  rows not audited: ${aside.join(', ')}`);
  out.push('');
  out.push(row({ name: 'figure', value: 'value', ci: '95% CI', status: '', anchor: 'published figure' }));
  for (const line of figureLines(r)) out.push(row(line));
  out.push('', 'calibration: agreement with the label by score gap |Δ| (Wilson 95%)');
  out.push(`${'|Δ|'.padStart(14)}${'pairs'.padStart(9)}${'agreement'.padStart(11)}  95% CI`);
  for (const bin of r.calibration.bins) {
    const range = bin.lo === bin.hi ? formatScore(bin.lo) : `${bin.lo.toPrecision(3)}..${bin.hi.toPrecision(3)}`;
    out.push(
      `${range.padStart(14)}${formatCount(bin.pairs).padStart(9)}${figure(bin.agreement).padStart(11)}  ` +
        interval(bin.ci),
    );
  }
  out.push('', 'min-gap sweep: pairs kept with |Δ| ≥ gap (agreement with ties dropped, bootstrap 95%)');
  out.push(
    `${'gap'.padStart(8)}${'pairs'.padStart(9)}${'share'.padStart(8)}${'prompts'.padStart(9)}` +
      `${'agreement'.padStart(11)}  ${'95% CI'.padEnd(12)}${'conflicts'.padStart(10)}`,
  );
  for (const s of r.min_gap_sweep) {
    out.push(
      `${formatScore(s.gap).padStart(8)}${formatCount(s.pairs).padStart(9)}` +
        `${`${(s.share * 100).toFixed(1)}%`.padStart(8)}${formatCount(s.prompts).padStart(9)}` +
        `${figure(s.agreement).padStart(11)}  ${interval(s.agreement_ci).padEnd(12)}` +
        `${formatCount(s.conflicts).padStart(10)}`,
    );
  }
  const suggestion = r.suggested_min_gap;
  out.push(
    '',
    wrap(
      suggestion.gap === null
        ? `suggested --min-gap: none — ${suggestion.reason}`
        : `suggested --min-gap: ${formatScore(suggestion.gap)} (${suggestion.reason})`,
    ),
  );
  if (r.apply) out.push(`  apply it: ${r.apply}`);
  for (const w of r.warnings) {
    out.push(wrap(`warning: ${w.message}`));
    if (w.hint) out.push(`  ${wrap(`hint: ${w.hint}`, '    ')}`);
  }
  for (const g of r.gates)
    out.push(`gate ${g.flag} ${g.bound}: ${g.passed ? 'passed' : 'FAILED'} (${g.figure} = ${figure(g.value)})`);
  // Names and messages come from data (file names, column names, values): no control character reaches the
  // terminal as it is.
  return `${out.join('\n').split('\n').map(terminalSafe).join('\n')}\n`;
}
