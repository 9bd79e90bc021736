/**
 * The command line: `main(argv, io)` builds commander from the command tables, runs one command and
 * returns the exit code. It never calls process.exit (bin/radpo.js does), so tests run it in-process.
 * This is the one place that turns errors and outcomes into messages and exit codes.
 */
import { Command, CommanderError } from 'commander';
import type { CommandSpec, Outcome } from './cli/command.js';
import { addFlags, attributeName, parseFlags, type FlagTable } from './cli/flags.js';
import { wordHint } from './cli/hints.js';
import { auditCommand } from './commands/audit/command.js';
import { checkCommand } from './commands/check/command.js';
import { completionCommand } from './commands/completion/command.js';
import { evalCommand } from './commands/eval/command.js';
import { generateCommand } from './commands/generate/command.js';
import { goalCommand } from './commands/goal/command.js';
import { inspectCommand } from './commands/inspect/command.js';
import { pairsCommand } from './commands/pairs/command.js';
import { relabelCommand } from './commands/relabel/command.js';
import { scoreCommand } from './commands/score/command.js';
import { RadpoError } from './core/errors.js';
import { useColor, type Io } from './io/io.js';
import { jsonRecord, printable } from './io/log.js';
import { Redactor, redactingStream } from './io/redact.js';
import { WRITE_ERRORS, writeError } from './io/write-errors.js';

export type { Io } from './io/io.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

/** Every command, in the order `radpo --help` lists them. */
export const COMMANDS: ReadonlyArray<CommandSpec<FlagTable>> = [
  relabelCommand,
  generateCommand,
  scoreCommand,
  pairsCommand,
  inspectCommand,
  auditCommand,
  evalCommand,
  checkCommand,
  goalCommand,
  completionCommand,
] as unknown as ReadonlyArray<CommandSpec<FlagTable>>;

const OUTCOME_EXIT: Record<Outcome, number> = { ok: EXIT_OK, failed: EXIT_FAILED, usage: EXIT_USAGE };

function exitCodeOf(err: RadpoError): number {
  if (err.code === 'interrupted') return EXIT_INTERRUPTED;
  return err.code === 'usage' ? EXIT_USAGE : EXIT_FAILED;
}

/** The parsed --no-color (from the command line or --config), for the error message printed after a run. */
interface Settings {
  color?: boolean;
  /** --log-format json: a fatal error is one JSON record, as the logs are. */
  json?: boolean;
}

/** Commander for every command; `schedule` receives the job of the command that was parsed. */
function buildProgram(
  io: Io,
  version: string,
  schedule: (job: () => Promise<Outcome>) => void,
  settings: Settings,
): Command {
  const program = new Command('radpo')
    .description('Reward-augmented preference data for DPO (arXiv 2410.08067)')
    .version(version, '-V, --version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .exitOverride();
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).description(spec.description);
    if (spec.argument) cmd.argument(spec.argument[0], spec.argument[1]);
    addFlags(cmd, spec.flags);
    if (spec.examples.length > 0)
      cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
    cmd.action((...received: unknown[]) => {
      // commander passes the arguments, then the options object, then the command.
      const args = spec.argument ? ([] as string[]).concat((received[0] as string | string[] | undefined) ?? []) : [];
      const raw = cmd.opts();
      schedule(async () => {
        // zod and the YAML parser load only when a config file is given: start-up stays light.
        const fromFile =
          typeof raw.config === 'string'
            ? await (await import('./cli/config-file.js')).applyConfigFile(raw.config, spec.flags, cmd, raw)
            : new Set<string>();
        // Read before the flags are checked: a bad flag value is reported in the format asked for too.
        settings.json = raw.logFormat === 'json';
        const flags = parseFlags(spec.flags, raw);
        settings.color = (flags as Settings).color;
        const { run } = await spec.load();
        const given = (key: string) => {
          const flag = spec.flags[key];
          if (flag === undefined) return false;
          const attribute = attributeName(flag.flags);
          return cmd.getOptionValueSource(attribute) === 'cli' || fromFile.has(attribute);
        };
        return run(args, flags, { io, version, help: () => cmd.helpInformation(), given, commands: COMMANDS });
      });
    });
  }
  return program;
}

/** Print an error the way every command does: one line, then what to do. */
function reportError(io: Io, err: unknown, settings: Settings = {}): number {
  const color = useColor(io, settings.color === false ? false : undefined);
  const label = color ? '\x1b[31merror\x1b[0m' : 'error';
  if (err instanceof RadpoError && settings.json) {
    const hint = err.hint === undefined ? undefined : wordHint(err.hint);
    io.stderr.write(jsonRecord('error', err.message, { code: err.code, hint, exit_code: exitCodeOf(err) }));
    return exitCodeOf(err);
  }
  if (err instanceof RadpoError) {
    // Messages quote data (column names, values, file names): printed through the terminal rule.
    io.stderr.write(`radpo: ${label}: ${printable(err.message)}\n`);
    if (err.hint !== undefined) io.stderr.write(`  hint: ${printable(wordHint(err.hint))}\n`);
    return exitCodeOf(err);
  }
  const e = err as NodeJS.ErrnoException;
  // The machine's failures (a full disk, a failing disk) are the run's, whoever met them first.
  if (e && typeof e.code === 'string' && e.code in WRITE_ERRORS)
    return reportError(io, writeError(e, e.path ?? 'a file'), settings);
  if (settings.json) {
    const msg = `internal error: ${e?.message ?? String(err)}`;
    io.stderr.write(jsonRecord('error', msg, { code: 'internal', stack: e?.stack, exit_code: EXIT_FAILED }));
    return EXIT_FAILED;
  }
  io.stderr.write(
    `radpo: ${label}: internal error: ${printable(e?.stack ?? String(err))}\n` +
      '  This is a bug in radpo; please report it with the command you ran.\n',
  );
  return EXIT_FAILED;
}

/** `version` comes from the caller (bin/radpo.js reads package.json), so nothing here reads files. */
export async function main(argv: readonly string[], given: Io, version: string): Promise<number> {
  // Every string radpo writes to stderr (messages, logs, the summary) passes the run's redactor.
  const secrets = new Redactor();
  const io: Io = { ...given, stderr: redactingStream(given.stderr, secrets), secrets, argv };
  let job: (() => Promise<Outcome>) | null = null;
  const settings: Settings = {};
  const program = buildProgram(
    io,
    version,
    (j) => {
      job = j;
    },
    settings,
  );
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return EXIT_OK;
      return EXIT_USAGE;
    }
    return reportError(io, err, settings);
  }
  if (!job) {
    io.stderr.write(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    return OUTCOME_EXIT[await (job as () => Promise<Outcome>)()];
  } catch (err) {
    return reportError(io, err, settings);
  }
}
