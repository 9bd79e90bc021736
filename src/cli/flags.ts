/**
 * The flag kit. A command declares its flags once, as a table of `Flag`s; from that one table come the
 * commander options (help text, choices, defaults, help groups) and the typed, validated config the
 * command runs with (`FlagValues<typeof table>`), so a flag without a config field, or a field without a
 * flag, cannot compile. Every value is parsed literally here (changesets: "do not be smart and auto cast")
 * and a bad one is a usage error that names the flag, what it expects and what it got.
 *
 * Loaded by every start of radpo: it imports nothing heavy (no zod, no I/O).
 */
import { Option, type Command } from 'commander';
import { type RadpoError, ValueError, usageError } from '../core/errors.js';
import { parsePath, type Path } from '../core/path.js';

/** Help headings, in the order they print. */
const HELP_GROUPS = {
  input: 'Input:',
  columns: 'Columns and scores:',
  goal: 'Goal:',
  output: 'Output:',
  errors: 'Errors and reports:',
  judge: 'Judge:',
  performance: 'Performance:',
  figures: 'Figures:',
  gates: 'Gates (exit 1 when a figure fails its bound):',
} as const;
type HelpGroup = keyof typeof HELP_GROUPS;

/** What commander hands over for one flag. */
type RawValue = string | boolean | string[] | undefined;

export interface Flag<T> {
  /** Commander syntax: '-o, --output <file>', '--json', '--no-color'. */
  readonly flags: string;
  readonly description: string;
  readonly group?: HelpGroup;
  readonly choices?: readonly string[];
  /** The default as a user would type it, written once: shown in help and parsed like a typed value. */
  readonly default?: string;
  /** Repeatable: every occurrence is kept, in order (--attr a --attr b). */
  readonly repeatable?: boolean;
  /**
   * A repeatable flag's check of one value (throws ValueError): a --config file's list is refused naming the
   * entry, as a single value is; the command still parses the list where it uses it.
   */
  readonly item?: (text: string) => unknown;
  /** A second spelling that sets the same value to false ('--no-cache' beside '--cache <file>'). */
  readonly negation?: { flags: string; description: string };
  /** Turn commander's raw value into the config value; throws ValueError (worded here) or a usage error. */
  readonly parse: (raw: RawValue) => T;
}

// A table holds flags of every value type; FlagValues recovers each one's type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type FlagTable = Readonly<Record<string, Flag<any>>>;
/** The typed config a table yields: one field per flag, of the type its parser returns. */
export type FlagValues<T extends FlagTable> = { -readonly [K in keyof T]: T[K] extends Flag<infer V> ? V : never };

type Extra = { group?: HelpGroup };

const asText = (raw: RawValue): string | undefined => (typeof raw === 'string' ? raw : undefined);

/** A string flag. With a default, its value is always a string. */
export function text(flags: string, description: string, extra: Extra & { default: string }): Flag<string>;
export function text(flags: string, description: string, extra?: Extra): Flag<string | undefined>;
export function text(
  flags: string,
  description: string,
  extra: Extra & { default?: string } = {},
): Flag<string | undefined> {
  return { flags, description, ...extra, parse: asText };
}

/** One of a fixed list (imported from the module that defines the list, never retyped). */
export function choice<C extends string>(
  flags: string,
  description: string,
  choices: readonly C[],
  extra: Extra & { default: C },
): Flag<C>;
export function choice<C extends string>(
  flags: string,
  description: string,
  choices: readonly C[],
  extra?: Extra,
): Flag<C | undefined>;
export function choice<C extends string>(
  flags: string,
  description: string,
  choices: readonly C[],
  extra: Extra & { default?: C } = {},
): Flag<C | undefined> {
  return {
    flags,
    description,
    choices,
    ...extra,
    // Commander checks a typed value against the list too; this check holds for every other source of raw values.
    parse: (raw) => {
      const value = asText(raw);
      if (value !== undefined && !(choices as readonly string[]).includes(value))
        throw flagError(longName(flags), new ValueError(value, `one of ${choices.join(', ')}`));
      return value as C | undefined;
    },
  };
}

/** A flag that is on or off ('--json'; '--no-color' is on unless given). */
export function bool(flags: string, description: string, extra: Extra = {}): Flag<boolean> {
  const negated = /^--no-/.test(flags);
  return { flags, description, ...extra, parse: (raw) => (negated ? raw !== false : raw === true) };
}

/** A repeatable string flag: every value, in order ([] when absent). */
export function list(
  flags: string,
  description: string,
  extra: Extra & { item?: (text: string) => unknown } = {},
): Flag<string[]> {
  return { flags, description, ...extra, repeatable: true, parse: (raw) => (Array.isArray(raw) ? raw : []) };
}

/**
 * A flag whose text is parsed into a value by `parse` (a count, a size, a scale, a path…). With a
 * default the value is always there; without one it is undefined when the flag is absent.
 */
export function parsed<T>(
  flags: string,
  description: string,
  parse: (text: string) => T,
  extra: Extra & { default: string },
): Flag<T>;
export function parsed<T>(
  flags: string,
  description: string,
  parse: (text: string) => T,
  extra?: Extra,
): Flag<T | undefined>;
export function parsed<T>(
  flags: string,
  description: string,
  parse: (text: string) => T,
  extra: Extra & { default?: string } = {},
): Flag<T | undefined> {
  const name = longName(flags);
  return {
    flags,
    description,
    ...extra,
    parse: (raw) => {
      const value = asText(raw);
      if (value === undefined) return undefined;
      try {
        return parse(value);
      } catch (err) {
        if (err instanceof ValueError) throw flagError(name, err);
        throw err;
      }
    },
  };
}

/**
 * A value that did not parse, as the usage error of the flag that gave it: '--scale expects MIN-MAX such
 * as 1-10, got "x"', or '--shard "9/3": K must be from 1 to N'.
 */
export function flagError(flag: string, err: ValueError): RadpoError {
  const given = err.text === '' ? '' : ` "${err.text}"`;
  const message = err.problem ? `${flag}${given}: ${err.problem}` : `${flag} expects ${err.expected}, got${given}`;
  // The value's own complaint stays reachable: a --config file words it as its own (cli/config-file.ts).
  return Object.assign(usageError(message, err.hint), { cause: err });
}

/**
 * A whole number ≥ 0. Past 2^53 a JavaScript number no longer holds every whole number, so '9007199254740993'
 * would be read as ...992: a seed or a count a user typed would silently become another one.
 */
function parseCount(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new ValueError(text, 'a whole number');
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value))
    throw new ValueError(text, undefined, `past ${Number.MAX_SAFE_INTEGER}, the largest whole number kept exactly`);
  return value;
}

/**
 * A number as people write one in decimal: an optional sign, digits with an optional point, an optional
 * exponent. JavaScript's Number() also reads '0x10' (16), '0b11', '0o17', 'Infinity' and '' (0); a flag
 * reads none of them, so a value never means something other than what it shows.
 */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(text: string): number {
  const trimmed = text.trim();
  const expected = 'a decimal number such as 0.5, 2 or 1e-3';
  if (!DECIMAL.test(trimmed)) {
    const other = Number(trimmed);
    // Say what the other notation would have meant: the value was probably typed on purpose.
    if (/^[+-]?0[xXbBoO]/.test(trimmed) && Number.isFinite(other))
      throw new ValueError(text, expected, `not a decimal number (write ${other} if that is meant)`);
    throw new ValueError(text, expected);
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) throw new ValueError(text, expected, 'too large to be a finite number');
  return value;
}

/** A finite number ≥ 0 (a score gap, a rate bound). */
export function parseNonNegative(text: string): number {
  const value = parseNumber(text);
  if (value < 0) throw new ValueError(text, 'a number of at least 0');
  return value;
}

/** A probability mass above 0 and at most 1 (nucleus sampling's top-p: 0 keeps no token). */
export function parseTopP(text: string): number {
  const value = parseNumber(text);
  if (!(value > 0 && value <= 1)) throw new ValueError(text, 'a share above 0 and at most 1, such as 0.95');
  return value;
}

/** A share between 0 and 1 (a target or a bound on a rate). */
export function parseRate(text: string): number {
  const value = parseNonNegative(text);
  if (value > 1) throw new ValueError(text, 'a share from 0 to 1 (0.8, not 80)');
  return value;
}

export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]i?[bB]?|[bB])?\s*$/.exec(text);
  if (!match) throw new ValueError(text, 'a size such as 1048576, 512K, 64M or 1G');
  const unit = (match[2] ?? '').toUpperCase()[0];
  const factor = unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1;
  const bytes = Math.floor(Number(match[1]) * factor);
  if (bytes < 1) throw new ValueError(text, undefined, 'must be at least 1 byte');
  return bytes;
}

/** A whole number within [min, max]. */
export function parseInRange(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = parseCount(text);
    if (value < min || value > max) throw new ValueError(text, undefined, `must be from ${min} to ${max}`);
    return value;
  };
}

export function count(flags: string, description: string, extra: Extra & { default: string }): Flag<number>;
export function count(flags: string, description: string, extra?: Extra): Flag<number | undefined>;
export function count(
  flags: string,
  description: string,
  extra: Extra & { default?: string } = {},
): Flag<number | undefined> {
  return parsed(flags, description, parseCount, extra);
}

/** A column: a name, or a dotted path into nested objects. */
export function path(flags: string, description: string, extra: Extra = {}): Flag<Path | undefined> {
  return parsed(flags, description, parsePath, extra);
}

/** '-o, --output <file>' → '--output'. */
export function longName(flags: string): string {
  return /--[a-z][a-z0-9-]*/.exec(flags)?.[0] ?? flags;
}

/** The key commander stores a flag's value under ('--max-line-bytes' → 'maxLineBytes', '--no-cache' → 'cache'). */
export function attributeName(flags: string): string {
  return new Option(flags).attributeName();
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Add a table's flags to a commander command, each under its help group. */
export function addFlags(cmd: Command, table: FlagTable): Command {
  for (const flag of Object.values(table)) {
    const option = new Option(flag.flags, flag.description);
    if (flag.choices) option.choices(flag.choices);
    // Defaults print as typed (16, not "16"); the parser sees them as if typed.
    if (flag.default !== undefined) option.default(flag.default, flag.default);
    if (flag.repeatable) option.argParser(collect);
    if (flag.group) option.helpGroup(HELP_GROUPS[flag.group]);
    cmd.addOption(option);
    if (flag.negation) {
      const negation = new Option(flag.negation.flags, flag.negation.description);
      if (flag.group) negation.helpGroup(HELP_GROUPS[flag.group]);
      cmd.addOption(negation);
    }
  }
  return cmd;
}

/** Commander's raw values → the typed config, flag by flag; the first bad value is a usage error. */
export function parseFlags<T extends FlagTable>(table: T, raw: Record<string, unknown>): FlagValues<T> {
  const out: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(table)) out[key] = flag.parse(raw[attributeName(flag.flags)] as RawValue);
  return out as FlagValues<T>;
}
