import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One folder for every temporary file the tests make, removed when the run ends. */
    tmpRoot: string;
  }
}

/**
 * The subprocess tests run bin/radpo.js (dist/bundle/, and the threads tests dist/main.js), which need dist/ built
 * from the current source.
 * Tests write only below one temporary folder of their own, removed at the end of the run.
 */
export default function setup(project: TestProject): () => void {
  // The packed project builds what it installs itself (npm pack runs the build in its own copy of the sources).
  if (project.name !== 'packed') build();
  const root = mkdtempSync(join(tmpdir(), 'radpo-tests-'));
  project.provide('tmpRoot', root);
  return () => rmSync(root, { recursive: true, force: true });
}

/** What `npm run build` does: tsc, then the command line's bundle (scripts/bundle.mjs), which bin/radpo.js loads. */
function build(): void {
  const root = resolve(import.meta.dirname, '..');
  const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  node([resolve(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  node([resolve(root, 'scripts', 'bundle.mjs')]);
}
