/**
 * `radpo pairs`: several scored responses per prompt in, preference pairs out, ready for relabel:
 * `prompt`, `chosen`, `rejected`, `score_chosen`, `score_rejected` (and per-aspect ratings, for
 * multi-attribute goals). The layouts it reads are core/response-lists.ts's; this file runs them.
 */
import { createHash } from 'node:crypto';
import type { RunCommand } from '../../cli/command.js';
import {
  checkOutputPaths,
  errorPolicyRules,
  outputRules,
  resolveInputs,
  runConfig,
  stdinReadOnce,
} from '../../cli/rules.js';
import { RadpoError, RowError, usageError } from '../../core/errors.js';
import type { PickOptions } from '../../core/pairs.js';
import type { Io } from '../../io/io.js';
import { runLogger } from '../../io/log.js';
import { parseJsonRecord } from '../../io/records.js';
import type { SourceRecord } from '../../io/source-record.js';
import { isJsonFileName, openInput } from '../../pipeline/inputs.js';
import type { RowPolicy } from '../../pipeline/row-policy.js';
import type { RunOutput } from '../../pipeline/run-output.js';
import { RowGrouper } from '../../pipeline/group-rows.js';
import { runRows } from '../../pipeline/run-rows.js';
import type { BaseReport } from '../../pipeline/summary.js';
import { RunCounts } from '../../pipeline/summary.js';
import { counted } from '../../pipeline/text.js';
import type { pairsFlags } from './flags.js';
import {
  candidatesOf,
  longItem,
  pairRows,
  samePrompt,
  type Candidates,
  type LongItem,
} from '../../core/response-lists.js';

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A group's own number for best-random's draw (its key hashed), the same wherever its rows are. */
function stableLine(key: string): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0);
}

/** The long-format flags go together: a response column and one of score or rank. */
function longFormatRules(flags: PairsFlags): boolean {
  const long = [flags.groupCol, flags.responseCol, flags.scoreCol, flags.rankCol].some((f) => f !== undefined);
  if (!long) return false;
  const example = 'radpo pairs rows.jsonl --group-col prompt_id --response-col response --score-col score';
  if (flags.responseCol === undefined)
    throw usageError('--group-col, --score-col and --rank-col are for long format: name its --response-col', example);
  if ((flags.scoreCol === undefined) === (flags.rankCol === undefined))
    throw usageError(
      'long format needs one of --score-col (higher is better) or --rank-col (lower is better)',
      example,
    );
  if (flags.responsesCol !== undefined)
    throw usageError('--responses-col (a list per row) and --response-col (one response per row) exclude each other');
  return true;
}

interface PairsReport extends BaseReport {
  /** Long format: how many prompts the rows were grouped into, and how many rows went to temporary files. */
  prompts?: number;
  grouped_on_disk_rows?: number;
  strategy: string;
  min_gap: number;
  score: string;
  seed: number;
}

type PairsFlags = Parameters<typeof run>[1];

export const run: RunCommand<typeof pairsFlags> = async (args, flags, ctx) => {
  const inputs = resolveInputs(args, ctx.io, ctx.help);
  if (!inputs) return 'usage';
  stdinReadOnce(inputs);
  errorPolicyRules(flags);
  outputRules(flags);
  longFormatRules(flags);
  await checkOutputPaths(inputs, [
    ['-o', flags.output],
    ['--rejects', flags.rejects],
    ['--report', flags.report],
  ]);
  await runPairs(flags, inputs, ctx.io, ctx.version);
  return 'ok';
};

async function runPairs(flags: PairsFlags, inputs: string[], io: Io, version: string): Promise<PairsReport> {
  const config = runConfig(inputs, flags, version);
  const counts = new RunCounts();
  const pick = (line: number): PickOptions => ({
    strategy: flags.strategy,
    minGap: flags.minGap,
    seed: flags.seed,
    line,
  });

  /** Each record of one input, parsed and counted; a row's problem sets the row aside (--on-error). */
  async function eachRecord(
    input: string,
    policy: RowPolicy,
    use: (row: Record<string, unknown>, line: number) => Promise<void> | void,
  ): Promise<void> {
    const { name, records } = await openInput(input, config, io);
    const isJsonFile = isJsonFileName(name);
    for await (const batch of records) {
      if (io.signal?.aborted)
        throw new RadpoError('interrupted', 'interrupted; no output was written under the final name');
      for (const raw of batch) {
        counts.rowsRead += 1;
        const record = parseJsonRecord(raw, isJsonFile);
        if (record.duplicateKey) counts.addDuplicateKey({ key: record.duplicateKey, location: record.location });
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

  /** Some pairs were picked by rank (the summary names what ordered the responses). */
  let ranked = false;
  async function writePairs(rows: Array<Record<string, unknown>>, out: RunOutput): Promise<void> {
    for (const row of rows) {
      const written = out.add(row);
      if (written) await written;
      counts.rowsWritten += 1;
    }
  }

  async function addPairs(c: Candidates, line: number, out: RunOutput, options = pick(line)): Promise<void> {
    if (c.ranks) ranked = true;
    await writePairs(pairRows(c, options, line), out);
  }

  /**
   * A row's pairs from several prompts (an OASST tree with --tree all): a turn with no preference only
   * adds nothing; the row is set aside when no turn gives a pair. All are picked before any is written,
   * so a row is never both in the output and in the rejects.
   */
  async function addTreePairs(all: Candidates[], line: number, out: RunOutput): Promise<void> {
    if (all.length === 1) return addPairs(all[0]!, line, out);
    const rows: Array<Record<string, unknown>> = [];
    let none: RowError | null = null;
    for (const c of all) {
      try {
        rows.push(...pairRows(c, pick(line), line));
        if (c.ranks) ranked = true;
      } catch (err) {
        if (!(err instanceof RowError) || err.reason !== 'no_preference') throw err;
        none ??= err;
      }
    }
    if (rows.length === 0) throw none!;
    await writePairs(rows, out);
  }

  // Long format: every row read into its group first (bounded memory), then each group paired.
  const grouper = longFormatRules(flags) ? new RowGrouper<LongItem>(flags.groupMemory * 1024 * 1024) : null;
  let prompts = 0;
  async function pairLongInputs(out: RunOutput, policy: RowPolicy): Promise<void> {
    let ordinal = 0;
    for (const [index, input] of inputs.entries()) {
      await eachRecord(input, policy, (row, line) => {
        const { key, item } = longItem(row, { ...flags, responseCol: flags.responseCol! }, index, line);
        // Groups are ordered by their first row across all inputs (lines restart in each file).
        return grouper!.add(key, ordinal++, item);
      });
    }
    for await (const group of grouper!.drain()) {
      prompts += 1;
      const first = group.items[0]!;
      // The responses in an order of their own (value, then text), not the file's: a shuffled file
      // breaks ties as the sorted one does, and best-random draws by the group, not by a line.
      const items = [...group.items].sort(
        (a, b) => a.value - b.value || compareText(JSON.stringify(a.response), JSON.stringify(b.response)),
      );
      const candidates: Candidates = {
        prompt: first.prompt,
        responses: items.map((i) => i.response),
        scores: items.map((i) => (flags.rankCol ? -i.value : i.value)),
        ranks: flags.rankCol ? items.map((i) => i.value) : null,
        aspects: null,
        id: first.id,
      };
      try {
        if (flags.groupCol) samePrompt(group.items, flags.groupCol, flags.promptCol?.join('.') ?? 'prompt');
        await addPairs(candidates, first.line, out, pick(stableLine(group.key)));
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        // The group is the unit set aside: its first row's place, and where all its rows are.
        const record: SourceRecord = {
          value: undefined,
          raw: { prompt: first.prompt, lines: group.items.map((i) => i.line) },
          location: { source: inputs[first.input]!, unit: 'line', line: first.line },
        };
        await policy.setAside(record, err);
      }
    }
  }

  return runRows<PairsReport>(
    config,
    counts,
    {
      command: 'pairs',
      noun: 'prompts',
      run: async (out, policy) => {
        if (grouper) return pairLongInputs(out, policy);
        for (const input of inputs)
          await eachRecord(input, policy, (row, line) =>
            addTreePairs(candidatesOf(row, flags.score, flags), line, out),
          );
      },
      close: async () => grouper?.close(),
      report: (base) => ({
        ...base,
        ...(grouper ? { prompts, grouped_on_disk_rows: grouper.spilledRows } : {}),
        strategy: flags.strategy,
        min_gap: flags.minGap,
        score: flags.score,
        seed: flags.seed,
      }),
      summary: (report) => {
        const reasons = Object.entries(report.set_aside.by_reason)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        // What ordered the responses: ranks, a long-format score column, or the --score of the layout.
        const order = ranked
          ? 'by rank'
          : flags.scoreCol
            ? `--score-col ${flags.scoreCol.join('.')}`
            : `--score ${flags.score}`;
        return (
          `radpo pairs: ${counted(report.rows_read, grouper ? 'row' : 'prompt')} read` +
          `${grouper ? ` (${counted(report.prompts ?? 0, 'prompt')})` : ''}, ${counted(report.rows_written, 'pair')} ` +
          `written (--strategy ${flags.strategy}, ${order}); ` +
          `set aside: ${report.set_aside.total}` +
          `${reasons ? ` (${reasons})` : ''}\n`
        );
      },
    },
    io,
    runLogger(io, flags),
  );
}
