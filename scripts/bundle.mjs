#!/usr/bin/env node
// Bundles the compiled CLI (tsc's dist/main.js and the relabel worker) into dist/bundle/: the command line loads a few
// files where it loaded about a hundred modules, each resolved, read and linked by Node's ES module loader one by one
// (~35 ms of every run: 0.19 → 0.16 s for a two-row relabel). Code splitting keeps what each command loads lazily
// lazy (a command's run.ts, the judge, the Hub), and packages stay outside the bundle (`packages: 'external'`),
// loaded from node_modules when a command needs them. dist/index.js (the library) and the rest of tsc's output stay
// as they are. Run by `npm run build` after tsc; deterministic (chunk names are hashes of their content).
//
//   node scripts/bundle.mjs
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

export async function bundle() {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    // The worker beside the chunks: the pool finds it as ./worker.js next to its own module, as in tsc's output.
    entryPoints: {
      main: join(root, 'dist', 'main.js'),
      worker: join(root, 'dist', 'commands', 'relabel', 'worker.js'),
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
