/**
 * `radpo relabel`: read pairs, attach scores, write the two goal-conditioned copies of each pair.
 * The I/O shell around the pure core (src/core): flags to config, then the run's steps in order.
 */
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { RunCommand } from '../../cli/command.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import { judgeRunConfig } from '../../cli/judge-config.js';
import { serverFiles } from '../../cli/server-config.js';
import { checkOutputPaths, resolveInputs } from '../../cli/rules.js';
import type { Placement } from '../../core/goal.js';
import { trainerConfig } from '../../core/output-layouts.js';
import type { Io } from '../../io/io.js';
import { type Logger, runLogger } from '../../io/log.js';
import { type RowsStage, runRows } from '../../pipeline/run-rows.js';
import { renderSummary, RunCounts, type RunReport } from '../../pipeline/summary.js';
import { CHECK_DEFAULTS } from '../../templates/check-defaults.js';
import type { ChatTemplate } from '../../templates/chat-template.js';
import type { relabelFlags } from './flags.js';
import { writeDatasetInfo } from './dataset-info.js';
import { type RelabelConfig, relabelConfig } from './config.js';
import { RelabelRun } from './relabel-run.js';
import { resolveThreads } from './threads.js';
import { loadScoresFile } from '../../pipeline/scores-file.js';

export const run: RunCommand<typeof relabelFlags> = async (args, flags, ctx) => {
  const judge = await judgeRunConfig(
    flags,
    ctx.io,
    ctx.given('scale') ? flags.scale : undefined,
    ctx.given('precision'),
  );
  const inputs = resolveInputs(args, ctx.io, ctx.help);
  if (!inputs) return 'usage';
  // The template engine loads only when a template is given: a plain relabel starts without it.
  let chat: ChatTemplate | null = null;
  let autoPlaced: Placement | null = null;
  if (flags.chatTemplate) {
    const { autoPlacement, loadChatTemplate } = await import('../../templates/chat-template.js');
    chat = loadChatTemplate(flags.chatTemplate);
    autoPlaced = autoPlacement(chat);
  }
  const config = relabelConfig(flags, {
    inputs,
    version: ctx.version,
    given: ctx.given,
    env: ctx.io.env,
    judge,
    autoPlaced,
    workerScript: ctx.io.relabelWorker,
  });
  config.goal = readGoalSpec({ scale: config.goal.scale, goalTemplate: flags.goalTemplate }, config.goal.attributes);
  await checkOutputPaths(
    [...inputs, ...[flags.scores, flags.goalTemplate, flags.chatTemplate].filter((p): p is string => p !== undefined)],
    [
      ['-o', config.output],
      ['--rejects', config.rejects],
      ['--report', config.report],
      [
        'dataset_info.json (beside -o for --format llamafactory)',
        config.format === 'llamafactory' && config.output !== '-'
          ? join(dirname(config.output), 'dataset_info.json')
          : undefined,
      ],
      ...serverFiles(judge?.server).outputs,
    ],
  );
  const logger = runLogger(ctx.io, flags);
  if (flags.placement === 'auto')
    logger.info(
      `--placement ` +
        `auto: ${config.placement} (${flags.chatTemplate} ${config.placement === 'system' ? 'accepts' : 'rejects'}` +
        ` a system ` +
        `message)`,
    );
  await runRelabel(config, ctx.io, logger);
  if (!chat) return 'ok';
  // --chat-template: the written file is checked with the model's template.
  const { checkFile, renderCheck } = await import('../../templates/check.js');
  const report = await checkFile(
    {
      input: config.output,
      chat,
      goal: config.goal,
      maxPromptLength: Number(CHECK_DEFAULTS.maxPromptLength),
      maxLength: Number(CHECK_DEFAULTS.maxLength),
      maxListed: Number(CHECK_DEFAULTS.maxListed),
    },
    ctx.io,
  );
  if (!config.quiet || report.errors > 0) ctx.io.stderr.write(renderCheck(report));
  return report.errors > 0 ? 'failed' : 'ok';
};

/** The run: the judge (when asked for), every input relabeled, then the files that go with the output. */
async function runRelabel(config: RelabelConfig, io: Io, logger: Logger): Promise<RunReport> {
  const joined =
    config.scoresFile && config.key
      ? await loadScoresFile(
          config.scoresFile.path,
          config.key,
          config.scoresFile.spec,
          config.goal.scale,
          config.maxLineBytes,
          io,
          config.words,
        )
      : null;
  const workers = resolveThreads(config.threads, availableParallelism());
  const counts = new RunCounts();
  let relabel: RelabelRun | null = null;
  const stage: RowsStage<RunReport> = {
    command: 'relabel',
    spool: config.order === 'concat',
    // CSV read by people (spreadsheets): the text layout and --json-in-csv. Training text never starts
    // with = + - @ there (prompts start with the goal, answers with the space that joins them).
    guardFormulas: config.format === 'text' || config.jsonInCsv,
    gzipLevel: config.gzipLevel,
    run: async (out, policy) => {
      relabel = new RelabelRun(config, out, policy, counts, joined, workers, io, logger);
      await relabel.openJudge();
      for (const input of config.inputs) await relabel.readInput(input);
      relabel.progress.done();
    },
    report: (base) => relabel!.report(base),
    summary: renderSummary,
    beforeCommit: async (out, empty) => {
      if (!empty && config.format === 'llamafactory' && config.output !== '-')
        await writeDatasetInfo(config.output, relabel!.hasTools, (path) => out.file(path));
    },
    afterCommit: async (_report, empty) => {
      if (!empty && config.printConfig) io.stdout.write(trainerConfig(config.format, resolve(io.cwd, config.output)));
    },
    conflictCause: () => relabel!.conflictCause(),
    warnings: () => relabel?.warnings(),
    close: async () => relabel?.close(),
  };
  const shard = config.shard ? `${config.shard.index}/${config.shard.count}` : undefined;
  return runRows(config, counts, stage, io, logger, shard);
}
