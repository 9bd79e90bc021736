/**
 * Where an output's bytes go, decided by what the path names:
 * - a regular file, or nothing yet: a temporary file in the same folder, fsynced and renamed over the
 *   final name at commit (a crash never leaves a half-written file under that name);
 * - a symlink: its target, resolved, replaced the same way (the link itself is kept);
 * - a character or block device, a FIFO or a socket (`/dev/null`, `/dev/stdout`, `/proc/self/fd/1`):
 *   opened and written in place, never renamed over;
 * - a descriptor this process inherited (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`, or a
 *   link to one), whatever it leads to — also a regular file (`-o /dev/stdout >> log.jsonl`): written through
 *   that descriptor, in place. Renaming a temporary over the file it leads to would drop what the shell
 *   appended before, and leave the descriptor (and what radpo prints later) on an unlinked file;
 * - a directory: an error.
 */
import { constants, promises as fsp, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RadpoError, usageError } from '../core/errors.js';
import { releaseTemporary, temporaryPathFor } from './temp-files.js';

type TargetKind = 'file' | 'new' | 'device' | 'directory';

interface ResolvedPath {
  kind: TargetKind;
  /** The path after following symlinks (for a device: the path as given, which opens it). */
  path: string;
  /** Device and inode of what exists there (null for a path that does not exist yet). */
  identity: { dev: number; ino: number } | null;
  /** The existing file's permission bits, kept when it is replaced. */
  mode: number | null;
  /** An inherited descriptor the path names (kind 'device'): written through, never opened by path. */
  fd?: number;
  /** That descriptor leads to a regular file (which may still clash with an input or another output). */
  regular?: boolean;
}

/** /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N and /proc/<our pid>/fd/N name descriptors of this process. */
function ownDescriptor(path: string): number | undefined {
  const named = { '/dev/stdin': 0, '/dev/stdout': 1, '/dev/stderr': 2 }[path];
  if (named !== undefined) return named;
  const match = /^\/(?:dev|proc\/(?:self|(\d+)))\/fd\/(\d+)$/.exec(path);
  if (match === null || (match[1] !== undefined && Number(match[1]) !== process.pid)) return undefined;
  return Number(match[2]);
}

/** Follow a chain of symlinks by hand, so a dangling link still names the file it will create. */
async function followLinks(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let stats: Stats;
    try {
      stats = await fsp.lstat(current);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return current;
      throw err;
    }
    if (!stats.isSymbolicLink()) return current;
    current = resolve(dirname(current), await fsp.readlink(current));
  }
  throw new RadpoError('io', `${path}: too many levels of symbolic links`);
}

/**
 * The descriptor of this process that a path names, directly or through symlinks (`/dev/stdout` links to
 * `/proc/self/fd/1`), or undefined. Checked hop by hop, because the last hop of `/proc/self/fd/1` is
 * whatever the shell opened there: a plain file's name.
 */
async function namedDescriptor(path: string): Promise<number | undefined> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const fd = ownDescriptor(current);
    if (fd !== undefined) return fd;
    let target: string;
    try {
      target = await fsp.readlink(current);
    } catch {
      return undefined;
    }
    current = resolve(dirname(current), target);
  }
  return undefined;
}

/**
 * `-`, or a path naming this process's stdout (`/dev/stdout`, `/proc/self/fd/1`, a link to one): written as
 * stdout is, so `-o /dev/stdout | head` ends as `-o - | head` does (exit 0, not a write error) and a run that
 * stops before its commit leaves stdout empty under either name.
 */
export async function namesStdout(path: string): Promise<boolean> {
  return path === '-' || (await namedDescriptor(path)) === 1;
}

export async function resolvePath(path: string): Promise<ResolvedPath> {
  let stats: Stats;
  try {
    stats = await fsp.stat(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { kind: 'new', path: await followLinks(path), identity: null, mode: null };
    if (e.code === 'ENOTDIR')
      throw new RadpoError('io', `cannot write ${path}: a part of the path is not a folder`, 'check the output path');
    throw new RadpoError('io', `cannot write ${path}: ${e.message}`, 'check the output path');
  }
  const identity = { dev: stats.dev, ino: stats.ino };
  const fd = await namedDescriptor(path);
  if (fd !== undefined) return { kind: 'device', path, identity, mode: null, fd, regular: stats.isFile() };
  if (stats.isDirectory()) return { kind: 'directory', path, identity, mode: null };
  if (stats.isFile()) return { kind: 'file', path: await fsp.realpath(path), identity, mode: stats.mode & 0o7777 };
  return { kind: 'device', path, identity, mode: null };
}

/** An output being written: `path` is where the bytes go now; commit makes them final. */
export interface OutputTarget {
  readonly path: string;
  /** Flags to open `path` with. */
  readonly flags: number;
  /** Call after the bytes are flushed, fsynced and the file closed. */
  commit(): Promise<void>;
  /** Remove what was written (nothing to remove for a device). */
  abort(): Promise<void>;
  readonly inPlace: boolean;
  /** A descriptor this process already has (/dev/stdout, /proc/self/fd/N): write to it, never open or close it. */
  readonly fd?: number;
}

export async function openTarget(path: string): Promise<OutputTarget> {
  const resolved = await resolvePath(path);
  if (resolved.kind === 'directory')
    throw usageError(`${path} is a directory`, 'name a file in it, e.g. -o DIR/train.jsonl');
  if (resolved.kind === 'device') {
    // A socket (how many tools connect stdout) cannot be opened by path: use the descriptor itself.
    return {
      path: resolved.path,
      flags: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
      inPlace: true,
      fd: resolved.fd,
      commit: async () => undefined,
      abort: async () => undefined,
    };
  }
  try {
    await fsp.access(dirname(resolved.path), constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RadpoError(
      'io',
      `cannot write ${path}: ${
        code === 'ENOENT'
          ? 'the folder does not exist'
          : code === 'EACCES'
            ? 'the folder ' + 'is not writable'
            : (err as Error).message
      }`,
      'check the output path',
    );
  }
  const final = resolved.path;
  const tmp = temporaryPathFor(final);
  return {
    path: tmp,
    flags: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
    inPlace: false,
    async commit() {
      if (resolved.mode !== null) await fsp.chmod(tmp, resolved.mode);
      await fsp.rename(tmp, final);
      releaseTemporary(tmp);
    },
    async abort() {
      await fsp.rm(tmp, { force: true });
      releaseTemporary(tmp);
    },
  };
}
