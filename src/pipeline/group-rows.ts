/**
 * Long-format rows (one response per row) grouped by prompt, wherever a group's rows are in the file,
 * in bounded memory. Groups are held in memory up to a byte budget; past it, every row goes to one of
 * PARTITIONS scratch files by a hash of its group key, and each partition (a fraction of the input) is
 * grouped on its own, then the partitions' groups are merged back in order. Either way the groups come
 * out in the order of their first row, so a shuffled file gives the pairs of the sorted one, in the
 * same order, whatever the budget.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { ScratchFile } from '../io/scratch.js';

const PARTITIONS = 64;
const LABEL = 'the long-format grouping (temporary files in $TMPDIR)';

interface RowGroup<T> {
  key: string;
  /** The line (or record number) of the group's first row: its place in the output. */
  first: number;
  items: T[];
}

type Spilled<T> = [key: string, line: number, item: T];

export class RowGrouper<T> {
  private groups = new Map<string, RowGroup<T>>();
  private bytes = 0;
  private partitions: ScratchFile[] | null = null;
  private readonly scratch: ScratchFile[] = [];
  /** How many rows went to scratch files (0: all grouped in memory). */
  spilledRows = 0;

  constructor(private readonly budgetBytes: number) {}

  add(key: string, line: number, item: T): Promise<void> | void {
    if (this.partitions) return this.spill(key, line, item);
    let group = this.groups.get(key);
    if (!group) {
      group = { key, first: line, items: [] };
      this.groups.set(key, group);
    }
    group.items.push(item);
    // What a row costs as JS objects, measured: about 4 bytes per character of its JSON (UTF-16 strings,
    // object headers, the map entry), so the budget is near the real heap it takes.
    this.bytes += 4 * (key.length + JSON.stringify(item).length) + 160;
    if (this.bytes > this.budgetBytes) return this.startSpilling();
  }

  private async startSpilling(): Promise<void> {
    const partitions: ScratchFile[] = [];
    this.partitions = partitions;
    for (let i = 0; i < PARTITIONS; i++) {
      const file = await ScratchFile.open(LABEL, 1 << 16);
      this.scratch.push(file);
      partitions.push(file);
    }
    const held = this.groups;
    this.groups = new Map();
    this.bytes = 0;
    // The held rows go first, each with its group's first line: a partition then meets every group's
    // first row (or a stand-in with its line) before the group's later rows, which keep file order.
    for (const group of held.values()) {
      for (const item of group.items) {
        const w = this.spill(group.key, group.first, item);
        if (w) await w;
      }
    }
  }

  private spill(key: string, line: number, item: T): Promise<void> | void {
    this.spilledRows += 1;
    const partition = createHash('sha1').update(key).digest().readUInt32BE(0) % PARTITIONS;
    return this.partitions![partition]!.write(`${JSON.stringify([key, line, item])}\n`);
  }

  /** Every group, in the order of its first row. Call once, after the last `add`. */
  async *drain(): AsyncGenerator<RowGroup<T>> {
    if (!this.partitions) {
      yield* this.groups.values();
      return;
    }
    // Each partition grouped and sorted by first row into a second scratch file, then all merged.
    const sorted: ScratchFile[] = [];
    for (const partition of this.partitions) {
      const groups = new Map<string, RowGroup<T>>();
      for await (const line of createInterface({ input: await partition.readBack(), crlfDelay: Infinity })) {
        if (!line) continue;
        const [key, first, item] = JSON.parse(line) as Spilled<T>;
        let group = groups.get(key);
        if (!group) {
          group = { key, first, items: [] };
          groups.set(key, group);
        }
        group.items.push(item);
      }
      await partition.close();
      const out = await ScratchFile.open(LABEL, 1 << 16);
      this.scratch.push(out);
      sorted.push(out);
      for (const group of [...groups.values()].sort((a, b) => a.first - b.first)) {
        const w = out.write(`${JSON.stringify(group)}\n`);
        if (w) await w;
      }
    }
    const readers = await Promise.all(
      sorted.map(async (file) =>
        createInterface({ input: await file.readBack(1 << 16), crlfDelay: Infinity })[Symbol.asyncIterator](),
      ),
    );
    const heads = await Promise.all(readers.map((r) => nextGroup<T>(r)));
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++)
        if (heads[i] && (best < 0 || heads[i]!.first < heads[best]!.first)) best = i;
      if (best < 0) return;
      yield heads[best]!;
      heads[best] = await nextGroup<T>(readers[best]!);
    }
  }

  /** Remove every scratch file (they are unlinked already: this closes them). */
  async close(): Promise<void> {
    for (const file of this.scratch) await file.close();
  }
}

async function nextGroup<T>(reader: AsyncIterator<string>): Promise<RowGroup<T> | null> {
  for (;;) {
    const next = await reader.next();
    if (next.done) return null;
    if (next.value) return JSON.parse(next.value) as RowGroup<T>;
  }
}
