/**
 * The one door to the Hub: a `fetch` handed to @huggingface/hub's functions and used for radpo's own requests.
 * It sends the token only to the Hub's own origin (never to the CDN a download is redirected to), follows
 * redirects itself (all of them, or only relative ones as huggingface_hub's metadata request does), bounds
 * the wait for an answer (HF_HUB_ETAG_TIMEOUT) and for each read of its body (HF_HUB_DOWNLOAD_TIMEOUT),
 * and stops a body longer than its caller allows. A Ctrl-C while it waits (for the answer or for its body) is the
 * run's `interrupted` (exit 130), never a network failure.
 */
import { stopIfInterrupted } from '../io/io.js';
import type { HubEnv } from './env.js';

/** The Hub answered, but not with what was asked for. */
export class HubHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly url: string,
    readonly body: string,
  ) {
    super(`HTTP ${status}`);
  }
}

/** No answer at all: refused, unreachable, reset, or too slow. */
export class HubNetworkError extends Error {}

interface HubFetchOptions {
  /**
   * 'hub': a redirect to another host (a CDN) is returned, not followed: its headers are the file's metadata, as
   * huggingface_hub's _httpx_follow_hub_redirects_with_backoff reads them (a redirect on the same host is followed).
   */
  follow?: 'all' | 'hub';
  /** The largest body read; past it the read fails (an API answer is small, a download has its announced size). */
  maxBodyBytes?: number;
  /** Milliseconds to wait for the answer's headers. */
  timeoutMs?: number;
  /**
   * Milliseconds for the whole body, however it trickles (an API answer is small: a server sending a byte now and
   * then would hold the run forever under the idle timeout alone). None for a download, whose size is its own.
   */
  deadlineMs?: number;
  /** An answer of 400 or more is thrown as a HubHttpError (its status, headers and message kept for the user). */
  raise?: boolean;
}

const MAX_REDIRECTS = 10;

export function hubFetch(env: HubEnv, signal: AbortSignal | undefined, options: HubFetchOptions = {}): typeof fetch {
  const origin = new URL(env.endpoint).origin;
  const timeoutMs = options.timeoutMs ?? env.etagTimeoutS * 1000;
  const idleMs = env.downloadTimeoutS * 1000;
  const run = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    let url = new URL(input instanceof Request ? input.url : input.toString());
    for (let hop = 0; ; hop++) {
      const headers = new Headers(init.headers);
      headers.delete('authorization');
      if (env.token && url.origin === origin) headers.set('authorization', `Bearer ${env.token}`);
      headers.set('user-agent', 'radpo');
      const controller = new AbortController();
      const abort = () => controller.abort();
      signal?.addEventListener('abort', abort, { once: true });
      const timer = setTimeout(
        () => controller.abort(new HubNetworkError(`no answer within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      let res: Response;
      try {
        res = await fetch(url, { ...init, headers, redirect: 'manual', signal: controller.signal });
      } catch (err) {
        signal?.removeEventListener('abort', abort);
        stopIfInterrupted(signal);
        const reason = controller.signal.reason instanceof HubNetworkError ? controller.signal.reason : null;
        throw reason ?? new HubNetworkError(describeNetworkError(err));
      } finally {
        clearTimeout(timer);
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, url);
        const offHub = options.follow === 'hub' && next.hostname.toLowerCase() !== url.hostname.toLowerCase();
        if (offHub || hop >= MAX_REDIRECTS) {
          signal?.removeEventListener('abort', abort);
          await res.body?.cancel();
          if (hop >= MAX_REDIRECTS)
            throw new HubNetworkError(`more than ${MAX_REDIRECTS} redirects from ${url.origin}`);
          return res;
        }
        await res.body?.cancel();
        signal?.removeEventListener('abort', abort);
        url = next;
        continue;
      }
      if (options.raise && res.status >= 400) {
        signal?.removeEventListener('abort', abort);
        throw await httpError(res, url.toString());
      }
      const bounds = { idleMs, maxBytes: options.maxBodyBytes, deadlineMs: options.deadlineMs, signal };
      return guardedBody(res, controller, bounds, () => signal?.removeEventListener('abort', abort));
    }
  };
  return run as typeof fetch;
}

interface BodyBounds {
  idleMs: number;
  maxBytes: number | undefined;
  deadlineMs: number | undefined;
  /** The run's: aborted by Ctrl-C, which then stops the read as `interrupted`. */
  signal: AbortSignal | undefined;
}

/** The same answer, its body read under an idle timeout, a size bound and (for an API answer) a deadline. */
function guardedBody(res: Response, controller: AbortController, bounds: BodyBounds, done: () => void): Response {
  if (!res.body) {
    done();
    return res;
  }
  const { idleMs, maxBytes, deadlineMs, signal } = bounds;
  const deadline = deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + deadlineMs;
  const reader = res.body.getReader();
  let read = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(out) {
      let timer: NodeJS.Timeout | undefined;
      const left = deadline - Date.now();
      const idle = new Promise<never>((_, reject) => {
        const wait = Math.max(0, Math.min(idleMs, left));
        timer = setTimeout(() => {
          reject(
            new HubNetworkError(
              wait < idleMs
                ? `the answer did not arrive whole within ${(deadlineMs ?? 0) / 1000} s (${read} bytes came)`
                : `the answer stalled: no byte for ${idleMs / 1000} s`,
            ),
          );
          controller.abort();
        }, wait);
      });
      try {
        const next = await Promise.race([reader.read(), idle]);
        if (next.done) {
          done();
          out.close();
          return;
        }
        read += next.value.byteLength;
        if (maxBytes !== undefined && read > maxBytes) {
          controller.abort();
          throw new HubNetworkError(`the answer is longer than the ${maxBytes} bytes expected`);
        }
        out.enqueue(next.value);
      } catch (err) {
        done();
        // Ctrl-C aborted the read: the run stops as interrupted (exit 130), not as a failed download.
        stopIfInterrupted(signal);
        throw err instanceof HubNetworkError ? err : new HubNetworkError(describeNetworkError(err));
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** What a failed connection means, in words (the code kept for a search). */
const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (for now)',
  UND_ERR_SOCKET: 'the connection was cut mid-answer',
};

function describeNetworkError(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  if (code) return NETWORK_WORDS[code] ? `${NETWORK_WORDS[code]} (${code})` : code;
  return e.cause?.message ?? e.message ?? String(err);
}

/** Read an error answer's body (small, for its message) and raise it as a HubHttpError. */
async function httpError(res: Response, url: string): Promise<HubHttpError> {
  let body = '';
  try {
    body = (await res.text()).slice(0, 2000);
  } catch {
    /* the status says enough */
  }
  return new HubHttpError(res.status, res.headers, url, body);
}
