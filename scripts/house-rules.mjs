#!/usr/bin/env node
/**
 * The house rule Biome does not check (run by `npm run lint`, so by `npm test`): no line of source over 120
 * characters (Biome wraps code at 120 but leaves long strings and comments). Dead exports and unused files are
 * knip's (`knip.json`; knip 6 parses with oxc, without the TypeScript compiler API that TypeScript 7 lacks).
 * Prints one line per finding and exits 1 when there is any.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const MAX_LINE = 120;

function files(dir, pattern) {
  const out = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join('test', 'data') && path !== join('test', 'golden')) out.push(...files(path, pattern));
    } else if (pattern.test(entry.name)) out.push(path);
  }
  return out;
}

const sources = files('src', /\.ts$/);
const readers = [
  ...sources,
  ...files('test', /\.(ts|mjs)$/),
  ...files('bench', /\.(mjs|ts)$/),
  ...files('bin', /\.js$/),
];
const findings = [];

for (const file of [...readers, ...files('scripts', /\.mjs$/)]) {
  readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.length > MAX_LINE)
        findings.push(`${file}:${i + 1}: line of ${line.length} characters (at most ${MAX_LINE})`);
    });
}

for (const finding of findings) process.stderr.write(`${finding}\n`);
if (findings.length > 0) {
  process.stderr.write(`house rules: ${findings.length} finding(s)\n`);
  process.exit(1);
}
process.stdout.write('house rules: no line over 120 characters\n');
