import { z } from 'zod';
import { OUTPUT_FILE_FORMATS } from '../io/output.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, usageError } from '../core/errors.js';
import type { Placement } from '../core/goal.js';
import { autoPlacement, loadChatTemplate, renderCheck, runCheck } from '../commands/check.js';
import { OUTPUT_FORMATS } from '../core/formats.js';
import { parseAttr, resolveScoreColumns } from '../core/scores.js';
import { parsePath } from '../core/path.js';
import { parseShard } from '../core/shard.js';
import { runRelabel, type RelabelConfig } from '../commands/relabel.js';
import { useColor, type Io } from './io.js';
import { createLogger } from './log.js';
import { version } from './main.js';
import { commonRunConfig, ErrorOptions, goalSpec, InputOptions, parseCount, resolveInputs, validate } from './options.js';
import { checkJudgeInputs, judgeRunConfig } from './judge-options.js';

const RelabelOptions = InputOptions.merge(ErrorOptions).extend({
  output: z.string().min(1),
  outputFormat: z.enum(OUTPUT_FILE_FORMATS).optional(),
  format: z.enum(OUTPUT_FORMATS),
  printConfig: z.boolean().optional(),
  placement: z.enum(['system', 'user', 'auto']),
  chatTemplate: z.string().optional(),
  order: z.enum(['interleave', 'concat']),
  goalTemplate: z.string().optional(),
  scale: z.string(),
  ties: z.enum(['keep', 'drop']),
  identical: z.enum(['drop', 'keep']),
  allowEmpty: z.boolean().optional(),
  chosenScoreCol: z.string().optional(),
  rejectedScoreCol: z.string().optional(),
  attr: z.array(z.string()).optional(),
  scores: z.string().optional(),
  key: z.string().optional(),
  shard: z.string().optional(),
  threads: z.string().optional(),
  gzipLevel: z.string().optional(),
});

function gzipLevel(text: string): number {
  const level = parseCount(text, '--gzip-level');
  if (level < 1 || level > 9) throw usageError(`--gzip-level must be from 1 to 9, got ${level}`);
  return level;
}

export async function relabelCommand(inputs: string[], rawOptions: Record<string, unknown>, io: Io, help: () => string, scaleGiven = false): Promise<number> {
  const o = validate(RelabelOptions, rawOptions);
  const judge = judgeRunConfig(rawOptions, io, scaleGiven ? o.scale : undefined);
  if (judge?.emitBatch) throw usageError('--emit-batch belongs to radpo score (it writes requests, not pairs)', 'radpo score … --emit-batch requests.jsonl');
  const resolved = resolveInputs(inputs, io, help);
  if (!resolved) return EXIT_USAGE;
  inputs = resolved;
  checkJudgeInputs(judge, inputs);
  if (inputs.filter((i) => i === '-').length > 1) throw usageError('stdin ("-") can be read only once');
  if ((o.scores === undefined) !== (o.key === undefined)) throw usageError('--scores and --key go together', 'for example --scores scores.jsonl --key prompt_id');
  if (o.onError === 'skip' && !o.rejects) {
    throw usageError('--on-error skip needs --rejects FILE, so that every set-aside row is kept with its reason', 'pass --rejects rejects.jsonl (or --rejects /dev/null to discard them knowingly)');
  }
  if (o.maxErrors !== undefined && o.onError !== 'skip') throw usageError('--max-errors only applies with --on-error skip');
  if ((o.outputFormat === 'parquet' || /\.parquet$/i.test(o.output)) && (o.output === '-' || /\.gz$/i.test(o.output))) {
    throw usageError('Parquet output needs -o FILE.parquet (not stdout, not .gz: Parquet compresses its own pages)');
  }
  if (o.printConfig && o.output === '-') throw usageError('--print-config needs -o FILE: the snippet points the trainer at that file');
  if (o.rejects === '-' && o.output === '-') throw usageError('--rejects - and the output cannot both go to stdout', 'write the output with -o FILE');
  for (const [flag, path] of [['--rejects', o.rejects], ['--report', o.report]] as const) {
    if (path !== undefined && path !== '-' && path === o.output) throw usageError(`${flag} names the same file as -o`);
  }
  // Check every path flag now, not when the first record arrives (a typo should not cost a file open).
  const pathFlags: Array<[string, string | undefined]> = [
    ['--prompt-col', o.promptCol], ['--chosen-col', o.chosenCol], ['--rejected-col', o.rejectedCol], ['--system-col', o.systemCol],
    ['--id-col', o.idCol], ['--key', o.key],
  ];
  for (const [flag, value] of pathFlags) if (value !== undefined) parsePath(value, flag);
  resolveScoreColumns({}, { chosenScoreCol: o.chosenScoreCol, rejectedScoreCol: o.rejectedScoreCol, attr: o.attr });
  // --chat-template: pick the placement the template supports (auto), and check the output with it.
  const chat = o.chatTemplate ? loadChatTemplate(o.chatTemplate) : null;
  if (o.placement === 'auto' && !chat) throw usageError('--placement auto needs --chat-template FILE', 'the template tells whether a system message is accepted');
  if (chat && o.output === '-') throw usageError('--chat-template needs -o FILE: the written file is checked with the template');
  const placement: Placement = o.format === 'text' ? 'system' : o.placement === 'auto' ? autoPlacement(chat!) : o.placement;
  // A judge that scores several attributes (--rubric ultrafeedback-aspects) makes a multi-attribute goal.
  const judgeAttributes = judge?.judge.kind === 'chat' ? judge.judge.rubric.attributes : null;
  if (judgeAttributes && (!o.attr || o.attr.length === 0)) o.attr = judgeAttributes.map((a) => `${a}=score_chosen.${a},score_rejected.${a}`);
  const attributes = o.attr && o.attr.length > 0 ? o.attr.map((a) => parseAttr(a).name) : null;
  const config: RelabelConfig = {
    ...commonRunConfig(inputs, o, version()),
    scores: { chosenScoreCol: o.chosenScoreCol, rejectedScoreCol: o.rejectedScoreCol, attr: o.attr },
    scoresFile: o.scores,
    key: o.key,
    idCol: o.idCol,
    // A judge decides the scale unless --scale says otherwise: a chat judge its rubric's, a reward model's mapping.
    goal: goalSpec({ scale: judge && !scaleGiven ? `${judge.scale.min}-${judge.scale.max}` : o.scale, goalTemplate: o.goalTemplate }, attributes),
    judge: judge ?? undefined,
    scaleExplicit: scaleGiven,
    goalTemplateName: o.goalTemplate ?? 'paper',
    // The text format puts the goal at the front of the prompt string whatever the placement.
    placement,
    order: o.order,
    ties: o.ties,
    identical: o.identical,
    allowEmpty: o.allowEmpty === true,
    format: o.format,
    printConfig: o.printConfig === true,
    shard: o.shard ? parseShard(o.shard) : undefined,
    fastPath: io.env.RADPO_FAST_PATH !== '0',
    gzipLevel: o.gzipLevel === undefined ? undefined : gzipLevel(o.gzipLevel),
    workers: o.threads === undefined ? undefined : parseCount(o.threads, '--threads'),
  };
  const logger = createLogger(io, o.quiet && o.logLevel === 'warn' ? 'error' : o.logLevel, o.logFormat, useColor(io, o.color));
  if (o.placement === 'auto') logger.info(`--placement auto: ${placement} (${o.chatTemplate} ${placement === 'system' ? 'accepts' : 'rejects'} a system message)`);
  await runRelabel(config, io, logger);
  if (chat) {
    const report = await runCheck({ input: config.output, chat, goal: config.goal, maxPromptLength: 512, maxLength: 1024, maxListed: 10 }, io);
    if (!config.quiet || report.errors > 0) io.stderr.write(renderCheck(report));
    if (report.errors > 0) return EXIT_FAILED;
  }
  return EXIT_OK;
}
