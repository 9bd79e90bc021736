#!/usr/bin/env node
// The published package.json has no `prepare` script: it builds dist/ in a clone (`npm ci`), but in the
// tarball dist/ is already built, and a global install would list it as an install script to allow.
// `npm pack`/`npm publish` run this with `strip` (prepack) and `restore` (postpack).
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = new URL('../package.json', import.meta.url);
const saved = new URL('../package.json.prepack', import.meta.url);
const mode = process.argv[2];
if (mode === 'strip') {
  copyFileSync(manifest, saved);
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  delete pkg.scripts.prepare;
  delete pkg.allowScripts;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (mode === 'restore') {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  console.error('usage: pack-manifest.mjs strip|restore');
  process.exit(2);
}
