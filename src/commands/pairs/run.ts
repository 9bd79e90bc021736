/**
 * `radpo pairs`: several scored responses per prompt in, preference pairs out, ready for relabel:
 * `prompt`, `chosen`, `rejected`, `score_chosen`, `score_rejected` (and per-aspect ratings, for
 * multi-attribute goals). Reads radpo's own `responses`/`scores` rows and the openbmb/UltraFeedback layout.
 */
import type { RunCommand } from '../../cli/command.js';
import {
  checkOutputPaths,
  errorPolicyRules,
  outputRules,
  resolveInputs,
  runConfig,
  stdinReadOnce,
} from '../../cli/rules.js';
import { RadpoError, RowError, preview } from '../../core/errors.js';
import type { Path } from '../../core/path.js';
import { getPath } from '../../core/path.js';
import { defaultIdColumn } from '../../core/ids.js';
import { pickPairs, type PickOptions } from '../../core/pairs.js';
import type { Io } from '../../io/io.js';
import { runLogger } from '../../io/log.js';
import { parseJsonRecord } from '../../io/records.js';
import { isJsonFileName, openInput } from '../../pipeline/inputs.js';
import type { RowPolicy } from '../../pipeline/row-policy.js';
import type { RunOutput } from '../../pipeline/run-output.js';
import { runRows } from '../../pipeline/run-rows.js';
import type { BaseReport } from '../../pipeline/summary.js';
import { RunCounts } from '../../pipeline/summary.js';
import { counted } from '../../pipeline/text.js';
import type { pairsFlags } from './flags.js';

/** One prompt's responses with the score that ranks them, and every aspect rating they carry. */
interface Candidates {
  prompt: unknown;
  responses: unknown[];
  scores: number[];
  aspects: Array<Record<string, number>> | null;
  /** The row's own id (id, prompt_id, …), carried into every pair so relabel can name it as source_id. */
  id: { name: string; value: unknown } | null;
}

const num = (v: unknown) =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;

/**
 * An openbmb/UltraFeedback aspect rating: {"Rating": "4"} (or a list of them, in some releases); "N/A" is no rating.
 */
function rating(annotation: unknown): number {
  const a = Array.isArray(annotation) ? annotation[0] : annotation;
  return a && typeof a === 'object' ? num((a as { Rating?: unknown }).Rating) : Number.NaN;
}

/** Read one row into candidates, from either layout; `score` names what ranks the responses. */
function candidatesOf(row: Record<string, unknown>, score: string, promptCol: Path | undefined): Candidates {
  if (Array.isArray(row.completions) && promptCol === undefined && typeof row.instruction === 'string') {
    const completions = row.completions as Array<Record<string, unknown>>;
    const aspects = completions.map(
      (c) =>
        Object.fromEntries(
          Object.entries((c.annotations as Record<string, unknown>) ?? {})
            .map(([name, a]) => [name, rating(a)])
            .filter(([, r]) => Number.isFinite(r)),
        ) as Record<string, number>,
    );
    const scores = completions.map((c, i) =>
      score === 'overall'
        ? num(c.overall_score)
        : score === 'fine-grained'
          ? num(c['fine-grained_score'])
          : (aspects[i]![score] ?? Number.NaN),
    );
    return { prompt: row.instruction, responses: completions.map((c) => c.response), scores, aspects, id: idOf(row) };
  }
  const prompt = promptCol ? getPath(row, promptCol) : row.prompt;
  if (prompt === undefined)
    throw new RowError('missing_field', 'the row has no prompt', {
      field: promptCol?.join('.') ?? 'prompt',
      expected: 'a prompt string or message list',
      found: 'no such column',
      hint: 'name it with --prompt-col',
    });
  if (!Array.isArray(row.responses))
    throw new RowError('missing_field', 'the row has no list of responses', {
      field: 'responses',
      expected: 'a list of responses (radpo generate writes it)',
      found: preview(row.responses),
    });
  if (!Array.isArray(row.scores) || row.scores.length !== row.responses.length) {
    throw new RowError('bad_score', 'the responses have no list of scores of the same length', {
      field: 'scores',
      expected: `${row.responses.length} scores (radpo score writes them)`,
      found: preview(row.scores),
      hint: 'score the responses first: radpo score FILE --judge chat|reward …',
    });
  }
  const objects = row.scores.every((s) => s !== null && typeof s === 'object');
  const scores = row.scores.map((s) => (objects ? num((s as Record<string, unknown>)[score]) : num(s)));
  return {
    prompt,
    responses: row.responses,
    scores,
    aspects: objects ? (row.scores as Array<Record<string, number>>) : null,
    id: idOf(row),
  };
}

/** The row's id column and value (id, prompt_id, uid, …), or null. */
function idOf(row: Record<string, unknown>): Candidates['id'] {
  const column = defaultIdColumn(row);
  return column ? { name: column[0]!, value: row[column[0]!] } : null;
}

/** The pairs of one row, as output rows. Responses without a usable score take no part. */
function pairRows(c: Candidates, options: PickOptions, line: number): Array<Record<string, unknown>> {
  const usable = c.scores.map((s, i) => [s, i] as const).filter(([s]) => Number.isFinite(s));
  if (usable.length === 0 && c.scores.length > 0) {
    throw new RowError('bad_score', 'no response has a usable score', {
      field: 'scores',
      expected: 'a number for at least two of the responses',
      found: preview(c.scores),
      hint: 'score the responses first: radpo score FILE --judge chat|reward …',
    });
  }
  const picked = pickPairs(
    usable.map(([s]) => s),
    options,
  );
  return picked.map(([a, b]) => {
    const [i, j] = [usable[a]![1], usable[b]![1]];
    const row: Record<string, unknown> = {
      prompt: c.prompt,
      chosen: c.responses[i],
      rejected: c.responses[j],
      score_chosen: c.scores[i],
      score_rejected: c.scores[j],
    };
    if (c.aspects) {
      row.chosen_aspects = c.aspects[i];
      row.rejected_aspects = c.aspects[j];
    }
    if (c.id) row[c.id.name] = c.id.value;
    row.source_line = line;
    return row;
  });
}

interface PairsReport extends BaseReport {
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

  async function pairInput(input: string, out: RunOutput, policy: RowPolicy): Promise<void> {
    const { name, records } = await openInput(input, config, io);
    for await (const batch of records) {
      if (io.signal?.aborted)
        throw new RadpoError('interrupted', 'interrupted; no output was written under the final name');
      for (const raw of batch) {
        counts.rowsRead += 1;
        const record = parseJsonRecord(raw, isJsonFileName(name));
        if (record.duplicateKey) counts.addDuplicateKey({ key: record.duplicateKey, location: record.location });
        try {
          if (record.error) throw record.error;
          const candidates = candidatesOf(record.value as Record<string, unknown>, flags.score, flags.promptCol);
          for (const row of pairRows(candidates, pick(record.location.line), record.location.line)) {
            const written = out.add(row);
            if (written) await written;
            counts.rowsWritten += 1;
          }
        } catch (err) {
          if (!(err instanceof RowError)) throw err;
          await policy.setAside(record, err);
        }
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
        for (const input of inputs) await pairInput(input, out, policy);
      },
      report: (base) => ({
        ...base,
        strategy: flags.strategy,
        min_gap: flags.minGap,
        score: flags.score,
        seed: flags.seed,
      }),
      summary: (report) => {
        const reasons = Object.entries(report.set_aside.by_reason)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        return (
          `radpo pairs: ${counted(report.rows_read, 'prompt')} read, ${counted(report.rows_written, 'pair')} ` +
          `written (--strategy ${flags.strategy}, --score ${flags.score}); set aside: ${report.set_aside.total}` +
          `${reasons ? ` (${reasons})` : ''}\n`
        );
      },
    },
    io,
    runLogger(io, flags),
  );
}
