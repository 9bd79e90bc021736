/**
 * RowGrouper (pipeline/group-rows.ts): a group far larger than the budget comes out sorted from disk, every row
 * once, in the grouper's order, however many sorted runs it took (merged in levels, never all open at once).
 */
import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RowGrouper } from '../../src/pipeline/group-rows.js';
import { tempDir } from '../helpers.js';

interface Item {
  v: number;
  t: string;
}

const byKey = (a: Item, b: Item) => a.v - b.v || (a.t < b.t ? -1 : a.t > b.t ? 1 : 0);

describe('RowGrouper: a group larger than the budget', () => {
  let saved: string | undefined;
  let dir: string;
  beforeEach(() => {
    saved = process.env.TMPDIR;
    dir = tempDir();
    process.env.TMPDIR = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  });

  it('60 k rows with a budget of 0: some 190 sorted runs merged in levels, each row once, in order', async () => {
    const grouper = new RowGrouper<Item>(0, (i) => [i.v, i.t]);
    const n = 60_000;
    const pad = 'x'.repeat(100);
    const items: Item[] = [];
    let line = 0;
    await grouper.add('small-before', line++, { v: 1, t: 'a' });
    for (let i = 0; i < n; i++) {
      const item = { v: (i * 7919) % 10, t: `${(i * 104729) % n} ${pad}` };
      items.push(item);
      const w = grouper.add('big', line++, item);
      if (w) await w;
    }
    await grouper.add('small-after', line++, { v: 2, t: 'b' });
    const groups = [];
    for await (const group of grouper.drain()) groups.push(group);
    expect(groups.map((g) => [g.key, g.items?.length ?? null])).toEqual([
      ['small-before', 1],
      ['big', null],
      ['small-after', 1],
    ]);
    const big = groups[1]!.sorted!;
    expect(big.count).toBe(n);
    const expected = items.sort(byKey);
    // Read twice: a consumer makes several passes over the same range.
    for (let pass = 0; pass < 2; pass++) {
      const rows: Item[] = [];
      for await (const row of big.rows()) rows.push(row);
      expect(rows.length).toBe(n);
      expect(rows.every((row, k) => byKey(row, expected[k]!) === 0)).toBe(true);
    }
    expect(grouper.largeGroupRows).toBe(n);
    await grouper.close();
    // Scratch files are unlinked as they are opened: none is ever seen under $TMPDIR.
    expect(readdirSync(dir)).toEqual([]);
  });
});
