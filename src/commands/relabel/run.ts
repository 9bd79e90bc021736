/**
 * `radpo relabel`: read pairs, attach scores, write the two goal-conditioned copies of each pair.
 * The I/O shell around the pure core (src/core): flags to config, then the run's steps in order.
 */
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { CommandContext, RunCommand } from '../../cli/command.js';
import type { FlagValues } from '../../cli/flags.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import { checkJudgeInputs, judgeRunConfig } from '../../cli/judge-config.js';
import { serverFiles } from '../../cli/server-config.js';
import {
  checkOutputPaths,
  errorPolicyRules,
  pairRunConfig,
  outputRules,
  resolveInputs,
  scoreColumnSpec,
  scoresFileSpec,
  stdinReadOnce,
} from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import type { Placement } from '../../core/goal.js';
import { OUTPUT_LAYOUTS, trainerConfig } from '../../core/output-layouts.js';
import { isGzipName, outputFileFormat } from '../../io/choices.js';
import type { Io } from '../../io/io.js';
import { runLogger } from '../../io/log.js';
import type { JudgeRunConfig } from '../../judge/session.js';
import { type RowsStage, runRows } from '../../pipeline/run-rows.js';
import { renderSummary, RunCounts, type RunReport } from '../../pipeline/summary.js';
import { CHECK_DEFAULTS } from '../../templates/check-defaults.js';
import type { ChatTemplate } from '../../templates/chat-template.js';
import type { relabelFlags } from './flags.js';
import { writeDatasetInfo } from './dataset-info.js';
import type { RelabelConfig } from './config.js';
import { RelabelRun } from './relabel-run.js';
import { resolveThreads } from './threads.js';
import { loadScoresFile } from '../../pipeline/scores-file.js';

type RelabelFlags = FlagValues<typeof relabelFlags>;

export const run: RunCommand<typeof relabelFlags> = async (args, flags, ctx) => {
  const judge = await judgeRunConfig(
    flags,
    ctx.io,
    ctx.given('scale') ? flags.scale : undefined,
    ctx.given('precision'),
  );
  if (judge?.server.emitBatch)
    throw usageError(
      '--emit-batch belongs to radpo score (it writes requests, not pairs)',
      'radpo score … --emit-batch requests.jsonl',
    );
  const inputs = resolveInputs(args, ctx.io, ctx.help);
  if (!inputs) return 'usage';
  checkJudgeInputs(judge, inputs);
  // The template engine loads only when a template is given: a plain relabel starts without it.
  let chat: ChatTemplate | null = null;
  let autoPlaced: Placement | null = null;
  if (flags.chatTemplate) {
    const { autoPlacement, loadChatTemplate } = await import('../../templates/chat-template.js');
    chat = loadChatTemplate(flags.chatTemplate);
    autoPlaced = autoPlacement(chat);
  }
  const config = relabelConfig(inputs, flags, judge, chat, autoPlaced, ctx);
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

/** Flags to config: relabel's own rules between flags, then every value in its final form. */
function relabelConfig(
  inputs: string[],
  flags: RelabelFlags,
  judge: JudgeRunConfig | null,
  chat: ChatTemplate | null,
  /** What --placement auto means with the chat template (null without one). */
  autoPlaced: Placement | null,
  ctx: CommandContext,
): RelabelConfig {
  stdinReadOnce(inputs);
  if ((flags.scores === undefined) !== (flags.key === undefined))
    throw usageError('--scores and --key go together', 'for example --scores scores.jsonl --key prompt_id');
  errorPolicyRules(flags);
  outputRules(flags);
  if (flags.printConfig && flags.output === '-')
    throw usageError('--print-config needs -o FILE: the snippet points the trainer at that file');
  const fileFormat = outputFileFormat(flags.output, flags.outputFormat);
  const unloadable =
    flags.output === '-' ? null : OUTPUT_LAYOUTS[flags.format].unloadable(fileFormat, isGzipName(flags.output));
  if (unloadable && !(flags.jsonInCsv && fileFormat === 'csv' && !isGzipName(flags.output))) {
    throw usageError(
      `${unloadable}: -o ${flags.output} would write a file the trainer cannot load`,
      flags.format === 'llamafactory' && isGzipName(flags.output)
        ? 'write -o FILE.jsonl (or .json, .parquet)'
        : `write -o FILE.jsonl, .json or .parquet, or use --format text for CSV (--json-in-csv writes the ` +
            `JSON cells anyway, for people and spreadsheets)`,
    );
  }
  if (flags.placement === 'auto' && !chat)
    throw usageError(
      '--placement auto needs --chat-template FILE',
      'the template tells whether a system message is accepted',
    );
  if (chat && flags.output === '-')
    throw usageError('--chat-template needs -o FILE: the written file is checked with the template');
  let scores = scoreColumnSpec(flags);
  // A judge that scores several attributes (--rubric ultrafeedback-aspects) makes a multi-attribute goal.
  const judgeAttributes = judge?.judge.kind === 'chat' ? judge.judge.rubric.attributes : null;
  if (judgeAttributes && !scores.attributes)
    scores = {
      attributes: judgeAttributes.map((name) => ({
        name,
        chosen: ['score_chosen', name],
        rejected: ['score_rejected', name],
      })),
    };
  const attributes = scores.attributes?.map((a) => a.name) ?? null;
  const scaleExplicit = ctx.given('scale');
  const run = pairRunConfig(inputs, flags, ctx.version);
  // With a scores file, --score-a-col/--score-b-col name its columns, not the input's.
  if (flags.scores) run.shape = { ...run.shape, winnerScores: undefined };
  return {
    ...flags,
    ...run,
    scores,
    scoresFile: flags.scores ? { path: flags.scores, spec: scoresFileSpec(flags, scores) } : undefined,
    // A judge decides the scale unless --scale says otherwise: a chat judge its rubric's, a reward model's mapping.
    goal: readGoalSpec(
      { scale: judge && !scaleExplicit ? judge.scale : flags.scale, goalTemplate: flags.goalTemplate },
      attributes,
    ),
    judge: judge ?? undefined,
    scaleExplicit,
    roundDigits: ctx.given('precision') ? flags.precision : null,
    goalTemplateName: flags.goalTemplate ?? 'paper',
    placement: flags.format === 'text' ? 'system' : flags.placement === 'auto' ? autoPlaced! : flags.placement,
    fastPath: ctx.io.env.RADPO_FAST_PATH !== '0',
    poolAfterBytes:
      ctx.io.env.RADPO_POOL_AFTER_BYTES === undefined ? undefined : Number(ctx.io.env.RADPO_POOL_AFTER_BYTES),
    workerScript: ctx.io.relabelWorker,
  };
}

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
