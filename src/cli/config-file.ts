/**
 * `--config FILE`: flags written once for a pipeline, in JSON or YAML. Keys are the long flag names
 * (`prompt-col: question`, `no-cache: true`); a flag on the command line wins over the file; every value
 * is parsed exactly as the same flag typed; an unknown key is a usage error naming it.
 */
import { readFlagFile } from '../io/files.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { usageError, ValueError } from '../core/errors.js';
import { attributeName, type Flag, type FlagTable, longName } from './flags.js';
import { parseFileData } from '../io/file-schema.js';

async function readConfig(path: string): Promise<Record<string, unknown>> {
  const text = readFlagFile('--config', path);
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(path) ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (err) {
    throw usageError(
      `--config ${path}` +
        `: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`,
    );
  }
  if (parsed === null || parsed === undefined) return {};
  return parseFileData(
    z.record(z.string(), z.unknown()),
    parsed,
    `--config ${path}`,
    'the file maps long flag names to values, e.g. prompt-col: question',
  );
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds flags of every value type
type AnyFlag = Flag<any>;

const TEXT = z.union([z.string(), z.number()], { error: 'a string or a number' });

/** A value the flag's own parser accepts, given as text (as typed); its complaint is what is expected. */
function parsedBy(parse: (text: string) => unknown): z.ZodType {
  return TEXT.superRefine((value, ctx) => {
    try {
      parse(String(value));
    } catch (err) {
      // A flag's parser wraps its ValueError in the usage error naming the flag; an item check throws it bare.
      const problem = err instanceof ValueError ? err : (err as { cause?: unknown }).cause;
      if (!(problem instanceof ValueError)) throw err;
      ctx.addIssue(
        problem.expected !== undefined
          ? { code: 'custom', message: problem.expected }
          : { code: 'custom', message: problem.problem ?? 'not a value of this flag', params: { problem: true } },
      );
    }
  });
}

/** What the file may say for one flag: a switch is true or false, a choice one of its list, else as typed. */
function valueSchema(flag: AnyFlag, negation: boolean): z.ZodType {
  if (negation || !/[<[]/.test(flag.flags)) return z.boolean();
  if (flag.choices) return z.enum(flag.choices as [string, ...string[]]);
  if (flag.repeatable && flag.item) {
    // One value or a list of them, each checked as typed: a bad entry is named by its place in the list.
    const one = parsedBy(flag.item);
    return z.union([one, z.array(one)], { error: 'a string, a number or a list of them' });
  }
  if (flag.repeatable) return z.union([TEXT, z.array(TEXT)], { error: 'a string, a number or a list of them' });
  return parsedBy(flag.parse);
}

/**
 * Merge the file into commander's raw values for the flags the command line left alone. Returns the
 * attribute names the file set (they count as given, like flags typed).
 */
export async function applyConfigFile(
  path: string,
  table: FlagTable,
  cmd: Command,
  raw: Record<string, unknown>,
): Promise<Set<string>> {
  const values = await readConfig(path);
  const byName = new Map<
    string,
    { attribute: string; negated: boolean; takesValue: boolean; repeatable: boolean; schema: z.ZodType }
  >();
  for (const flag of Object.values(table)) {
    const attribute = attributeName(flag.flags);
    byName.set(longName(flag.flags).slice(2), {
      attribute,
      negated: /^--no-/.test(longName(flag.flags)),
      takesValue: /[<[]/.test(flag.flags),
      repeatable: flag.repeatable === true,
      schema: valueSchema(flag, false),
    });
    if (flag.negation)
      byName.set(longName(flag.negation.flags).slice(2), {
        attribute,
        negated: true,
        takesValue: false,
        repeatable: false,
        schema: valueSchema(flag, true),
      });
  }
  const set = new Set<string>();
  for (const [key, value] of Object.entries(values)) {
    const name = key.replace(/^--/, '');
    const flag = byName.get(name);
    if (!flag || name === 'config') {
      const names = [...byName.keys()].filter((k) => k !== 'config');
      const near = nearestName(name, names);
      throw usageError(
        `--config ${path}: unknown key "${key}": radpo ${cmd.name()} has no --${name} flag`,
        near === undefined
          ? `the keys are long flag names, e.g. ${names.slice(0, 3).join(', ')}`
          : `did you mean "${near}"? (the keys are long flag names, as typed after --)`,
      );
    }
    if (cmd.getOptionValueSource(flag.attribute) === 'cli') continue;
    // Refused as the same value typed after the flag would be: a bad choice or number never runs.
    parseFileData(z.object({ [key]: flag.schema }), { [key]: value }, `--config ${path}`);
    if (!flag.takesValue) {
      if (value) raw[flag.attribute] = !flag.negated;
    } else if (flag.repeatable) {
      raw[flag.attribute] = (Array.isArray(value) ? value : [value]).map(String);
    } else {
      raw[flag.attribute] = String(value);
    }
    set.add(flag.attribute);
  }
  return set;
}

/**
 * The flag a mistyped key most likely meant: the same name in camelCase or snake_case (minGap, min_gap →
 * min-gap), else the one within two edits (at most a third of the key), if only one is that near.
 */
function nearestName(key: string, names: string[]): string | undefined {
  const kebab = key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
  if (names.includes(kebab)) return kebab;
  const bound = Math.min(2, Math.floor(kebab.length / 3));
  const near = names.filter((n) => editDistance(kebab, n) <= bound);
  return near.length === 1 ? near[0] : undefined;
}

/** Levenshtein distance with adjacent swaps counted as one edit (the typo people make). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}
