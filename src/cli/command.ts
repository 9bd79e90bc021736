/**
 * What a command is: a name, its arguments, its flag table, examples for --help, and a lazily imported
 * run function that receives the table's typed values. src/main.ts turns these into commander commands.
 */
import type { Io } from '../io/io.js';
import type { FlagTable, FlagValues } from './flags.js';

export interface CommandContext {
  io: Io;
  version: string;
  /** The command's help text (printed when a command that reads stdin is run on a terminal without input). */
  help(): string;
  /** Was this flag given on the command line (rather than left at its default)? */
  given(key: string): boolean;
  /** Every command radpo has (for `radpo completion`). */
  commands: ReadonlyArray<CommandSpec<FlagTable>>;
}

/**
 * How a command ended when it did not throw: `failed` is a run that found problems in the data (radpo
 * check's findings), `usage` a command that could not start (help was printed). src/main.ts alone turns
 * outcomes and errors into exit codes.
 */
export type Outcome = 'ok' | 'failed' | 'usage';

export type RunCommand<T extends FlagTable> = (
  args: string[],
  flags: FlagValues<T>,
  ctx: CommandContext,
) => Promise<Outcome>;

export interface CommandSpec<T extends FlagTable> {
  name: string;
  description: string;
  /** Commander argument syntax and help: ['[inputs...]', 'JSONL, JSON, …'] or ['<output>', '…']. */
  argument?: readonly [string, string];
  flags: T;
  /** Shown at the end of --help. */
  examples: readonly string[];
  /** The run function, imported only when this command runs (so start-up loads no command's code). */
  load(): Promise<{ run: RunCommand<T> }>;
}

/** Identity, for inference: the run module's flags are typed from the same table. */
export function defineCommand<T extends FlagTable>(spec: CommandSpec<T>): CommandSpec<T> {
  return spec;
}
