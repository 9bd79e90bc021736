/**
 * The Hub's endpoints radpo calls. @huggingface/hub does the listing (`listFiles`: the tree API, paged by its Link
 * header) and the transfer (`downloadFile` gives a WebBlob whose `slice(offset).stream()` is a Range request, which
 * is how a download resumes). The metadata request is radpo's own, because the library's `fileDownloadInfo`
 * lacks what the cache needs: it follows the redirect before reading the ETag (so an LFS file's would be the
 * CDN's) and returns no X-Repo-Commit (the snapshot a file belongs in). This is huggingface_hub's
 * get_hf_file_metadata: HEAD on /resolve/, redirects followed on the Hub's host only, X-Repo-Commit,
 * X-Linked-Etag or ETag, X-Linked-Size or Content-Length, and Location for the download.
 */
import { downloadFile, listFiles } from '@huggingface/hub';
import { RadpoError } from '../core/errors.js';
import { stopIfInterrupted } from '../io/io.js';
import type { HubEnv } from './env.js';
import { HubHttpError, HubNetworkError, hubFetch } from './http.js';
import { HEX40, type HubRef } from './ref.js';

export interface FileMetadata {
  commit: string;
  etag: string;
  size: number;
  /** Where the bytes are: the CDN a Hub redirect names, or the resolve URL itself. */
  location: string;
}

/**
 * One page of a tree listing: the Hub pages it by 1,000 entries of a few hundred bytes each (under 1 MB), so 16 MiB
 * is far past any real page and still little memory. The page must come whole within 3 idle timeouts (30 s by
 * default), however slowly it trickles.
 */
const MAX_API_BYTES = 16 * 1024 * 1024;
const API_DEADLINE_IDLE_TIMEOUTS = 3;

export class HubClient {
  constructor(
    readonly env: HubEnv,
    private readonly signal?: AbortSignal,
  ) {}

  resolveUrl(repo: string, revision: string, path: string): string {
    const file = path.split('/').map(encodeURIComponent).join('/');
    return `${this.env.endpoint}/datasets/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
  }

  async metadata(repo: string, revision: string, path: string): Promise<FileMetadata> {
    const url = this.resolveUrl(repo, revision, path);
    const res = await hubFetch(this.env, this.signal, { follow: 'hub', raise: true })(url, {
      method: 'HEAD',
      headers: { 'accept-encoding': 'identity' },
    });
    const h = res.headers;
    const commit = h.get('x-repo-commit') ?? '';
    const etag = normalizeEtag(h.get('x-linked-etag') ?? h.get('etag'));
    const redirected = res.status >= 300 && res.status < 400;
    const sizeHeader = h.get('x-linked-size') ?? (redirected ? null : h.get('content-length'));
    const size = sizeHeader === null || !/^\d+$/.test(sizeHeader) ? Number.NaN : Number(sizeHeader);
    if (!HEX40.test(commit) || !etag || !Number.isSafeInteger(size) || size < 0 || /[/\\]|^\.\.?$/.test(etag))
      throw new RadpoError(
        'io',
        `${this.env.endpoint} answered ${url} without the headers the Hub sends (X-Repo-Commit: a commit hash, ` +
          `ETag, a size): found X-Repo-Commit ${JSON.stringify(commit)}, ETag ${JSON.stringify(etag)}, size ${size}`,
        'check HF_ENDPOINT: it must name a Hugging Face Hub (or a mirror that answers as one)',
      );
    return { commit, etag, size, location: redirected ? new URL(h.get('location')!, url).toString() : url };
  }

  /** The files of the repository under `base` (recursive), paths relative to the repository's root. */
  async list(ref: HubRef, base: string): Promise<Array<{ path: string; size: number }>> {
    const out: Array<{ path: string; size: number }> = [];
    try {
      for await (const entry of listFiles({
        repo: { type: 'dataset', name: ref.repo },
        revision: ref.revision,
        path: base || undefined,
        recursive: true,
        hubUrl: this.env.endpoint,
        fetch: hubFetch(this.env, this.signal, {
          maxBodyBytes: MAX_API_BYTES,
          deadlineMs: this.env.downloadTimeoutS * 1000 * API_DEADLINE_IDLE_TIMEOUTS,
          raise: true,
        }),
      }))
        if (entry.type === 'file') out.push({ path: entry.path, size: entry.size });
    } catch (err) {
      throw libraryError(err, `${this.env.endpoint}/api/datasets/${ref.repo}/tree/${ref.revision}`);
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * The bytes of a file from `offset` on, as a stream. `onStatus` learns whether the server honoured the range
   * (206) or sent the whole file again (200).
   */
  async stream(
    repo: string,
    path: string,
    meta: FileMetadata,
    offset: number,
    onStatus: (status: number) => void,
  ): Promise<ReadableStream<Uint8Array>> {
    let failure: unknown = null;
    // Past the expected size the answer is wrong whatever follows: stop reading there.
    const guarded = hubFetch(this.env, this.signal, {
      maxBodyBytes: meta.size,
      raise: true,
      timeoutMs: this.env.downloadTimeoutS * 1000,
    });
    const watched = (async (input: string | URL | Request, init?: RequestInit) => {
      try {
        const res = await guarded(input, init);
        onStatus(res.status);
        return res;
      } catch (err) {
        failure = err;
        throw err;
      }
    }) as typeof fetch;
    const blob = await downloadFile({
      repo: { type: 'dataset', name: repo },
      path,
      revision: meta.commit,
      hubUrl: this.env.endpoint,
      fetch: watched,
      xet: false,
      downloadInfo: { etag: meta.etag, size: meta.size, url: meta.location },
    });
    if (!blob) throw new HubHttpError(404, new Headers(), meta.location, '');
    const stream = blob.slice(offset).stream();
    // WebBlob turns a failed request into a stream aborted with its message only: give back the error itself.
    const reader = stream.getReader();
    const signal = this.signal;
    return new ReadableStream<Uint8Array>({
      async pull(out) {
        try {
          const next = await reader.read();
          if (next.done) out.close();
          else out.enqueue(next.value);
        } catch (err) {
          // A Ctrl-C mid-body reaches here as the library's AbortError: the run stops as interrupted (exit 130).
          stopIfInterrupted(signal);
          throw failure ?? err;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }
}

/** huggingface_hub's _normalize_etag: W/ and the quotes removed. */
function normalizeEtag(etag: string | null): string | null {
  if (!etag) return null;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '') || null;
}

/** The library raises HubApiError (status and URL) or what our fetch threw: keep the status for the message. */
function libraryError(err: unknown, url: string): unknown {
  if (err instanceof HubHttpError || err instanceof HubNetworkError || err instanceof RadpoError) return err;
  const e = err as { statusCode?: number; message?: string };
  if (typeof e.statusCode === 'number') return new HubHttpError(e.statusCode, new Headers(), url, e.message ?? '');
  return new HubNetworkError(e.message ?? String(err));
}
