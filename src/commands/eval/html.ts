/**
 * `radpo eval` as one self-contained page: the judged score against the goal asked for (means with their
 * 95% intervals), the baseline as a line with its band, the figures, and the prompts whose answers broke
 * the order. Inline SVG; no script, no network. Every text from the data is HTML-escaped; numbers carry
 * their JSON key (`data-key`) so a test can hold the page to --json.
 */
import { formatScore } from '../../core/goal.js';
import { counted } from '../../pipeline/text.js';
import type { EvalConfig } from './config.js';
import { type BrokenPrompt, type EvalJson, fixed, span } from './render.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const W = 520;
const H = 300;
const PAD = 48;
const px = (v: number) => Number(v.toFixed(1));

function chart(r: EvalJson): string {
  const base = r.baseline?.mean_score;
  const values = [
    ...r.goals.flatMap((g) => [g.mean_score.value, ...(g.mean_score.ci ?? [])]),
    ...(base ? [base.value, ...(base.ci ?? [])] : []),
  ].filter((v): v is number => v !== null);
  if (values.length === 0) return '';
  const yLo = Math.min(...values, r.scale.min);
  const yHi = Math.max(...values, r.scale.max);
  const xLo = r.goals[0]!.goal;
  const xHi = r.goals.at(-1)!.goal;
  const x = (v: number) => PAD + (xHi > xLo ? ((v - xLo) / (xHi - xLo)) * (W - 2 * PAD) : (W - 2 * PAD) / 2);
  const y = (v: number) => H - PAD - ((v - yLo) / (yHi - yLo || 1)) * (H - 2 * PAD);
  let body =
    `<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD / 2}" y2="${H - PAD}" stroke="#444"/>` +
    `<line x1="${PAD}" y1="${PAD / 2}" x2="${PAD}" y2="${H - PAD}" stroke="#444"/>` +
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">goal asked for</text>` +
    `<text x="12" y="${H / 2}" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">judged score</text>` +
    [yLo, (yLo + yHi) / 2, yHi]
      .map(
        (v) =>
          `<text x="${PAD - 4}" y="${px(y(v) + 4)}" text-anchor="end">${formatScore(Number(v.toPrecision(3)))}</text>`,
      )
      .join('');
  if (base?.value !== null && base?.value !== undefined) {
    if (base.ci)
      body +=
        `<rect x="${PAD}" y="${px(y(base.ci[1]))}" width="${W - 1.5 * PAD}" ` +
        `height="${px(y(base.ci[0]) - y(base.ci[1]))}" ` +
        'fill="#e67e22" fill-opacity="0.15"/>';
    body +=
      `<line x1="${PAD}" y1="${px(y(base.value))}" x2="${W - PAD / 2}" y2="${px(y(base.value))}" stroke="#e67e22" ` +
      `stroke-dasharray="6 4"><title>no goal: ${fixed(base.value, 2)}</title></line>` +
      `<text x="${W - PAD / 2}" y="${px(y(base.value) - 4)}" text-anchor="end" fill="#e67e22">no goal</text>`;
  }
  const points = r.goals.filter((g) => g.mean_score.value !== null);
  body += `<polyline fill="none" stroke="#4a7ab5" stroke-width="2" points="${points
    .map((g) => `${px(x(g.goal))},${px(y(g.mean_score.value!))}`)
    .join(' ')}"/>`;
  for (const g of points) {
    const cx = px(x(g.goal));
    if (g.mean_score.ci)
      body +=
        `<line x1="${cx}" y1="${px(y(g.mean_score.ci[0]))}" x2="${cx}" y2="${px(y(g.mean_score.ci[1]))}" ` +
        'stroke="#999" stroke-width="2"/>';
    body +=
      `<circle cx="${cx}" cy="${px(y(g.mean_score.value!))}" r="4" fill="#4a7ab5">` +
      `<title>goal ${formatScore(g.goal)}: ` +
      `${fixed(g.mean_score.value, 2)} (${span(g.mean_score.ci, 2)})</title></circle>` +
      `<text x="${cx}" y="${H - PAD + 14}" text-anchor="middle">${formatScore(g.goal)}</text>`;
  }
  return (
    `<figure><figcaption>Judged score by goal (95% intervals over prompts)</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" ` +
    `aria-label="judged score by goal">${body}</svg></figure>`
  );
}

function figures(r: EvalJson): string {
  const rows: Array<[string, string, number | null, [number, number] | null]> = [
    [
      'goal–score Spearman, within prompts',
      'goal_score_spearman',
      r.goal_score_spearman.value,
      r.goal_score_spearman.ci,
    ],
  ];
  if (r.top_vs_baseline)
    rows.push([
      'top goal beats no goal (win rate)',
      'top_vs_baseline',
      r.top_vs_baseline.win_rate,
      r.top_vs_baseline.ci,
    ]);
  if (r.top_vs_lowest)
    rows.push(['top goal beats the lowest (win rate)', 'top_vs_lowest', r.top_vs_lowest.win_rate, r.top_vs_lowest.ci]);
  if (r.prompts_rising)
    rows.push([
      'prompts whose score rises with the goal',
      'prompts_rising',
      r.prompts_rising.share,
      r.prompts_rising.ci,
    ]);
  const goalRows = [
    ...r.goals.map((g, i) => [formatScore(g.goal), `goals.${i}`, g.answers, g.mean_score] as const),
    ...(r.baseline ? [['no goal', 'baseline', r.baseline.answers, r.baseline.mean_score] as const] : []),
  ]
    .map(
      ([name, key, answers, m]) =>
        `<tr><th>${escapeHtml(name)}</th><td data-key="${key}.answers">${answers}</td>` +
        `<td data-key="${key}.mean_score.value">${fixed(m.value, 3)}</td><td>${span(m.ci)}</td></tr>`,
    )
    .join('');
  return (
    `<table><tr><th>goal</th><th>answers</th><th>mean score</th><th>95% CI</th></tr>${goalRows}</table>` +
    '<table><tr><th>figure</th><th>value</th><th>95% CI</th></tr>' +
    rows
      .map(
        ([name, key, value, ci]) =>
          `<tr><th>${escapeHtml(name)}</th><td data-key="${key}">${fixed(value)}</td><td>${span(ci)}</td></tr>`,
      )
      .join('') +
    '</table>'
  );
}

const clip = (text: string, n: number) => (text.length > n ? `${text.slice(0, n)}…` : text);

function brokenTable(broken: readonly BrokenPrompt[]): string {
  if (broken.length === 0) return '<p>No prompt broke the order: every judged score rose with the goal.</p>';
  return broken
    .map((b) => {
      const answers = [...b.answers]
        .sort((p, q) => (p.goal ?? -Infinity) - (q.goal ?? -Infinity))
        .map(
          (a) =>
            `<tr><td>${a.goal === null ? 'no goal' : formatScore(a.goal)}</td><td>${fixed(a.score, 2)}</td>` +
            `<td><pre>${escapeHtml(clip(a.text, 400))}</pre></td></tr>`,
        )
        .join('');
      return (
        `<h3>${escapeHtml(b.location)} (Spearman ${fixed(b.rho)})</h3><pre>${escapeHtml(clip(b.prompt, 400))}</pre>` +
        `<table><tr><th>goal</th><th>judged</th><th>answer</th></tr>${answers}</table>`
      );
    })
    .join('');
}

const STYLE =
  'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}' +
  'table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top;' +
  'text-align:left}td[data-key]{text-align:right;font-variant-numeric:tabular-nums}' +
  'figure{margin:8px 0}figcaption{font-weight:600}svg text{font-size:11px}' +
  'pre{white-space:pre-wrap;max-width:720px;margin:0;font-size:12px}.warn{color:#a05a00}';

export function renderPage(r: EvalJson, broken: readonly BrokenPrompt[], config: EvalConfig): string {
  const sources = config.inputs.map((i) => escapeHtml(i)).join(', ');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>radpo eval: ${sources}</title>` +
    `<style>${STYLE}</style></head><body><h1>radpo eval</h1>` +
    `<p>${sources}: <span data-key="prompts">${r.prompts}</span> ${r.prompts === 1 ? 'prompt' : 'prompts'}, ` +
    `${counted(r.samples_per_goal, 'answer')} per ` +
    `prompt and goal; goal scale ${formatScore(r.scale.min)}-${formatScore(r.scale.max)}, ${escapeHtml(r.placement)} ` +
    `placement; intervals from ${r.bootstrap.resamples} bootstrap resamples of prompts ` +
    `(seed ${r.bootstrap.seed}).</p>` +
    r.warnings.map((w) => `<p class="warn">warning (${escapeHtml(w.code)}): ${escapeHtml(w.message)}</p>`).join('') +
    `${chart(r)}<h2>Figures</h2>${figures(r)}` +
    `<h2>Answers that broke the order</h2><p>Prompts whose judged scores did not rise with the goal, the worst ` +
    `first (at most 20).</p>${brokenTable(broken)}</body></html>\n`
  );
}
