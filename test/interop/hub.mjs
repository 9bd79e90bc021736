#!/usr/bin/env node
// Part of npm run test:interop: radpo and Python's huggingface_hub (hf_hub_download, try_to_load_from_cache) and
// datasets (load_dataset) on one Hub cache and one fake Hub on 127.0.0.1. Python comes from $PYTHON, or from a venv
// made under the system's temp folder from the package index pip is set up with; skips, saying so, when neither
// can import them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const probe = (python) => spawnSync(python, ['-c', 'import huggingface_hub, datasets'], { encoding: 'utf8' });
let python = process.env.PYTHON ?? 'python3';
if (probe(python).status !== 0) {
  const venv = join(tmpdir(), 'radpo-interop-hub-venv');
  python = join(venv, 'bin', 'python');
  if (!existsSync(python)) spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  if (probe(python).status !== 0)
    spawnSync(python, ['-m', 'pip', 'install', '-q', 'huggingface_hub', 'datasets'], { stdio: 'inherit' });
  const again = probe(python);
  if (again.status !== 0) {
    console.log(
      `skipped: no Python with huggingface_hub and datasets (${(again.stderr || '').trim().split('\n').pop()})`,
    );
    console.log('install them with: pip install huggingface_hub datasets (or set PYTHON)');
    process.exit(0);
  }
}
const r = spawnSync('npx', ['vitest', 'run', '--config', 'test/interop/vitest.hub.config.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PYTHON: python },
});
process.exit(r.status ?? 1);
