#!/usr/bin/env node
/**
 * The house rules Biome does not check (run by `npm run lint`, so by `npm test`):
 * - no line of source over 120 characters (Biome wraps code at 120 but leaves long strings and comments);
 * - no dead export: every name a file under src/ exports is imported by another file (src/, test/, bench/,
 *   bin/), re-exported by the package entry (src/index.ts), or is a command's lazily loaded `run`.
 * Written here rather than with knip: knip reads code through the TypeScript compiler API, which the
 * TypeScript 7 native compiler does not have. Relative imports are all this project uses, so the
 * import graph is read from the text, as test/architecture.test.ts does.
 * Prints one line per finding and exits 1 when there is any.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

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

/** The source file a relative specifier names ('./x.js' → x.ts; '../dist/y.js' → src/y.ts). */
function target(from, specifier) {
  if (!specifier.startsWith('.')) return null;
  let path = relative(ROOT, resolve(dirname(join(ROOT, from)), specifier));
  if (path.startsWith(`dist${'/'}`)) path = `src/${path.slice(5)}`;
  return path.replace(/\.(js|mjs)$/, '.ts');
}

const names = (list) =>
  list
    .split(',')
    .map((part) => part.trim().replace(/^type\s+/, ''))
    .filter(Boolean)
    .map((part) => part.split(/\s+as\s+/)[0].trim());

/** file → the names other files take from it ('*' for everything). */
const used = new Map();
const use = (file, name) => {
  if (!used.has(file)) used.set(file, new Set());
  used.get(file).add(name);
};
for (const file of readers) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  for (const m of text.matchAll(/(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    const to = target(file, m[2]);
    if (to) for (const name of names(m[1])) use(to, name);
  }
  for (const m of text.matchAll(/export\s+\*\s+from\s*'([^']+)'/g)) use(target(file, m[1]), '*');
  // `const { a, b } = await import('./x.js')`
  for (const m of text.matchAll(/\{([^{}]*)\}\s*=\s*await\s+import\(\s*'([^']+)'\s*\)/g)) {
    const to = target(file, m[2]);
    if (to) for (const name of names(m[1]).map((n) => n.split(':')[0].trim())) use(to, name);
  }
  // `(await import('./x.js')).name`
  for (const m of text.matchAll(/\(await\s+import\(\s*'([^']+)'\s*\)\)\.(\w+)/g)) use(target(file, m[1]), m[2]);
}

for (const file of sources) {
  if (file === join('src', 'index.ts')) continue;
  const text = readFileSync(join(ROOT, file), 'utf8');
  const taken = used.get(file) ?? new Set();
  if (taken.has('*')) continue;
  const lazyRun = /^src\/commands\/[^/]+\/run\.ts$/.test(file);
  for (const m of text.matchAll(
    /^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|class|const|let|type|interface|enum)\s+(\w+)/gm,
  )) {
    const name = m[1];
    if (taken.has(name) || (lazyRun && name === 'run')) continue;
    const line = text.slice(0, m.index).split('\n').length;
    findings.push(`${file}:${line}: export ${name} is imported by no other file (drop the export, or the code)`);
  }
}

for (const finding of findings) process.stderr.write(`${finding}\n`);
if (findings.length > 0) {
  process.stderr.write(`house rules: ${findings.length} finding(s)\n`);
  process.exit(1);
}
process.stdout.write('house rules: no line over 120 characters, no dead export\n');
