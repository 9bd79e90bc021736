/**
 * No piece of an API key leaves radpo. A judge on 127.0.0.1 that echoes what it gets — the headers in a
 * 200 text body, in 200 JSON without choices, the key in error bodies at offset 0, straddling the 300th
 * character and past it, the key in its answer text — and a judge URL with a password: every file the
 * run writes (output, rejects, report, cache) and stderr at --log-level trace hold no 8-character piece
 * of the key. OPENAI_API_KEY is sent only to OpenAI and to OPENAI_BASE_URL's host.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run, tempDir } from '../helpers.js';

const KEY = 'sk-Q7xWv2Lp9Rt4Zk8Ym3Nb6Hc1Gf5Jd0Se';

/** Every 8-character piece of the key found in `text`. */
function keyPieces(text: string): string[] {
  const found: string[] = [];
  for (let at = 0; at + 8 <= KEY.length; at++)
    if (text.includes(KEY.slice(at, at + 8))) found.push(KEY.slice(at, at + 8));
  return found;
}

interface EchoServer {
  url: string;
  /** The Authorization header of every request, as received. */
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** What the echoing judge answers, by the mode named in the judged pair's prompt. */
function answer(mode: string, req: IncomingMessage): { status: number; type: string; body: string } {
  const echo = JSON.stringify(req.headers);
  const chat = (content: string) =>
    JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
  switch (mode) {
    case 'text200':
      return { status: 200, type: 'text/plain', body: `you sent ${echo}` };
    case 'json200':
      return { status: 200, type: 'application/json', body: JSON.stringify({ echo: req.headers }) };
    case 'err400at0':
      return { status: 400, type: 'text/plain', body: `${KEY} is not allowed here` };
    case 'err400at290':
      return { status: 400, type: 'text/plain', body: `${'x'.repeat(290)}${KEY} and more` };
    case 'err400past300':
      return { status: 400, type: 'text/plain', body: `${'y'.repeat(310)}${KEY}` };
    case 'err500':
      return { status: 500, type: 'application/json', body: JSON.stringify({ error: { message: `bad ${KEY}` } }) };
    case 'keyInAnswer':
      return { status: 200, type: 'application/json', body: chat(`Your key ${KEY} looks fine. Overall Score: 8`) };
    case 'keyUnparseable':
      return { status: 200, type: 'application/json', body: chat(`I only say ${KEY}`) };
    default:
      return { status: 200, type: 'application/json', body: chat('Fine. Overall Score: 7') };
  }
}

async function echoServer(requireKey = false): Promise<EchoServer> {
  const authorizations: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (requireKey && !req.headers.authorization) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'Incorrect API key provided' } }));
      }
      if (req.method === 'GET') {
        const ok = req.url === '/v1/models';
        res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
        return res.end(ok ? JSON.stringify({ data: [{ id: 'judge' }] }) : '{}');
      }
      const mode = /mode=(\w+)/.exec(body)?.[1] ?? 'ok';
      const { status, type, body: out } = answer(mode, req);
      res.writeHead(status, { 'content-type': type });
      res.end(out);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, authorizations, close: async () => undefined };
}

const MODES = [
  'ok',
  'ok',
  'text200',
  'json200',
  'err400at0',
  'err400at290',
  'err400past300',
  'err500',
  'keyInAnswer',
  'keyUnparseable',
];

function pairs(dir: string): string {
  const path = join(dir, 'pairs.jsonl');
  writeFileSync(
    path,
    MODES.map(
      (mode, i) => `${JSON.stringify({ prompt: `q${i} mode=${mode}`, chosen: `a${i}`, rejected: `b${i}` })}\n`,
    ).join(''),
  );
  return path;
}

describe('no piece of the API key leaves radpo', () => {
  it('an echoing judge: output, rejects, report, cache and stderr at trace level hold none of it', async () => {
    const server = await echoServer();
    const dir = tempDir();
    const r = await run(
      [
        'score',
        pairs(dir),
        '--judge',
        'chat',
        '--judge-url',
        server.url.replace('http://', 'http://user:PASSWORD-of-the-url@'),
        '--judge-model',
        'judge',
        '--max-retries',
        '0',
        '--parse-retries',
        '0',
        '--cache',
        join(dir, 'cache.sqlite'),
        '--on-error',
        'skip',
        '--rejects',
        join(dir, 'rejects.jsonl'),
        '--report',
        join(dir, 'report.json'),
        '--log-level',
        'trace',
        '-o',
        join(dir, 'out.jsonl'),
      ],
      { env: { RADPO_JUDGE_API_KEY: KEY } },
    );
    expect(r.code, r.stderr).toBe(0);
    // The key was sent (as a Bearer token) and the server echoed it back in many ways.
    expect(server.authorizations.filter((a) => a === `Bearer ${KEY}`).length).toBeGreaterThan(5);
    const rejects = readFileSync(join(dir, 'rejects.jsonl'), 'utf8');
    expect(rejects.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(7);
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file)).toString('latin1');
      expect(keyPieces(text), file).toEqual([]);
      expect(text, file).not.toContain('PASSWORD-of-the-url');
    }
    expect(keyPieces(r.stderr), 'stderr').toEqual([]);
    expect(r.stderr).not.toContain('PASSWORD-of-the-url');
  });

  it('OPENAI_API_KEY alone is not sent to a loopback judge', async () => {
    const server = await echoServer();
    const dir = tempDir();
    const r = await run(
      [
        'score',
        pairs(dir),
        '--judge',
        'chat',
        '--judge-url',
        server.url,
        '--judge-model',
        'judge',
        '--no-cache',
        '--max-retries',
        '0',
      ],
      { env: { OPENAI_API_KEY: KEY } },
    );
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(
      server.authorizations.filter((a) => a !== undefined),
      'Authorization headers sent',
    ).toEqual([]);
    expect(keyPieces(r.stderr)).toEqual([]);
  });

  it('a server that wants a key, given only OPENAI_API_KEY, is told which variable to set', async () => {
    const server = await echoServer(true);
    const dir = tempDir();
    const r = await run(['score', pairs(dir), '--judge', 'chat', '--judge-url', server.url, '--judge-model', 'judge'], {
      env: { OPENAI_API_KEY: KEY },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused the API key/);
    expect(r.stderr).toMatch(/hint: set RADPO_JUDGE_API_KEY .*OPENAI_API_KEY is sent only to api\.openai\.com/);
  });

  it('OPENAI_API_KEY goes to the host of OPENAI_BASE_URL', async () => {
    const server = await echoServer();
    const dir = tempDir();
    await run(['score', pairs(dir), '--judge', 'chat', '--judge-model', 'judge', '--no-cache', '--max-retries', '0'], {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url },
    });
    expect(server.authorizations.filter((a) => a === `Bearer ${KEY}`).length).toBeGreaterThan(0);
  });

  it(
    '--judge-api-key-env names the variable; a key with a character no header takes is refused before any ' + 'request',
    async () => {
      const server = await echoServer();
      const dir = tempDir();
      const args = [
        'score',
        pairs(dir),
        '--judge',
        'chat',
        '--judge-url',
        server.url,
        '--judge-model',
        'judge',
        '--no-cache',
        '--max-retries',
        '0',
        '--on-error',
        'skip',
        '--rejects',
        join(dir, 'rej.jsonl'),
      ];
      await run([...args, '--judge-api-key-env', 'MY_KEY', '-o', join(dir, 'o.jsonl')], { env: { MY_KEY: KEY } });
      expect(server.authorizations.filter((a) => a === `Bearer ${KEY}`).length).toBeGreaterThan(0);
      const sent = server.authorizations.length;
      const bad = await run(args, { env: { RADPO_JUDGE_API_KEY: `${KEY}\r` } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(
        `RADPO_JUDGE_API_KEY holds a character that cannot go in an HTTP header (\\r at position ${KEY.length})`,
      );
      expect(server.authorizations.length).toBe(sent);
    },
  );
});
