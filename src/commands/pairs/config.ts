/**
 * `radpo pairs`' flags to its config, pure: every rule between its flags (the shared ones from
 * cli/rules.ts, and the long format's), with the run settings every command that writes rows has.
 * Table-tested in test/commands/pairs/config.test.ts.
 */
import type { FlagValues } from '../../cli/flags.js';
import { errorPolicyRules, outputRules, runConfig, stdinReadOnce } from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import type { RunConfig } from '../../pipeline/config.js';
import type { pairsFlags } from './flags.js';

type PairsFlags = FlagValues<typeof pairsFlags>;

/** The flags' typed values, the run settings, and whether the rows are long format (one response per row). */
export type PairsConfig = PairsFlags & { run: RunConfig; long: boolean };

export function pairsConfig(inputs: string[], flags: PairsFlags, version: string): PairsConfig {
  stdinReadOnce(inputs);
  errorPolicyRules(flags);
  outputRules(flags);
  return { ...flags, run: runConfig(inputs, flags, version), long: longFormatRules(flags) };
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
