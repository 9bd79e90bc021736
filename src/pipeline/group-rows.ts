/**
 * Long-format rows (one response per row) grouped by prompt, wherever a group's rows are in the file,
 * in bounded memory whatever the group sizes. Groups are held in memory up to a byte budget; past it,
 * every row goes to one of PARTITIONS scratch files by a hash of its group key, and each partition (a
 * fraction of the input) is grouped on its own:
 * - a first pass counts each group's rows and bytes;
 * - groups that fit are gathered in memory, a budget's worth per pass over the partition;
 * - a group larger than half the budget is never held: its rows are sorted on disk (sorted runs of a
 *   budget's size, merged) and handed out as a re-readable stream in the grouper's order, for a consumer
 *   that needs only a few passes (the best and the worst, a random draw) rather than every row at once.
 * The partitions' groups are then merged back in order. Either way the groups come out in the order of
 * their first row, so a shuffled file gives the pairs of the sorted one, in the same order, whatever the
 * budget. Every chunk of work checks the abort signal (Ctrl-C: exit 130 within a second).
 */
import { createHash } from 'node:crypto';
import { checkpoint, stopIfInterrupted } from '../io/io.js';
import { ScratchFile } from '../io/scratch.js';

const PARTITIONS = 64;
const LABEL = 'the long-format grouping (temporary files in $TMPDIR)';
/** Floor of the in-memory share of a pass and of a large group's threshold (a budget of 0 still works). */
const MIN_CHUNK_BYTES = 1 << 20;
/** Sorted runs merged at once: each reader holds a 64 KB buffer. */
const MERGE_FAN_IN = 32;
/** What each reader of a scratch file holds at once. */
const READ_CHUNK_BYTES = 1 << 16;

/** How a large group's rows are ordered: by the number, then by the text (code unit order). */
type SortKey = readonly [number, string];

/** A group larger than the budget: its rows, sorted by the grouper's order, read from disk on each pass. */
export interface SortedRows<T> {
  count: number;
  rows(): AsyncGenerator<T>;
}

export interface RowGroup<T> {
  key: string;
  /** The line (or record number) of the group's first row: its place in the output. */
  first: number;
  /** The rows in file order; null for a group larger than the budget (see `sorted`). */
  items: T[] | null;
  sorted?: SortedRows<T>;
}

type Spilled<T> = [key: string, line: number, item: T];

/** What a row costs as JS objects, measured: about 4 bytes per character of its JSON, plus headers. */
const rowCost = (jsonLength: number) => 4 * jsonLength + 160;

export class RowGrouper<T> {
  private groups = new Map<string, RowGroup<T>>();
  private bytes = 0;
  private partitions: ScratchFile[] | null = null;
  private readonly scratch: ScratchFile[] = [];
  /** How many rows went to scratch files (0: all grouped in memory). */
  spilledRows = 0;
  /** How many rows were paired from disk, in groups larger than the budget. */
  largeGroupRows = 0;
  private readonly chunkBytes: number;

  constructor(
    private readonly budgetBytes: number,
    /** The order a large group's rows are handed out in: by the number, then by the text. */
    private readonly sortKey: (item: T) => SortKey,
    private readonly signal?: AbortSignal,
  ) {
    this.chunkBytes = Math.max(budgetBytes, MIN_CHUNK_BYTES);
  }

  add(key: string, line: number, item: T): Promise<void> | void {
    if (this.partitions) return this.spill(key, line, item);
    let group = this.groups.get(key);
    if (!group) {
      group = { key, first: line, items: [] };
      this.groups.set(key, group);
    }
    group.items!.push(item);
    this.bytes += rowCost(key.length + JSON.stringify(item).length);
    if (this.bytes > this.budgetBytes) return this.startSpilling();
  }

  private async startSpilling(): Promise<void> {
    const partitions: ScratchFile[] = [];
    this.partitions = partitions;
    for (let i = 0; i < PARTITIONS; i++) partitions.push(await this.open());
    const held = this.groups;
    this.groups = new Map();
    this.bytes = 0;
    // The held rows go first, each with its group's first line: a partition then meets every group's
    // first row (or a stand-in with its line) before the group's later rows, which keep file order.
    for (const group of held.values()) {
      await checkpoint(this.signal);
      for (const item of group.items!) {
        const w = this.spill(group.key, group.first, item);
        if (w) await w;
      }
    }
  }

  private async open(): Promise<ScratchFile> {
    const file = await ScratchFile.open(LABEL, 1 << 16);
    this.scratch.push(file);
    return file;
  }

  private spill(key: string, line: number, item: T): Promise<void> | void {
    this.spilledRows += 1;
    if ((this.spilledRows & 0xfff) === 0) stopIfInterrupted(this.signal);
    const partition = createHash('sha1').update(key).digest().readUInt32BE(0) % PARTITIONS;
    return this.partitions![partition]!.write(`${JSON.stringify([key, line, item])}\n`);
  }

  /** Every group, in the order of its first row. Call once, after the last `add`. */
  async *drain(): AsyncGenerator<RowGroup<T>> {
    if (!this.partitions) {
      yield* this.groups.values();
      return;
    }
    // Each partition grouped into a file of groups in first-row order (large groups as stand-ins), then all
    // merged by first row.
    const sorted: Array<{ file: ScratchFile; large: Map<string, SortedRows<T>> }> = [];
    for (const partition of this.partitions) sorted.push(await this.groupPartition(partition));
    const readers = await Promise.all(sorted.map(async ({ file }) => lines(file)));
    const heads = await Promise.all(readers.map((r) => nextGroup<T>(r)));
    for (;;) {
      await checkpoint(this.signal);
      let best = -1;
      for (let i = 0; i < heads.length; i++)
        if (heads[i] && (best < 0 || heads[i]!.first < heads[best]!.first)) best = i;
      if (best < 0) return;
      const head = heads[best]!;
      if (head.items === null) head.sorted = sorted[best]!.large.get(head.key)!;
      yield head;
      heads[best] = await nextGroup<T>(readers[best]!);
    }
  }

  /** One partition: its groups in first-row order into a file; its large groups sorted on disk. */
  private async groupPartition(partition: ScratchFile) {
    // Pass 1: each group's first row, size and row count.
    const stats = new Map<string, { first: number; bytes: number; count: number }>();
    for await (const line of await lines(partition)) {
      await this.tick();
      const [key, first] = JSON.parse(line) as Spilled<T>;
      const s = stats.get(key);
      if (s) {
        s.bytes += rowCost(line.length);
        s.count += 1;
      } else stats.set(key, { first, bytes: rowCost(line.length), count: 1 });
    }
    const largeAt = Math.max(this.budgetBytes / 2, MIN_CHUNK_BYTES);
    const order = [...stats.entries()].sort((a, b) => a[1].first - b[1].first);
    // Passes over the partition, each gathering the next budget's worth of small groups (first-row order).
    const passes: Array<Set<string>> = [new Set()];
    let held = 0;
    for (const [key, s] of order) {
      if (s.bytes > largeAt) continue;
      if (held + s.bytes > this.chunkBytes && passes.at(-1)!.size > 0) {
        passes.push(new Set());
        held = 0;
      }
      passes.at(-1)!.add(key);
      held += s.bytes;
    }
    const largeKeys = new Set(order.filter(([, s]) => s.bytes > largeAt).map(([key]) => key));
    const largeRows = largeKeys.size > 0 ? await this.open() : null;
    const out = await this.open();
    let next = 0; // the next group of `order` to write
    for (const [index, keys] of passes.entries()) {
      const groups = new Map<string, T[]>();
      for await (const line of await lines(partition)) {
        await this.tick();
        const [key, , item] = JSON.parse(line) as Spilled<T>;
        if (keys.has(key)) {
          let items = groups.get(key);
          if (!items) groups.set(key, (items = []));
          items.push(item);
        } else if (index === 0 && largeKeys.has(key)) {
          const w = largeRows!.write(`${JSON.stringify([stats.get(key)!.first, item])}\n`);
          if (w) await w;
        }
      }
      // This pass's groups, and the large groups among them, in first-row order.
      for (; next < order.length; next++) {
        const [key, s] = order[next]!;
        const large = largeKeys.has(key);
        if (!large && !keys.has(key)) break;
        const group: RowGroup<T> = { key, first: s.first, items: large ? null : groups.get(key)! };
        const w = out.write(`${JSON.stringify(group)}\n`);
        if (w) await w;
      }
    }
    await partition.close();
    const large = largeRows ? await this.sortLarge(largeRows, stats, largeKeys) : new Map();
    return { file: out, large };
  }

  /**
   * The rows of a partition's large groups, sorted by (group, the grouper's order) with an external merge
   * sort: runs of a budget's size sorted in memory, merged MERGE_FAN_IN at a time as soon as a level has
   * that many (so at most MERGE_FAN_IN files per level are open, whatever the group's size: a 5 M-row group
   * made 1,200 runs, each open file past the default limit of 1,024 descriptors). Each group is then a byte
   * range of the last file, read again on every pass its consumer makes.
   */
  private async sortLarge(
    rows: ScratchFile,
    stats: Map<string, { first: number; count: number }>,
    keys: Set<string>,
  ): Promise<Map<string, SortedRows<T>>> {
    // levels[k]: the sorted files of level k (each merged from MERGE_FAN_IN ** k runs), fewer than MERGE_FAN_IN.
    const levels: ScratchFile[][] = [];
    const addRun = async (run: ScratchFile, level: number): Promise<void> => {
      const runs = (levels[level] ??= []);
      runs.push(run);
      if (runs.length < MERGE_FAN_IN) return;
      levels[level] = [];
      await addRun(await this.merge(runs), level + 1);
    };
    // Each row is decorated with its sort key once; runs hold `[first, number, text]<TAB>item` lines, so a
    // merge compares keys without parsing the rows (JSON text never holds a raw tab).
    let chunk: Decorated[] = [];
    let held = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      chunk.sort(compareDecorated);
      const run = await this.open();
      for (const row of chunk) {
        await this.tick();
        const w = run.write(`${row.line}\n`);
        if (w) await w;
      }
      // Its last text to the file now: a run waiting for its merge holds no text.
      await run.finish();
      chunk = [];
      held = 0;
      await addRun(run, 0);
    };
    for await (const line of await lines(rows)) {
      await this.tick();
      const [first, item] = JSON.parse(line) as [number, T];
      const [value, text] = this.sortKey(item);
      const head = JSON.stringify([first, value, text]);
      // Written afresh, not sliced from `line`: a slice keeps its whole read chunk alive.
      const row = { first, value, text, line: `${head}\t${JSON.stringify(item)}` };
      chunk.push(row);
      held += rowCost(row.line.length + text.length);
      if (held > this.chunkBytes / 2) await flush();
    }
    await flush();
    await rows.close();
    // What is left of every level (the smallest first) merged down to MERGE_FAN_IN files, then the last merge,
    // which keeps each group's byte range.
    let runs = levels.flat();
    while (runs.length > MERGE_FAN_IN)
      runs = [await this.merge(runs.slice(0, MERGE_FAN_IN)), ...runs.slice(MERGE_FAN_IN)];
    const byFirst = new Map([...keys].map((key) => [stats.get(key)!.first, key]));
    const ranges = new Map<string, SortedRows<T>>();
    await this.merge(runs, (first, file, start, end, count) =>
      ranges.set(byFirst.get(first)!, this.range(file, start, end, count)),
    );
    for (const sorted of ranges.values()) this.largeGroupRows += sorted.count;
    return ranges;
  }

  /**
   * Sorted runs merged into one (and closed); `group`, when given, hears of each group's byte range in it.
   */
  private async merge(
    runs: ScratchFile[],
    group?: (first: number, file: ScratchFile, start: number, end: number, count: number) => void,
  ): Promise<ScratchFile> {
    const out = await this.open();
    const readers = await Promise.all(runs.map((run) => lines(run)));
    const heads = await Promise.all(readers.map((r) => nextDecorated(r)));
    let at = 0;
    const open = { first: Number.NaN, start: 0, count: 0 };
    const close = (end: number) => {
      if (group && open.count > 0) group(open.first, out, open.start, end, open.count);
    };
    for (;;) {
      await this.tick();
      let best = -1;
      for (let h = 0; h < heads.length; h++)
        if (heads[h] && (best < 0 || compareDecorated(heads[h]!, heads[best]!) < 0)) best = h;
      if (best < 0) break;
      const row = heads[best]!;
      if (open.first !== row.first) {
        close(at);
        Object.assign(open, { first: row.first, start: at, count: 0 });
      }
      open.count += 1;
      const bytes = `${row.line}\n`;
      at += Buffer.byteLength(bytes);
      const w = out.write(bytes);
      if (w) await w;
      heads[best] = await nextDecorated(readers[best]!);
    }
    close(at);
    for (const run of runs) await run.close();
    await out.finish();
    return out;
  }

  /** Rows start..end of a sorted file, as a stream that may be read again. */
  private range(file: ScratchFile, start: number, end: number, count: number): SortedRows<T> {
    const signal = this.signal;
    return {
      count,
      async *rows() {
        let n = 0;
        for await (const line of await lines(file, start, end)) {
          if ((++n & 0xfff) === 0) await checkpoint(signal);
          yield JSON.parse(line.slice(line.indexOf('\t') + 1)) as T;
        }
      },
    };
  }

  private ticks = 0;
  /** Checked every few thousand rows: a row costs microseconds, so a signal is seen within milliseconds. */
  private tick(): Promise<void> | undefined {
    if ((++this.ticks & 0xfff) === 0) return checkpoint(this.signal);
  }

  /** Remove every scratch file (they are unlinked already: this closes them). */
  async close(): Promise<void> {
    for (const file of this.scratch) await file.close();
  }
}

/**
 * The non-empty lines of a scratch file (or of its bytes start..end-1), read as the consumer asks for them.
 * Not readline: its iterator reads ahead up to 1024 lines per file, and a merge reads 32 files at once (a
 * 1 M-row group's merge held 100 MB of lines read ahead); here each file holds one chunk and its remainder.
 */
async function lines(
  file: ScratchFile,
  start?: number,
  end?: number,
  chunkBytes = READ_CHUNK_BYTES,
): Promise<AsyncIterableIterator<string>> {
  const input = await file.readBack(chunkBytes, start, end);
  // The stream's own iterator, never returned: return() would destroy the stream, which closes the file's
  // descriptor that every read of it shares (a consumer stops early when a draw is found).
  const chunks = (input as AsyncIterable<string>)[Symbol.asyncIterator]();
  return (async function* () {
    let rest = '';
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      const text: string = rest + next.value;
      let from = 0;
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', from)) {
        // A slice keeps its chunk alive while it lives: callers parse a line and let it go (a merge keeps
        // one line per file).
        if (at > from) yield text.slice(from, at);
        from = at + 1;
      }
      rest = text.slice(from);
    }
    if (rest) yield rest;
  })();
}

async function nextGroup<T>(reader: AsyncIterator<string>): Promise<RowGroup<T> | null> {
  const next = await reader.next();
  return next.done ? null : (JSON.parse(next.value) as RowGroup<T>);
}

/** A row of a large group with its group's first line and its sort key, and its line in a run. */
interface Decorated {
  first: number;
  value: number;
  text: string;
  line: string;
}

async function nextDecorated(reader: AsyncIterator<string>): Promise<Decorated | null> {
  const next = await reader.next();
  if (next.done) return null;
  const line = next.value;
  const [first, value, text] = JSON.parse(line.slice(0, line.indexOf('\t'))) as [number, number, string];
  return { first, value, text, line };
}

function compareDecorated(a: Decorated, b: Decorated): number {
  return a.first - b.first || a.value - b.value || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
}
