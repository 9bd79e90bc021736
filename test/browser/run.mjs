#!/usr/bin/env node
// npm run test:browser: radpo audit's page opened in a real headless Chromium (Debian's `chromium`).
// Not part of npm test: it needs the browser. Skips, saying so, when none is installed.
//   node test/browser/run.mjs [--screenshots DIR]   (keeps the screenshots there)
// Three judges — a healthy one (with a rerun), a broken one (random scores) and a position-biased one (+2 to
// response A in a winner layout) — each rendered at 1280 and at 390 px. Checks: the page renders with the
// network cut off (nothing to fetch); its charts are SVG; every number the browser shows in a cell with a
// data-key equals radpo audit --json's value (to the decimals shown); the page's warnings are the JSON's
// codes; at 390 px nothing sticks out past the window (tables may scroll inside their own box).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const keep = argv.includes('--screenshots') ? argv[argv.indexOf('--screenshots') + 1] : null;
const browser = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0,
);
if (!browser) {
  console.log('skipped: no chromium on PATH (Debian: apt-get install chromium)');
  process.exit(0);
}
spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'radpo-browser-'));
const failures = [];
const radpo = (args) => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'radpo.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`radpo ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const chromium = (args) =>
  spawnSync(
    browser,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      // No network at all: a page that needed anything from outside would render broken here.
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${join(dir, 'profile')}`,
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 },
  );

/** A seeded uniform in [0, 1) (mulberry32) and a normal draw from it. */
function seeded(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}
const clamp = (x) => Math.min(10, Math.max(1, Math.round(x * 2) / 2));
const text = (r, words) => Array.from({ length: words }, () => 'word').join(' ') + ` ${Math.floor(r.uniform() * 1e6)}`;

/** 300 pairs on 150 prompts with true qualities; `score(quality, isA, r)` is the judge. */
function judged(seed, score, layout) {
  const r = seeded(seed);
  return Array.from({ length: 300 }, (_, i) => {
    const q = r.normal();
    const better = { q: q + Math.abs(r.normal()) * 0.8 + 0.05, text: text(r, 40 + Math.floor(r.uniform() * 60)) };
    const worse = { q, text: text(r, 30 + Math.floor(r.uniform() * 60)) };
    const prompt = `question ${Math.floor(i / 2)}`;
    if (layout !== 'winner') {
      const [sc, sr] = [score(better.q, true, r), score(worse.q, false, r)];
      return { prompt, chosen: better.text, rejected: worse.text, score_chosen: sc, score_rejected: sr };
    }
    const aBetter = r.uniform() < 0.5;
    const [a, b] = aBetter ? [better, worse] : [worse, better];
    return {
      prompt,
      response_a: a.text,
      response_b: b.text,
      winner: aBetter ? 'model_a' : 'model_b',
      score_a: score(a.q, true, r),
      score_b: score(b.q, false, r),
    };
  });
}
const jsonl = (rows) => `${rows.map((x) => JSON.stringify(x)).join('\n')}\n`;
const WINNER = ['--response-a-col', 'response_a', '--response-b-col', 'response_b', '--winner-col', 'winner'];
const SCORES_AB = ['--score-a-col', 'score_a', '--score-b-col', 'score_b'];

try {
  const healthy = judged(1, (q, _a, r) => clamp(5.5 + 2 * q + 0.7 * r.normal()));
  const rerunRandom = seeded(2);
  const rerun = healthy.map((row) => ({
    ...row,
    score_chosen: clamp(row.score_chosen + 0.4 * rerunRandom.normal()),
    score_rejected: clamp(row.score_rejected + 0.4 * rerunRandom.normal()),
  }));
  writeFileSync(join(dir, 'healthy.jsonl'), jsonl(healthy));
  writeFileSync(join(dir, 'healthy-rerun.jsonl'), jsonl(rerun));
  writeFileSync(join(dir, 'broken.jsonl'), jsonl(judged(3, (_q, _a, r) => 1 + Math.floor(r.uniform() * 10))));
  writeFileSync(
    join(dir, 'position.jsonl'),
    jsonl(judged(4, (q, isA, r) => clamp(5.5 + 2 * q + 0.7 * r.normal() + (isA ? 2 : 0)), 'winner')),
  );
  const cases = [
    ['healthy', ['healthy.jsonl', '--rerun', join(dir, 'healthy-rerun.jsonl')], []],
    ['broken', ['broken.jsonl'], ['no_signal']],
    ['position-biased', ['position.jsonl', ...WINNER, ...SCORES_AB], ['position_bias']],
  ];
  for (const [name, [input, ...extra], codes] of cases) {
    const page = join(dir, `${name}.html`);
    const report = JSON.parse(radpo(['audit', join(dir, input), ...extra, '--json', '--html', page]));
    const got = report.warnings.map((w) => w.code);
    for (const code of codes) if (!got.includes(code)) failures.push(`${name}: no ${code} warning (got ${got})`);
    if (name === 'healthy' && got.length > 0) failures.push(`healthy: warnings ${got}`);
    const dom = chromium(['--dump-dom', `file://${page}`]);
    if (dom.status !== 0) throw new Error(`${browser} --dump-dom: ${dom.stderr}`);
    const html = dom.stdout;
    const svgs = (html.match(/<svg/g) ?? []).length;
    if (svgs < 3) failures.push(`${name}: ${svgs} charts rendered`);
    const get = (key) => key.split('.').reduce((v, k) => v?.[k], report);
    let compared = 0;
    for (const [, key, shown] of html.matchAll(/data-key="([^"]+)">([^<]*)</g)) {
      const value = get(key);
      compared += 1;
      // Shown to 3 decimals (counts and gaps as they are): equal when within half the last digit shown.
      const parts = shown.split('–').map(Number);
      const expected = Array.isArray(value) ? value : [value];
      const equal =
        value === null || value === undefined
          ? shown === '-' || shown === '' || shown === 'none'
          : parts.length === expected.length && parts.every((p, k) => Math.abs(p - expected[k]) <= 0.0005);
      if (!equal) failures.push(`${name}: ${key} shows ${shown}, JSON ${JSON.stringify(value)}`);
    }
    if (compared < 40) failures.push(`${name}: only ${compared} numbers found on the page`);
    const pageCodes = [...html.matchAll(/<li><code>([a-z_]+)<\/code>/g)].map((m) => m[1]);
    if (pageCodes.join() !== got.join()) failures.push(`${name}: page warnings ${pageCodes}, JSON ${got}`);
    // At 390 px: Chromium's window is at least 500 px wide, so the page is framed 390 px wide. A copy of the
    // page with a measuring script (the page itself has none) writes what sticks out past its window into
    // the frame's parent, outside the boxes that scroll on purpose.
    const probe = join(dir, `${name}-probe.html`);
    writeFileSync(
      probe,
      readFileSync(page, 'utf8').replace(
        '</body>',
        '<script>addEventListener("load",()=>{const w=document.documentElement.clientWidth;const out=[];' +
          'for(const e of document.querySelectorAll("body *")){' +
          'if(e.closest(".scroll")||e.closest("details:not([open])"))continue;' +
          'const r=e.getBoundingClientRect();if(r.width>0&&r.right>w+1)out.push(e.tagName+":"+Math.round(r.right))}' +
          'const b=parent.document.body;b.setAttribute("data-overflow",out.slice(0,5).join(" "));' +
          'b.setAttribute("data-width",String(document.documentElement.scrollWidth)+"/"+w)})' +
          '</script></body>',
      ),
    );
    const frame = (src, height) =>
      '<!doctype html><html><body style="margin:0">' +
      `<iframe src="${src}" style="width:390px;height:${height}px;border:0;outline:1px solid #999"></iframe>` +
      '</body></html>';
    writeFileSync(join(dir, `${name}-390-probe.html`), frame(`${name}-probe.html`, 900));
    writeFileSync(join(dir, `${name}-390.html`), frame(`${name}.html`, 3600));
    const narrow = chromium([
      '--allow-file-access-from-files',
      '--dump-dom',
      '--window-size=500,900',
      `file://${join(dir, `${name}-390-probe.html`)}`,
    ]);
    const overflow = /data-overflow="([^"]*)"/.exec(narrow.stdout)?.[1];
    const width = /data-width="([^"]*)"/.exec(narrow.stdout)?.[1];
    if (overflow === undefined) failures.push(`${name}: the 390 px probe did not run`);
    else if (overflow !== '') failures.push(`${name}: cut off at 390 px: ${overflow} (scroll/window ${width})`);
    else {
      // The page is no wider than its window (a tall page's scroll bar takes 15 px of the 390).
      const [scroll, window] = (width ?? '').split('/').map(Number);
      if (!(window >= 375 && window <= 390 && scroll <= window))
        failures.push(`${name}: at 390 px the page is ${scroll} px wide in a ${window} px window`);
    }
    for (const [px, target, size] of [
      [1280, page, '1280,3600'],
      [390, join(dir, `${name}-390.html`), '500,3600'],
    ]) {
      const shot = join(dir, `${name}-${px}.png`);
      const s = chromium([`--screenshot=${shot}`, `--window-size=${size}`, '--hide-scrollbars', `file://${target}`]);
      if (s.status !== 0 || !existsSync(shot))
        failures.push(`${name}: no ${px} px screenshot (${s.stderr.trim().split('\n').pop()})`);
      else if (keep) {
        mkdirSync(keep, { recursive: true });
        copyFileSync(shot, join(keep, `${name}-${px}.png`));
      }
    }
    console.log(
      `${name}: ${compared} numbers on the page equal --json; ${svgs} SVG charts; warnings [${got}]; ` +
        `390 px: ${overflow === '' ? 'nothing cut off' : overflow} (${width})` +
        (keep ? `; screenshots ${join(keep, `${name}-{1280,390}.png`)}` : ''),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failures.length) {
  for (const f of failures) console.log(`  ${f}`);
  process.exit(1);
}
