/**
 * One table per command: every commander option comes from a table entry and every entry yields an
 * option, one value each (the compiler types the config from the same table, so a flag without a field
 * or a field without a flag does not compile).
 */
import { Command } from 'commander';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  addFlags,
  attributeName,
  bool,
  parseFlags,
  text,
  type FlagTable,
  type FlagValues,
} from '../../src/cli/flags.js';
import type { relabelFlags } from '../../src/commands/relabel/flags.js';
import { COMMANDS } from '../../src/main.js';
import { run, UF1000 as SAMPLE } from '../helpers.js';

/** What would make a table lie: two entries on one value, an option no entry owns, an entry with no option. */
function tableProblems(table: FlagTable): string[] {
  const problems: string[] = [];
  const owner = new Map<string, string>();
  for (const [key, flag] of Object.entries(table)) {
    const attribute = attributeName(flag.flags);
    if (owner.has(attribute)) problems.push(`${key} and ${owner.get(attribute)} both set "${attribute}"`);
    owner.set(attribute, key);
  }
  const cmd = addFlags(new Command('x'), table);
  for (const option of cmd.options)
    if (!owner.has(option.attributeName())) problems.push(`option ${option.flags} has no entry`);
  const options = new Set(cmd.options.map((o) => o.attributeName()));
  for (const [attribute, key] of owner) if (!options.has(attribute)) problems.push(`${key} has no option`);
  return problems;
}

describe('flag tables', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    '%s: every option has one entry and every entry one option',
    (_name, spec) => {
      expect(tableProblems(spec.flags)).toEqual([]);
      const cmd = addFlags(new Command(spec.name), spec.flags);
      expect(Object.keys(parseFlags(spec.flags, cmd.opts())).sort()).toEqual(Object.keys(spec.flags).sort());
    },
  );

  it('finds two entries that set the same value', () => {
    expect(tableProblems({ a: text('--out <f>', ''), b: bool('--no-out', '') })).toEqual(['b and a both set "out"']);
  });

  it("types the config from the table: one field per flag, of its parser's type", () => {
    type Relabel = FlagValues<typeof relabelFlags>;
    expectTypeOf<keyof Relabel>().toEqualTypeOf<keyof typeof relabelFlags>();
    expectTypeOf<Relabel['threads']>().toEqualTypeOf<number | 'auto'>();
    expectTypeOf<Relabel['onError']>().toEqualTypeOf<'fail' | 'skip'>();
    expectTypeOf<Relabel['attr']>().toEqualTypeOf<string[]>();
    expectTypeOf<Relabel['cache']>().toEqualTypeOf<string | null | undefined>();
  });

  it('parses defaults like typed values and names the flag in a bad one', () => {
    const relabel = COMMANDS.find((c) => c.name === 'relabel')!;
    const cmd = addFlags(new Command('relabel'), relabel.flags);
    const values = parseFlags(relabel.flags, cmd.opts()) as Record<string, unknown>;
    expect(values.scale).toEqual({ min: 1, max: 10 });
    expect(values.maxLineBytes).toBe(64 * 1024 * 1024);
    expect(values.color).toBe(true);
    expect(() => parseFlags(relabel.flags, { ...cmd.opts(), shard: '4/3' })).toThrow(
      /--shard "4\/3": K must be from 1 to N/,
    );
    expect(() => parseFlags(relabel.flags, { ...cmd.opts(), gzipLevel: '10' })).toThrow(
      /--gzip-level "10": must be from 1 to 9/,
    ); // A choice is checked by its own parser, not only by commander: values from a --config file pass here too.
    expect(() => parseFlags(relabel.flags, { ...cmd.opts(), onError: 'sometimes' })).toThrow(
      '--on-error expects one of fail, skip, got "sometimes"',
    );
  });
});

describe('numbers a flag cannot hold or a server cannot use are usage errors (exit 2), not values acted on', () => {
  it.each([
    // 2^53 + 1 reads as 2^53 in JavaScript: the seed sent would not be the seed typed.
    ['generate --seed past 2^53', ['generate', SAMPLE, '--seed', '9007199254740993'], '--seed "9007199254740993"'],
    [
      'score --seed past 2^53',
      ['score', SAMPLE, '--seed', '18446744073709551615'],
      'past 9007199254740991, the largest whole number kept exactly',
    ],
    ['relabel --threads 9999999999', ['relabel', SAMPLE, '--threads', '9999999999'], 'more than 256 worker threads'],
    [
      'generate --temperature -1',
      ['generate', SAMPLE, '--temperature', '-1'],
      '--temperature expects a number of at least 0, got "-1"',
    ],
    ['generate --top-p 1e3', ['generate', SAMPLE, '--top-p', '1e3'], 'above 0 and at most 1'],
    ['generate --top-p 0', ['generate', SAMPLE, '--top-p', '0'], '--top-p expects a share above 0'],
  ])('%s', async (_name, argv, message) => {
    const r = await run(argv);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });
});
