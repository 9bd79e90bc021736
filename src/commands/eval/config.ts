/**
 * From `radpo eval`'s flags to its configuration: pure (no files, no environment), so every rule between
 * flags is a table test. The judge's own configuration comes from cli/judge-config.ts; what eval needs
 * of it (the judge's scale and attributes) is passed in.
 */
import type { FlagValues } from '../../cli/flags.js';
import { runConfig } from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import { formatScore, type Placement, type Scale } from '../../core/goal.js';
import type { Path } from '../../core/path.js';
import { outputFileFormat } from '../../io/choices.js';
import type { RunConfig } from '../../pipeline/config.js';
import { formatCount } from '../../pipeline/text.js';
import { MAX_SAMPLES } from '../../sampler/params.js';
import type { evalFlags, FAIL_ON } from './flags.js';

export type EvalFlags = FlagValues<typeof evalFlags>;

export interface EvalConfig extends RunConfig {
  /** The goal scores asked for, ascending and distinct (rounded to --precision when it was given). */
  goals: number[];
  /** Also sample without a goal. */
  baseline: boolean;
  /** Answers per prompt and condition. */
  samples: number;
  placement: Placement;
  /** The goal's attributes (each asked for the same score), or null for the paper's overall score. */
  attributes: string[] | null;
  /** The scale the goal text names. */
  scale: Scale;
  goalTemplate?: string;
  promptPath: Path;
  chatTemplate?: string;
  bootstrap: number;
  seed: number;
  json: boolean;
  html?: string;
  failOn: (typeof FAIL_ON)[number];
  /** -o was given: every answer is written (else only the report). */
  writeRows: boolean;
}

/** What eval takes from the judge's configuration and from the command line around the flags. */
interface EvalFacts {
  inputs: string[];
  version: string;
  /** Was the flag given (not left at its default)? */
  given(key: string): boolean;
  /** The attributes the judge's rubric scores (ultrafeedback-aspects), which relabel --judge makes the goal of. */
  judgeAttributes: readonly string[] | null;
}

/** Four points from the bottom to the top of the scale, whole numbers: 1-10 gives 1,4,7,10. */
export function defaultGoals(scale: Scale): number[] {
  return [0, 1, 2, 3].map((i) =>
    i === 0 ? scale.min : i === 3 ? scale.max : Math.round(scale.min + ((scale.max - scale.min) * i) / 3),
  );
}

/**
 * The rules a run checks before it reads any file or reaches any server (run.ts calls this first); evalConfig
 * holds them too, so its table test sees every rule.
 */
export function evalFlagRules(
  flags: Pick<EvalFlags, 'judge' | 'liveFallback' | 'fromBatch' | 'policyFromBatch'>,
): void {
  if (!flags.judge)
    throw usageError(
      'radpo eval needs --judge chat or --judge reward',
      'for example: radpo eval prompts.jsonl --policy-model policy --judge chat --judge-model judge',
    );
  if (flags.liveFallback && flags.fromBatch.length === 0 && flags.policyFromBatch.length === 0)
    throw usageError('--live-fallback goes with --from-batch or --policy-from-batch');
}

export function evalConfig(flags: EvalFlags, facts: EvalFacts): EvalConfig {
  evalFlagRules(flags);
  const { given } = facts;
  if (flags.samples < 1 || flags.samples > MAX_SAMPLES)
    throw usageError(
      `-n ${flags.samples} is out of bounds: from 1 to ${formatCount(MAX_SAMPLES)} answers per prompt and goal`,
      'a few answers per goal are enough: the intervals come from the number of prompts',
    );
  if (flags.json && flags.output === '-')
    throw usageError('--json and -o - both write to stdout', 'write the answers to a file: -o answers.jsonl');
  // Lists (responses, scores, goals) in CSV cells would be text that radpo pairs does not read back.
  if (flags.output !== undefined && outputFileFormat(flags.output, flags.outputFormat) === 'csv')
    throw usageError(
      '-o: radpo eval writes lists per prompt (responses, scores, goals), which CSV cannot hold for radpo pairs',
      'write JSON Lines or Parquet: -o answers.jsonl (or answers.parquet)',
    );
  if (flags.html === '-') throw usageError('--html needs a file name', 'for example --html eval.html');
  if (flags.policyEmitBatch !== undefined && flags.policyFromBatch.length > 0 && flags.liveFallback)
    throw usageError('--policy-emit-batch and --live-fallback do not go together');
  // The paper's scale unless --scale says otherwise, as radpo goal: the run says when the judge's differs.
  const { scale } = flags;
  const attributes = goalAttributes(flags.attr, facts.judgeAttributes);
  const digits = given('precision') ? flags.precision : null;
  const asked = (flags.goals ?? defaultGoals(scale)).map((g) => (digits === null ? g : Number(g.toFixed(digits))));
  for (const goal of asked)
    if (goal < scale.min || goal > scale.max)
      throw usageError(
        `--goals ${formatScore(goal)} is outside the scale ${formatScore(scale.min)}-${formatScore(scale.max)}`,
        'pass --scale MIN-MAX as in training',
      );
  const merged = asked.find((g, i) => asked.indexOf(g) !== i);
  if (merged !== undefined)
    throw usageError(
      `--goals ${flags.goals!.join(',')}: two goals are both ${formatScore(merged)} at --precision ${digits}`,
      'give distinct goals at that precision',
    );
  const goals = [...asked].sort((a, b) => a - b);
  if (goals.length === 1 && !flags.baseline)
    throw usageError(
      `--goals ${formatScore(goals[0]!)} with --no-baseline: one goal and nothing to compare it with`,
      'give two goals or more (e.g. --goals 1,10), or keep the baseline',
    );
  return {
    ...runConfig(facts.inputs, { ...flags, output: flags.output ?? '-' }, facts.version),
    goals,
    baseline: flags.baseline,
    samples: flags.samples,
    placement: flags.placement,
    attributes,
    scale,
    goalTemplate: flags.goalTemplate,
    promptPath: flags.promptCol ?? ['prompt'],
    chatTemplate: flags.chatTemplate,
    bootstrap: flags.bootstrap,
    seed: flags.seed,
    json: flags.json,
    html: flags.html,
    failOn: flags.failOn,
    writeRows: flags.output !== undefined,
  };
}

/** --attr NAME (or relabel's NAME=CHOSEN,REJECTED: the name is what the goal text shows), else the judge's. */
function goalAttributes(specs: readonly string[], judgeAttributes: readonly string[] | null): string[] | null {
  if (specs.length === 0) return judgeAttributes ? [...judgeAttributes] : null;
  const names = specs.map((spec) => {
    const name = spec.split('=')[0]!.trim();
    if (name === '') throw usageError(`--attr expects NAME (or NAME=CHOSEN,REJECTED), got "${spec}"`);
    return name;
  });
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw usageError(`--attr ${repeated} is given twice`);
  return names;
}
