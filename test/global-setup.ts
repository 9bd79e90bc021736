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
 * The subprocess and README tests run bin/radpo.js, which needs dist/ built from the current source.
 * Tests write only below one temporary folder of their own, removed at the end of the run.
 */
export default function setup(project: TestProject): () => void {
  execFileSync(
    process.execPath,
    [resolve(import.meta.dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: resolve(import.meta.dirname, '..'),
      stdio: 'inherit',
    },
  );
  const root = mkdtempSync(join(tmpdir(), 'radpo-tests-'));
  project.provide('tmpRoot', root);
  return () => rmSync(root, { recursive: true, force: true });
}
