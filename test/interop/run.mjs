#!/usr/bin/env node
// npm run test:interop: radpo's outputs through the trainers' own loading code (Python: datasets, trl).
// Not part of npm test: it needs Python packages (pip install trl datasets torch transformers). Skips,
// saying so, where they cannot be imported.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const python = process.env.PYTHON ?? 'python3';
const probe = spawnSync(python, ['-c', 'import datasets, trl, torch, transformers, tokenizers'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(
    `skipped: ${python} cannot import datasets, trl, torch, ` +
      `transformers (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})`,
  );
  console.log('install them with: pip install trl datasets torch transformers');
  process.exit(0);
}
spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'radpo-interop-'));
const radpo = (args) => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'radpo.js'), ...args, '-q'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`radpo ${args.join(' ')}: ${r.stderr}`);
};
try {
  const sample = join(root, 'fixtures', 'ultrafeedback_sample.jsonl');
  const conversational = join(root, 'fixtures', 'trl_conversational.jsonl');
  const loads = [];
  const add = (name, args, path, rows, columns, floats = []) => {
    radpo([...args, '-o', path]);
    loads.push({ name, path, rows, columns, float_columns: floats });
  };
  const scoreCols = ['goal_score', 'score_chosen', 'score_rejected'];
  add(
    'trl .jsonl',
    ['relabel', sample],
    join(dir, 'trl.jsonl'),
    200,
    ['prompt', 'chosen', 'rejected', ...scoreCols],
    scoreCols,
  );
  add('trl .json', ['relabel', sample], join(dir, 'trl.json'), 200, ['prompt', 'chosen', 'rejected'], scoreCols);
  add(
    'trl .parquet',
    ['relabel', sample],
    join(dir, 'trl.parquet'),
    200,
    ['prompt', 'chosen', 'rejected', 'source_line'],
    scoreCols,
  );
  add('trl .jsonl.gz, --order concat', ['relabel', sample, '--order', 'concat'], join(dir, 'concat.jsonl.gz'), 200, [
    'prompt',
    'chosen',
    'rejected',
  ]);
  add(
    'trl multi-turn, --placement user',
    ['relabel', conversational, '--placement', 'user'],
    join(dir, 'user.jsonl'),
    Number(readFileSync(conversational, 'utf8').trim().split('\n').length) * 2,
    ['prompt', 'chosen', 'rejected'],
  );
  add('handbook', ['relabel', sample, '--format', 'handbook'], join(dir, 'handbook.jsonl'), 200, [
    'chosen',
    'rejected',
  ]);
  add(
    'text',
    ['relabel', sample, '--format', 'text'],
    join(dir, 'text.jsonl'),
    200,
    ['prompt', 'chosen', 'rejected'],
    scoreCols,
  );
  add(
    'llamafactory',
    ['relabel', sample, '--format', 'llamafactory'],
    join(dir, 'lf.jsonl'),
    200,
    ['conversations', 'chosen', 'rejected'],
    scoreCols,
  );
  add('axolotl', ['relabel', sample, '--format', 'axolotl'], join(dir, 'axolotl.jsonl'), 200, [
    'messages',
    'chosen',
    'rejected',
  ]);
  add('nemo', ['relabel', sample, '--format', 'nemo'], join(dir, 'nemo.jsonl'), 200, ['context', 'completions']);
  // A JSONL whose first 10 MB holds only whole scores, fractional ones after (datasets reads 10 MB chunks).
  const rows = readFileSync(join(root, 'test', 'data', 'scored', 'ultrafeedback_gpt4_1000.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const ok = (r) => r.chosen && r.rejected && r.chosen !== r.rejected;
  const whole = rows.filter(
    (r) => ok(r) && Number.isInteger(r.metadata.score_chosen) && Number.isInteger(r.metadata.score_rejected),
  );
  const fractional = rows.filter((r) => ok(r) && !Number.isInteger(r.metadata.score_chosen));
  const lines = [];
  for (let i = 0, bytes = 0; bytes < 12 << 20; i++) {
    const line = JSON.stringify(whole[i % whole.length]);
    lines.push(line);
    bytes += line.length * 2;
  }
  lines.push(...fractional.slice(0, 50).map((r) => JSON.stringify(r)));
  writeFileSync(join(dir, 'mixed-in.jsonl'), `${lines.join('\n')}\n`);
  radpo(['relabel', join(dir, 'mixed-in.jsonl'), '-o', join(dir, 'mixed.jsonl')]);
  // Tool calling: MedicalGPT's tool-call DPO demo (tools column, function_call/observation turns), scored.
  const toolRows = readFileSync(join(root, 'test', 'data', 'foreign', 'medicalgpt_toolcall_dpo_zh_demo.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => JSON.stringify({ ...JSON.parse(l), sc: 8, sr: 2 + (i % 3) }));
  writeFileSync(join(dir, 'tools-in.jsonl'), `${toolRows.join('\n')}\n`);
  const toolScores = ['--chosen-score-col', 'sc', '--rejected-score-col', 'sr'];
  add('trl with tools', ['relabel', join(dir, 'tools-in.jsonl'), ...toolScores], join(dir, 'tools.jsonl'), 22, [
    'prompt',
    'chosen',
    'rejected',
    'tools',
  ]);
  const manifest = {
    tools: { path: join(dir, 'tools.jsonl') },
    loads,
    mixed: { path: join(dir, 'mixed.jsonl'), rows: lines.length * 2 },
    trl: { path: join(dir, 'trl.jsonl'), source: sample },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const r = spawnSync(python, [join(root, 'test', 'interop', 'trl_check.py'), join(dir, 'manifest.json')], {
    stdio: 'inherit',
    env: { ...process.env, TOKENIZERS_PARALLELISM: 'false', HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1' },
  });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
