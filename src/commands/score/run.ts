/** `radpo score`: attach judge scores to each pair, keeping input order; rows out, or a batch file. */
import { createReadStream } from 'node:fs';
import type { Logger } from 'pino';
import type { CommandContext, RunCommand } from '../../cli/command.js';
import { checkJudgeInputs, judgeRunConfig } from '../../cli/judge-config.js';
import {
  checkOutputPaths,
  commonRunConfig,
  errorPolicyRules,
  outputRules,
  resolveInputs,
  scoreColumnSpec,
  stdinReadOnce,
} from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import { formatScore } from '../../core/goal.js';
import type { ScoreColumnSpec } from '../../core/scores.js';
import { runLogger } from '../../io/log.js';
import { writeJsonLines } from '../../io/output.js';
import type { JudgeRunConfig } from '../../judge/session.js';
import { JudgeSession } from '../../judge/session.js';
import { judgeStage } from '../../judge/stage.js';
import type { CommonRunConfig } from '../../pipeline/config.js';
import { fitRewardMapping, isJsonFileName, openInput } from '../../pipeline/inputs.js';
import { Progress } from '../../pipeline/progress.js';
import { counted, formatCount } from '../../pipeline/text.js';
import { RowPolicy } from '../../pipeline/row-policy.js';
import { RunOutput } from '../../pipeline/run-output.js';
import { nothingWrittenError, RunCounts, setAsideReport } from '../../pipeline/summary.js';
import type { scoreFlags } from './flags.js';

interface ScoreConfig extends CommonRunConfig {
  scores: ScoreColumnSpec;
  run: JudgeRunConfig;
}

export const run: RunCommand<typeof scoreFlags> = async (args, o, ctx: CommandContext) => {
  const { io, help, version } = ctx;
  const judge = judgeRunConfig(o, io, o.scale, ctx.given('precision'));
  if (!judge)
    throw usageError(
      'radpo score needs --judge chat or --judge reward',
      'for example: radpo score pairs.jsonl --judge chat --judge-url http://localhost:8000/v1 --judge-model ' +
        'judge -o scored.jsonl',
    );
  const inputs = resolveInputs(args, io, help);
  if (!inputs) return 'usage';
  stdinReadOnce(inputs);
  checkJudgeInputs(judge, inputs);
  errorPolicyRules(o);
  outputRules(o);
  await checkOutputPaths(
    [...inputs, ...judge.fromBatch],
    [
      ['-o', judge.emitBatch ? undefined : o.output],
      ['--rejects', o.rejects],
      ['--report', o.report],
      ['--emit-batch', judge.emitBatch],
      ['--cache', judge.cachePath ?? undefined],
    ],
  );
  const logger = runLogger(io, o);
  await runScore({ ...commonRunConfig(inputs, o, version), scores: scoreColumnSpec(o), run: judge }, io, logger);
  return 'ok';
};

/** Only plain JSONL files are counted up front (a newline scan), for the progress line's total. */
async function countRecords(inputs: string[]): Promise<number | null> {
  let total = 0;
  for (const input of inputs) {
    if (input === '-' || !/\.jsonl$/i.test(input)) return null;
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

async function runScore(
  config: ScoreConfig,
  io: CommandContext['io'],
  logger: Logger,
): Promise<Record<string, unknown>> {
  const started = Date.now();
  const emitting = config.run.emitBatch !== undefined;
  const session = await JudgeSession.open(config.run, io, logger);
  const counts = new RunCounts();
  const progress = new Progress(io, config.quiet);
  let out: RunOutput | null = null;
  try {
    out = await RunOutput.open(
      {
        output: config.output,
        outputFormat: config.outputFormat,
        rejects: config.rejects,
        report: config.report,
        noRows: emitting,
      },
      io,
    );
    const policy = new RowPolicy(config, counts, out.rejects);
    const show = await scoreProgress(config, session, progress);
    const stage = { shape: config.shape, scores: config.scores };
    if (session.needsFit && !emitting) {
      await fitRewardMapping(session, config, stage, io, show);
      logger.info({ mapping: session.mapping }, 'fitted the reward mapping');
    }
    for (const input of config.inputs) {
      const { name, records } = await openInput(input, config, io);
      for await (const batch of judgeStage(records, session, { ...stage, collectOnly: false }, isJsonFileName(name))) {
        for (const record of batch) {
          counts.rowsRead += 1;
          if (record.duplicateKey) counts.addDuplicateKey({ key: record.duplicateKey, location: record.location });
          if (record.batchPending) continue;
          if (record.error) await policy.setAside(record, record.error);
          else if (!emitting) {
            const w = out.add(record.value as Record<string, unknown>);
            if (w) await w;
            counts.rowsWritten += 1;
          }
        }
        show(counts.rowsRead);
      }
    }
    progress.done();
    if (emitting) await writeJsonLines(config.run.emitBatch!, session.judge.batch.values());
    await out.finish();
    const report = {
      command: 'score',
      radpo_version: config.version,
      output: emitting ? null : config.output === '-' ? '<stdout>' : config.output,
      rows_read: counts.rowsRead,
      rows_written: counts.rowsWritten,
      set_aside: setAsideReport(counts),
      judge: session.report(),
      batch: emitting ? { file: config.run.emitBatch, requests: session.judge.batch.size } : null,
    };
    const empty = !emitting && counts.rowsWritten === 0 && !config.allowEmptyOutput;
    await out.commit(report, { rows: !empty });
    if (!config.quiet) io.stderr.write(renderScoreSummary(report, session, config, (Date.now() - started) / 1000));
    const duplicates = counts.duplicateKeyWarning();
    if (duplicates) logger.warn(duplicates);
    const unsaved = counts.unsavedSetAsideWarning(out.rejects !== null);
    if (unsaved) logger.warn(unsaved);
    if (empty) throw nothingWrittenError(counts, config.inputs, config.rejects);
    return report;
  } finally {
    progress.done();
    await out?.close();
    await session.close();
  }
}

function renderScoreSummary(
  report: {
    output: string | null;
    rows_read: number;
    rows_written: number;
    set_aside: { total: number; by_reason: Record<string, number> };
    judge: Record<string, unknown>;
  },
  session: JudgeSession,
  config: ScoreConfig,
  seconds: number,
): string {
  const j = report.judge;
  const reasons = Object.entries(report.set_aside.by_reason);
  const lines = [
    `radpo score: ${counted(report.rows_read, 'row')} read, ${formatCount(report.rows_written)} written to ${
      report.output ?? '(nothing: ' + 'batch file only)'
    } in ${seconds.toFixed(1)}s`,
    `  judge: ${j.kind} ${j.model}; ${j.http_requests} requests, ${j.cache_hits} cache ` +
      `hits, ${j.failures} failures, ${Number(j.prompt_tokens) + Number(j.completion_tokens)} tokens`,
    `  set aside: ${report.set_aside.total}${
      reasons.length ? ` (${reasons.map(([k, v]) => `${k}` + ` ${v}`).join(', ')})` : ''
    }`,
  ];
  if (config.run.emitBatch)
    lines.push(
      `  batch: ${session.judge.batch.size} requests written to ${config.run.emitBatch}; run them, then: ` +
        `radpo score … --from-batch RESULTS.jsonl`,
    );
  if (session.mapping)
    lines.push(
      `  mapping: ${session.mapping.kind}` +
        ` onto ${formatScore(session.mapping.scale.min)}` +
        `-${formatScore(session.mapping.scale.max)} ${JSON.stringify(session.mapping.fitted)}`,
    );
  return `${lines.join('\n')}\n`;
}
