#!/usr/bin/env node
// Part of npm run test:interop: radpo audit's statistics against scipy, scikit-learn and statsmodels on
// real data (the label-flip file's scores), edge data (ties, constant columns) and, through the CLI,
// reference scores with missing values. Skips, saying so, when Python cannot import them. It also writes
// the libraries' figures for those cases to test/core/stats.reference.json, which `npm test` checks
// core/stats.ts against without Python (test/core/stats.test.ts): commit it when it changes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const python = process.env.PYTHON ?? 'python3';
const probe = spawnSync(python, ['-c', 'import scipy, sklearn, statsmodels, numpy'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(
    `skipped: ${python} cannot import scipy, sklearn, statsmodels (pip install scipy scikit-learn statsmodels)`,
  );
  process.exit(0);
}
spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const stats = await import(pathToFileURL(join(root, 'dist', 'core', 'stats.js')).href);
const flipFile = join(root, 'test', 'data', 'foreign', 'ultrafeedback_label_flip_20_first500.jsonl');
const rows = readFileSync(flipFile, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const chosen = rows.map((r) => r.metadata.score_chosen);
const rejected = rows.map((r) => r.metadata.score_rejected);

const figures = (x, y) => ({
  pearson: stats.pearson(x, y),
  spearman: stats.spearman(x, y),
  kendall: stats.kendallTauB(x, y),
  qwk: stats.cohenKappa(x, y, 'quadratic'),
  kappa: stats.cohenKappa(x, y),
});
const pairs = [
  ['real: chosen vs rejected scores (500, many ties)', chosen, rejected],
  ['real: chosen vs rounded-down rejected', chosen, rejected.map(Math.floor)],
  ['edge: heavy ties', [1, 1, 1, 2, 2, 3, 3, 3, 3, 4], [2, 2, 1, 2, 3, 3, 3, 4, 4, 4]],
  ['edge: constant y', [1, 2, 3, 4], [5, 5, 5, 5]],
  ['edge: two values', [1, 2], [2, 1]],
  ['edge: reversed', [1, 2, 3, 4, 5], [5, 4, 3, 2, 1]],
];
const iccs = [
  ['real: chosen and rejected as two raters', [chosen, rejected]],
  [
    'edge: shifted rater',
    [
      [1, 2, 3, 4],
      [2, 3, 4, 5],
    ],
  ],
  [
    'edge: three raters',
    [
      [9, 6, 8, 7, 10, 6],
      [2, 1, 4, 1, 5, 2],
      [5, 3, 6, 2, 6, 4],
    ],
  ],
];
const wilsons = [
  [0, 10],
  [10, 10],
  [94, 500],
  [349, 443],
  [1, 3],
];

const quantiles = [
  ['real: chosen scores', chosen],
  ['edge: one value', [7]],
  ['edge: two values', [1, 2]],
  ['edge: 1..100', Array.from({ length: 100 }, (_, i) => i + 1)],
].map(([name, values]) => ({ name, values, q: [0, 0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975, 0.99, 1] }));
const entropies = [
  ['edge: even', [5, 5, 5, 5], 4],
  ['edge: one category used', [0, 9, 0], 3],
  ['edge: uneven, unused categories', [1, 2, 3, 0, 10], 10],
].map(([name, counts, categories]) => ({ name, counts, categories }));
const cases = {
  pairs: pairs.map(([name, x, y]) => ({ name, x, y })),
  iccs: iccs.map(([name, runs]) => ({ name, runs })),
  wilsons: wilsons.map(([k, n]) => ({ k, n })),
  quantiles,
  entropies,
};

// Missing values through the CLI: reference columns absent on every seventh row.
const dir = mkdtempSync(join(tmpdir(), 'radpo-audit-interop-'));
try {
  const withRef = join(dir, 'ref.jsonl');
  writeFileSync(
    withRef,
    rows
      .map((r, i) =>
        JSON.stringify(
          i % 7 === 3
            ? r
            : { ...r, ref_c: Math.floor(r.metadata.score_chosen), ref_r: Math.ceil(r.metadata.score_rejected) },
        ),
      )
      .join('\n'),
  );
  const audit = spawnSync(
    process.execPath,
    [
      join(root, 'bin', 'radpo.js'),
      'audit',
      withRef,
      '--reference-chosen-col',
      'ref_c',
      '--reference-rejected-col',
      'ref_r',
      '--json',
      '--bootstrap',
      '0',
    ],
    { encoding: 'utf8' },
  );
  if (audit.status !== 0) throw new Error(audit.stderr);
  // A winner layout with ties, groups and a rerun that reads half the pairs with A and B swapped: three-way
  // agreement, κ over {A, B, tie}, the position figures, reversals and the groups' clustered Wilson intervals.
  const winnerFile = join(dir, 'winner.jsonl');
  const rerunFile = join(dir, 'winner-rerun.jsonl');
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const winnerRows = [];
  const rerunRows = [];
  for (let i = 0; i < 400; i++) {
    const quality = [next(), next()];
    const winner = Math.abs(quality[0] - quality[1]) < 0.1 ? 'tie' : quality[0] > quality[1] ? 'model_a' : 'model_b';
    const judge = (q, isA) => Math.max(1, Math.min(10, Math.round(2 + 6 * q + 3 * (next() - 0.5) + (isA ? 0.7 : 0))));
    const row = {
      prompt: `q${Math.floor(i / 2)}`,
      task: ['math', 'code', 'chat'][i % 3],
      response_a: `a${i}`,
      response_b: `b${i}`,
      winner,
      score_a: judge(quality[0], true),
      score_b: judge(quality[1], false),
    };
    winnerRows.push(row);
    const again = { ...row, score_a: judge(quality[0], true), score_b: judge(quality[1], false) };
    // Every other pair read the other way round: A and B (and the winner) swapped.
    if (i % 2 === 1)
      Object.assign(again, {
        response_a: row.response_b,
        response_b: row.response_a,
        score_a: judge(quality[1], true),
        score_b: judge(quality[0], false),
        winner: winner === 'tie' ? 'tie' : winner === 'model_a' ? 'model_b' : 'model_a',
      });
    rerunRows.push(again);
  }
  writeFileSync(winnerFile, `${winnerRows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  writeFileSync(rerunFile, `${rerunRows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const winnerAudit = spawnSync(
    process.execPath,
    [
      join(root, 'bin', 'radpo.js'),
      'audit',
      winnerFile,
      ...['--response-a-col', 'response_a', '--response-b-col', 'response_b', '--winner-col', 'winner'],
      ...['--score-a-col', 'score_a', '--score-b-col', 'score_b', '--group-col', 'task'],
      ...['--rerun', rerunFile, '--json', '--bootstrap', '0'],
    ],
    { encoding: 'utf8' },
  );
  if (winnerAudit.status !== 0) throw new Error(winnerAudit.stderr);
  const manifest = {
    winner: { path: winnerFile, rerun: rerunFile, radpo: JSON.parse(winnerAudit.stdout) },
    pairs: pairs.map(([name, x, y]) => ({ name, x, y, radpo: figures(x, y) })),
    iccs: iccs.map(([name, runs]) => ({ name, runs, radpo: stats.icc21(runs) })),
    wilsons: wilsons.map(([k, n]) => ({ k, n, radpo: stats.wilson(k, n) })),
    reference: { path: withRef, radpo: JSON.parse(audit.stdout).reference },
  };
  writeFileSync(join(dir, 'audit-manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
  const frozen = spawnSync(
    python,
    [
      join(root, 'test', 'interop', 'stats_reference.py'),
      join(dir, 'cases.json'),
      join(root, 'test', 'core', 'stats.reference.json'),
    ],
    { stdio: 'inherit' },
  );
  if (frozen.status !== 0) throw new Error('stats_reference.py failed');
  // In the repository's own JSON style, so regenerating it changes only the figures that changed.
  spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'),
      'format',
      '--write',
      'test/core/stats.reference.json',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const r = spawnSync(python, [join(root, 'test', 'interop', 'audit_check.py'), join(dir, 'audit-manifest.json')], {
    stdio: 'inherit',
  });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
