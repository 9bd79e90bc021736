import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseBenchArgs, USAGE } from '../../bench/args.mjs';

const root = join(import.meta.dirname, '..', '..');

describe('bench flags', () => {
  it.each([
    [[], { mb: 200, runs: 3, only: [], sinks: ['null', 'file'], nodeLines: ['22', '24'], help: false }],
    [['--only', 'stdin', '--runs', '1', '--mb', '20'], { mb: 20, runs: 1, only: ['stdin'] }],
    [['--node-lines', ''], { nodeLines: [] }],
    [['--node-lines', '24'], { nodeLines: ['24'] }],
    [['--sinks', 'null'], { sinks: ['null'] }],
    [['--only', 'radpo,jq', '--json', '--flat'], { only: ['radpo', 'jq'], json: true, flat: true }],
    [['--large-group', '--audit', '--long'], { largeGroup: true, audit: true, long: true }],
    [['--help'], { help: true }],
    [['-h'], { help: true }],
  ])('%j', (argv, expected) => {
    expect(parseBenchArgs(argv)).toMatchObject(expected);
  });

  // Each of these once ran the whole default benchmark: the flag was ignored.
  it.each([
    [['--node-line', '22'], /node-line/],
    [['--only', 'stdn'], /no part named 'stdn'.*stdin/],
    [['--sinks', 'disk'], /--sinks/],
    [['--mb', 'big'], /--mb expects a positive whole number, found 'big'/],
    [['--runs', '0'], /--runs/],
    [['--node-lines', 'v22'], /--node-lines.*'v22'/],
    [['20'], /positional|argument/i],
  ])('%j is refused', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('the usage names every flag the parser reads', () => {
    for (const flag of ['--mb', '--runs', '--only', '--sinks', '--node-lines', '--flat', '--json', '--audit', '--long'])
      expect(USAGE).toContain(flag);
    expect(USAGE).toContain('--large-group');
  });

  // Subprocesses: --help and a bad flag end at once, before any data is generated or any command is timed.
  it('--help prints the usage on stdout and exits 0; an unknown flag exits 2 naming it', () => {
    const help = spawnSync(process.execPath, ['bench/run.mjs', '--help'], { cwd: root, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--node-lines');
    expect(help.stderr).toBe('');
    const bad = spawnSync(process.execPath, ['bench/run.mjs', '--bogus'], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^bench\/run\.mjs: .*--bogus/);
  });
});
