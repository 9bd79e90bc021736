/**
 * The command line: `main(argv, io)` parses arguments, runs a command and returns the exit code.
 * It never calls process.exit (bin/radpo.js does), so tests run it in-process. This is the one place
 * that turns errors into messages and exit codes.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, RadpoError } from '../core/errors.js';
import { useColor, type Io } from './io.js';
import { addJudgeOptions } from './judge-flags.js';

export type { Io } from './io.js';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Options shared by every command that reads pairs (relabel, and later score/inspect). */
function addInputOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--input-format <format>', 'input format (default: from the extension, then from the content)').choices(['jsonl', 'json', 'csv', 'parquet']))
    .addOption(new Option('--schema <shape>', 'input shape (default: detected from the first record)').choices(['conversational', 'standard', 'implicit-conversational', 'implicit-string', 'sharegpt']))
    .option('--prompt-col <path>', 'column holding the prompt (string or message list)')
    .option('--chosen-col <path>', 'column holding the chosen response')
    .option('--rejected-col <path>', 'column holding the rejected response')
    .option('--system-col <path>', 'column holding a system prompt string')
    .option('--id-col <path>', 'column with the row id copied to source_id (default: id or prompt_id when present)')
    .option('--max-line-bytes <bytes>', 'longest record accepted, e.g. 16M (protects memory from a runaway line)', '64M');
}

function addErrorOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--on-error <policy>', 'fail: stop at the first bad row; skip: set it aside in --rejects and go on').choices(['fail', 'skip']).default('fail'))
    .option('--rejects <file>', 'JSONL file for set-aside rows: source, line, reason, message, raw row')
    .option('--max-errors <n>', 'with --on-error skip, stop when more than N rows fail')
    .option('--report <file>', 'write the run summary as JSON')
    .option('-q, --quiet', 'no summary or progress on stderr (errors still print)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('warn'))
    .addOption(new Option('--log-format <format>', 'log lines as text or as pino JSON').choices(['text', 'json']).default('text'))
    .option('--no-color', 'no colour on stderr (also NO_COLOR=1)');
}

export function buildProgram(io: Io, run: (job: () => Promise<number>) => void): Command {
  const program = new Command('radpo')
    .description('Reward-augmented preference data for DPO (arXiv 2410.08067)')
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .exitOverride();

  const relabel = program
    .command('relabel')
    .description('write two goal-conditioned copies of every preference pair (chosen-score goal; rejected-score goal, swapped)')
    .argument('[inputs...]', 'JSONL, JSON or CSV files, optionally .gz; "-" or nothing (with piped input) for stdin')
    .option('-o, --output <file>', 'output file ("-" = stdout); .jsonl, .json, .csv (optionally .gz) or .parquet', '-')
    .option('--gzip-level <1-9>', 'compression of .gz output: 1 is fastest (default), 9 smallest')
    .addOption(new Option('--output-format <format>', 'output file format (default: from the -o extension)').choices(['jsonl', 'json', 'csv', 'parquet']))
    .addOption(new Option('--format <layout>', 'row layout for the trainer').choices(['trl', 'handbook', 'llamafactory', 'axolotl', 'nemo', 'text']).default('trl'))
    .option('--print-config', 'after writing -o FILE, print the config snippet that points the trainer at it (stdout)')
    .addOption(new Option('--placement <where>', 'system: goal in the system message; user: in front of the first user message; auto: what --chat-template supports').choices(['system', 'user', 'auto']).default('system'))
    .option('--chat-template <file>', "check the written file with the model's chat template (.jinja or tokenizer_config.json); exit 1 on errors")
    .addOption(new Option('--order <order>', 'interleave: the two copies of a pair together; concat: all chosen-goal copies, then all rejected-goal copies').choices(['interleave', 'concat']).default('interleave'))
    .option('--goal-template <file>', 'goal text with {score} (or {NAME} per --attr) placeholders, instead of the paper\'s')
    .option('--scale <min-max>', 'score scale named in the goal text', '1-10')
    .addOption(new Option('--ties <policy>', 'pairs whose scores are equal').choices(['keep', 'drop']).default('keep'))
    .option('--allow-empty', 'write pairs with an empty response instead of failing them')
    .addOption(new Option('--identical <policy>', 'pairs whose chosen and rejected text are the same').choices(['drop', 'keep']).default('drop'))
    .option('--chosen-score-col <path>', 'chosen score column; dotted paths reach into objects (metadata.score_chosen)')
    .option('--rejected-score-col <path>', 'rejected score column')
    .option('--attr <NAME=CHOSEN,REJECTED>', 'a goal attribute and its two score columns; repeat for several, in goal order', collect)
    .option('--scores <file>', 'a separate scores file joined to the input by --key')
    .option('--key <path>', 'the join column for --scores')
    .option('--shard <K/N>', 'only the K-th of N deterministic slices of the input (by prompt hash)')
    .option('--threads <n>', 'worker threads for large JSON inputs (default 0: measured no faster on 2 cores)');
  addInputOptions(relabel);
  addErrorOptions(relabel);
  addJudgeOptions(relabel);
  relabel.action((inputs: string[], options: Record<string, unknown>) => {
    run(async () => {
      const { relabelCommand } = await import('./relabel-command.js');
      return relabelCommand(inputs, options, io, () => relabel.helpInformation(), relabel.getOptionValueSource('scale') === 'cli');
    });
  });

  const score = program
    .command('score')
    .description('attach judge scores (an LLM judge or a reward model) to preference pairs, in input order')
    .argument('[inputs...]', 'JSONL, JSON, CSV (optionally .gz) or Parquet files; "-" for stdin')
    .option('-o, --output <file>', 'output file ("-" = stdout)', '-')
    .addOption(new Option('--output-format <format>', 'output file format (default: from the -o extension)').choices(['jsonl', 'json', 'csv', 'parquet']))
    .option('--chosen-score-col <path>', 'where to write the chosen score (default: existing score columns, else score_chosen)')
    .option('--rejected-score-col <path>', 'where to write the rejected score (default: existing, else score_rejected)')
    .option('--scale <min-max>', 'goal scale that reward-model scores are mapped onto (default 1-10; a chat judge uses its rubric\'s)');
  addInputOptions(score);
  addErrorOptions(score);
  addJudgeOptions(score);
  score.action((inputs: string[], options: Record<string, unknown>) => {
    run(async () => {
      const { scoreCommand } = await import('./score-command.js');
      return scoreCommand(inputs, options, io, () => score.helpInformation(), score.getOptionValueSource('scale') === 'cli');
    });
  });

  const inspect = program
    .command('inspect')
    .description('what a preference dataset holds: shape, score columns, histograms, ties, duplicates, lengths')
    .argument('[inputs...]', 'JSONL, JSON or CSV files, optionally .gz; "-" for stdin')
    .option('--chosen-score-col <path>', 'chosen score column')
    .option('--rejected-score-col <path>', 'rejected score column')
    .option('--attr <NAME=CHOSEN,REJECTED>', 'attribute score columns (histograms show the first)', collect)
    .option('--json', 'print the report as JSON');
  addInputOptions(inspect);
  inspect.action((inputs: string[], options: Record<string, unknown>) => {
    run(async () => {
      const { inspectCommand } = await import('./inspect-command.js');
      return inspectCommand(inputs, options, io, () => inspect.helpInformation());
    });
  });

  const check = program
    .command('check')
    .description("render relabeled rows with the model's chat template and report what would break training")
    .argument('<output>', 'a file written by radpo relabel (any --format)')
    .option('--chat-template <file>', "the model's chat template: a .jinja file or its tokenizer_config.json")
    .option('--bos-token <text>', 'bos_token for a .jinja template (tokenizer_config.json carries its own)')
    .option('--eos-token <text>', 'eos_token for a .jinja template')
    .option('--sample <n>', 'check N rows (a fixed, seeded sample) instead of all')
    .option('--max-prompt-length <n>', 'prompt budget of the trainer (the paper\'s recipes: 512)', '512')
    .option('--max-length <n>', 'prompt + response budget (the paper\'s recipes: 1024)', '1024')
    .option('--tokenizer <file>', "the model's tokenizer.json: count tokens instead of estimating 4 characters each")
    .option('--goal-template <file>', 'the goal template used when relabeling')
    .option('--scale <min-max>', 'the scale used when relabeling', '1-10')
    .option('--attr <NAME>', 'attribute names used when relabeling, in order (NAME or NAME=C,R)', collect)
    .option('--max-listed <n>', 'row numbers listed per finding', '10')
    .option('--json', 'print the report as JSON');
  check.action((input: string, options: Record<string, unknown>) => {
    run(async () => {
      const { checkCommand } = await import('./check-command.js');
      return checkCommand(input, options, io);
    });
  });

  const goal = program
    .command('goal')
    .description('print the goal text exactly as training used it (for inference and evaluation)')
    .option('--score <n>', 'the target score (the top of the scale at inference)')
    .option('--attr-score <NAME=N>', 'a target attribute score; repeat for several, in training order', collect)
    .addOption(new Option('--placement <where>', 'as in relabel').choices(['system', 'user']).default('system'))
    .option('--goal-template <file>', 'as in relabel')
    .option('--scale <min-max>', 'as in relabel', '1-10')
    .option('--prompt <text>', 'with --json: the user question, so the message list is complete')
    .option('--json', 'print the message list to prepend (JSON) instead of the text');
  goal.action((options: Record<string, unknown>) => {
    run(async () => {
      const { goalCommand } = await import('./goal-command.js');
      return goalCommand(options, io);
    });
  });
  return program;
}

/** Print an error the way every command does: one line, then what to do. */
export function reportError(io: Io, err: unknown, colorFlag?: boolean): number {
  const color = useColor(io, colorFlag);
  const label = color ? '\x1b[31merror\x1b[0m' : 'error';
  if (err instanceof RadpoError) {
    io.stderr.write(`radpo: ${label}: ${err.message}\n`);
    if (err.hint) io.stderr.write(`  hint: ${err.hint}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  io.stderr.write(`radpo: ${label}: internal error: ${e?.stack ?? String(err)}\n  This is a bug in radpo; please report it with the command you ran.\n`);
  return EXIT_FAILED;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let job: (() => Promise<number>) | null = null;
  const program = buildProgram(io, (j) => {
    job = j;
  });
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      if (err.code === 'commander.executeSubCommandAsync') return EXIT_FAILED;
      return EXIT_USAGE;
    }
    return reportError(io, err);
  }
  if (!job) {
    io.stderr.write(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    return await (job as () => Promise<number>)();
  } catch (err) {
    return reportError(io, err, argv.includes('--no-color') ? false : undefined);
  }
}
