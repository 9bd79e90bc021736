/**
 * The repository stands alone: a clone has no sibling folder, so no file may point at one, and the real
 * data the tests read is in test/data with its provenance, byte for byte as listed there.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA, ROOT } from './helpers.js';

/** Not the project's own text: installed packages, build output, git's objects, generated benchmark data. */
const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage', '.data']);
// Spelled in two parts, so this file does not match itself.
const SIBLING = ['..', 'shared'].join('/');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (SKIP.has(e.name) ? [] : files(join(dir, e.name))) : [join(dir, e.name)],
  );
}

/** Every text file of the project (test/data is data written by others, and is checked by hash below). */
function siblingReferences(root: string): string[] {
  return files(root)
    .filter((f) => !f.startsWith(DATA) && statSync(f).size < 4 << 20)
    .flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return text.includes(SIBLING) ? [relative(root, f)] : [];
    });
}

describe('the repository stands alone', () => {
  it(`no file points at ${SIBLING}`, () => {
    expect(siblingReferences(ROOT)).toEqual([]);
  });

  it('every file of test/data is listed in its SOURCES.md with the right sha256', () => {
    const sources = readFileSync(join(DATA, 'SOURCES.md'), 'utf8');
    const listed = new Map([...sources.matchAll(/^([0-9a-f]{64}) {2}\.\/(\S+)$/gm)].map((m) => [m[2]!, m[1]!]));
    const present = files(DATA)
      .map((f) => relative(DATA, f))
      .filter((f) => f !== 'SOURCES.md')
      .sort();
    expect([...listed.keys()].sort()).toEqual(present);
    for (const file of present)
      expect(
        createHash('sha256')
          .update(readFileSync(join(DATA, file)))
          .digest('hex'),
        file,
      ).toBe(listed.get(file));
  });

  it('has a licence, and package.json names the same one', () => {
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license).toBe('MIT');
  });

  // npm (11.16 on) ends `npm ci` with a warning naming every dependency whose install script package.json's
  // allowScripts does not decide, and npm 12 skips those scripts: the README's first command should install
  // in silence, and the same way on either npm. (esbuild's postinstall only checks its platform binary, which
  // its optional dependency already holds: the build runs without it.)
  it('package.json allowScripts decides every install script in the lockfile', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean')).toEqual([]);
  });
});
