/**
 * `radpo audit`'s flags to its config, pure: every rule between its flags (the shared ones from
 * cli/rules.ts), and how each input is read. The scores file is loaded by run.ts from what this says.
 * Table-tested in test/commands/audit/config.test.ts.
 */
import type { FlagValues } from '../../cli/flags.js';
import { scoreColumnSpec, scoresFileSpec, shapeOptions } from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import type { Path } from '../../core/path.js';
import type { ScoresFileSpec } from '../../pipeline/scores-file.js';
import type { auditFlags } from './flags.js';
import type { ReadConfig } from './read.js';

type AuditFlags = FlagValues<typeof auditFlags>;

export interface AuditConfig {
  /** How every input is read; the joined scores are added by run.ts once it has loaded `scoresFile`. */
  read: Omit<ReadConfig, 'joinedScores'>;
  /** --scores FILE --key PATH, and how the file's columns are read. */
  scoresFile?: { path: string; key: Path; spec: ScoresFileSpec };
  /** Every file the audit reads (inputs, --rerun, --reference, --scores): no output may be one of them. */
  reads: string[];
}

/** Names of this process's stdout: '-' and the device paths onto it. */
export const STDOUT_NAMES = new Set(['-', '/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

export function auditConfig(inputs: string[], flags: AuditFlags): AuditConfig {
  if (flags.maxFlipRate !== undefined && flags.rerun.length === 0)
    throw usageError(
      '--max-flip-rate needs --rerun FILE',
      'rescore the pairs (radpo score --rescore) and pass the file',
    );
  if (flags.html && flags.conflicts && STDOUT_NAMES.has(flags.html) && STDOUT_NAMES.has(flags.conflicts))
    throw usageError(
      `--html ${flags.html} and --conflicts ${flags.conflicts} both go to stdout, where they would interleave`,
      'write one of them to a file',
    );
  const reads = [...inputs, ...flags.rerun, ...[flags.reference, flags.scores].filter((f): f is string => !!f)];
  if (reads.filter((f) => f === '-').length > 1)
    throw usageError(
      'stdin ("-") is named more than once: it can be read only once',
      'save one of them to a file and name that file',
    );
  // Aspects go beside the overall score here (relabel's --attr replaces it): parsed one by one.
  const aspects = flags.attr.map((spec) => scoreColumnSpec({ attr: [spec] }).attributes![0]!);
  if ((flags.referenceChosenCol === undefined) !== (flags.referenceRejectedCol === undefined))
    throw usageError(
      '--reference-chosen-col and --reference-rejected-col go together',
      'name both reference score columns',
    );
  if ((flags.chosenScoreCol === undefined) !== (flags.rejectedScoreCol === undefined))
    throw usageError('--chosen-score-col and --rejected-score-col go together', 'name both score columns');
  if (flags.reference && flags.referenceChosenCol)
    throw usageError('--reference and --reference-chosen-col name two references', 'give one of them');
  if ((flags.scores === undefined) !== (flags.key === undefined))
    throw usageError('--scores and --key go together', 'for example --scores scores.jsonl --key prompt_id');
  const scoresFile =
    flags.scores && flags.key
      ? {
          path: flags.scores,
          key: flags.key,
          spec: scoresFileSpec(flags, { chosen: flags.chosenScoreCol, rejected: flags.rejectedScoreCol }),
        }
      : undefined;
  return {
    read: {
      inputFormat: flags.inputFormat,
      split: flags.split,
      maxLineBytes: flags.maxLineBytes,
      // With a scores file, --score-a-col/--score-b-col name its columns, not the input's.
      shape: { ...shapeOptions(flags), ...(flags.scores ? { winnerScores: undefined } : {}) },
      chosenScoreCol: flags.chosenScoreCol,
      rejectedScoreCol: flags.rejectedScoreCol,
      aspects,
      idCol: flags.idCol,
      groupCol: flags.groupCol,
      joinKeys: flags.rerun.length > 0 || flags.reference !== undefined,
      reference:
        flags.referenceChosenCol && flags.referenceRejectedCol
          ? { chosen: flags.referenceChosenCol, rejected: flags.referenceRejectedCol }
          : undefined,
    },
    scoresFile,
    reads,
  };
}
