import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The subprocess and README tests run bin/radpo.js, which needs dist/ built from the current source. */
export default function setup(): void {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: resolve(import.meta.dirname, '..'),
    stdio: 'inherit',
  });
}
