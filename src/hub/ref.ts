/**
 * What names a Hub dataset on the command line: `hf://datasets/OWNER/NAME[@REVISION][/PATH]` (huggingface_hub's
 * HfFileSystem convention, which DuckDB, Polars and pandas read too; PATH may be a glob, REVISION percent-encoded
 * when it holds a slash, as in `@refs%2Fconvert%2Fparquet`), or a bare `OWNER/NAME` as TRL's scripts take it.
 */
import { usageError } from '../core/errors.js';

export interface HubRef {
  /** OWNER/NAME */
  repo: string;
  revision: string;
  /** The revision as the user wrote it (false: the default branch, `main`). */
  revisionGiven: boolean;
  /** A file or a glob in the repository; null: the dataset as a whole (its card says which files). */
  path: string | null;
}

const PREFIX = 'hf://';
/** The Hub's repository names: letters, digits, `-`, `_`, `.` (huggingface_hub's validate_repo_id). */
const PART = /^[A-Za-z0-9][\w.-]*$/;
/** A local file name, never a dataset name, even when no such file exists (a typo is not a download). */
const DATA_FILE = /\.(jsonl|json|ndjson|csv|tsv|parquet|gz|txt)$/i;

export function isHubUrl(input: string): boolean {
  return input.startsWith(PREFIX);
}

/** `OWNER/NAME` with nothing else: the form a dataset name takes (the caller checks no local path exists first). */
export function looksLikeDatasetName(input: string): boolean {
  const parts = input.split('/');
  return parts.length === 2 && parts.every((p) => PART.test(p) && !p.includes('..')) && !DATA_FILE.test(input);
}

/**
 * Whether a path inside a repository is one radpo may turn into a file of the cache: relative, `/`-separated,
 * no empty, `.` or `..` segment, no backslash or NUL. A Hub's listing or dataset card is data from a server:
 * a path such as `data/../../../.ssh/x` would otherwise link (or read) a file outside the cache.
 */
export function isSafeRepoPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || /[\\\0]/.test(path)) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

export function parseHubUrl(input: string): HubRef {
  const rest = input.slice(PREFIX.length);
  const example = 'hf://datasets/OWNER/NAME/data/train-*.parquet';
  if (!rest.startsWith('datasets/'))
    throw usageError(`${input}: radpo reads datasets from the Hub (hf://datasets/…), not models or spaces`, example);
  const [owner, nameRev, ...path] = rest.slice('datasets/'.length).split('/');
  const [name, ...revParts] = (nameRev ?? '').split('@');
  if (!owner || !name || !PART.test(owner) || !PART.test(name) || revParts.length > 1)
    throw usageError(`${input} does not name a dataset as hf://datasets/OWNER/NAME[@REVISION]/PATH`, example);
  const revision = revParts[0] === undefined ? undefined : decodeURIComponent(revParts[0]);
  if (revision === '' || revision?.split('/').some((p) => p === '..' || p === '.' || p === ''))
    throw usageError(`${input}: the revision after @ is empty or not a branch, tag or commit`, example);
  const file = path.join('/');
  if (file !== '' && !isSafeRepoPath(file.replace(/\/+$/, '')))
    throw usageError(`${input}: a path on the Hub cannot hold '..', '.', an empty part or a backslash`, example);
  return {
    repo: `${owner}/${name}`,
    revision: revision ?? 'main',
    revisionGiven: revision !== undefined,
    path: file || null,
  };
}

export function datasetRef(name: string): HubRef {
  return { repo: name, revision: 'main', revisionGiven: false, path: null };
}

/** The hf:// form of a file, for messages and commands a user can paste. */
export function hubUrl(ref: Pick<HubRef, 'repo' | 'revision' | 'revisionGiven'>, path: string): string {
  const rev = ref.revisionGiven ? `@${encodeURIComponent(ref.revision)}` : '';
  return `${PREFIX}datasets/${ref.repo}${rev}/${path}`;
}

export function isGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/**
 * fsspec's glob, which HfFileSystem uses: `*` and `?` within one path segment, `**` across segments,
 * `[abc]` a class. Everything else is literal.
 */
export function globRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches no folder at all.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, end);
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The folder a glob's listing can start from: its segments before the first with a wildcard. */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const first = parts.findIndex((p) => isGlob(p));
  return parts.slice(0, first < 0 ? parts.length - 1 : first).join('/');
}

export const HEX40 = /^[0-9a-f]{40}$/;

/**
 * The split a file's name gives, without guessing: datasets' push_to_hub shard naming
 * (`train_prefs-00000-of-00003.parquet`, with or without a fingerprint after the count), or a file named for one of
 * the splits `datasets` knows by name (`train.jsonl`, `test.parquet`, `validation.csv`). Otherwise null.
 */
export function splitOfPath(path: string): string | null {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const shard = /^([\w.-]+?)-\d{5}-of-\d{5}(?:-[0-9a-f]+)?\.[\w.]+$/.exec(name);
  if (shard) return shard[1]!;
  const known = /^(train|test|validation)\.[\w.]+$/.exec(name);
  return known ? known[1]! : null;
}
