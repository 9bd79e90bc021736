/**
 * The audit as one self-contained page: inline SVG charts (score histogram, calibration, min-gap sweep,
 * run 1 against run 2) and the clearest conflicting pairs. No script, no network, no external font. Each
 * figure's cell names its JSON key (`data-key`), so a test can hold every number on the page to `--json`.
 */
import { displayNumber, scaleText } from '../../core/audit.js';
import { terminalSafe } from '../../core/terminal.js';
import type { ScoredPair } from './read.js';
import { contentText, finalText } from './read.js';
import { figure, interval, tableLines, valueAt } from './render.js';
import type { AuditReport } from './report.js';

/**
 * Text from data on the page: HTML's five characters escaped, and control characters other than newline
 * and tab written out as the terminal rule writes them (a NUL byte shows as \x00, not as nothing).
 */
const escapeHtml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => terminalSafe(c))
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const W = 460;
const H = 220;
const PAD = 40;

/** Tick labels: [pixel, text] along the x axis (below it) and the y axis (left of it). */
interface Ticks {
  x?: Array<[number, string]>;
  y?: Array<[number, string]>;
}

function tickMarks(ticks: Ticks): string {
  const x = (ticks.x ?? [])
    .map(([px, label]) => `<text x="${num(px)}" y="${H - PAD + 13}" text-anchor="middle">${escapeHtml(label)}</text>`)
    .join('');
  const y = (ticks.y ?? [])
    .map(([py, label]) => `<text x="${PAD - 3}" y="${num(py + 4)}" text-anchor="end">${escapeHtml(label)}</text>`)
    .join('');
  return x + y;
}

/** Axes and a frame; x and y map data to pixels. */
function frame(title: string, xLabel: string, yLabel: string, body: string, ticks: Ticks = {}): string {
  return (
    `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" ` +
    `viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}">` +
    `<line x1="${PAD}" y1="${H - PAD}" x2="${W - 8}" y2="${H - PAD}" stroke="#444"/>` +
    `<line x1="${PAD}" y1="8" x2="${PAD}" y2="${H - PAD}" stroke="#444"/>` +
    `<text x="${W / 2}" y="${H - 4}" text-anchor="middle">${escapeHtml(xLabel)}</text>` +
    `<text x="9" y="${H / 2}" transform="rotate(-90 9 ${H / 2})" text-anchor="middle">${escapeHtml(yLabel)}</text>` +
    `${tickMarks(ticks)}${body}</svg></figure>`
  );
}

const scaleX = (lo: number, hi: number) => (v: number) => PAD + ((v - lo) / (hi - lo || 1)) * (W - PAD - 16);
const scaleY = (lo: number, hi: number) => (v: number) => H - PAD - ((v - lo) / (hi - lo || 1)) * (H - PAD - 16);
const num = (v: number) => Number(v.toFixed(1));

function histogram(r: AuditReport): string {
  const bins = r.scale_health.histogram;
  if (bins.length === 0) return '';
  const max = Math.max(...bins.map((b) => b.count));
  const width = (W - PAD - 16) / bins.length;
  const y = scaleY(0, max);
  // Labels thinned to what fits: a range bin (continuous scores) is labelled by its lower edge, and only
  // every k-th label is drawn so that none overlaps its neighbour.
  const labelOf = (b: (typeof bins)[number]) => (b.lo === b.hi ? b.label : displayNumber(Number(b.lo.toPrecision(3))));
  const widest = Math.max(...bins.map((b) => labelOf(b).length));
  const every = Math.max(1, Math.ceil((widest * 6 + 4) / width));
  const bars = bins
    .map((b, i) => {
      const x = PAD + i * width;
      return (
        `<rect x="${num(x + 1)}" y="${num(y(b.count))}" width="${num(Math.max(1, width - 2))}" ` +
        `height="${num(H - PAD - y(b.count))}" ` +
        `fill="#4a7ab5"><title>${escapeHtml(b.label)}: ${b.count}</title></rect>` +
        (i % every === 0
          ? `<text x="${num(b.lo === b.hi ? x + width / 2 : x)}" y="${H - PAD + 12}" ` +
            `text-anchor="${b.lo === b.hi ? 'middle' : 'start'}" font-size="9">${escapeHtml(labelOf(b))}</text>`
          : '')
      );
    })
    .join('');
  return frame('Scores (chosen and rejected)', '', '', bars, {
    y: [
      [y(max), String(max)],
      [y(0), '0'],
    ],
  });
}

function calibrationChart(r: AuditReport): string {
  const bins = r.calibration.bins.filter((b) => b.agreement !== null);
  if (bins.length === 0) return '';
  const mid = (b: (typeof bins)[number]) => (b.lo + b.hi) / 2;
  const hi = Math.max(...bins.map(mid));
  const x = scaleX(0, hi);
  const y = scaleY(0, 1);
  const whiskers = bins
    .map(
      (b) =>
        `<line x1="${num(x(mid(b)))}" y1="${num(y(b.ci![0]))}" x2="${num(x(mid(b)))}" y2="${num(y(b.ci![1]))}" ` +
        `stroke="#999"/><circle cx="${num(x(mid(b)))}" cy="${num(y(b.agreement!))}" r="3" fill="#c0392b">` +
        `<title>|Δ| ${displayNumber(mid(b))}: ${figure(b.agreement)} of ${b.pairs}</title></circle>`,
    )
    .join('');
  const fit = r.calibration.logistic;
  const curve = fit
    ? `<polyline fill="none" stroke="#2c3e50" points="${Array.from({ length: 41 }, (_, k) => {
        const d = (hi * k) / 40;
        return `${num(x(d))},${num(y(1 / (1 + Math.exp(-fit.slope * d))))}`;
      }).join(' ')}"/>`
    : '';
  const half = `<line x1="${PAD}" y1="${num(y(0.5))}" x2="${W - 8}" y2="${num(y(0.5))}" stroke="#ddd"/>`;
  const ticks: Ticks = {
    x: [0, hi / 2, hi].map((v) => [x(v), displayNumber(Number(v.toPrecision(3)))]),
    y: [0, 0.5, 1].map((v) => [y(v), String(v)]),
  };
  return frame('Calibration: agreement with the label by |Δ|', '|Δ| (score gap)', '', half + whiskers + curve, ticks);
}

function sweepChart(r: AuditReport): string {
  const rows = r.min_gap_sweep;
  if (rows.length < 2) return '';
  const suggestion = r.suggested_min_gap;
  const last = rows.at(-1)!.gap;
  const x = scaleX(0, last);
  const y = scaleY(0, 1);
  const line = (pick: (s: (typeof rows)[number]) => number | null, color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} ` +
    `points="${rows
      .filter((s) => pick(s) !== null)
      .map((s) => `${num(x(s.gap))},${num(y(pick(s)!))}`)
      .join(' ')}"/>`;
  // The agreement's interval as a band: upper ends left to right, lower ends back.
  const banded = rows.filter((s) => s.agreement_ci !== null);
  const band =
    banded.length > 1
      ? `<polygon fill="#c0392b" fill-opacity="0.15" stroke="none" points="${[
          ...banded.map((s) => `${num(x(s.gap))},${num(y(s.agreement_ci![1]))}`),
          ...[...banded].reverse().map((s) => `${num(x(s.gap))},${num(y(s.agreement_ci![0]))}`),
        ].join(' ')}"/>`
      : '';
  const target = suggestion.target;
  const targetLine =
    `<line x1="${PAD}" y1="${num(y(target))}" x2="${W - 8}" y2="${num(y(target))}" stroke="#555" ` +
    `stroke-dasharray="4 3"/><text x="${PAD + 4}" y="${num(y(target) - 3)}" fill="#555">target ` +
    `${displayNumber(target)}</text>`;
  const mark = (gap: number | null, color: string, label: string, row: number) =>
    gap === null || gap > last
      ? ''
      : `<line x1="${num(x(gap))}" y1="8" x2="${num(x(gap))}" y2="${H - PAD}" stroke="${color}" stroke-width="1.5"/>` +
        `<text x="${num(Math.min(x(gap) + 3, W - 90))}" y="${14 + 12 * row}" fill="${color}">${label}</text>`;
  const marks =
    mark(suggestion.gap, '#1e7b34', `suggested ${suggestion.gap === null ? '' : displayNumber(suggestion.gap)}`, 0) +
    mark(
      suggestion.noise_gap,
      '#8e44ad',
      `noise gap ${suggestion.noise_gap === null ? '' : displayNumber(Number(suggestion.noise_gap.toFixed(2)))}`,
      1,
    );
  const ticks: Ticks = {
    x: [0, last / 2, last].map((v) => [x(v), displayNumber(Number(v.toPrecision(3)))]),
    y: [0, 0.5, 1].map((v) => [y(v), String(v)]),
  };
  const chart = frame(
    'Min-gap sweep',
    'gap',
    '',
    band + targetLine + line((s) => s.agreement, '#c0392b') + line((s) => s.share, '#4a7ab5', '6 3') + marks,
    ticks,
  );
  // The legend sits under the chart, off the lines.
  return chart.replace(
    '</figure>',
    '<p class="legend"><span style="color:#c0392b">━ agreement (band: 95% CI)</span> ' +
      '<span style="color:#4a7ab5">╍ share of pairs kept</span></p></figure>',
  );
}

function retestChart(r: AuditReport): string {
  const points = r.retest?.points ?? [];
  if (points.length === 0) return '';
  const lo = Math.min(...points.map((p) => Math.min(p[0], p[1])));
  const hi = Math.max(...points.map((p) => Math.max(p[0], p[1])));
  const x = scaleX(lo, hi);
  const y = scaleY(lo, hi);
  const most = Math.max(...points.map((p) => p[2]));
  const dots = points
    .map(
      ([a, b, n]) =>
        `<circle cx="${num(x(a))}" cy="${num(y(b))}" r="${num(2 + 6 * Math.sqrt(n / most))}" fill="#4a7ab5" ` +
        `fill-opacity="0.5"><title>${displayNumber(a)} → ${displayNumber(b)}: ${n}</title></circle>`,
    )
    .join('');
  const diagonal = `<line x1="${num(x(lo))}" y1="${num(y(lo))}" x2="${num(x(hi))}" y2="${num(y(hi))}" stroke="#ddd"/>`;
  const ends = [lo, hi].map((v) => displayNumber(Number(v.toPrecision(3))));
  const ticks: Ticks = {
    x: [
      [x(lo), ends[0]!],
      [x(hi), ends[1]!],
    ],
    y: [
      [y(lo), ends[0]!],
      [y(hi), ends[1]!],
    ],
  };
  return frame('Run 1 against run 2', 'run 1 score', '', diagonal + dots, ticks);
}

function figuresTable(r: AuditReport): string {
  const rows = tableLines(r)
    .map((line) => {
      const ci = line.ciKey ? (valueAt(r, line.ciKey) as [number, number] | null) : null;
      return (
        `<tr${line.status === 'warn' || line.status === 'FAIL' ? ' class="flag"' : ''}>` +
        `<th>${escapeHtml(line.label)}</th>` +
        `<td data-key="${line.key}">${figure(valueAt(r, line.key) as number | null)}</td>` +
        `<td${line.ciKey ? ` data-key="${line.ciKey}"` : ''}>${interval(ci)}</td>` +
        `<td class="n">${line.n === undefined ? '' : line.n}</td>` +
        `<td class="status ${line.status}">${line.status}${line.code ? ` <small>${line.code}</small>` : ''}</td>` +
        `<td class="anchor">${escapeHtml(line.anchor ?? '')}</td></tr>`
      );
    })
    .join('');
  return (
    '<div class="scroll"><table class="figures"><tr><th>figure</th><th>value</th><th>95% CI</th><th>n</th>' +
    `<th>status</th><th>published figure</th></tr>${rows}</table></div>`
  );
}

function sweepTable(r: AuditReport): string {
  const rows = r.min_gap_sweep
    .map(
      (s, i) =>
        `<tr><td data-key="min_gap_sweep.${i}.gap">${displayNumber(s.gap)}</td>` +
        `<td data-key="min_gap_sweep.${i}.pairs">${s.pairs}</td>` +
        `<td data-key="min_gap_sweep.${i}.share">${figure(s.share)}</td>` +
        `<td data-key="min_gap_sweep.${i}.prompts">${s.prompts}</td>` +
        `<td data-key="min_gap_sweep.${i}.agreement">${figure(s.agreement)}</td>` +
        `<td data-key="min_gap_sweep.${i}.agreement_ci">${interval(s.agreement_ci)}</td>` +
        `<td data-key="min_gap_sweep.${i}.bound.value">${figure(s.bound?.value)}</td>` +
        `<td data-key="min_gap_sweep.${i}.conflicts">${s.conflicts}</td></tr>`,
    )
    .join('');
  return (
    '<div class="scroll"><table><tr><th>gap</th><th>pairs</th><th>share</th><th>prompts</th><th>agreement</th>' +
    `<th>95% CI</th><th>bound</th><th>conflicts</th></tr>${rows}</table></div>`
  );
}

/** At most n code points (an emoji is never cut in half), with … when text was cut. */
function clip(text: string, n: number): string {
  const points = Array.from(text);
  return points.length > n ? `${points.slice(0, n).join('')}…` : text;
}

/** A long text folded: its first lines shown, the whole of it one click away. */
function folded(text: string, shown = 280): string {
  const short = clip(text, shown);
  if (short === text) return `<pre>${escapeHtml(text)}</pre>`;
  const whole = escapeHtml(clip(text, 20_000));
  return `<details><summary><pre>${escapeHtml(short)}</pre></summary><pre>${whole}</pre></details>`;
}

/** A row's place as file:line, the file by its base name (the full path is the cell's title). */
function rowId(p: ScoredPair): string {
  const base = p.location.source.split(/[\\/]/).pop() ?? p.location.source;
  return `<span title="${escapeHtml(p.location.source)}">${escapeHtml(base)}:${p.location.line}</span>`;
}

function conflictsSection(r: AuditReport, shown: readonly ScoredPair[]): string {
  if (r.conflicts.count === 0)
    return (
      '<p>No pair has its chosen response scored below the rejected one' +
      `${r.label_agreement.ties_dropped.n === 0 ? ' (no pair is scored apart at all)' : ''}.</p>`
    );
  const items = shown
    .map((p) => {
      const prompt = p.pair.prompt.map((m) => contentText(m.content)).join('\n\n');
      return (
        `<div class="pair"><p class="meta">${rowId(p)} · chosen scored ${displayNumber(p.chosen)}, rejected ` +
        `${displayNumber(p.rejected)} (gap ${displayNumber(Number((p.chosen - p.rejected).toPrecision(6)))})</p>` +
        `<div class="prompt"><b>prompt</b>${folded(prompt, 200)}</div><div class="sides">` +
        `<div><b>chosen (labelled better)</b>${folded(finalText(p.pair.chosen))}</div>` +
        `<div><b>rejected</b>${folded(finalText(p.pair.rejected))}</div></div></div>`
      );
    })
    .join('');
  const of = `<span data-key="conflicts.count">${r.conflicts.count}</span>`;
  return (
    `<p>${shown.length === r.conflicts.count ? `All ${of}` : `The ${shown.length} clearest of ${of}`} pairs ` +
    `whose scores contradict their label, the widest gap first.</p>${items}`
  );
}

function groupsSection(r: AuditReport): string {
  if (!r.groups) return '';
  const rows = r.groups
    .map(
      (g, i) =>
        `<tr><th>${escapeHtml(g.group === '' ? '(none)' : g.group)}</th>` +
        `<td data-key="groups.${i}.pairs">${g.pairs}</td>` +
        `<td data-key="groups.${i}.label_agreement.value">${figure(g.label_agreement.value)}</td>` +
        `<td data-key="groups.${i}.label_agreement.ci">${interval(g.label_agreement.ci)}</td>` +
        `<td data-key="groups.${i}.conflicts.rate">${figure(g.conflicts.rate)}</td>` +
        `<td data-key="groups.${i}.ties.rate">${figure(g.ties.rate)}</td>` +
        `<td data-key="groups.${i}.length_bias.p_higher_score_longer">` +
        `${figure(g.length_bias.p_higher_score_longer)}</td>` +
        `<td data-key="groups.${i}.length_bias.p_label_longer">${figure(g.length_bias.p_label_longer)}</td></tr>`,
    )
    .join('');
  return (
    '<h2>By group</h2><div class="scroll"><table><tr><th>group</th><th>pairs</th><th>agreement</th>' +
    '<th>95% CI</th><th>conflicts</th><th>ties</th><th>higher score longer</th><th>label longer</th></tr>' +
    `${rows}</table></div>`
  );
}

function warningsSection(r: AuditReport): string {
  if (r.warnings.length === 0) return '<p class="ok">No warning: nothing in these figures calls for a second look.</p>';
  // The page names no command-line flag: each warning's code and message, the figures it rests on below.
  return `<ul class="warnings">${r.warnings
    .map((w) => `<li><code>${w.code}</code> ${escapeHtml(w.message)}</li>`)
    .join('')}</ul>`;
}

const STYLE =
  'body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#222;max-width:1100px}' +
  'table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top;' +
  'text-align:left}td[data-key]{text-align:right;font-variant-numeric:tabular-nums}td.n{text-align:right}' +
  'tr.flag th,tr.flag td{background:#fff4e0}td.status.warn,td.status.FAIL{color:#a05a00;font-weight:600}' +
  'td.status small{font-weight:400;color:#777}td.anchor{color:#555;font-size:12px}' +
  '.scroll{overflow-x:auto;max-width:100%}' +
  'figure{display:inline-block;margin:8px 16px 8px 0;width:460px;max-width:100%;vertical-align:top}' +
  'figure svg{width:100%;height:auto}figcaption{font-weight:600}svg text{font-size:11px}' +
  '.legend{margin:0;font-size:12px}' +
  'pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font-size:12px}' +
  'ul.warnings{padding-left:18px}ul.warnings li{margin:4px 0;color:#7a4300}ul.warnings code{color:#222;' +
  'background:#f3f3f3;padding:0 3px}.ok{color:#1e7b34}' +
  '.pair{border-top:1px solid #ddd;padding:8px 0}.pair .meta{margin:0 0 4px;color:#555}' +
  '.sides{display:grid;grid-template-columns:1fr 1fr;gap:12px}.sides>div{min-width:0}' +
  'details summary{cursor:pointer;list-style:none}details[open] summary{display:none}' +
  '@media (max-width:600px){.sides{grid-template-columns:1fr}body{margin:8px}figure{margin-right:0}}';

export function renderPage(r: AuditReport, shown: readonly ScoredPair[]): string {
  const sources = r.inputs.map((i) => escapeHtml(i.source)).join(', ');
  const suggestion = r.suggested_min_gap;
  const gapText =
    suggestion.gap === null
      ? suggestion.status === 'unsupported'
        ? 'withheld'
        : 'none'
      : displayNumber(suggestion.gap);
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>radpo audit: ${sources}</title><style>${STYLE}</style></head><body><h1>radpo audit</h1>` +
    `<p>${sources}: <span data-key="rows.read">${r.rows.read}</span> rows, <span data-key="pairs">${r.pairs}</span> ` +
    `scored pairs over <span data-key="prompts">${r.prompts}</span> prompts; scale ` +
    `${scaleText(r.scale)} (${r.scale.source}); intervals from ` +
    `${r.bootstrap.resamples} bootstrap resamples of prompts (seed ${r.bootstrap.seed}).</p>` +
    `<h2>Warnings</h2>${warningsSection(r)}` +
    `<h2>Figures</h2>${figuresTable(r)}` +
    `<p>Suggested minimum gap: <b data-key="suggested_min_gap.gap">${gapText}</b>` +
    ' — ' +
    `${escapeHtml(suggestion.reason)}.</p>` +
    `<h2>Charts</h2>${histogram(r)}${calibrationChart(r)}${sweepChart(r)}${retestChart(r)}` +
    `<h2>Min-gap sweep</h2>${sweepTable(r)}${groupsSection(r)}` +
    `<h2>Conflicting pairs</h2>${conflictsSection(r, shown)}` +
    '</body></html>\n'
  );
}
