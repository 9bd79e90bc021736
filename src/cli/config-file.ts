/**
 * `--config FILE`: flags written once for a pipeline, in JSON or YAML. Keys are the long flag names
 * (`prompt-col: question`, `no-cache: true`); a flag on the command line wins over the file; every value
 * is parsed exactly as the same flag typed; an unknown key is a usage error naming it.
 */
import { readFlagFile } from '../io/files.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { usageError } from '../core/errors.js';
import { attributeName, longName, type FlagTable } from './flags.js';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const ConfigFile = z.record(z.string(), z.union([Scalar, z.array(z.union([z.string(), z.number()]))]));

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
  const result = ConfigFile.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `key "${issue.path.join('.')}"` : 'the file';
    throw usageError(
      `--config ${path}: ${where} is not a flag value (${issue.message})`,
      'the file maps long flag names to strings, numbers, booleans or lists, e.g. prompt-col: question',
    );
  }
  return result.data;
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
  const byName = new Map<string, { attribute: string; negated: boolean; takesValue: boolean; repeatable: boolean }>();
  for (const flag of Object.values(table)) {
    const attribute = attributeName(flag.flags);
    byName.set(longName(flag.flags).slice(2), {
      attribute,
      negated: /^--no-/.test(longName(flag.flags)),
      takesValue: /[<[]/.test(flag.flags),
      repeatable: flag.repeatable === true,
    });
    if (flag.negation)
      byName.set(longName(flag.negation.flags).slice(2), {
        attribute,
        negated: true,
        takesValue: false,
        repeatable: false,
      });
  }
  const set = new Set<string>();
  for (const [key, value] of Object.entries(values)) {
    const name = key.replace(/^--/, '');
    const flag = byName.get(name);
    if (!flag || name === 'config')
      throw usageError(
        `--config ${path}: unknown key "${key}": radpo ${cmd.name()} has no --${name} flag`,
        `the keys are long flag names, e.g. ${[...byName.keys()]
          .filter((k) => k !== 'config')
          .slice(0, 3)
          .join(', ')}`,
      );
    if (cmd.getOptionValueSource(flag.attribute) === 'cli') continue;
    if (!flag.takesValue) {
      if (typeof value !== 'boolean')
        throw usageError(`--config ${path}: key "${key}" is a switch: true or false, got ${JSON.stringify(value)}`);
      if (value) raw[flag.attribute] = !flag.negated;
    } else if (flag.repeatable) {
      raw[flag.attribute] = (Array.isArray(value) ? value : [value]).map(String);
    } else {
      if (Array.isArray(value) || typeof value === 'boolean')
        throw usageError(`--config ${path}: key "${key}" takes one value, got ${JSON.stringify(value)}`);
      raw[flag.attribute] = String(value);
    }
    set.add(flag.attribute);
  }
  return set;
}
