#!/usr/bin/env node
// Judge throughput: radpo score against a local OpenAI-compatible server that answers every request
// after a fixed latency. Reports requests/s at the given concurrency as a fraction of the ideal
// (concurrency / latency), and radpo's own CPU time per request. Part of `npm run bench`.
//
//   node bench/judge.mjs [--rows 1500] [--latency-ms 50] [--concurrency 64] [--json]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const ROWS = Number(flag('--rows', '1500'));
const LATENCY = Number(flag('--latency-ms', '50'));
const CONCURRENCY = Number(flag('--concurrency', '64'));

/**
 * `mode` score: radpo score on pairs (two requests a row); generate: radpo generate, 4 samples a prompt, one request
 * each; relabel: radpo relabel --judge (two requests a row), with the share of records the byte-level fast path
 * wrote (the judge stage hands its scores over with the record: it must not turn the fast path off).
 */
export async function judgeBench({ rows = ROWS, latencyMs = LATENCY, concurrency = CONCURRENCY, mode = 'score' } = {}) {
  let requests = 0;
  // Throughput is measured where the requests arrive: from the first request to the last answer.
  let firstRequest = 0n;
  let lastAnswer = 0n;
  // Answer times, for the steady-state rate: a real run lasts minutes, so the first second (connections
  // opening, the JIT warming up, the first 64 requests all answered in one burst) is reported apart.
  const answers = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests += 1;
      if (firstRequest === 0n) firstRequest = process.hrtime.bigint();
      setTimeout(() => {
        const text = JSON.stringify({
          id: 'chatcmpl-bench',
          object: 'chat.completion',
          created: 0,
          model: 'judge',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: `### Feedback\nFine.\nOverall Score: ${1 + (body.length % 10)}` },
              finish_reason: 'stop',
              logprobs: null,
            },
          ],
          usage: { prompt_tokens: 300, completion_tokens: 12, total_tokens: 312 },
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        lastAnswer = process.hrtime.bigint();
        answers.push(lastAnswer);
      }, latencyMs);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/v1`;
  const dir = mkdtempSync(join(tmpdir(), 'radpo-judge-bench-'));
  // The input, output and timing files go with the run, whatever its end (a failed run too).
  try {
    const input = join(dir, 'pairs.jsonl');
    const lines = [];
    for (let i = 0; i < rows; i++) {
      lines.push(
        JSON.stringify({
          prompt: `Question number ${i}: explain topic ${i % 97} briefly.`,
          chosen: `A careful answer ${i} with detail.`,
          rejected: `A short answer ${i}.`,
        }),
      );
    }
    writeFileSync(input, `${lines.join('\n')}\n`);
    const timeFile = join(dir, 'time.txt');
    const command =
      mode === 'generate'
        ? [
            'generate',
            input,
            '--policy-url',
            url,
            '--policy-model',
            'judge',
            '--policy-server',
            'llamacpp',
            '--no-preflight',
            '-n',
            '4',
          ]
        : // The bench judge's scores are no judgement of the labels: the label-conflict stop would end the run.
          [
            mode,
            input,
            '--judge',
            'chat',
            '--judge-url',
            url,
            '--judge-model',
            'judge',
            '--no-preflight',
            '--max-conflict-rate',
            '1',
          ];
    const args = [
      ...(process.env.RADPO_BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/jprof'] : []),
      'bin/radpo.js',
      ...command,
      '--no-cache',
      '--concurrency',
      String(concurrency),
      // relabel logs how many records the fast path wrote (debug, as JSON on stderr).
      ...(mode === 'relabel' ? ['--log-level', 'debug', '--log-format', 'json'] : []),
      '-q',
      '-o',
      join(dir, 'out.jsonl'),
    ];
    const useTime = existsSync('/usr/bin/time');
    const started = process.hrtime.bigint();
    let stderr = '';
    const code = await new Promise((resolve) => {
      const child = useTime
        ? spawn('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, process.execPath, ...args], {
            cwd: root,
            stdio: ['ignore', 'ignore', 'pipe'],
          })
        : spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (mode !== 'relabel') process.stderr.write(chunk);
      });
      child.on('exit', resolve);
    });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    server.close();
    if (code !== 0) throw new Error(`radpo ${mode} failed (${code}): ${stderr.slice(-2000)}`);
    const fast = stderr
      .split('\n')
      .filter((line) => line.includes('fast_path_records'))
      .map((line) => JSON.parse(line))[0];
    const rps = requests / Math.max(0.001, Number(lastAnswer - firstRequest) / 1e9);
    const ideal = concurrency / (latencyMs / 1000);
    const from = firstRequest + 1_000_000_000n;
    const to = lastAnswer - BigInt(latencyMs) * 1_000_000n;
    const steady = to > from ? answers.filter((t) => t >= from && t <= to).length / (Number(to - from) / 1e9) : null;
    let cpuMsPerRequest = null;
    if (useTime) {
      const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      cpuMsPerRequest = +(((user + sys) * 1000) / requests).toFixed(3);
    }
    return {
      mode,
      requests,
      concurrency,
      latency_ms: latencyMs,
      wall_s: +wall.toFixed(2),
      requests_per_s: Math.round(rps),
      ideal_requests_per_s: ideal,
      fraction_of_ideal: +(rps / ideal).toFixed(3),
      steady_fraction_of_ideal: steady === null ? null : +(steady / ideal).toFixed(3),
      cpu_ms_per_request: cpuMsPerRequest,
      ...(fast ? { fast_path_share: +(fast.fast_path_records / Math.max(1, fast.rows_read)).toFixed(3) } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const mode of ['score', 'relabel', 'generate']) {
    const result = await judgeBench({ mode });
    if (argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
    else
      console.log(
        `${mode}: ${result.requests} requests at ` +
          `concurrency ${result.concurrency}, ${result.latency_ms} ms server ` +
          `latency: ${result.requests_per_s} req/s = ${result.fraction_of_ideal}` +
          ` of ideal ${result.ideal_requests_per_s} (after ` +
          `the first ` +
          `second ${result.steady_fraction_of_ideal ?? '?'}); ` +
          `radpo CPU ${result.cpu_ms_per_request ?? '?'} ms/request` +
          (result.fast_path_share === undefined ? '' : `; fast path wrote ${100 * result.fast_path_share}% of records`),
      );
  }
}
