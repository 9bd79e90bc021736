/**
 * The audit as a terminal table: one line per figure (value, 95% interval, n, status, and the published
 * figure it compares with), then calibration, the min-gap sweep and the suggestion. At most 100 columns.
 */
import { displayNumber, scaleText } from '../../core/audit.js';
import { terminalSafe } from '../../core/terminal.js';
import { formatCount } from '../../pipeline/text.js';
import { type FigureLine, figureTable } from '../../core/audit-verdicts.js';
import type { AuditReport } from './report.js';

/** A rate or coefficient with 3 decimals; '-' when not measurable. */
export function figure(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : value.toFixed(3);
}

export function interval(ci: [number, number] | null | undefined): string {
  return ci ? `${ci[0].toFixed(3)}–${ci[1].toFixed(3)}` : '';
}

/** The value at a JSON key of the report ('a.b.0.c'). */
export function valueAt(report: unknown, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), report);
}

/** The figures table's lines, as the core's table gives them (one table for the terminal and the page). */
export function tableLines(r: AuditReport): FigureLine[] {
  return figureTable(r, r.warnings, r.gates);
}

interface Row {
  name: string;
  value: string;
  ci?: string;
  n?: number;
  status?: string;
  anchor?: string;
}

function row(line: Row): string {
  return (
    `${line.name.slice(0, 30).padEnd(30)}${line.value.padStart(8)}  ${(line.ci ?? '').padEnd(12)}` +
    `${line.n === undefined ? ''.padStart(8) : formatCount(line.n).padStart(8)}  ${(line.status ?? '').padEnd(5)}` +
    ` ${line.anchor ?? ''}`
  ).trimEnd();
}

function figureRows(r: AuditReport): string[] {
  return tableLines(r).map((line) =>
    row({
      name: line.label,
      value: figure(valueAt(r, line.key) as number | null | undefined),
      ci: interval(line.ciKey ? (valueAt(r, line.ciKey) as [number, number] | null) : null),
      ...(line.n === undefined ? {} : { n: line.n }),
      status: line.status,
      ...(line.anchor ? { anchor: line.anchor } : {}),
    }),
  );
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
  const scaleWords = {
    flag: '',
    goal: ', named in the goal text',
    inferred: ', inferred from whole-number scores',
    paper: ', the paper’s',
    observed: ', as seen',
  };
  out.push(
    `radpo audit: ${formatCount(r.rows.read)} row${r.rows.read === 1 ? '' : 's'}, ` +
      `${formatCount(r.pairs)} scored pair${r.pairs === 1 ? '' : 's'} over ` +
      `${formatCount(r.prompts)} prompt${r.prompts === 1 ? '' : 's'} (scale ${scaleText(r.scale)}` +
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
  out.push(...figureRows(r));
  out.push('', 'calibration: agreement with the label by score gap |Δ| (Wilson 95%)');
  out.push(`${'|Δ|'.padStart(14)}${'pairs'.padStart(9)}${'agreement'.padStart(11)}  95% CI`);
  for (const bin of r.calibration.bins) {
    const range = bin.lo === bin.hi ? displayNumber(bin.lo) : `${bin.lo.toPrecision(3)}..${bin.hi.toPrecision(3)}`;
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
      `${displayNumber(s.gap).padStart(8)}${formatCount(s.pairs).padStart(9)}` +
        `${`${(s.share * 100).toFixed(1)}%`.padStart(8)}${formatCount(s.prompts).padStart(9)}` +
        `${figure(s.agreement).padStart(11)}  ${interval(s.agreement_ci).padEnd(12)}` +
        `${formatCount(s.conflicts).padStart(10)}`,
    );
  }
  if (r.groups) {
    out.push('', 'by group: agreement with ties dropped (clustered Wilson 95%), conflicts, length');
    out.push(
      `${'group'.padEnd(24)}${'pairs'.padStart(8)}${'agreement'.padStart(11)}  ${'95% CI'.padEnd(12)}` +
        `${'conflicts'.padStart(10)}${'longer'.padStart(8)}`,
    );
    for (const g of r.groups)
      out.push(
        `${(g.group === '' ? '(none)' : g.group).slice(0, 23).padEnd(24)}${formatCount(g.pairs).padStart(8)}` +
          `${figure(g.label_agreement.value).padStart(11)}  ${interval(g.label_agreement.ci).padEnd(12)}` +
          `${figure(g.conflicts.rate).padStart(10)}${figure(g.length_bias.p_higher_score_longer).padStart(8)}`,
      );
  }
  const suggestion = r.suggested_min_gap;
  out.push(
    '',
    wrap(
      suggestion.gap === null
        ? `suggested --min-gap: ${suggestion.status === 'unsupported' ? 'withheld' : 'none'} — ${suggestion.reason}`
        : // A borderline reason starts with "borderline:", which marks it.
          `suggested --min-gap: ${displayNumber(suggestion.gap)} (${suggestion.reason})`,
    ),
  );
  if (r.apply) out.push(`  apply it: ${r.apply}`);
  else if (suggestion.gap !== null && suggestion.gap > 0 && r.inputs.some((i) => i.source === '<stdin>'))
    out.push('  apply it: save the input to a file and pass that file to radpo relabel with the same flags');
  for (const w of r.warnings) {
    out.push(wrap(`warning [${w.code}]: ${w.message}`));
    if (w.hint) out.push(`  ${wrap(`hint: ${w.hint}`, '    ')}`);
  }
  for (const g of r.gates)
    out.push(`gate ${g.flag} ${g.bound}: ${g.passed ? 'passed' : 'FAILED'} (${g.figure} = ${figure(g.value)})`);
  // Names and messages come from data (file names, column names, values): no control character reaches the
  // terminal as it is.
  return `${out.join('\n').split('\n').map(terminalSafe).join('\n')}\n`;
}
