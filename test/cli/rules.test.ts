/**
 * Rules between flags are written once (src/cli/rules.ts) and hold for every command: the places where
 * relabel and score used to disagree. Each rule is a table row against the command's config function
 * (test/commands/<name>/config.test.ts, milliseconds); what is left here runs the CLI for the behaviour
 * around a rule: where the rejects go, and that a usage error found on the files themselves exits 2.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonl, run, tempDir } from '../helpers.js';

// No request is made (the rows have scores), so no server and no pre-flight.
const JUDGE = [
  '--judge',
  'chat',
  '--judge-url',
  'http://127.0.0.1:9/v1',
  '--judge-model',
  'm',
  '--no-cache',
  '--no-preflight',
];

describe('score and relabel follow the same rules', () => {
  it('score --rejects - sends set-aside rows to stdout, as relabel does', async () => {
    const dir = tempDir();
    const input = join(dir, 'pairs.jsonl');
    // A malformed line is set aside before any judge request; the scored row needs none.
    writeFileSync(input, '{"prompt":"q","chosen":"a","rejected":"b","score_chosen":8,"score_rejected":3}\n{not json\n');
    const out = join(dir, 'scored.jsonl');
    const r = await run(['score', input, ...JUDGE, '--on-error', 'skip', '--rejects', '-', '-o', out, '-q']);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, '-'))).toBe(false);
    expect(existsSync(join(process.cwd(), '-'))).toBe(false);
    const rejects = parseJsonl(r.stdout);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ line: 2, reason: 'malformed_record' });
    expect(parseJsonl(readFileSync(out, 'utf8'))).toHaveLength(1);
  });

  it.each([['relabel'], ['score']])('%s refuses two outputs on one file', async (command) => {
    const r = await run([
      command,
      'x.jsonl',
      ...(command === 'score' ? JUDGE : []),
      '--on-error',
      'skip',
      '--rejects',
      'o.jsonl',
      '-o',
      'o.jsonl',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rejects names the same file as -o/);
  });
});
