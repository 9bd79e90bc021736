/**
 * The audit as one self-contained page: inline SVG charts (score histogram, calibration, min-gap sweep,
 * run 1 against run 2) and the clearest conflicting pairs. No script, no network, no external font. Each
 * figure's cell names its JSON key (`data-key`), so a test can hold every number on the page to `--json`.
 */
import { formatScore } from '../../core/goal.js';
import type { ScoredPair } from './read.js';
import { finalText } from './read.js';
import { figure, interval, tableLines, valueAt } from './render.js';
import type { AuditReport } from './report.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

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
    `<figure><figcaption>${escapeHtml(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" ` +
    `height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}">` +
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
  const bars = bins
    .map((b, i) => {
      const x = PAD + i * width;
      return (
        `<rect x="${num(x + 1)}" y="${num(y(b.count))}" width="${num(width - 2)}" ` +
        `height="${num(H - PAD - y(b.count))}" ` +
        `fill="#4a7ab5"><title>${escapeHtml(b.label)}: ${b.count}</title></rect>` +
        `<text x="${num(x + width / 2)}" y="${H - PAD + 12}" text-anchor="middle" font-size="9">` +
        `${escapeHtml(b.label)}</text>`
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
        `<title>|Δ| ${formatScore(mid(b))}: ${figure(b.agreement)} of ${b.pairs}</title></circle>`,
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
    x: [0, hi / 2, hi].map((v) => [x(v), formatScore(Number(v.toPrecision(3)))]),
    y: [0, 0.5, 1].map((v) => [y(v), String(v)]),
  };
  return frame('Calibration: agreement with the label by |Δ|', '|Δ| (score gap)', '', half + whiskers + curve, ticks);
}

function sweepChart(r: AuditReport): string {
  const rows = r.min_gap_sweep;
  if (rows.length < 2) return '';
  const x = scaleX(0, rows.at(-1)!.gap);
  const y = scaleY(0, 1);
  const line = (pick: (s: (typeof rows)[number]) => number | null, color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${rows
      .filter((s) => pick(s) !== null)
      .map((s) => `${num(x(s.gap))},${num(y(pick(s)!))}`)
      .join(' ')}"/>`;
  const legend =
    `<text x="${W - 150}" y="24" fill="#c0392b">agreement</text>` +
    `<text x="${W - 150}" y="40" fill="#4a7ab5">share of pairs kept</text>`;
  const last = rows.at(-1)!.gap;
  const ticks: Ticks = {
    x: [0, last / 2, last].map((v) => [x(v), formatScore(Number(v.toPrecision(3)))]),
    y: [0, 0.5, 1].map((v) => [y(v), String(v)]),
  };
  return frame(
    'Min-gap sweep',
    'gap',
    '',
    line((s) => s.agreement, '#c0392b') + line((s) => s.share, '#4a7ab5') + legend,
    ticks,
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
        `fill-opacity="0.5"><title>${formatScore(a)} → ${formatScore(b)}: ${n}</title></circle>`,
    )
    .join('');
  const diagonal = `<line x1="${num(x(lo))}" y1="${num(y(lo))}" x2="${num(x(hi))}" y2="${num(y(hi))}" stroke="#ddd"/>`;
  const ends = [lo, hi].map((v) => formatScore(Number(v.toPrecision(3))));
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
        `<tr><td data-key="min_gap_sweep.${i}.gap">${formatScore(s.gap)}</td>` +
        `<td data-key="min_gap_sweep.${i}.pairs">${s.pairs}</td>` +
        `<td data-key="min_gap_sweep.${i}.share">${figure(s.share)}</td>` +
        `<td data-key="min_gap_sweep.${i}.prompts">${s.prompts}</td>` +
        `<td data-key="min_gap_sweep.${i}.agreement">${figure(s.agreement)}</td>` +
        `<td data-key="min_gap_sweep.${i}.agreement_ci">${interval(s.agreement_ci)}</td>` +
        `<td data-key="min_gap_sweep.${i}.conflicts">${s.conflicts}</td></tr>`,
    )
    .join('');
  return (
    '<table><tr><th>gap</th><th>pairs</th><th>share</th><th>prompts</th><th>agreement</th><th>95% CI</th>' +
    `<th>conflicts</th></tr>${rows}</table>`
  );
}

function clip(text: string, n = 600): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}

function conflictsTable(shown: readonly ScoredPair[]): string {
  if (shown.length === 0) return '<p>No pair has its chosen response scored below the rejected one.</p>';
  const rows = shown
    .map((p) => {
      const prompt = p.pair.prompt.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n\n');
      return (
        `<tr><td>${escapeHtml(p.location.source)}:${p.location.line}</td><td>${formatScore(p.chosen)}</td>` +
        `<td>${formatScore(p.rejected)}</td><td><pre>${escapeHtml(clip(prompt, 300))}</pre></td>` +
        `<td><pre>${escapeHtml(clip(finalText(p.pair.chosen)))}</pre></td>` +
        `<td><pre>${escapeHtml(clip(finalText(p.pair.rejected)))}</pre></td></tr>`
      );
    })
    .join('');
  return (
    '<table class="conflicts"><tr><th>row</th><th>chosen score</th><th>rejected score</th><th>prompt</th>' +
    `<th>chosen (labelled better)</th><th>rejected</th></tr>${rows}</table>`
  );
}

const STYLE =
  'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}' +
  'table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top;' +
  'text-align:left}td[data-key]{text-align:right;font-variant-numeric:tabular-nums}' +
  'figure{display:inline-block;margin:8px 16px 8px 0}figcaption{font-weight:600}svg text{font-size:11px}' +
  'pre{white-space:pre-wrap;max-width:320px;margin:0;font-size:12px}.warn{color:#a05a00}';

export function renderPage(r: AuditReport, shown: readonly ScoredPair[]): string {
  const sources = r.inputs.map((i) => escapeHtml(i.source)).join(', ');
  const suggestion = r.suggested_min_gap;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>radpo audit: ${sources}</title>` +
    `<style>${STYLE}</style></head><body><h1>radpo audit</h1>` +
    `<p>${sources}: <span data-key="rows.read">${r.rows.read}</span> rows, <span data-key="pairs">${r.pairs}</span> ` +
    `scored pairs over <span data-key="prompts">${r.prompts}</span> prompts; scale ` +
    `${formatScore(r.scale.min)}-${formatScore(r.scale.max)}; intervals from ${r.bootstrap.resamples} bootstrap ` +
    `resamples of prompts (seed ${r.bootstrap.seed}).</p>` +
    r.warnings
      .map((w) => `<p class="warn">warning: ${escapeHtml(w.message)}${w.hint ? ` (${escapeHtml(w.hint)})` : ''}</p>`)
      .join('') +
    `<h2>Figures</h2>${figuresTable(r)}` +
    '<p>Suggested --min-gap: <b data-key="suggested_min_gap.gap">' +
    `${suggestion.gap === null ? 'none' : formatScore(suggestion.gap)}</b>` +
    ` — ${escapeHtml(suggestion.reason)}${r.apply ? `. Apply it: <code>${escapeHtml(r.apply)}</code>` : ''}</p>` +
    `<h2>Charts</h2>${histogram(r)}${calibrationChart(r)}${sweepChart(r)}${retestChart(r)}` +
    `<h2>Min-gap sweep</h2>${sweepTable(r)}` +
    `<h2>Conflicting pairs</h2><p>The ${shown.length} pairs whose scores contradict their label most ` +
    `(of <span data-key="conflicts.count">${r.conflicts.count}</span>).</p>${conflictsTable(shown)}` +
    '</body></html>\n'
  );
}
