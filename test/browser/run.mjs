#!/usr/bin/env node
// npm run test:browser: radpo audit's page opened in a real headless Chromium (Debian's `chromium`).
// Not part of npm test: it needs the browser. Skips, saying so, when none is installed.
//   node test/browser/run.mjs [--screenshots DIR]   (keeps full-page screenshots there)
// Checks: the page renders with the network cut off (nothing to fetch), its charts are SVG, and every number
// the browser shows in a figure cell equals radpo audit --json's value (to the 3 decimals shown).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
try {
  const flip = join(root, 'test', 'data', 'foreign', 'ultrafeedback_label_flip_20_first500.jsonl');
  const rerun = join(dir, 'rerun.jsonl');
  // A second judgement of the same pairs, so the page has its run-1-against-run-2 chart.
  const moves = [0, 0.5, -1, 0, 1, -0.5, 0];
  const lines = readFileSync(flip, 'utf8').trim().split('\n');
  const again = lines.map((line, i) => {
    const row = JSON.parse(line);
    const move = (s, k) => Math.min(10, Math.max(1, s + moves[k % 7]));
    row.metadata.score_chosen = move(row.metadata.score_chosen, i);
    row.metadata.score_rejected = move(row.metadata.score_rejected, i * 3 + 1);
    return JSON.stringify(row);
  });
  (await import('node:fs')).writeFileSync(rerun, `${again.join('\n')}\n`);
  for (const [name, extra] of [
    ['label-flip', []],
    ['label-flip-rerun', ['--rerun', rerun]],
  ]) {
    const page = join(dir, `${name}.html`);
    const report = JSON.parse(radpo(['audit', flip, ...extra, '--json', '--html', page]));
    const dom = chromium(['--dump-dom', `file://${page}`]);
    if (dom.status !== 0) throw new Error(`${browser} --dump-dom: ${dom.stderr}`);
    const html = dom.stdout;
    const svgs = (html.match(/<svg/g) ?? []).length;
    if (svgs < (extra.length ? 4 : 3)) failures.push(`${name}: ${svgs} charts rendered`);
    const get = (key) => key.split('.').reduce((v, k) => v?.[k], report);
    let compared = 0;
    for (const [, key, text] of html.matchAll(/data-key="([^"]+)">([^<]*)</g)) {
      const value = get(key);
      compared += 1;
      // Shown to 3 decimals (counts and gaps as they are): equal when within half the last digit shown.
      const parts = text.split('–').map(Number);
      const expected = Array.isArray(value) ? value : [value];
      const equal =
        value === null || value === undefined
          ? text === '-' || text === '' || text === 'none'
          : parts.length === expected.length && parts.every((p, k) => Math.abs(p - expected[k]) <= 0.0005);
      if (!equal) failures.push(`${name}: ${key} shows ${text}, JSON ${JSON.stringify(value)}`);
    }
    if (compared < 60) failures.push(`${name}: only ${compared} numbers found on the page`);
    const shot = join(dir, `${name}.png`);
    const s = chromium([`--screenshot=${shot}`, '--window-size=1200,4200', '--hide-scrollbars', `file://${page}`]);
    if (s.status !== 0 || !existsSync(shot))
      failures.push(`${name}: no screenshot (${s.stderr.trim().split('\n').pop()})`);
    else if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(shot, join(keep, `${name}.png`));
    }
    console.log(
      `${name}: ${compared} numbers on the page equal --json; ${svgs} SVG charts; ` +
        `screenshot ${keep ? join(keep, `${name}.png`) : 'taken'}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failures.length) {
  for (const f of failures) console.log(`  ${f}`);
  process.exit(1);
}
