/**
 * What a relabel run is configured with: every flag's typed value as parsed from the table (so a new
 * flag is in the config with no other edit), with the values that need more than parsing replaced by
 * their final form (score columns, goal, placement, judge) and the common run settings.
 */
import type { FlagValues } from '../../cli/flags.js';
import {
  checkJudgeInputs,
  errorPolicyRules,
  outputRules,
  pairRunConfig,
  scoreColumnSpec,
  scoresFileSpec,
  stdinReadOnce,
} from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import type { GoalSpec, Placement } from '../../core/goal.js';
import { OUTPUT_LAYOUTS } from '../../core/output-layouts.js';
import { isGzipName, outputFileFormat } from '../../io/choices.js';
import type { ScoreColumnSpec } from '../../core/scores.js';
import type { JudgeRunConfig } from '../../judge/session.js';
import type { PairRunConfig } from '../../pipeline/config.js';
import type { ScoresFileSpec } from '../../pipeline/scores-file.js';
import type { relabelFlags } from './flags.js';

type RelabelFlags = FlagValues<typeof relabelFlags>;

interface Resolved {
  scores: ScoreColumnSpec;
  /** The --scores file (the flag's own name holds the resolved score columns) and how its columns are read. */
  scoresFile?: { path: string; spec: ScoresFileSpec };
  goal: GoalSpec;
  goalTemplateName: string;
  /** --placement auto resolved with the chat template; the text format always puts the goal first. */
  placement: Placement;
  /** The byte-level JSON fast path (on by default; its output is byte-identical to the plain path). */
  fastPath: boolean;
  /** --scale was given (else the default 1-10, or the judge's). */
  scaleExplicit: boolean;
  /** --precision given: goal scores rounded to this many digits (null: written as they are). */
  roundDigits: number | null;
  /** Score rows without scores with a judge first (relabel --judge). */
  judge?: JudgeRunConfig;
  /** Start worker threads after this many input bytes (RADPO_POOL_AFTER_BYTES: tests run small inputs through them). */
  poolAfterBytes?: number;
  /** The worker threads' script (Io.relabelWorker; else the compiled one beside the pool). */
  workerScript?: URL;
}

export type RelabelConfig = Omit<RelabelFlags, keyof Resolved | keyof PairRunConfig> & Resolved & PairRunConfig;

/** What relabel takes from the command line around its flags, and from the environment it is handed. */
export interface RelabelFacts {
  inputs: string[];
  version: string;
  /** Was the flag given (or set by --config) rather than left at its default? */
  given(key: string): boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** The judge's configuration (cli/judge-config.ts reads the environment and rubric file); null: no --judge. */
  judge: JudgeRunConfig | null;
  /** What --placement auto means with the loaded --chat-template (null without one). */
  autoPlaced: Placement | null;
  workerScript?: URL;
}

/**
 * Flags to config, pure: relabel's rules between flags (the shared ones from cli/rules.ts), then every value
 * in its final form. `goal.template` is left null: the --goal-template file is read by run.ts (readGoalSpec),
 * with the scale and attributes decided here. Table-tested in test/commands/relabel/config.test.ts.
 */
export function relabelConfig(flags: RelabelFlags, facts: RelabelFacts): RelabelConfig {
  const { inputs, judge, given, env } = facts;
  if (judge?.server.emitBatch)
    throw usageError(
      '--emit-batch belongs to radpo score (it writes requests, not pairs)',
      'radpo score … --emit-batch requests.jsonl',
    );
  stdinReadOnce(inputs);
  checkJudgeInputs(judge, inputs);
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
  if (flags.placement === 'auto' && !flags.chatTemplate)
    throw usageError(
      '--placement auto needs --chat-template FILE',
      'the template tells whether a system message is accepted',
    );
  if (flags.chatTemplate && flags.output === '-')
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
  const scaleExplicit = given('scale');
  const run = pairRunConfig(inputs, flags, facts.version);
  // With a scores file, --score-a-col/--score-b-col name its columns, not the input's.
  if (flags.scores) run.shape = { ...run.shape, winnerScores: undefined };
  let placement: Placement = flags.placement === 'auto' ? facts.autoPlaced! : flags.placement;
  // The text format always puts the goal first (a system line).
  if (flags.format === 'text') placement = 'system';
  return {
    ...flags,
    ...run,
    scores,
    scoresFile: flags.scores ? { path: flags.scores, spec: scoresFileSpec(flags, scores) } : undefined,
    // A judge decides the scale unless --scale says otherwise: a chat judge its rubric's, a reward model's mapping.
    goal: { attributes, scale: judge && !scaleExplicit ? judge.scale : flags.scale, template: null },
    judge: judge ?? undefined,
    scaleExplicit,
    roundDigits: given('precision') ? flags.precision : null,
    goalTemplateName: flags.goalTemplate ?? 'paper',
    placement,
    fastPath: env.RADPO_FAST_PATH !== '0',
    poolAfterBytes: env.RADPO_POOL_AFTER_BYTES === undefined ? undefined : Number(env.RADPO_POOL_AFTER_BYTES),
    workerScript: facts.workerScript,
  };
}
