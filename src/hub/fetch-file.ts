/**
 * One file of a Hub dataset, from the cache or downloaded into it, as huggingface_hub's hf_hub_download does:
 * the metadata first (commit and ETag), then the snapshot link if it is there, the blob if it is there, and
 * only then the bytes, streamed into `blobs/<etag>.incomplete`, resumed from what an earlier run left there,
 * checked against the ETag (sha256 for LFS files, the git blob sha1 for others) and renamed into place.
 * Offline (HF_HUB_OFFLINE), only the cache is read.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import type { Io } from '../io/io.js';
import { RadpoError } from '../core/errors.js';
import { RepoCache } from './cache.js';
import type { FileMetadata, HubClient } from './client.js';
import type { HubEnv } from './env.js';
import { fetchCommand, hubFailure } from './errors.js';
import { HubHttpError, HubNetworkError } from './http.js';
import { HEX40, type HubRef, hubUrl } from './ref.js';

export interface HubSession {
  env: HubEnv;
  client: HubClient;
  io: Io;
  quiet: boolean;
}

/** A file as the run reads it: where it is on disk, and at which commit. */
export interface LocalFile {
  path: string;
  commit: string;
  /** The file's hf:// name, which rows read from it carry as their source. */
  url: string;
}

/**
 * `pinned`: a commit already resolved for this input (a glob's files all come from the commit of the first),
 * so one input never mixes two versions of a dataset.
 */
export async function hubFile(s: HubSession, ref: HubRef, path: string, pinned?: string): Promise<LocalFile> {
  const cache = new RepoCache(s.env.cacheDir, ref.repo);
  const revision = pinned ?? ref.revision;
  if (s.env.offline) return cachedOrMissing(s, cache, ref, path, revision);
  if (HEX40.test(revision)) {
    const hit = cache.cached(revision, path);
    if (hit) return { path: hit, commit: revision, url: hubUrl(ref, path) };
  }
  let meta: FileMetadata;
  try {
    meta = await s.client.metadata(ref.repo, revision, path);
  } catch (err) {
    // huggingface_hub reads the cached copy when the Hub cannot be reached; it says so, and so does radpo.
    const commit = err instanceof HubNetworkError ? cache.commitFor(revision) : null;
    const hit = commit ? cache.cached(commit, path) : null;
    if (commit && hit) {
      s.io.stderr.write(
        `warning: ${err instanceof Error ? err.message : err}: reading the cached ${hubUrl(ref, path)}\n`,
      );
      return { path: hit, commit, url: hubUrl(ref, path) };
    }
    throw hubFailure(err, s.env, ref, path);
  }
  await cache.writeRef(ref.revision, meta.commit);
  const pointer = cache.cached(meta.commit, path);
  if (pointer) return { path: pointer, commit: meta.commit, url: hubUrl(ref, path) };
  if (!(await exists(cache.blob(meta.etag)))) {
    try {
      await download(s, cache, ref, path, meta);
    } catch (err) {
      throw hubFailure(err, s.env, ref, path);
    }
  }
  return { path: await cache.link(meta.commit, path, meta.etag), commit: meta.commit, url: hubUrl(ref, path) };
}

function cachedOrMissing(s: HubSession, cache: RepoCache, ref: HubRef, path: string, revision: string): LocalFile {
  const commit = cache.commitFor(revision);
  const hit = commit ? cache.cached(commit, path) : null;
  if (commit && hit) return { path: hit, commit, url: hubUrl(ref, path) };
  throw new RadpoError(
    'io',
    `${hubUrl(ref, path)} is not in the cache ${s.env.cacheDir} (HF_HUB_OFFLINE is set, so radpo does not download)`,
    `fetch it with \`${fetchCommand(ref, path)}\`, or run radpo again without HF_HUB_OFFLINE`,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The hash an ETag names: sha256 of the bytes (LFS), or git's blob sha1 ("blob <size>\0" + bytes). */
function etagHash(etag: string, size: number): Hash | null {
  if (/^[0-9a-f]{64}$/.test(etag)) return createHash('sha256');
  if (HEX40.test(etag)) return createHash('sha1').update(`blob ${size}\0`);
  return null;
}

async function download(s: HubSession, cache: RepoCache, ref: HubRef, path: string, meta: FileMetadata) {
  const blob = cache.blob(meta.etag);
  const incomplete = `${blob}.incomplete`;
  // This run's own copy of the partial file: renaming it away claims it, so two runs never append to one file.
  const mine = `${blob}.radpo-${process.pid}-${Math.random().toString(36).slice(2, 10)}.incomplete`;
  await fsp.mkdir(cache.folder + '/blobs', { recursive: true });
  try {
    await fsp.rename(incomplete, mine);
  } catch {
    await fsp.writeFile(mine, '');
  }
  let keep = true;
  try {
    let offset = (await fsp.stat(mine)).size;
    if (offset > meta.size) {
      await fsp.truncate(mine, 0);
      offset = 0;
    }
    let hash = etagHash(meta.etag, meta.size);
    if (hash && offset > 0) for await (const chunk of createReadStream(mine)) hash.update(chunk as Buffer);
    if (offset < meta.size) {
      let restart = false;
      // A resume the storage cannot serve (416: it holds no byte past what is kept) means the file is shorter
      // than the Hub announced: "run again to resume" would fail the same way forever.
      const shorter = (ends: number) => {
        keep = false;
        return new RadpoError(
          'io',
          `${hubUrl(ref, path)}: the Hub announced ${meta.size} bytes, but the file it serves ends at ${ends}`,
          "the partial copy was removed; run again to download it whole; if this persists, the Hub's metadata and " +
            "the file disagree: report it to the dataset's owners",
        );
      };
      const unservable = (err: unknown) => offset > 0 && err instanceof HubHttpError && err.status === 416;
      let body: Awaited<ReturnType<typeof s.client.stream>>;
      try {
        body = await s.client.stream(ref.repo, path, meta, offset, (status) => {
          // A server that ignores the range sends the whole file: start again from its first byte.
          restart = offset > 0 && status === 200;
        });
      } catch (err) {
        throw unservable(err) ? shorter(offset) : err;
      }
      const progress = new DownloadProgress(s, hubUrl(ref, path), meta.size);
      let file = await fsp.open(mine, 'a');
      try {
        let received = offset;
        let arrived = 0;
        try {
          for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
            if (restart) {
              restart = false;
              await file.close();
              file = await fsp.open(mine, 'w');
              hash = etagHash(meta.etag, meta.size);
              received = 0;
            }
            await file.write(chunk);
            hash?.update(chunk);
            received += chunk.byteLength;
            arrived += chunk.byteLength;
            progress.update(received);
          }
        } catch (err) {
          // The library requests lazily: the storage's answer to the range may come as the body's first read.
          throw unservable(err) ? shorter(offset) : err;
        }
        progress.done();
        if (received < meta.size && offset > 0 && arrived === 0) throw shorter(received);
        if (received !== meta.size)
          throw new HubNetworkError(
            `the download ended after ${received} of ${meta.size} bytes (what arrived is kept; run again to resume)`,
          );
      } finally {
        progress.done();
        await file.close();
      }
    }
    const digest = hash?.digest('hex');
    if (digest !== undefined && digest !== meta.etag) {
      keep = false;
      throw new RadpoError(
        'io',
        `${hubUrl(ref, path)}: the downloaded bytes do not match the Hub's ETag ${meta.etag} (found ${digest})`,
        'run again (the corrupt copy was removed); if it persists, the server or a proxy alters the file',
      );
    }
    await fsp.rename(mine, blob);
    keep = false;
  } finally {
    if (keep) await fsp.rename(mine, incomplete).catch(() => fsp.rm(mine, { force: true }));
    else await fsp.rm(mine, { force: true });
  }
}

/** One self-overwriting line on stderr while a file downloads, on a terminal only. */
class DownloadProgress {
  private last = 0;
  private shown = false;
  private readonly enabled: boolean;
  constructor(
    private readonly s: HubSession,
    private readonly name: string,
    private readonly total: number,
  ) {
    this.enabled = !s.quiet && s.io.stderr.isTTY === true;
  }
  update(bytes: number): void {
    const now = Date.now();
    if (!this.enabled || now - this.last < 200) return;
    this.last = now;
    const mb = (n: number) => (n / 1e6).toFixed(1);
    this.s.io.stderr.write(`\r\x1b[Kdownloading ${this.name}: ${mb(bytes)} of ${mb(this.total)} MB`);
    this.shown = true;
  }
  done(): void {
    if (this.shown) this.s.io.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
