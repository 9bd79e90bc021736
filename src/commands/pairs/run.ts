/**
 * `radpo pairs`: several scored responses per prompt in, preference pairs out, ready for relabel:
 * `prompt`, `chosen`, `rejected`, `score_chosen`, `score_rejected` (and per-aspect ratings, for
 * multi-attribute goals). The layouts it reads are core/response-lists.ts's; this file runs them.
 */
import { createHash } from 'node:crypto';
import type { RunCommand } from '../../cli/command.js';
import { checkOutputPaths, resolveInputs } from '../../cli/rules.js';
import { RowError } from '../../core/errors.js';
import type { Path } from '../../core/path.js';
import { differsBy, drawIndex, pickPairs, type PickOptions } from '../../core/pairs.js';
import { checkScoreGap } from '../../core/relabel.js';
import { checkpoint, type Io } from '../../io/io.js';
import { runLogger } from '../../io/log.js';
import { parseJsonRecord } from '../../io/records.js';
import type { SourceRecord } from '../../io/source-record.js';
import { isJsonFileName, openInput } from '../../pipeline/inputs.js';
import type { RowPolicy } from '../../pipeline/row-policy.js';
import type { RunOutput } from '../../pipeline/run-output.js';
import { type RowGroup, RowGrouper, type SortedRows } from '../../pipeline/group-rows.js';
import { runRows } from '../../pipeline/run-rows.js';
import type { BaseReport } from '../../pipeline/summary.js';
import { type ConflictWords, conflictLine, RunCounts } from '../../pipeline/summary.js';
import { counted } from '../../pipeline/text.js';
import type { pairsFlags } from './flags.js';
import { type PairsConfig, pairsConfig } from './config.js';
import type { PreferenceRecord, RecordResponse } from '../../core/record.js';
import { listRecords, longItem, pairRow, pairRows, type LongItem } from '../../core/response-lists.js';

/** Rows grouped as one prompt's responses must answer the same prompt: else no pair of them is valid. */
function promptMismatch(firstItem: LongItem, other: LongItem, groupCol: Path, promptField: string): RowError {
  const first = JSON.stringify(firstItem.prompt);
  // Quote both from just before where they part: long prompts often share their first sentences.
  const second = JSON.stringify(other.prompt);
  let at = 0;
  while (at < first.length && first[at] === second[at]) at++;
  const from = Math.max(0, at - 10);
  const quote = (text: string) => `${from > 0 ? '…' : ''}${text.slice(from, from + 40)}…`;
  return new RowError('prompt_mismatch', `the rows of one ${groupCol.join('.')} answer different prompts`, {
    field: promptField,
    expected: `one prompt for every row with this ${groupCol.join('.')}`,
    found: `line ${firstItem.line} ${quote(first)} vs line ${other.line} ${quote(second)} (from character ${at})`,
    hint: 'a pair must answer one prompt; group by a column that is the same only for the same prompt',
  });
}

/** How many of a large group's lines a set-aside record names. */
const LINES_NAMED = 1000;

/** In file order: the earlier of two rows (inputs in order, then lines). */
const earlier = (a: LongItem, b: LongItem) => a.input < b.input || (a.input === b.input && a.line < b.line);

interface LargeGroup {
  /** The group's first row in file order (its prompt and id are the pairs'). */
  first: LongItem;
  /** The first row (in the sorted order) of the highest and of the lowest score: pickPairs' best and worst. */
  best: LongItem;
  worst: LongItem;
}

/** One pass over a large group's sorted rows: its first row, best and worst, and the prompt check. */
async function largeGroup(sorted: SortedRows<LongItem>, flags: PairsFlags): Promise<LargeGroup> {
  const score = (i: LongItem) => (flags.rankCol ? -i.value : i.value);
  let first: LongItem | null = null;
  let best: LongItem | null = null;
  let worst: LongItem | null = null;
  for await (const item of sorted.rows()) {
    if (first === null || earlier(item, first)) first = item;
    if (best === null || score(item) > score(best)) best = item;
    if (worst === null || score(item) < score(worst)) worst = item;
  }
  if (flags.groupCol) {
    // The earliest row whose prompt differs from the first row's, as the in-memory check names it.
    const prompt = JSON.stringify(first!.prompt);
    let other: LongItem | null = null;
    for await (const item of sorted.rows())
      if ((other === null || earlier(item, other)) && JSON.stringify(item.prompt) !== prompt) other = item;
    if (other) throw promptMismatch(first!, other, flags.groupCol, flags.promptCol?.join('.') ?? 'prompt');
  }
  return { first: first!, best: best!, worst: worst! };
}

/** The first `max` lines of a large group in one input, in order, for its set-aside record. */
async function firstLines(sorted: SortedRows<LongItem>, input: number, max: number): Promise<number[]> {
  let lines: number[] = [];
  for await (const item of sorted.rows()) {
    if (item.input !== input) continue;
    lines.push(item.line);
    if (lines.length > 2 * max) lines = lines.sort((a, b) => a - b).slice(0, max);
  }
  return lines.sort((a, b) => a - b).slice(0, max);
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A group's own number for best-random's draw (its key hashed), the same wherever its rows are. */
function stableLine(key: string): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0);
}

/** Ranks beside the scores that picked a pair: its label (a response's `rank` beside its `score`, core/record.ts). */
const RANK_CONFLICT: ConflictWords = {
  meaning: 'the higher-scored response ranked worse',
  where: 'rank_chosen and rank_rejected in the output show which',
};

interface PairsReport extends BaseReport {
  /** Long format: how many prompts the rows were grouped into, and how many rows went to temporary files. */
  prompts?: number;
  grouped_on_disk_rows?: number;
  /** Rows of groups larger than --group-memory, sorted and paired from disk. */
  paired_from_disk_rows?: number;
  strategy: string;
  min_gap: number;
  score: string;
  seed: number;
  /** Pairs whose responses carry ranks beside the scores that picked them, and those the ranks contradict. */
  labelled_pairs?: number;
  contradicting_label?: number;
}

type PairsFlags = Parameters<typeof run>[1];

export const run: RunCommand<typeof pairsFlags> = async (args, flags, ctx) => {
  const inputs = resolveInputs(args, ctx.io, ctx.help);
  if (!inputs) return 'usage';
  const config = pairsConfig(inputs, flags, ctx.version);
  await checkOutputPaths(inputs, [
    ['-o', config.output],
    ['--rejects', config.rejects],
    ['--report', config.report],
  ]);
  await runPairs(config, ctx.io);
  return 'ok';
};

/** `flags`: the config, the flags' typed values with the run settings (`flags.run`). */
function runPairs(flags: PairsConfig, io: Io): Promise<PairsReport> {
  const pairs = new PairsRun(flags, io);
  return runRows<PairsReport>(
    flags.run,
    pairs.counts,
    {
      command: 'pairs',
      noun: 'prompts',
      run: (out, policy) => pairs.run(out, policy),
      close: async () => pairs.grouper?.close(),
      conflictWords: RANK_CONFLICT,
      conflictCause: () =>
        `are lower scores better for --score-field ${flags.scoreField ?? 'score'}, or is the best response's ` +
        `${flags.rankField ?? 'rank'} not its lowest (1, or 0)?`,
      report: (base) => pairs.report(base),
      summary: (report) => pairs.summary(report),
    },
    io,
    runLogger(io, flags),
  );
}

/** One run of radpo pairs: its rows read into records (or long-format groups), their pairs written. */
class PairsRun {
  readonly counts = new RunCounts();
  /** Long format: every row into its group first (bounded memory), then each group paired. */
  readonly grouper: RowGrouper<LongItem> | null;
  /** Some pairs were picked by rank (the summary names what ordered the responses). */
  private ranked = false;
  /** The score field of the response objects that ordered them, as found (for the summary). */
  private scoredBy: string | undefined;
  /** Long format: how many groups (prompts) were paired. */
  private prompts = 0;

  constructor(
    private readonly flags: PairsConfig,
    private readonly io: Io,
  ) {
    this.grouper = flags.long ? new RowGrouper<LongItem>(flags.groupMemory * 1024 * 1024, sortKey, io.signal) : null;
  }

  private pick(line: number): PickOptions {
    const { strategy, minGap, seed } = this.flags;
    return { strategy, minGap, seed, line };
  }

  async run(out: RunOutput, policy: RowPolicy): Promise<void> {
    if (this.grouper) return this.pairLongInputs(out, policy);
    for (const input of this.flags.run.inputs)
      await this.eachRecord(input, policy, (row, line) =>
        this.addTreePairs(listRecords(row, this.flags.score, this.listColumns(), { file: input, line }), line, out),
      );
  }

  /** Each record of one input, parsed and counted; a row's problem sets the row aside (--on-error). */
  private async eachRecord(
    input: string,
    policy: RowPolicy,
    use: (row: Record<string, unknown>, line: number) => Promise<void> | void,
  ): Promise<void> {
    const { name, records } = await openInput(input, this.flags.run, this.io);
    const isJsonFile = isJsonFileName(name);
    for await (const batch of records) {
      await checkpoint(this.io.signal);
      for (const raw of batch) {
        this.counts.rowsRead += 1;
        const record = parseJsonRecord(raw, isJsonFile);
        if (record.duplicateKey) this.counts.addDuplicateKey({ key: record.duplicateKey, location: record.location });
        try {
          if (record.error) throw record.error;
          await use(record.value as Record<string, unknown>, record.location.line);
        } catch (err) {
          if (!(err instanceof RowError)) throw err;
          await policy.setAside(record, err);
        }
      }
    }
  }

  private async writePairs(rows: Array<Record<string, unknown>>, out: RunOutput): Promise<void> {
    for (const row of rows) {
      const written = out.add(row);
      if (written) await written;
      this.counts.rowsWritten += 1;
    }
  }

  /** A record's pairs, their labels (ranks beside the scores) counted for the conflict stop. */
  private rowPairs(record: PreferenceRecord, options: PickOptions): Array<Record<string, unknown>> {
    const picked = pairRows(record, options);
    this.counts.labelled += picked.labelled;
    this.counts.contradicting += picked.contradicting;
    return picked.rows;
  }

  /**
   * The columns every row is read by: the score field found in the first row that had one is the whole
   * file's, as if named with --score-field (a row whose responses lack it is not ranked by another field).
   */
  private listColumns(): PairsConfig {
    const { flags } = this;
    return flags.scoreField !== undefined || this.scoredBy === undefined
      ? flags
      : { ...flags, scoreField: this.scoredBy };
  }

  /** What ordered a record's responses, for the summary. */
  private noteOrder(record: PreferenceRecord): void {
    if (record.preference.kind !== 'ranking') return;
    if (record.preference.by === 'rank') this.ranked = true;
    this.scoredBy ??= record.preference.field;
  }

  private async addPairs(record: PreferenceRecord, out: RunOutput, options: PickOptions): Promise<void> {
    this.noteOrder(record);
    await this.writePairs(this.rowPairs(record, options), out);
  }

  /**
   * A row's pairs from several prompts (an OASST tree with --tree all): a turn with no preference only
   * adds nothing; the row is set aside when no turn gives a pair. All are picked before any is written,
   * so a row is never both in the output and in the rejects.
   */
  private async addTreePairs(all: PreferenceRecord[], line: number, out: RunOutput): Promise<void> {
    if (all.length === 1) return this.addPairs(all[0]!, out, this.pick(line));
    const rows: Array<Record<string, unknown>> = [];
    let none: RowError | null = null;
    for (const record of all) {
      try {
        rows.push(...this.rowPairs(record, this.pick(line)));
        this.noteOrder(record);
      } catch (err) {
        if (!(err instanceof RowError) || err.reason !== 'no_preference') throw err;
        none ??= err;
      }
    }
    if (rows.length === 0) throw none!;
    await this.writePairs(rows, out);
  }

  /**
   * The pairs of a group larger than --group-memory, the very pairs pickPairs picks from all its rows (in
   * the same sorted order), from passes over its rows on disk: best-worst needs one pass (done), best-random
   * two more, all one per row.
   */
  private async writeLargePairs(
    sorted: SortedRows<LongItem>,
    group: LargeGroup,
    options: PickOptions,
    out: RunOutput,
  ): Promise<void> {
    const ranks = this.flags.rankCol !== undefined;
    const score = (i: LongItem) => (ranks ? -i.value : i.value);
    const best = score(group.best);
    // No preference: pickPairs says so in its own words, from the two scores that decide it.
    pickPairs([score(group.worst), best], { ...options, ranks, strategy: 'best-worst' });
    checkScoreGap({ chosen: [best], rejected: [score(group.worst)] }, { chosen: 'scores', rejected: 'scores' });
    if (ranks) this.ranked = true;
    // Each pair written as pairRows writes a group held in memory (core/response-lists.ts pairRow).
    const record = this.groupRecord([], group.first);
    const row = (chosen: LongItem, rejected: LongItem) =>
      pairRow(record, longResponse(chosen, ranks), longResponse(rejected, ranks), ranks);
    if (options.strategy === 'best-worst') return this.writePairs([row(group.best, group.worst)], out);
    if (options.strategy === 'best-random') {
      const other = (i: LongItem) => differsBy(best, score(i), options.minGap);
      let count = 0;
      for await (const i of sorted.rows()) if (other(i)) count++;
      let k = drawIndex(count, options);
      for await (const i of sorted.rows()) if (other(i) && k-- === 0) return this.writePairs([row(group.best, i)], out);
    }
    for await (const i of sorted.rows()) {
      // One pass over the group per row: a signal is checked at each, however small the group.
      await checkpoint(this.io.signal);
      for await (const j of sorted.rows())
        if (differsBy(score(i), score(j), options.minGap)) await this.writePairs([row(i, j)], out);
    }
  }

  // Long format: every row read into its group first (bounded memory), then each group paired.
  private async pairLongInputs(out: RunOutput, policy: RowPolicy): Promise<void> {
    const { flags } = this;
    let ordinal = 0;
    for (const [index, input] of flags.run.inputs.entries()) {
      await this.eachRecord(input, policy, (row, line) => {
        const { key, item } = longItem(row, { ...flags, responseCol: flags.responseCol! }, index, line);
        // Groups are ordered by their first row across all inputs (lines restart in each file).
        return this.grouper!.add(key, ordinal++, item);
      });
    }
    for await (const group of this.grouper!.drain()) {
      await checkpoint(this.io.signal);
      this.prompts += 1;
      await this.pairGroup(group, out, policy);
    }
  }

  /** One long-format group's pairs, or the group set aside as one (its first row's place, its lines). */
  private async pairGroup(group: RowGroup<LongItem>, out: RunOutput, policy: RowPolicy): Promise<void> {
    const { flags } = this;
    let first: LongItem | null = group.items?.[0] ?? null;
    try {
      if (group.items === null) {
        // Larger than --group-memory: paired from its rows sorted on disk, a few passes, never all held.
        const large = await largeGroup(group.sorted!, flags);
        first = large.first;
        return await this.writeLargePairs(group.sorted!, large, this.pick(stableLine(group.key)), out);
      }
      if (flags.groupCol) {
        const other = group.items.find((i) => JSON.stringify(i.prompt) !== JSON.stringify(first!.prompt));
        if (other) throw promptMismatch(first!, other, flags.groupCol, flags.promptCol?.join('.') ?? 'prompt');
      }
      await this.addPairs(this.groupRecord(group.items, first!), out, this.pick(stableLine(group.key)));
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      first ??= (await largeGroup(group.sorted!, { ...flags, groupCol: undefined })).first;
      // The group is the unit set aside: its first row's place, and where its rows are (the first 1000).
      const lines = group.items
        ? group.items.map((i) => i.line)
        : await firstLines(group.sorted!, first.input, LINES_NAMED);
      const record: SourceRecord = {
        value: undefined,
        raw: { prompt: first.prompt, lines, ...(group.items ? {} : { rows: group.sorted!.count }) },
        location: { source: flags.run.inputs[first.input]!, unit: 'line', line: first.line },
      };
      await policy.setAside(record, err);
    }
  }

  /** A group held in memory as one record: its responses in their own order (value, then text). */
  private groupRecord(items: LongItem[], first: LongItem): PreferenceRecord {
    const { rankCol } = this.flags;
    // Each response's key computed once, not at every comparison.
    const sorted = items
      .map((item) => ({ item, key: sortKey(item) }))
      .sort((a, b) => a.key[0] - b.key[0] || compareText(a.key[1], b.key[1]))
      .map((k) => k.item);
    return {
      prompt: first.prompt,
      responses: sorted.map((i) => longResponse(i, rankCol !== undefined)),
      preference: { kind: 'ranking', by: rankCol ? 'rank' : 'score' },
      id: first.id,
      source: { file: this.flags.run.inputs[first.input]!, line: first.line },
    };
  }

  report(base: BaseReport): PairsReport {
    const { flags, grouper, counts } = this;
    return {
      ...base,
      ...(grouper
        ? {
            prompts: this.prompts,
            grouped_on_disk_rows: grouper.spilledRows,
            paired_from_disk_rows: grouper.largeGroupRows,
          }
        : {}),
      strategy: flags.strategy,
      min_gap: flags.minGap,
      score: flags.score,
      seed: flags.seed,
      ...(counts.labelled > 0 ? { labelled_pairs: counts.labelled, contradicting_label: counts.contradicting } : {}),
    };
  }

  summary(report: PairsReport): string {
    const { flags, grouper, counts } = this;
    const reasons = Object.entries(report.set_aside.by_reason)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    // What ordered the responses: ranks, a long-format score column, or the --score of the layout.
    const order = this.ranked
      ? 'by rank'
      : flags.scoreCol
        ? `--score-col ${flags.scoreCol.join('.')}`
        : this.scoredBy
          ? `--score-field ${this.scoredBy}`
          : `--score ${flags.score}`;
    return (
      `radpo pairs: ${counted(report.rows_read, grouper ? 'row' : 'prompt')} read` +
      `${grouper ? ` (${counted(report.prompts ?? 0, 'prompt')})` : ''}, ${counted(report.rows_written, 'pair')} ` +
      `written (--strategy ${flags.strategy}, ${order}); ` +
      `set aside: ${report.set_aside.total}` +
      `${reasons ? ` (${reasons})` : ''}\n` +
      (counts.labelled > 0 ? `${conflictLine(counts.contradicting, counts.labelled, RANK_CONFLICT).trimStart()}\n` : '')
    );
  }
}

/**
 * The order a group's responses are paired in (value, then text), not the file's: a shuffled file breaks ties
 * as the sorted one does, and best-random draws by the group, not by a line.
 */
const sortKey = (i: LongItem) => [i.value, JSON.stringify(i.response)] as const;

/** A long-format row's response with its score, or its rank (--rank-col). */
const longResponse = (i: LongItem, ranks: boolean): RecordResponse =>
  ranks ? { content: i.response, rank: i.value } : { content: i.response, score: i.value };
