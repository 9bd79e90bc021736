/**
 * Inputs that lie or attack: a row nested 5000 levels deep among good rows (set aside, the run goes on,
 * in relabel, score and inspect); Parquet footers whose row counts are too small, negative or huge
 * (exit 1 naming the row group, never a hang or rows skipped in silence); a Git LFS pointer saved as
 * .parquet (named as such).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fakeServers } from '../judge-server.js';
import { FIXTURES, ROOT, spawnRadpo, parseJsonl, run, tempDir } from '../helpers.js';

const server = fakeServers();

/** Three good rows, one 5000 levels deep, three good rows. */
function withDeepRow(dir: string): string {
  const good = readFileSync(join(FIXTURES, 'trl_conversational.jsonl'), 'utf8').split('\n').slice(0, 3).join('\n');
  const deep =
    `{"prompt":"x","chosen":${'['.repeat(5000)}"a"${']'.repeat(5000)}` +
    `,"rejected":"b","score_chosen":8,"score_rejected":2}`;
  const path = join(dir, 'deep.jsonl');
  writeFileSync(path, `${good}\n${deep}\n${good}\n`);
  return path;
}

describe('a row nested 5000 levels deep', () => {
  it('relabel sets it aside as bad_field and writes the other six pairs', async () => {
    const dir = tempDir();
    const r = await run(['relabel', withDeepRow(dir), '--on-error', 'skip', '--rejects', join(dir, 'rej.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout)).toHaveLength(12);
    const [rejected] = parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'));
    expect(rejected).toMatchObject({ line: 4, reason: 'bad_field' });
    expect(rejected!.message).toMatch(/nested deeper than 1000 levels/);
  });

  it('score and inspect go on too', async () => {
    const dir = tempDir();
    const judge = await server();
    const input = withDeepRow(dir);
    const scored = await run([
      'score',
      input,
      '--judge',
      'chat',
      '--judge-url',
      judge.url,
      '--judge-model',
      'judge',
      '--rescore',
      '--no-cache',
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'rej.jsonl'),
    ]);
    expect(scored.code, scored.stderr).toBe(0);
    expect(parseJsonl(scored.stdout)).toHaveLength(6);
    const inspected = await run(['inspect', input]);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stdout).toMatch(/not readable: bad_field 1/);
  });
});

describe('Parquet footers that lie about their row counts', () => {
  /**
   * A Parquet file radpo wrote, with its footer rewritten by `patch` (hyparquet reads it, hyparquet-writer writes it).
   */
  async function patched(dir: string, name: string, patch: (metadata: any) => void): Promise<string> {
    const good = join(dir, 'good.parquet');
    if (spawnRadpo(['relabel', join(FIXTURES, 'trl_conversational.jsonl'), '-q', '-o', good]).status)
      throw new Error('could not write the Parquet file');
    const bytes = readFileSync(good);
    const footerLength = bytes.readUInt32LE(bytes.length - 8);
    const footerStart = bytes.length - 8 - footerLength;
    const { parquetMetadata } = await import('hyparquet');
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    patch(metadata);
    // The footer writer is hyparquet-writer's own (not in its package exports, so imported by path).
    const writerPath = join(ROOT, 'node_modules', 'hyparquet-writer', 'src', 'metadata.js');
    const { writeMetadata } = await import(pathToFileURL(writerPath).href);
    const { ByteWriter } = await import('hyparquet-writer');
    const footer = new ByteWriter();
    writeMetadata(footer, metadata);
    const body = Buffer.from(footer.getBuffer());
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(body.length, 0);
    tail.write('PAR1', 4);
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat([bytes.subarray(0, footerStart), body, tail]));
    return path;
  }

  it.each([
    ['too few rows', (m: any) => (m.row_groups[0].num_rows = m.row_groups[0].num_rows - 2n), /row group 1/],
    ['a negative count', (m: any) => (m.row_groups[0].num_rows = -5n), /row group 1 says it holds -5 rows/],
    ['ten million rows', (m: any) => (m.row_groups[0].num_rows = 10_000_000n), /row group 1/],
    [
      '2^40 rows, file and group alike',
      (m: any) => {
        m.row_groups[0].num_rows = 2n ** 40n;
        m.num_rows = 2n ** 40n;
      },
      /row group 1 says it holds 1099511627776 rows, but its column/,
    ],
  ])('%s: exit 1 naming the row group, at once', async (_name, patch, message) => {
    const dir = tempDir();
    const path = await patched(dir, 'lying.parquet', patch);
    const r = spawnRadpo(['relabel', path, '-o', join(dir, 'out.jsonl')], { timeout: 20_000 });
    expect(r.signal, 'no hang').toBeNull();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  const pointer =
    'version https://git-lfs.github.com/spec/v1\noid ' +
    'sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n';

  it('a Git LFS pointer saved as .parquet is named as such', async () => {
    const dir = tempDir();
    const path = join(dir, 'train.parquet');
    writeFileSync(path, pointer);
    const r = await run(['relabel', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is a Git LFS pointer, not the Parquet file itself/);
    expect(r.stderr).toMatch(/git lfs pull/);
  });

  it.each(['train.jsonl', 'train.parquet.lfs-pointer', 'train.csv'])(
    'a Git LFS pointer under any name (%s) is named as such, not read as a CSV of two rows',
    async (name) => {
      const dir = tempDir();
      const path = join(dir, name);
      writeFileSync(path, pointer);
      for (const command of ['relabel', 'inspect', 'audit']) {
        const r = await run([command, path]);
        expect(r.code, command).toBe(1);
        expect(r.stderr).toMatch(/is a Git LFS pointer, not the data itself/);
      }
    },
  );
});

describe('text that leaves radpo', () => {
  it('a lone surrogate (an unpaired escape) is bad_encoding on both parse paths; a pair is kept', async () => {
    const dir = tempDir();
    const path = join(dir, 'sur.jsonl');
    const row = (chosen: string) =>
      `{"prompt":"q","chosen":"${chosen}${'x'.repeat(300)}","rejected":"b","score_chosen":8,"score_rejected":2}`;
    writeFileSync(path, `${row('a\\ud800b')}\n${row('pair \\ud83d\\ude00')}\n`);
    for (const fastPath of ['1', '0']) {
      const r = await run(['relabel', path, '--on-error', 'skip', '--rejects', join(dir, `rej${fastPath}.jsonl`)], {
        env: { RADPO_FAST_PATH: fastPath },
      });
      expect(r.code, r.stderr).toBe(0);
      const rows = parseJsonl(r.stdout);
      expect(rows).toHaveLength(2);
      expect(rows[0]!.chosen[0].content.startsWith('pair 😀')).toBe(true);
      const [rejected] = parseJsonl(readFileSync(join(dir, `rej${fastPath}.jsonl`), 'utf8'));
      expect(rejected).toMatchObject({ line: 1, reason: 'bad_encoding' });
      expect(rejected!.message).toMatch(/lone UTF-16 surrogate .*\\ud800 at character 1/);
    }
  });

  it('CSV for people (the text layout) guards formula-like cells with a leading quote', async () => {
    const dir = tempDir();
    const path = join(dir, 'f.jsonl');
    const row = {
      id: "=cmd|' /C calc'!A0",
      prompt: 'q',
      chosen: '-a',
      rejected: '+b',
      score_chosen: 8,
      score_rejected: 2,
    };
    writeFileSync(path, `${JSON.stringify(row)}\n`);
    const out = join(dir, 'f.csv');
    const r = await run(['relabel', path, '--format', 'text', '-o', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(`'=cmd|' /C calc'!A0`);
    // The answers join the transcript after a space: training text is never touched.
    expect(text).toContain(' -a');
    expect(text).not.toMatch(/(^|,)=cmd/m);
  });
});

describe('a CSV record over --max-line-bytes', () => {
  it('is set aside before it is buffered whole: a 5 MB cell, and a quoted field that never ends', async () => {
    const dir = tempDir();
    const path = join(dir, 'big.csv');
    const header = 'prompt,chosen,rejected,score_chosen,score_rejected\n';
    writeFileSync(path, `${header}q1,a,b,8,2\nq2,"${'x'.repeat(5 << 20)}",b,8,2\nq3,"a ""quoted"" one",c,7,1\n`);
    const r = await run([
      'relabel',
      path,
      '--max-line-bytes',
      '1M',
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'r.jsonl'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout).map((row) => row.chosen[0].content)).toEqual(['a', 'b', 'a "quoted" one', 'c']);
    const [rejected] = parseJsonl(readFileSync(join(dir, 'r.jsonl'), 'utf8'));
    expect(rejected).toMatchObject({ row: 2, reason: 'line_too_long' });

    const open = join(dir, 'open.csv');
    writeFileSync(open, `${header}q1,a,b,8,2\nq2,"${'never closed '.repeat(200_000)}`);
    const r2 = await run([
      'relabel',
      open,
      '--max-line-bytes',
      '1M',
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'r2.jsonl'),
    ]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(parseJsonl(r2.stdout)).toHaveLength(2);
    expect(parseJsonl(readFileSync(join(dir, 'r2.jsonl'), 'utf8'))[0]).toMatchObject({
      row: 2,
      reason: 'line_too_long',
    });
  });
});
