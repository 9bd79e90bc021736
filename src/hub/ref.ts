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

/** One step of a glob: a character, one of a class, one or any run within a segment, any run, `**` and a slash. */
type GlobToken =
  | { kind: 'char'; c: string }
  | { kind: 'one' }
  | { kind: 'class'; re: RegExp }
  | { kind: 'star' }
  | { kind: 'globstar' }
  | { kind: 'globstar-slash' };

function globTokens(glob: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**` and a slash also matches no folder at all.
      if (glob[i + 2] === '/') {
        tokens.push({ kind: 'globstar-slash' });
        i += 2;
      } else {
        tokens.push({ kind: 'globstar' });
        i += 1;
      }
    } else if (c === '*') tokens.push({ kind: 'star' });
    else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === '[' && glob.indexOf(']', i + 2) >= 0) {
      const end = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, end);
      // One character against one class: a regular expression that cannot backtrack.
      const set = body.startsWith('!') ? `^${body.slice(1)}` : body.replace(/\\/g, '\\\\');
      tokens.push({ kind: 'class', re: new RegExp(`^[${set}]$`) });
      i = end;
    } else tokens.push({ kind: 'char', c });
  }
  return tokens;
}

/**
 * fsspec's glob, which HfFileSystem uses: `*` and `?` within one path segment, `**` across segments,
 * `[abc]` a class. Everything else is literal. Matched by a set of states advanced one character at a time
 * (time in path length × glob length), never by a backtracking regular expression: a card or a listing is
 * the server's word, and `**a*a*…*b` against a long name would block the run for ever, Ctrl-C included.
 */
export function globMatcher(glob: string): { test(path: string): boolean } {
  const tokens = globTokens(glob);
  const m = tokens.length;
  // State k < m: about to match token k; m: done; m + 1 + k: inside token k's `**` and slash, before its slash.
  const inner = (k: number) => m + 1 + k;
  const close = (states: Set<number>) => {
    for (const s of states) {
      const t = s < m ? tokens[s]! : null;
      if (t && (t.kind === 'star' || t.kind === 'globstar' || t.kind === 'globstar-slash')) states.add(s + 1);
    }
    return states;
  };
  return {
    test(path: string): boolean {
      let states = close(new Set([0]));
      for (const c of path) {
        const next = new Set<number>();
        for (const s of states) {
          if (s > m) {
            next.add(s);
            if (c === '/') next.add(s - m);
            continue;
          }
          if (s === m) continue;
          const t = tokens[s]!;
          if (t.kind === 'char' ? c === t.c : t.kind === 'one' ? c !== '/' : t.kind === 'class' && t.re.test(c))
            next.add(s + 1);
          else if (t.kind === 'star' && c !== '/') next.add(s);
          else if (t.kind === 'globstar') next.add(s);
          else if (t.kind === 'globstar-slash') {
            next.add(inner(s));
            if (c === '/') next.add(s + 1);
          }
        }
        if (next.size === 0) return false;
        states = close(next);
      }
      return states.has(m);
    },
  };
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
