/** `radpo score`: attach judge scores to each pair, keeping input order; rows out, or a batch file. */
import { createReadStream } from 'node:fs';
import type { CommandContext, RunCommand } from '../../cli/command.js';
import { judgeRunConfig } from '../../cli/judge-config.js';
import { checkOutputPaths, resolveInputs } from '../../cli/rules.js';
import { serverFiles } from '../../cli/server-config.js';
import { RowError } from '../../core/errors.js';
import { getPath } from '../../core/path.js';
import { requireId } from '../../core/response-lists.js';
import { formatScore } from '../../core/goal.js';
import { contradictsLabel, isTie } from '../../core/relabel.js';
import type { Path } from '../../core/path.js';
import type { Io } from '../../io/io.js';
import { type Logger, runLogger } from '../../io/log.js';
import { JudgeSession } from '../../judge/session.js';
import { judgeStage } from '../../judge/stage.js';
import { isJsonFileName, openInput } from '../../pipeline/inputs.js';
import { fitRewardMapping } from '../../pipeline/reward-fit.js';
import { Progress } from '../../pipeline/progress.js';
import type { RowPolicy } from '../../pipeline/row-policy.js';
import type { RunOutput } from '../../pipeline/run-output.js';
import { runRows } from '../../pipeline/run-rows.js';
import type { BaseReport } from '../../pipeline/summary.js';
import { conflictLine, RunCounts } from '../../pipeline/summary.js';
import { counted, formatCount } from '../../pipeline/text.js';
import type { scoreFlags } from './flags.js';
import { type ScoreConfig, scoreConfig } from './config.js';

interface ScoreReport extends BaseReport {
  judge: Record<string, unknown>;
  batch: { file: string; requests: number } | null;
  /** Scored pairs, and those whose scores contradict their label (chosen scored lower). */
  scored_pairs: number;
  contradicting_label: number;
}

export const run: RunCommand<typeof scoreFlags> = async (args, flags, ctx: CommandContext) => {
  const { io, help, version } = ctx;
  const judge = await judgeRunConfig(flags, io, flags.scale, ctx.given('precision'));
  const inputs = resolveInputs(args, io, help);
  if (!inputs) return 'usage';
  const config = scoreConfig(flags, { inputs, version, judge });
  const files = serverFiles(config.judge.server);
  await checkOutputPaths(
    [...inputs, ...files.inputs],
    [
      ['-o', config.judge.server.emitBatch ? undefined : config.output],
      ['--rejects', config.rejects],
      ['--report', config.report],
      ...files.outputs,
    ],
  );
  const logger = runLogger(io, flags);
  await runScore(config, io, logger);
  return 'ok';
};

/** The row's --id-col value, when it has none that identifies it: the error that sets it aside. */
function missingId(value: unknown, column: Path): RowError | null {
  try {
    requireId(getPath(value, column), column);
    return null;
  } catch (err) {
    if (err instanceof RowError) return err;
    throw err;
  }
}

/** Only plain JSONL files are counted up front (a newline scan), for the progress line's total. */
async function countRecords(inputs: string[]): Promise<number | null> {
  let total = 0;
  for (const input of inputs) {
    if (input === '-' || input.startsWith('hf://') || !/\.jsonl$/i.test(input)) return null;
    for await (const chunk of createReadStream(input)) {
      let at = -1;
      while ((at = (chunk as Buffer).indexOf(10, at + 1)) >= 0) total += 1;
    }
  }
  return total;
}

/** The progress line: done/total, rate, ETA, cache hits, failures, tokens used. */
async function scoreProgress(
  config: ScoreConfig,
  session: JudgeSession,
  progress: Progress,
): Promise<(done: number) => void> {
  const total = progress.enabled ? await countRecords(config.inputs) : null;
  return (done) =>
    progress.update((seconds) => {
      const s = session.judge.stats;
      const rate = done / seconds;
      const eta = total && rate > 0 ? ` ETA ${Math.max(0, Math.round((total - done) / rate))}s` : '';
      return (
        `radpo score: ${done}${total ? `/${total}` : ''} rows, ${rate.toFixed(1)}/s${eta}, ${s.cacheHits}` +
        ` cached, ${s.failures} failed, ${s.promptTokens + s.completionTokens} tokens`
      );
    });
}

async function runScore(config: ScoreConfig, io: Io, logger: Logger): Promise<ScoreReport> {
  const session = await JudgeSession.open(config.judge, io, logger);
  const emitting = session.server.mode.emit;
  const counts = new RunCounts();
  const progress = new Progress(io, config.quiet);
  const stageOptions = { shape: config.shape, scores: config.scores, list: config.list };

  /** Every input through the judge stage (after the reward mapping's first pass, when it has one). */
  async function judgeInputs(out: RunOutput, policy: RowPolicy): Promise<void> {
    const show = await scoreProgress(config, session, progress);
    if (session.needsFit && !emitting) {
      await fitRewardMapping(session, config, stageOptions, io, show);
      logger.info({ mapping: session.mapping }, 'fitted the reward mapping');
    }
    for (const input of config.inputs) {
      const { name, records } = await openInput(input, config, io);
      const judged = judgeStage(records, session, { ...stageOptions, collectOnly: false }, isJsonFileName(name));
      for await (const batch of judged) {
        for (const record of batch) {
          counts.rowsRead += 1;
          if (record.duplicateKey) counts.addDuplicateKey({ key: record.duplicateKey, location: record.location });
          if (record.batchPending) continue;
          const idError = !record.error && config.idCol ? missingId(record.value, config.idCol) : null;
          if (record.error || idError) await policy.setAside(record, (record.error ?? idError)!);
          else if (!emitting) {
            const written = out.add(record.value as Record<string, unknown>);
            if (written) await written;
            counts.rowsWritten += 1;
            // A tie says nothing about its label: the conflict rate is over the pairs whose scores differ.
            if (record.scores && !isTie(record.scores)) {
              counts.labelled += 1;
              if (contradictsLabel(record.scores)) counts.contradicting += 1;
            }
          }
        }
        show(counts.rowsRead);
      }
    }
    progress.done();
  }

  return runRows<ScoreReport>(
    config,
    counts,
    {
      command: 'score',
      noRows: emitting,
      run: judgeInputs,
      beforeCommit: (out) => session.server.writeBatch((path) => out.file(path)),
      report: (base) => ({
        ...base,
        judge: session.report(),
        batch: emitting ? { file: config.judge.server.emitBatch!, requests: session.server.pending.size } : null,
        scored_pairs: counts.labelled,
        contradicting_label: counts.contradicting,
      }),
      conflictCause: () =>
        'does the judge score worse answers higher (a reward with the opposite sign), or does the label name ' +
        'the other response (--winner-values)?',
      summary: (report, seconds) => renderScoreSummary(report, session, seconds),
      close: async () => {
        progress.done();
        await session.close();
      },
    },
    io,
    logger,
  );
}

function renderScoreSummary(report: ScoreReport, session: JudgeSession, seconds: number): string {
  const j = report.judge;
  const reasons = Object.entries(report.set_aside.by_reason);
  const tokens = Number(j.prompt_tokens) + Number(j.completion_tokens);
  const reasonList = reasons.length ? ` (${reasons.map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
  const lines = [
    `radpo score: ${counted(report.rows_read, 'row')} read, ${formatCount(report.rows_written)} written to ` +
      `${report.output ?? '(nothing: batch file only)'} in ${seconds.toFixed(1)}s`,
    `  judge: ${j.kind} ${j.model}; ${j.http_requests} requests, ${j.cache_hits} cache hits, ` +
      `${j.failures} failures, ${tokens} tokens`,
    `  set aside: ${report.set_aside.total}${reasonList}`,
  ];
  if (report.scored_pairs > 0) lines.push(conflictLine(report.contradicting_label, report.scored_pairs));
  if (report.batch)
    lines.push(
      `  batch: ${report.batch.requests} requests written to ${report.batch.file}; run them, then: ` +
        'radpo score … --from-batch RESULTS.jsonl',
    );
  const { mapping } = session;
  if (mapping) {
    const range = `${formatScore(mapping.scale.min)}-${formatScore(mapping.scale.max)}`;
    lines.push(`  mapping: ${mapping.kind} onto ${range} ${JSON.stringify(mapping.fitted)}`);
  }
  return `${lines.join('\n')}\n`;
}
