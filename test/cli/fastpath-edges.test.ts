/**
 * Review of issue 30 (rev30): inputs where the byte-level fast path's output differed from the plain path's
 * (RADPO_FAST_PATH=0, the oracle). Each row is written as Python's json.dumps or a hand-made file would.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { run, spawnRadpo, tempDir } from '../helpers.js';

/** A binarized row (prompt, prompt_id, chosen/rejected message lists), its JSON string bodies given raw. */
function row(chosen: string, rejected: string, promptId = 'p1'): string {
  const user = '{"content": "What is x?", "role": "user"}';
  return (
    `{"prompt": "What is x?", "prompt_id": "${promptId}", ` +
    `"chosen": [${user}, {"content": "${chosen}", "role": "assistant"}], ` +
    `"rejected": [${user}, {"content": "${rejected}", "role": "assistant"}], ` +
    '"messages": [], "score_chosen": 8.0, "score_rejected": 4.0}'
  );
}

async function both(lines: string[]) {
  const dir = tempDir();
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const args = ['relabel', input, '-q', '--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl')];
  const fast = await run(args);
  const plain = await run(args, { env: { RADPO_FAST_PATH: '0' } });
  return { fast, plain };
}

// The first row is parsed by the plain path (it fixes the shape): the row under test comes second.
const first = row('b'.repeat(200), 'c'.repeat(200));

it('the same response text written raw (127 bytes) and escaped (131 bytes) is identical on the fast path', async () => {
  // "aaa…é" as UTF-8 is 127 bytes (decoded to a string); as "aaa…\u00e9" 131 (kept as a raw slice): the fast
  // path compared a string with a placeholder and wrote a pair the plain path sets aside as identical_responses.
  const a = 'a'.repeat(125);
  const { fast, plain } = await both([first, row(`${a}é`, `${a}\\u00e9`)]);
  expect(plain.stdout.trim().split('\n')).toHaveLength(2);
  expect(fast.stdout).toBe(plain.stdout);
});

it('a source_id of 128 bytes or more is its text on the fast path, not a placeholder', async () => {
  // prompt_id becomes source_id; a long one was kept as a raw slice and spliced as "\u00000\u0000".
  const { fast, plain } = await both([first, row('d'.repeat(20), 'e'.repeat(20), 'x'.repeat(130))]);
  expect(plain.stdout).toContain(`"source_id":"${'x'.repeat(130)}"`);
  expect(fast.stdout).toBe(plain.stdout);
});

// A response whose text holds a backslash then "u0000" (JSON "\\u0000": text about C strings, escaped JSON) is
// serialized by JSON.stringify as \\u0000, and expandRaw takes the \u0000 in it for a placeholder's token.
it.each(['handbook', 'llamafactory', 'nemo', 'text'])(
  'a response with the text \\u0000 twice (%s) is written, not an internal error',
  async (format) => {
    // Two of them: the text between the "tokens" ends in a backslash, the id is NaN, undefined is written.
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${first}\n${row('a \\\\u00000\\\\u0000 b', 'e'.repeat(200))}\n`);
    const args = ['relabel', input, '-q', '--format', format];
    const fast = await run(args);
    const plain = await run(args, { env: { RADPO_FAST_PATH: '0' } });
    expect(plain.code).toBe(0);
    expect(fast.stderr).toBe(plain.stderr);
    expect(fast.stdout).toBe(plain.stdout);
  },
);

it('a response with the text \\u0000 once (--format handbook) does not loop until the heap is gone', () => {
  // One of them: no closing token (indexOf gives -1), `from` goes back to the token's own index, and expandRaw
  // pushes undefined forever. A child process with a small heap, so the loop cannot take the machine's memory.
  const dir = tempDir();
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, `${first}\n${row('write \\\\u0000 for NUL', 'e'.repeat(20))}\n`);
  const args = ['relabel', input, '-q', '--format', 'handbook'];
  const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=64' };
  const fast = spawnRadpo(args, { env });
  const plain = spawnRadpo(args, { env: { ...env, RADPO_FAST_PATH: '0' } });
  expect(plain.status).toBe(0);
  expect(fast.status).toBe(0);
  expect(fast.stdout).toBe(plain.stdout);
});

it('a line that is not UTF-8, in a batch for the worker threads, is a row error, not an internal error', async () => {
  // RelabelPool.submit reads r.bytes of every record in the batch; a record the reader refused (bad UTF-8, a
  // line over --max-line-bytes) has none. Only the batch's first record was checked (relabel-run.ts).
  const dir = tempDir();
  const input = join(dir, 'in.jsonl');
  const latin1 = Buffer.from(row('caf\u00e9', 'x'.repeat(20)), 'latin1');
  const good = Buffer.from(first);
  writeFileSync(input, Buffer.concat([good, Buffer.from('\n'), good, Buffer.from('\n'), latin1, Buffer.from('\n')]));
  const args = ['relabel', input, '-q', '--threads', '2'];
  const threaded = await run(args, { env: { RADPO_POOL_AFTER_BYTES: '0' } });
  const plain = await run(args, { env: { RADPO_FAST_PATH: '0' } });
  expect(plain.code).toBe(1);
  expect(plain.stderr).toContain('not valid UTF-8');
  expect(threaded.stderr).toBe(plain.stderr);
  expect(threaded.code).toBe(plain.code);
});

it('with worker threads, a bad row is the error reported, not a reader error from further on', async () => {
  // The plain path stops at line 4's bad row; with the pool the reader runs ahead, reaches the end of the
  // unclosed array and its error is thrown before the batch holding line 4 is drained.
  const dir = tempDir();
  const input = join(dir, 'in.json');
  const bad = row('tab\there', 'x');
  writeFileSync(input, `[\n${[first, first, bad, ...Array(20).fill(first)].join(',\n')}\n`);
  const args = ['relabel', input, '-q', '--threads', '2'];
  const threaded = await run(args, { env: { RADPO_POOL_AFTER_BYTES: '0' } });
  const plain = await run(args, { env: { RADPO_FAST_PATH: '0' } });
  expect(plain.stderr).toContain('in.json:4: not valid JSON');
  expect(threaded.stderr).toBe(plain.stderr);
  expect(threaded.code).toBe(plain.code);
});

it('a prompt turn whose role is 128 bytes or more keeps its role on the fast path, not a placeholder', async () => {
  // splice.ts writes a role with JSON.stringify (messageHead): a long one was a raw slice, spliced as "\u00000\u0000".
  const turns = (role: string) =>
    `{"content": "Some context", "role": "${role}"}, {"content": "What is x?", "role": "user"}`;
  const conversation = (role: string, answer: string) =>
    `{"prompt": "What is x?", "chosen": [${turns(role)}, {"content": "${answer}", "role": "assistant"}], ` +
    `"rejected": [${turns(role)}, {"content": "${answer}!", "role": "assistant"}], ` +
    '"score_chosen": 8.0, "score_rejected": 4.0}';
  const role = `developer_${'r'.repeat(130)}`;
  const { fast, plain } = await both([conversation('system', 'b'.repeat(200)), conversation(role, 'd'.repeat(20))]);
  expect(plain.stdout).toContain(`"role":"${role}"`);
  expect(fast.stdout).toBe(plain.stdout);
});
