import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openBytes } from '../../src/io/bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'radpo-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every chunk openBytes gives for a source, in order. */
async function chunksOf(source: string, stdin: Readable): Promise<Buffer[]> {
  const { bytes } = await openBytes(source, stdin);
  const out: Buffer[] = [];
  for await (const chunk of bytes) out.push(chunk);
  return out;
}

describe('openBytes on stdin', () => {
  // 3 MB of lines, so reading crosses several chunks of either size.
  const data = Buffer.from(
    Array.from({ length: 60_000 }, (_, i) => `{"row":${i},"text":"${'é'.repeat(20)}"}\n`).join(''),
  );
  const file = join(dir, 'input.jsonl');
  writeFileSync(file, data);

  it('a regular file (radpo … < file) is read from where the shell left it, in full, in large chunks', async () => {
    const fd = openSync(file, 'r');
    try {
      // What a shell's `read` leaves behind: the descriptor's offset past the first bytes.
      const skipped = readSync(fd, Buffer.alloc(1000), 0, 1000, null);
      // Node's own stdin on a regular file: an fs stream on descriptor 0 that does not close it.
      const stdin = createReadStream('', { fd, autoClose: false });
      const chunks = await chunksOf('-', stdin);
      expect(Buffer.concat(chunks).equals(data.subarray(skipped))).toBe(true);
      expect(Math.max(...chunks.map((c) => c.length))).toBeGreaterThan(1 << 16);
    } finally {
      closeSync(fd);
    }
  });

  it('any other stream (a pipe, a caller’s stream) is read as it comes', async () => {
    const pieces = [data.subarray(0, 10), data.subarray(10)];
    const chunks = await chunksOf('-', Readable.from(pieces));
    expect(chunks.map((c) => c.length)).toEqual(pieces.map((p) => p.length));
  });
});
