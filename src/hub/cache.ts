/**
 * huggingface_hub's cache, read and written as huggingface_hub does (file_download.py): one folder per repository,
 * `datasets--OWNER--NAME/`, holding `blobs/<etag>` (the bytes, named by the file's ETag: the sha256 of an LFS file,
 * the git blob sha1 of another), `snapshots/<commit>/<path>` (relative symlinks to the blobs) and
 * `refs/<revision>` (the commit a branch or tag pointed at, no newline). A file Python fetched is read from
 * here, and a file radpo fetched is found by Python's try_to_load_from_cache.
 */
import { promises as fsp, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { HEX40 } from './ref.js';

export class RepoCache {
  readonly folder: string;
  constructor(cacheDir: string, repo: string) {
    // repo_folder_name: f"{repo_type}s--" + "--".join(repo_id.split("/"))
    this.folder = join(cacheDir, `datasets--${repo.split('/').join('--')}`);
  }

  /** The commit a revision means in the cache: itself when it is a commit hash, else what refs/ records. */
  commitFor(revision: string): string | null {
    if (HEX40.test(revision)) return revision;
    try {
      const commit = readFileSync(join(this.folder, 'refs', revision), 'utf8').trim();
      return HEX40.test(commit) ? commit : null;
    } catch {
      return null;
    }
  }

  pointer(commit: string, path: string): string {
    return join(this.folder, 'snapshots', commit, path);
  }

  /** The snapshot file when it is there and its blob too (a dangling link is a file the cache lost). */
  cached(commit: string, path: string): string | null {
    const pointer = this.pointer(commit, path);
    try {
      return statSync(pointer).isFile() ? pointer : null;
    } catch {
      return null;
    }
  }

  /** Every file of a snapshot the cache holds (relative paths, sorted): what an offline glob can match. */
  snapshotFiles(commit: string): string[] {
    const root = join(this.folder, 'snapshots', commit);
    const out: string[] = [];
    const walk = (dir: string) => {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of entries) {
        const full = join(dir, name);
        try {
          const s = statSync(full);
          if (s.isDirectory()) walk(full);
          else if (s.isFile()) out.push(relative(root, full));
        } catch {
          /* a dangling link: not a file the cache holds */
        }
      }
    };
    walk(root);
    return out.sort();
  }

  blob(etag: string): string {
    return join(this.folder, 'blobs', etag);
  }

  /** Record what a branch or tag points at; atomically (tmp + rename), and only when it changed. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const ref = join(this.folder, 'refs', revision);
    try {
      if ((await fsp.readFile(ref, 'utf8')) === commit) return;
    } catch {
      /* no ref yet */
    }
    await fsp.mkdir(dirname(ref), { recursive: true });
    const tmp = `${ref}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
    await fsp.writeFile(tmp, commit);
    await fsp.rename(tmp, ref);
  }

  /** snapshots/<commit>/<path> -> ../../blobs/<etag>, relative as huggingface_hub's _create_symlink makes it. */
  async link(commit: string, path: string, etag: string): Promise<string> {
    const pointer = this.pointer(commit, path);
    await fsp.mkdir(dirname(pointer), { recursive: true });
    await fsp.rm(pointer, { force: true });
    await fsp.symlink(relative(dirname(pointer), this.blob(etag)), pointer);
    return pointer;
  }
}
