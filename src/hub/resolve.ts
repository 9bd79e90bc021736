/**
 * An input argument that names Hub data, turned into the local files that hold it (cached or downloaded):
 * `hf://datasets/OWNER/NAME[@REV]/PATH` (one file, or a glob), `hf://datasets/OWNER/NAME` or a bare `OWNER/NAME`
 * that is no local path (the files of one split, as the dataset card's `configs` list them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RadpoError, usageError } from '../core/errors.js';
import { type Io, warn } from '../io/io.js';
import { RepoCache } from './cache.js';
import type { CardSplit } from './card-configs.js';
import { hubEnv } from './env.js';
import { rememberSource } from './sources.js';
import { fetchGlobCommand, hubFailure } from './errors.js';
import { type HubSession, hubFile, type LocalFile } from './fetch-file.js';
import {
  datasetRef,
  globBase,
  globMatcher,
  type HubRef,
  hubUrl,
  isGlob,
  isHubUrl,
  isSafeRepoPath,
  looksLikeDatasetName,
  parseHubUrl,
  splitOfPath,
} from './ref.js';

interface HubInput {
  /** How messages and the report name the input. */
  name: string;
  files: LocalFile[];
}

/**
 * The Hub reference an input argument names, or null for a local path or stdin. A bare OWNER/NAME that is also a
 * local path is the local path, unless --split is given: then it is ambiguous, and refused with both readings.
 */
export function hubRefOf(input: string, cwd: string, split?: string): HubRef | null {
  if (isHubUrl(input)) return parseHubUrl(input);
  if (!looksLikeDatasetName(input)) return null;
  const local = resolve(cwd, input);
  if (!existsSync(local)) return datasetRef(input);
  if (split !== undefined)
    throw usageError(
      `${input} names both a local path (${local}) and, with --split ${split}, the Hub dataset ${input}`,
      `write ./${input} to read the local one, or hf://datasets/${input} to read the Hub's`,
    );
  return null;
}

export async function hubInput(
  input: string,
  split: string | undefined,
  io: Io,
  quiet = false,
): Promise<HubInput | null> {
  const ref = hubRefOf(input, io.cwd, split);
  // --split also names the split a dataset folder (-o DIR/) writes: with a local input or a path on the Hub it is
  // that alone.
  if (!ref) return null;
  const env = hubEnv(io.env);
  io.secrets?.add(env.token);
  // The Hub's client library (and the card's YAML parser, below) load only for Hub data: a run on local
  // files starts without them (~90 ms of CPU).
  const { HubClient } = await import('./client.js');
  const s: HubSession = { env, client: new HubClient(env, io.signal), io, quiet };
  if (ref.path !== null) {
    const files = isGlob(ref.path) ? await globFiles(s, ref, [ref.path], input) : [await hubFile(s, ref, ref.path)];
    const splits = [...new Set(files.map((f) => splitOfPath(f.url)))];
    rememberSource(io, { name: input, repo: ref.repo, revision: ref.revision, commit: files[0]!.commit, splits });
    return { name: input, files };
  }
  const { input: read, split: chosen } = await splitFiles(s, ref, split, input);
  const commit = read.files[0]!.commit;
  rememberSource(io, { name: read.name, repo: ref.repo, revision: ref.revision, commit, splits: [chosen] });
  return read;
}

/** The files a list of globs matches, in order (each glob's matches sorted), from one commit. */
async function globFiles(s: HubSession, ref: HubRef, globs: readonly string[], input: string): Promise<LocalFile[]> {
  const paths = await matchGlobs(s, ref, globs, input);
  const out: LocalFile[] = [];
  for (const path of paths) {
    const file = await hubFile(s, ref, path, out[0]?.commit);
    out.push(file);
  }
  return out;
}

async function matchGlobs(s: HubSession, ref: HubRef, globs: readonly string[], input: string): Promise<string[]> {
  let available: string[];
  if (s.env.offline) {
    const commit = new RepoCache(s.env.cacheDir, ref.repo).commitFor(ref.revision);
    available = commit ? new RepoCache(s.env.cacheDir, ref.repo).snapshotFiles(commit) : [];
    warn(s.io, `HF_HUB_OFFLINE: ${input} matches the files the cache holds, which may be fewer than the Hub's`);
  } else {
    const bases = [...new Set(globs.map(globBase))];
    // One listing from the deepest folder every glob shares.
    const base = bases.length === 1 ? bases[0]! : '';
    try {
      available = (await s.client.list(ref, base)).map((f) => f.path);
    } catch (err) {
      throw hubFailure(err, s.env, ref, base);
    }
    // A listing is the server's word: a path that would leave the repository (or the cache) stops the run.
    const unsafe = available.find((p) => !isSafeRepoPath(p));
    if (unsafe !== undefined)
      throw new RadpoError(
        'io',
        `the Hub's listing of ${ref.repo} names a file outside the repository: ${JSON.stringify(unsafe)}`,
        'check HF_ENDPOINT: the Hub never lists such a path',
      );
  }
  const out: string[] = [];
  for (const glob of globs) {
    const re = globMatcher(glob);
    const matched = available.filter((p) => re.test(p) && !out.includes(p));
    // A glob over a repository (data/**, **) also matches its card, .gitattributes, scripts and images:
    // only the files radpo reads are data, as `datasets` keeps only the extensions it loads.
    const hits = matched.filter(isDataFile);
    const others = matched.filter((p) => !isDataFile(p));
    if (hits.length === 0 && others.length > 0)
      throw new RadpoError(
        'data',
        `${hubUrl(ref, glob)} matches no data file, only ${listed(others)}`,
        `radpo reads ${DATA_EXTENSIONS.join(', ')} (also gzipped); name the data files' folder or extension`,
      );
    if (others.length > 0)
      warn(s.io, `${hubUrl(ref, glob)}: skipped ${others.length} files that are not data (${listed(others)})`);
    if (hits.length === 0) {
      const near = available.slice(0, 12).join(', ');
      // Offline, the files may be on the Hub all the same: the command that caches them, as for one file.
      const fetch = s.env.offline ? `; to cache them: ${fetchGlobCommand(ref, glob)}` : '';
      throw new RadpoError(
        'io',
        `${hubUrl(ref, glob)} matches no file${s.env.offline ? ' in the cache' : ''}`,
        available.length === 0
          ? s.env.offline
            ? `nothing of ${ref.repo} is cached: run once without HF_HUB_OFFLINE${fetch}`
            : `${ref.repo} has no file under ${globBase(glob) || 'its root'}`
          : `files there: ${near}${available.length > 12 ? `, … (${available.length} in all)` : ''}${fetch}`,
      );
    }
    out.push(...hits);
  }
  return out;
}

/** A dataset by name: its card's `configs` say which files hold which split. */
async function splitFiles(
  s: HubSession,
  ref: HubRef,
  split: string | undefined,
  input: string,
): Promise<{ input: HubInput; split: string }> {
  let card: LocalFile;
  try {
    card = await hubFile(s, ref, 'README.md');
  } catch (err) {
    if (err instanceof RadpoError && !isHubUrl(input))
      err.message = `${input} is no local file or folder, and as a Hub dataset: ${err.message}`;
    throw err;
  }
  const pinned: HubRef = { ...ref, revision: card.commit, revisionGiven: ref.revisionGiven };
  const { cardSplits } = await import('./card-configs.js');
  const splits = cardSplits(readFileSync(card.path, 'utf8'), ref.repo);
  const listing = (c: CardSplit) => `  ${c.split} (${c.config}): ${c.paths.join(', ')}`;
  if (splits.length === 0)
    throw new RadpoError(
      'data',
      `the card of ${ref.repo} (its README.md) has no \`configs\` listing which files hold which split`,
      `name the files instead, e.g. radpo inspect 'hf://datasets/${ref.repo}/data/*.parquet' ` +
        `(see ${s.env.endpoint}/datasets/${ref.repo}/tree/${encodeURIComponent(ref.revision)})`,
    );
  const configs = [...new Set(splits.map((c) => c.config))];
  const defaults = splits.filter((c) => c.isDefault);
  const pool = configs.length === 1 ? splits : defaults;
  const chosen =
    split === undefined
      ? new Set(pool.map((c) => c.split)).size === 1
        ? pool
        : []
      : pool.filter((c) => c.split === split);
  if (chosen.length === 0) {
    const what =
      split === undefined
        ? `has ${pool.length > 0 ? 'several splits' : 'several configs and none is the default'}: name one with --split`
        : `has no split ${split}${pool.length === 0 ? ' in a default config' : ''}`;
    throw usageError(
      `${ref.repo} ${what}; its card lists:\n${splits.map(listing).join('\n')}`,
      `for example --split ${pool[0]?.split ?? splits[0]!.split}, or name files: 'hf://datasets/${ref.repo}/${
        splits[0]!.paths[0]
      }'`,
    );
  }
  const globs = chosen.flatMap((c) => c.paths);
  const name = `${hubUrl(ref, '').replace(/\/$/, '')} (split ${chosen[0]!.split})`;
  return { input: { name, files: await globFiles(s, pinned, globs, input) }, split: chosen[0]!.split };
}

/** The extensions of the files radpo reads (io/records.ts), each also gzipped. */
const DATA_EXTENSIONS = ['.jsonl', '.ndjson', '.json', '.csv', '.parquet'];

function isDataFile(path: string): boolean {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  return DATA_EXTENSIONS.some((ext) => name.endsWith(ext));
}

const listed = (paths: string[]) => `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? `, … (${paths.length})` : ''}`;
