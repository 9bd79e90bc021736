/**
 * Every answer from a server is bounded in size and time. A judge on 127.0.0.1 that streams a 256 MB
 * answer: the row is set aside (judge_failed, with the size), the connection closed, nothing cached, and
 * radpo's peak memory stays far below the answer's size. A judge that drips its answer a byte at a time:
 * --timeout is the whole request's deadline, so the row is set aside after it, not after the drip ends.
 * Verdicts: an unreadable structured score never becomes a low score; a score that is not a finite
 * number is never written.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_IN_RUBRICS, parseJsonVerdict } from '../../src/judge/rubrics.js';
import { fakeServers } from '../judge-server.js';
import { BIN, parseJsonl, run, tempDir } from '../helpers.js';

const servers: Server[] = [];
const fake = fakeServers();
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/**
 * A judge whose chat answers come from `answer`; GET /v1/models lists "judge". `stallIdentity`: the other
 * GET routes (the servers' identity routes radpo probes) never answer.
 */
async function judge(answer: (res: ServerResponse) => void, { stallIdentity = false } = {}): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET' && stallIdentity && req.url !== '/v1/models') return;
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ data: [{ id: 'judge' }] }));
      }
      answer(res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

/** radpo score as a child process, with its peak RSS (read at exit by a preloaded hook). */
function score(args: string[], dir: string): Promise<{ code: number | null; stderr: string; peakMb: number }> {
  const hook = join(dir, 'rss-hook.mjs');
  const rssFile = join(dir, 'rss.txt');
  const write = `writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS))`;
  writeFileSync(hook, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => ${write});\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', hook, BIN, 'score', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      const peakMb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : Number.NaN;
      resolve({ code, stderr, peakMb });
    });
  });
}

function onePair(dir: string): string {
  const path = join(dir, 'pair.jsonl');
  writeFileSync(path, '{"prompt":"Capital of France?","chosen":"Paris.","rejected":"Lyon."}\n');
  return path;
}

const common = (url: string, dir: string) => [
  onePair(dir),
  '--judge',
  'chat',
  '--judge-url',
  url,
  '--judge-model',
  'judge',
  '--max-retries',
  '0',
  '--cache',
  join(dir, 'cache.sqlite'),
  '--on-error',
  'skip',
  '--rejects',
  join(dir, 'rejects.jsonl'),
  '--allow-empty-output',
  '-o',
  join(dir, 'out.jsonl'),
];

describe('answers bounded in size and time', () => {
  it('a 256 MB answer: the row set aside with the size, nothing cached, peak memory far below it', async () => {
    const url = await judge((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 'a');
      let sent = 0;
      res.write('{"choices":[{"message":{"content":"');
      const more = () => {
        while (sent < 256) {
          sent += 1;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('"}}]}');
      };
      res.on('error', () => undefined);
      more();
    });
    const dir = tempDir();
    const r = await score(common(url, dir), dir);
    expect(r.code, r.stderr).toBe(0);
    const [rejected] = parseJsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8'));
    expect(rejected).toMatchObject({ reason: 'judge_failed' });
    expect(rejected!.message).toMatch(/answer is larger than the 16\.0 MB limit/);
    expect(r.peakMb).toBeLessThan(400);
    expect(statSync(join(dir, 'cache.sqlite')).size).toBeLessThan(16 << 20);
  });

  it('--max-response-bytes sets the limit', async () => {
    const url = await judge((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { content: `${'x'.repeat(5000)} Overall Score: 7` } }] }));
    });
    const dir = tempDir();
    const r = await run(['score', ...common(url, dir), '--max-response-bytes', '4K']);
    expect(r.code, r.stderr).toBe(0);
    const [rejected] = parseJsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8'));
    expect(rejected!.message).toMatch(/larger than the 4\.0 KB limit/);
  });

  it('an answer dripped a byte at a time: --timeout is the whole request, the row is set aside after it', async () => {
    const url = await judge((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = JSON.stringify({ choices: [{ message: { content: 'Overall Score: 7' } }] });
      let at = 0;
      const drip = setInterval(() => {
        if (res.destroyed || at >= body.length) {
          clearInterval(drip);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(body[at++]);
      }, 250);
      res.on('close', () => clearInterval(drip));
    });
    const dir = tempDir();
    const started = Date.now();
    const r = await run(['score', ...common(url, dir), '--timeout', '2']);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(0);
    const [rejected] = parseJsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8'));
    expect(rejected!.message).toMatch(/no complete answer within 2 s/);
    // The drip alone lasts 60 s (two answers of 240 bytes at 4 a second); the deadline ends it long before.
    expect(seconds).toBeLessThan(30);
  });
});

describe('pre-flight', () => {
  it('identity routes that never answer: taken as a plain OpenAI server, and the rows are judged', async () => {
    const url = await judge(
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { content: 'Overall Score: 7' } }] }));
      },
      { stallIdentity: true },
    );
    const dir = tempDir();
    const r = await run(['score', ...common(url, dir), '--timeout', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(parseJsonl(readFileSync(join(dir, 'out.jsonl'), 'utf8'))).toMatchObject([
      { score_chosen: 7, score_rejected: 7 },
    ]);
  });
});

describe('redirects', () => {
  it('a judge that redirects: exit 1 naming where it points; radpo does not follow it', async () => {
    const url = await judge((res) => {
      res.writeHead(301, { location: 'https://elsewhere.example/v1/chat/completions' });
      res.end();
    });
    const dir = tempDir();
    const r = await run(['score', ...common(url, dir)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/answered HTTP 301: a redirect to https:\/\/elsewhere\.example\/v1\/chat\/completions/);
    expect(r.stderr).toMatch(/radpo does not follow redirects/);
  });
});

describe('verdicts', () => {
  const rubric = BUILT_IN_RUBRICS.prometheus!;
  it.each([
    ['{"score": 4}', 4],
    ['{"score": "4"}', 4],
    ['{"score": "3.5"}', 3.5],
    ['{"score": ""}', null],
    ['{"score": "   "}', null],
    ['{"score": "0x3"}', null],
    ['{"score": "4 points"}', null],
    ['{"score": null}', null],
    ['{"score": 9}', null],
  ])('%s reads as %j', (text, expected) => {
    expect(parseJsonVerdict(rubric, text)).toBe(expected);
  });

  it('a reward that is not finite on the goal scale is set aside naming the judge, never written as null', async () => {
    const server = await fake({ kind: 'vllm', rewards: { 'Paris.': 1e308, 'Lyon.': -1e308 } });
    const dir = tempDir();
    const r = await run([
      'score',
      onePair(dir),
      '--judge',
      'reward',
      '--judge-url',
      server.url,
      '--judge-model',
      'rm',
      '--no-cache',
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'rejects.jsonl'),
      '--allow-empty-output',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const [rejected] = parseJsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8'));
    expect(rejected).toMatchObject({ reason: 'judge_unparseable' });
    expect(rejected!.message).toMatch(/the reward judge rm gave a score that is not a finite number/);
  });
});
