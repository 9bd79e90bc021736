/**
 * `radpo score`'s flags to its config, pure: every rule between its flags (the shared ones from
 * cli/rules.ts). The judge's own configuration, which reads the environment and a rubric file, is
 * cli/judge-config.ts's and is handed in. Table-tested in test/commands/score/config.test.ts.
 */
import type { FlagValues } from '../../cli/flags.js';
import {
  checkJudgeInputs,
  errorPolicyRules,
  outputRules,
  pairRunConfig,
  scoreColumnSpec,
  stdinReadOnce,
} from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import type { Path } from '../../core/path.js';
import type { ScoreColumnSpec } from '../../core/scores.js';
import type { JudgeRunConfig } from '../../judge/session.js';
import type { PairRunConfig } from '../../pipeline/config.js';
import type { scoreFlags } from './flags.js';

export interface ScoreConfig extends PairRunConfig {
  scores: ScoreColumnSpec;
  judge: JudgeRunConfig;
  /** --responses-col, --text-field: rows of several responses under any name. */
  list: { column?: Path; textField?: string };
  /** --id-col: every row's id, carried with it (relabel writes it as source_id). */
  idCol?: Path;
}

/** `judge`: the judge flags' configuration (null without --judge, which score needs). */
export function scoreConfig(
  flags: FlagValues<typeof scoreFlags>,
  facts: { inputs: string[]; version: string; judge: JudgeRunConfig | null },
): ScoreConfig {
  const { inputs, judge } = facts;
  if (!judge)
    throw usageError(
      'radpo score needs --judge chat or --judge reward',
      'for example: radpo score pairs.jsonl --judge chat --judge-url http://localhost:8000/v1 --judge-model ' +
        'judge -o scored.jsonl',
    );
  stdinReadOnce(inputs);
  checkJudgeInputs(judge, inputs);
  errorPolicyRules(flags);
  outputRules(flags);
  return {
    ...pairRunConfig(inputs, flags, facts.version),
    scores: scoreColumnSpec(flags),
    judge,
    list: { column: flags.responsesCol, textField: flags.textField },
    idCol: flags.idCol,
  };
}
