/**
 * A fake Hugging Face Hub on 127.0.0.1, answering the endpoints radpo (and huggingface_hub's hf_hub_download)
 * call, as the Hub documents them and as huggingface_hub's tests record them:
 * - HEAD/GET /datasets/OWNER/NAME/resolve/REV/PATH: a small file answers 200 with `ETag: "<git blob sha1>"`,
 *   `X-Repo-Commit` and its bytes; an LFS file answers 302 to a second server (the "CDN", named `localhost`) with
 *   `X-Linked-Etag: "<sha256>"`, `X-Linked-Size` and `X-Repo-Commit`. Range requests are honoured.
 * - GET /api/datasets/OWNER/NAME/tree/REV[/PATH]?recursive=true: the listing, paged with a `Link: <…>; rel="next"`.
 * - the Hub's errors: 401 (RepoNotFound for an unknown or private repo without a token, "Invalid credentials in
 *   Authorization header" for a wrong token), 404 with X-Error-Code RevisionNotFound / EntryNotFound.
 * Faults per file: a truncated body, a stall, a body longer than announced, a range ignored, the CDN's 403, an
 * LFS size announced 100 bytes past the stored file's.
 * Faults of a tree listing (keyed `tree:<folder>`): a page that trickles a byte at a time, a page past any real
 * page's size.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

type FileFault = 'truncate' | 'stall' | 'oversized' | 'ignore-range' | 'trickle' | 'huge' | 'cdn-denied' | 'size-lie';

export interface FakeRepo {
  /** branch or tag -> commit (40 hex) */
  refs: Record<string, string>;
  /** commit -> path -> bytes */
  trees: Record<string, Record<string, Buffer | string>>;
  /** Paths stored in LFS (served through the CDN). Default: every .parquet file. */
  lfs?: (path: string) => boolean;
  /** Readable only with this token. */
  token?: string;
}

interface RequestLog {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  authorization: string | undefined;
  range: string | undefined;
}

export const sha1Blob = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A commit hash for a test, derived from a label (deterministic). */
export const commitOf = (label: string) => createHash('sha1').update(label).digest('hex');

export interface FakeHub {
  url: string;
  cdnUrl: string;
  log: RequestLog[];
  faults: Map<string, FileFault>;
  /** Valid tokens of any user (a wrong one gets 401 whatever the repo). */
  tokens: Set<string>;
  close(): Promise<void>;
}

/** Listing page size: small, so that paging is exercised. */
const PAGE = 2;

export async function startFakeHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const log: RequestLog[] = [];
  const faults = new Map<string, FileFault>();
  const tokens = new Set<string>(Object.values(repos).flatMap((r) => (r.token ? [r.token] : [])));
  const blobs = new Map<string, Buffer>();
  const sockets = new Set<Socket>();
  let hubUrl = '';
  let cdnUrl = '';

  const record = (server: 'hub' | 'cdn', req: IncomingMessage) =>
    log.push({
      server,
      method: req.method ?? 'GET',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      range: req.headers.range,
    });

  /** Body with Range support and the file's fault. */
  const sendBytes = (
    req: IncomingMessage,
    res: ServerResponse,
    bytes: Buffer,
    headers: Record<string, string>,
    fault?: FileFault,
  ) => {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = bytes.length - 1;
    let status = 200;
    if (range && fault !== 'ignore-range' && Number(range[1]) >= bytes.length) {
      // As S3 answers a range past the end of the object.
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
      return res.end();
    }
    if (range && fault !== 'ignore-range') {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), end) : end;
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${bytes.length}`;
    }
    const body = bytes.subarray(start, end + 1);
    // Oversized: chunked, with more bytes than the metadata announced.
    const length = fault === 'oversized' && req.method !== 'HEAD' ? {} : { 'content-length': String(body.length) };
    res.writeHead(status, { ...headers, ...length, 'accept-ranges': 'bytes' });
    if (req.method === 'HEAD') return res.end();
    if (fault === 'truncate') {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      // Cut the connection mid-body, as a dropped link does.
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (fault === 'stall') {
      res.write(body.subarray(0, 1));
      return; // never ends: the client's idle timeout must fire
    }
    if (fault === 'oversized') {
      res.write(body);
      res.end(Buffer.alloc(1024, 0x41));
      return;
    }
    res.end(body);
  };

  const hub = createServer((req, res) => {
    record('hub', req);
    const url = new URL(req.url ?? '/', 'http://x');
    const error = (status: number, code: string | null, message: string) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(code ? { 'x-error-code': code } : {}),
        'x-error-message': message,
      });
      res.end(JSON.stringify({ error: message }));
    };
    const auth = req.headers.authorization;
    if (auth !== undefined && !tokens.has(auth.replace(/^Bearer /, '')))
      return error(401, null, 'Invalid credentials in Authorization header');
    const m = /^\/(?:api\/)?datasets\/([^/]+\/[^/]+)\/(resolve|tree)\/([^/]+)\/?(.*)$/.exec(url.pathname);
    if (!m) return error(404, null, 'Not Found');
    const [, repoId, kind, revRaw, pathRaw] = m;
    const isApi = url.pathname.startsWith('/api/');
    if ((kind === 'tree') !== isApi) return error(404, null, 'Not Found');
    const repo = repos[repoId!];
    if (!repo || (repo.token && auth !== `Bearer ${repo.token}`))
      return auth
        ? error(404, 'RepoNotFound', 'Repository not found')
        : error(401, 'RepoNotFound', 'Repository not found');
    const rev = decodeURIComponent(revRaw!);
    const commit = /^[0-9a-f]{40}$/.test(rev) && repo.trees[rev] ? rev : repo.refs[rev];
    if (!commit) return error(404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const tree = repo.trees[commit]!;
    const path = decodeURIComponent(pathRaw!);
    const isLfs = repo.lfs ?? ((p: string) => p.endsWith('.parquet'));
    const entry = (p: string) => {
      const b = Buffer.from(tree[p]!);
      return {
        type: 'file',
        oid: sha1Blob(b),
        size: b.length,
        path: p,
        ...(isLfs(p) ? { lfs: { oid: sha256(b), size: b.length, pointerSize: 134 } } : {}),
      };
    };
    if (kind === 'tree') {
      const under = Object.keys(tree)
        .filter((p) => path === '' || p.startsWith(`${path}/`))
        .sort();
      if (path !== '' && under.length === 0) return error(404, 'EntryNotFound', `${path} does not exist on "${rev}"`);
      const cursor = Number(url.searchParams.get('cursor') ?? '0');
      const page = under.slice(cursor, cursor + PAGE).map(entry);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (cursor + PAGE < under.length) {
        const next = new URL(url.toString().replace('http://x', hubUrl));
        next.searchParams.set('cursor', String(cursor + PAGE));
        headers.link = `<${next}>; rel="next"`;
      }
      res.writeHead(200, headers);
      const text = JSON.stringify(page);
      const fault = faults.get(`tree:${path}`);
      if (fault === 'trickle') {
        // A byte every 50 ms: never idle for long, never done in time.
        let at = 0;
        const tick = setInterval(() => {
          if (res.destroyed || at >= text.length) {
            clearInterval(tick);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(text[at++]!);
        }, 50);
        return;
      }
      if (fault === 'huge') {
        // 17 MiB of whitespace (valid JSON) before the page.
        const pad = Buffer.alloc(1 << 20, 0x20);
        for (let i = 0; i < 17; i++) res.write(pad);
      }
      return res.end(text);
    }
    if (tree[path] === undefined) return error(404, 'EntryNotFound', 'Entry not found');
    const bytes = Buffer.from(tree[path]);
    const common = { 'x-repo-commit': commit, 'x-request-id': `req-${log.length}` };
    if (isLfs(path)) {
      const oid = sha256(bytes);
      blobs.set(oid, bytes);
      res.writeHead(302, {
        ...common,
        location: `${cdnUrl}/repos/${oid}?X-Amz-Signature=fake`,
        etag: `"${sha1Blob(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\n`))}"`,
        'x-linked-etag': `"${oid}"`,
        // size-lie: the Hub's metadata announces more bytes than the stored file holds.
        'x-linked-size': String(bytes.length + (faults.get(path) === 'size-lie' ? 100 : 0)),
        'content-length': '0',
      });
      return res.end();
    }
    sendBytes(
      req,
      res,
      bytes,
      { ...common, etag: `"${sha1Blob(bytes)}"`, 'content-type': 'text/plain' },
      faults.get(path),
    );
  });

  const cdn = createServer((req, res) => {
    record('cdn', req);
    const oid = /^\/repos\/([0-9a-f]{64})/.exec(req.url ?? '')?.[1];
    const bytes = oid ? blobs.get(oid) : undefined;
    if (!bytes) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      return res.end('<Error><Code>AccessDenied</Code></Error>');
    }
    const path = [...Object.values(repos)]
      .flatMap((r) => Object.values(r.trees).flatMap((t) => Object.entries(t)))
      .find(([, b]) => sha256(Buffer.from(b)) === oid)?.[0];
    // S3's answer to a signed link that expired (or that a proxy rewrote).
    if (path && faults.get(path) === 'cdn-denied') {
      res.writeHead(403, { 'content-type': 'application/xml' });
      return res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    }
    sendBytes(
      req,
      res,
      bytes,
      { 'content-type': 'application/octet-stream', etag: `"${oid}"` },
      path ? faults.get(path) : undefined,
    );
  });

  for (const server of [hub, cdn]) server.on('connection', (s) => sockets.add(s).size);
  const listen = (server: Server) =>
    new Promise<string>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
    );
  hubUrl = await listen(hub);
  // Another host name for the same loopback address: clients tell the CDN from the Hub by host name, as
  // huggingface_hub does (a redirect to another host is not followed for metadata, and gets no token).
  cdnUrl = (await listen(cdn)).replace('127.0.0.1', 'localhost');
  return {
    url: hubUrl,
    cdnUrl,
    log,
    faults,
    tokens,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([hub, cdn].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
