/**
 * HTTP for the servers radpo talks to (judges and policies): JSON POST over a pooled undici Agent, with a per-request
 * timeout and the retry rules
 * of the OpenAI SDKs (JUDGES.md "Retry rules"): x-should-retry; 408/409/429/5xx, connection errors and
 * timeouts are retried with retry-after-ms / Retry-After or exponential backoff with jitter; other 4xx
 * stop the run. The API key is sent, never logged: every message passes through `redact`.
 */
import { setMaxListeners } from 'node:events';
import { Agent, type Dispatcher, request } from 'undici';
import { RadpoError } from '../core/errors.js';
import { maskUrl, type Redactor } from '../io/redact.js';
import type { ServerRole } from './role.js';

interface HttpOptions {
  /** How messages name the server, its flags and its key. */
  role: ServerRole;
  /** The whole request's deadline, from connecting to the answer's last byte. */
  timeoutMs: number;
  /** The largest answer read; a larger one fails that request (never buffered whole, never retried). */
  maxResponseBytes: number;
  /** Every message passes it: no API key or URL password in what radpo prints or stores. */
  secrets: Redactor;
  maxRetries: number;
  concurrency: number;
  apiKey?: string;
  signal?: AbortSignal;
  /** Told about each retry (for logs and progress). */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
  /** Random source for jitter (tests make it deterministic). */
  random?: () => number;
  /** Sleeps (tests shorten them). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** An answer that is not of the shape the caller expects (no choices, no score field…). */
export class WireError extends Error {}

/**
 * The error text of an OpenAI-style error body ({"error": {"message"}}, {"error": "…"}, {"message"}), else `fallback`.
 */
export function errorMessage(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; message?: unknown };
    if (typeof b.error === 'string') return b.error;
    if (b.error && typeof b.error === 'object' && typeof (b.error as { message?: unknown }).message === 'string')
      return (b.error as { message: string }).message;
    if (typeof b.message === 'string') return b.message;
  }
  return fallback;
}

/** A request that failed for good after its retries (the row is set aside, the run goes on). */
export class TransientFailure extends Error {}

/**
 * The server refused this one request (400, 413, 422: too long for the context, failed validation):
 * the row is set aside with the server's message and the run goes on.
 */
export class RequestRejected extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Statuses that are about one request, not about the server or the credentials. */
const ROW_STATUS = (status: number) => status === 400 || status === 413 || status === 422;

const RETRY_STATUS = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/** An answer over the size limit: the connection is closed and the request fails for good. */
export class ResponseTooLarge extends TransientFailure {}

/**
 * The body, read to its end within `maxBytes` and before `deadline` fires: a server that answers without
 * end, or drips its answer, costs a bounded amount of memory and time.
 */
async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new ResponseTooLarge(
        `${what} is larger than the ${formatLimit(maxBytes)} limit (${what} cut at ${formatLimit(size)})`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function formatLimit(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** The request's signal: the run's (Ctrl-C) and the deadline, whichever fires first. */
function requestSignal(run: AbortSignal | undefined, deadline: AbortSignal): AbortSignal {
  return run ? AbortSignal.any([run, deadline]) : deadline;
}

/** The wait the server asked for, in ms, or null (absent, negative or over 60 s: use backoff). */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | null {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const ms = header('retry-after-ms');
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) {
    const n = Number(ms);
    return n >= 0 && n <= 60_000 ? n : null;
  }
  const after = header('retry-after');
  if (after === undefined || after.trim() === '') return null;
  let wait = Number(after) * 1000;
  if (!Number.isFinite(wait)) {
    const date = Date.parse(after);
    if (Number.isNaN(date)) return null;
    wait = date - now;
  }
  return wait >= 0 && wait <= 60_000 ? wait : null;
}

export function backoffMs(attempt: number, random: () => number): number {
  return Math.min(500 * 2 ** attempt, 8000) * (1 - 0.25 * random());
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class ServerHttp {
  private readonly agent: Agent;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  requests = 0;
  private readonly headers: Record<string, string>;
  /**
   * Closed with the session: a run that failed (a 401 in one request) stops its requests in flight at
   * once and retries none, instead of retrying each against a closed connection for the whole backoff.
   */
  private readonly closing = new AbortController();
  /** The run's signal (Ctrl-C) or the session's closing, whichever fires first. */
  private readonly stop: AbortSignal;

  constructor(private readonly options: HttpOptions) {
    this.headers = {
      'content-type': 'application/json',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    };
    this.agent = new Agent({ connections: options.concurrency, keepAliveTimeout: 30_000 });
    // Every request in flight listens to the run's abort signal: that is by design, not a leak.
    this.stop = options.signal ? AbortSignal.any([options.signal, this.closing.signal]) : this.closing.signal;
    if (options.signal) setMaxListeners(0, options.signal);
    setMaxListeners(0, this.stop);
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? defaultSleep;
  }

  private interrupted(): never {
    if (this.closing.signal.aborted && !this.options.signal?.aborted)
      throw new RadpoError('io', 'the run stopped (another request failed it); this request was abandoned');
    throw new RadpoError(
      'interrupted',
      'interrupted; requests in flight were aborted, the cache is consistent, no output was written under ' +
        'the final name',
    );
  }

  /** POST JSON and return the JSON body of a 2xx answer (parsed, and its text), retrying what may succeed later. */
  async postJson(url: string, body: unknown): Promise<{ json: unknown; text: string }> {
    const { secrets, timeoutMs, maxResponseBytes } = this.options;
    const signal = this.stop;
    const payload = JSON.stringify(body);
    let lastReason = '';
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) this.interrupted();
      let wait: number | null = null;
      // --timeout bounds the whole request, connection to last byte (not the gap between chunks).
      const deadline = AbortSignal.timeout(timeoutMs);
      try {
        this.requests += 1;
        const res = await request(url, {
          method: 'POST',
          headers: this.headers,
          body: payload,
          dispatcher: this.agent,
          signal: requestSignal(signal, deadline),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const text = await readBody(res.body, maxResponseBytes, `the ${this.options.role.noun}'s answer`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        if (res.statusCode >= 200 && res.statusCode < 300) {
          if (parsed === undefined) {
            const start = JSON.stringify(secrets.redact(text).slice(0, 80));
            lastReason = `HTTP ${res.statusCode} with a body that is not JSON (${start})`;
          } else return { json: parsed, text };
        } else {
          // Redacted before it is cut: a key that straddles the cut leaves no piece behind.
          const message = secrets.redact(errorText(parsed, secrets.redact(text), res));
          const should = res.headers['x-should-retry'];
          const retry = should === 'true' ? true : should === 'false' ? false : RETRY_STATUS(res.statusCode);
          if (!retry && ROW_STATUS(res.statusCode)) throw new RequestRejected(res.statusCode, message);
          if (!retry) throw this.refusal(url, res.statusCode, message);
          lastReason = `HTTP ${res.statusCode}: ${message}`;
          wait = retryAfterMs(res.headers);
        }
      } catch (err) {
        if (err instanceof RadpoError || err instanceof RequestRejected || err instanceof ResponseTooLarge) throw err;
        if (signal?.aborted) this.interrupted();
        const e = err as Error & { code?: string };
        lastReason =
          deadline.aborted ||
          e.name === 'TimeoutError' ||
          e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
          e.code === 'UND_ERR_BODY_TIMEOUT'
            ? `no complete answer within ${timeoutMs / 1000} s`
            : `connection error (${secrets.redact(e.code ?? e.message)})`;
      }
      if (attempt >= this.options.maxRetries)
        throw new TransientFailure(`${lastReason}; gave up after ${attempt + 1} attempts`);
      const waitMs = wait ?? backoffMs(attempt, this.random);
      this.options.onRetry?.({ attempt: attempt + 1, waitMs, reason: lastReason });
      try {
        await this.sleep(waitMs, signal);
      } catch {
        this.interrupted();
      }
    }
  }

  /** A status no retry can change (401, 403, 404, other 4xx): the run stops, saying what to check. */
  private refusal(url: string, status: number, message: string): RadpoError {
    const { role, secrets } = this.options;
    const hint =
      status === 401 || status === 403
        ? role.keyHint
        : status === 404
          ? `the server has no ${new URL(url).pathname} route, or does not serve the model: check ` +
            `${role.urlFlag}, ${role.modelFlag} and ${role.serverFlag}`
          : `this request cannot succeed as sent; check the ${role.noun} flags`;
    return new RadpoError(
      'io',
      `the ${role.noun} at ${secrets.redact(maskUrl(url))} answered HTTP ${status}: ${message}`,
      hint,
    );
  }

  /**
   * GET JSON once, for the pre-flight and the server's identity routes: no retries, a short timeout.
   * Null for a status that is not 2xx (the route does not exist there) or a body that is not JSON;
   * throws for a server that cannot be reached.
   */
  async getJson(url: string, timeoutMs: number): Promise<{ status: number; json: unknown } | null> {
    const { secrets, signal } = this.options;
    const deadline = AbortSignal.timeout(timeoutMs);
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(url, {
        method: 'GET',
        headers: this.headers,
        dispatcher: this.agent,
        signal: requestSignal(signal, deadline),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      // Identity routes answer a few hundred bytes: a megabyte is plenty.
      text = await readBody(res.body, 1 << 20, `the answer to GET ${new URL(url).pathname}`);
    } catch (err) {
      if (signal?.aborted) this.interrupted();
      if (err instanceof ResponseTooLarge) return null;
      const e = err as Error & { code?: string };
      const what =
        deadline.aborted ||
        e.name === 'TimeoutError' ||
        e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
        e.code === 'UND_ERR_BODY_TIMEOUT'
          ? `no answer within ${timeoutMs / 1000} s`
          : `${e.code ?? e.message}`;
      throw new Unreachable(secrets.redact(what));
    }
    if (res.statusCode < 200 || res.statusCode >= 300)
      return res.statusCode === 401 || res.statusCode === 403 ? { status: res.statusCode, json: safeJson(text) } : null;
    const json = safeJson(text);
    return json === undefined ? null : { status: res.statusCode, json };
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.agent.close();
  }
}

/**
 * What a refused request's answer says, already redacted: the server's error message (or the body's
 * start), and where a redirect points (radpo never follows one: the key would go to another host).
 */
function errorText(parsed: unknown, redactedBody: string, res: Dispatcher.ResponseData): string {
  const status = res.statusCode;
  const location = res.headers.location;
  if (status >= 300 && status < 400 && location) {
    const to = Array.isArray(location) ? location[0] : location;
    return `a redirect to ${to}; radpo does not follow redirects (the API key would go along): use that URL`;
  }
  const fromJson = parsed === undefined ? '' : errorMessage(parsed, '');
  return (fromJson || redactedBody.slice(0, 300) || `HTTP ${status}`).slice(0, 2000);
}

/** The server could not be reached at all (refused, no such host, no answer). */
export class Unreachable extends Error {}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
