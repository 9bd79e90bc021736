/**
 * Rules between flags, written once and used by every command they apply to (csv-parse's
 * normalize_options: every option check in one place). Each failure is a usage error (exit 2).
 */
import { usageError, ValueError } from '../core/errors.js';
import { parsePath, type Path } from '../core/path.js';
import { parseAttr, type ScoreAttribute, type ScoreColumnSpec } from '../core/scores.js';
import { parseWinnerValues, type WinnerSpec } from '../core/winner.js';
import type { ShapeOptions } from '../core/pair.js';
import { isGzipName, outputFileFormat, type OutputFileFormat } from '../io/choices.js';
import type { Io } from '../io/io.js';
import type { JudgeRunConfig } from '../judge/session.js';
import type { PairRunConfig, RunConfig } from '../pipeline/config.js';
import type { ScoresFileSpec } from '../pipeline/scores-file.js';
import { flagError, type FlagValues } from './flags.js';
import { wordHint } from './hints.js';
import type { errorFlags, inputFlags, readFlags } from './tables.js';

type InputValues = FlagValues<typeof inputFlags>;
type ReadValues = FlagValues<typeof readFlags>;
type ErrorValues = FlagValues<typeof errorFlags>;

/** Input arguments: as given; none with piped input means stdin; none on a terminal means help (null). */
export function resolveInputs(inputs: string[], io: Io, help: () => string): string[] | null {
  if (inputs.length > 0) return inputs;
  if (io.stdin.isTTY) {
    io.stderr.write(help());
    return null;
  }
  return ['-'];
}

export function stdinReadOnce(inputs: readonly string[]): void {
  if (inputs.filter((i) => i === '-').length > 1) throw usageError('stdin ("-") can be read only once');
}

export function shapeOptions(flags: InputValues): ShapeOptions {
  return {
    schema: flags.schema,
    prompt: flags.promptCol,
    chosen: flags.chosenCol,
    rejected: flags.rejectedCol,
    system: flags.systemCol,
    input: flags.inputCol,
    inputJoin: flags.inputJoin,
    winner: winnerSpec(flags),
    winnerScores: flags.scoreACol && flags.scoreBCol ? { a: flags.scoreACol, b: flags.scoreBCol } : undefined,
  };
}

/** Values a winner column takes when --winner-values does not say (the words arena data uses). */
const DEFAULT_WINNER_VALUES = 'A=a|A|model_a,B=b|B|model_b,tie=tie|tie (bothbad)|both_bad';

/** --response-a-col, --response-b-col and --winner-col (all three, or none), --winner-values, --score-a/b-col. */
function winnerSpec(flags: InputValues): WinnerSpec | undefined {
  const given = flags.responseACol || flags.responseBCol || flags.winnerCol.length > 0;
  if (Boolean(flags.scoreACol) !== Boolean(flags.scoreBCol))
    throw usageError('--score-a-col and --score-b-col go together');
  if (!given) {
    // The score columns also serve a layout found by its columns (SHP's score_A/score_B), so only the values
    // need the winner column named.
    if (flags.winnerValues)
      throw usageError('--winner-values goes with --response-a-col, --response-b-col and --winner-col');
    return undefined;
  }
  if (!flags.responseACol || !flags.responseBCol || flags.winnerCol.length === 0)
    throw usageError(
      'a winner column needs all of --response-a-col, --response-b-col and --winner-col',
      'for example --response-a-col response_a --response-b-col response_b --winner-col winner',
    );
  if (flags.chosenCol || flags.rejectedCol)
    throw usageError('--chosen-col/--rejected-col and a winner column do not go together: the winner decides');
  const columns = flags.winnerCol.map((c) => parsePath(c));
  return {
    responseA: flags.responseACol,
    responseB: flags.responseBCol,
    rule: { kind: 'votes', columns, values: flags.winnerValues ?? parseWinnerValues(DEFAULT_WINNER_VALUES) },
    scoreA: flags.scoreACol,
    scoreB: flags.scoreBCol,
    description: `winner from ${flags.winnerCol.join(', ')}${columns.length > 1 ? ' (the majority)' : ''}`,
  };
}

/** A reward mapping fitted on the data reads the inputs twice, which stdin cannot do. */
export function checkJudgeInputs(run: JudgeRunConfig | null, inputs: string[]): void {
  if (run && run.judge.kind === 'reward' && run.map !== 'identity' && !run.server.emitBatch && inputs.includes('-')) {
    throw usageError(
      `--map ${run.map} fits the mapping on all rewards first, so the input is read twice: pass a file, not stdin`,
      'or use --map identity for rewards already on the goal scale',
    );
  }
}

/** --on-error, --rejects and --max-errors. */
export function errorPolicyRules(flags: ErrorValues): void {
  if (flags.onError === 'skip' && !flags.rejects) {
    throw usageError(
      '--on-error skip needs --rejects FILE, so that every set-aside row is kept with its reason',
      'pass --rejects rejects.jsonl (or --rejects - to send them to stdout with -o FILE)',
    );
  }
  if (flags.maxErrors !== undefined && flags.onError !== 'skip')
    throw usageError('--max-errors only applies with --on-error skip');
}

/** -o with the row format: Parquet needs a plain file; only one output may go to stdout. */
export function outputRules(flags: { output: string; outputFormat?: OutputFileFormat; rejects?: string }): void {
  if (
    outputFileFormat(flags.output, flags.outputFormat) === 'parquet' &&
    (flags.output === '-' || isGzipName(flags.output))
  ) {
    throw usageError(
      `Parquet output needs -o FILE.parquet, got ${flags.output === '-' ? 'stdout' : `"${flags.output}"`}`,
      'Parquet compresses its own pages, so it is neither gzipped nor streamed: write -o FILE.parquet, or -o ' +
        'FILE.jsonl.gz for compressed JSON Lines',
    );
  }
  if (isStdout(flags.rejects) && isStdout(flags.output))
    throw usageError('--rejects and the output cannot both go to stdout', 'write the output with -o FILE');
}

/** stdout by any of its names: rows and rejects there together would be one stream of both. */
function isStdout(path: string | undefined): boolean {
  return path === '-' || path === '/dev/stdout' || path === '/dev/fd/1' || path === '/proc/self/fd/1';
}

/**
 * Before anything is read: no output may be an input, or another output (by device and inode, so
 * symlinks and hard links count, and by the resolved path for files not there yet), and none may be a
 * folder. Devices and FIFOs (/dev/null, /dev/stdout) are written in place and may be named twice.
 */
export async function checkOutputPaths(
  inputs: readonly string[],
  outputs: ReadonlyArray<readonly [flag: string, path: string | undefined]>,
): Promise<void> {
  const { resolvePath } = await import('../io/target.js');
  const seen: Array<{ what: string; path: string; identity: string | null; descriptor?: boolean }> = [];
  const key = (identity: { dev: number; ino: number } | null) => (identity ? `${identity.dev}:${identity.ino}` : null);
  for (const input of inputs) {
    if (input === '-') continue;
    try {
      const resolved = await resolvePath(input);
      if (resolved.kind !== 'device' || resolved.regular)
        seen.push({ what: `the input ${input}`, path: resolved.path, identity: key(resolved.identity) });
    } catch {
      /* reading it will say what is wrong */
    }
  }
  for (const [flag, path] of outputs) {
    if (path === undefined || path === '-') continue;
    const resolved = await resolvePath(path);
    // -o DIR/: a Hub-ready dataset folder (src/hub/folder.ts); no other output names a folder.
    if (resolved.kind === 'directory' && flag === '-o' && /[/\\]$/.test(path)) continue;
    if (resolved.kind === 'directory')
      throw usageError(
        `${flag} ${path} is a directory`,
        `name a file in it, e.g. ${flag} ${path.replace(/\/+$/, '')}/out.jsonl` +
          (flag === '-o' ? `, or -o ${path.replace(/\/+$/, '')}/ for a dataset folder (data/ and README.md)` : ''),
      );
    // A descriptor onto a regular file (-o /dev/stdout >> log.jsonl) is written in place, but it is still that
    // file: it may not be an input or another output's file. Two such descriptors may share it, as devices do.
    if (resolved.kind === 'device' && !resolved.regular) continue;
    const identity = key(resolved.identity);
    const clash = seen.find(
      (s) =>
        (s.path === resolved.path || (identity !== null && s.identity === identity)) &&
        !(resolved.regular && s.descriptor),
    );
    if (clash) {
      const input = clash.what.startsWith('the input');
      throw usageError(
        `${flag} names the same file ` +
          `as ${clash.what} (${resolved.path}): writing it would ${
            input ? 'destroy the input' : 'overwrite ' + 'that output'
          }`,
        input ? `write ${flag} to a new file` : 'give each output its own file',
      );
    }
    seen.push({ what: flag, path: resolved.path, identity, descriptor: resolved.regular });
  }
}

/** The run configuration from validated read, output and error flags. */
export function runConfig(
  inputs: string[],
  flags: ReadValues &
    ErrorValues & {
      output: string;
      outputFormat?: OutputFileFormat;
      maxConflictRate?: number;
      maxShardSize?: number;
      audit?: string;
    },
  version: string,
): RunConfig {
  return {
    inputs,
    inputFormat: flags.inputFormat,
    split: flags.split,
    maxShardBytes: flags.maxShardSize,
    audit: flags.audit,
    output: flags.output,
    outputFormat: flags.outputFormat,
    onError: flags.onError,
    rejects: flags.rejects,
    maxErrors: flags.maxErrors,
    report: flags.report,
    allowEmptyOutput: flags.allowEmptyOutput,
    maxLineBytes: flags.maxLineBytes,
    maxConflictRate: flags.maxConflictRate ?? 1,
    quiet: flags.quiet,
    logFormat: flags.logFormat,
    version,
    words: wordHint,
  };
}

/** The run configuration of a command that reads pairs: the run's, and where the pair's parts are. */
export function pairRunConfig(
  inputs: string[],
  flags: InputValues &
    ErrorValues & { output: string; outputFormat?: OutputFileFormat; maxConflictRate?: number; maxShardSize?: number },
  version: string,
): PairRunConfig {
  return { ...runConfig(inputs, flags, version), shape: shapeOptions(flags) };
}

/** --chosen-score-col/--rejected-score-col (both or neither) or --attr NAME=C,R (repeatable), not both. */
export function scoreColumnSpec(flags: {
  chosenScoreCol?: Path;
  rejectedScoreCol?: Path;
  attr?: readonly string[];
}): ScoreColumnSpec {
  const attr = flags.attr ?? [];
  if (attr.length > 0) {
    if (flags.chosenScoreCol || flags.rejectedScoreCol) {
      throw usageError(
        '--attr cannot be combined with --chosen-score-col/--rejected-score-col',
        'give the overall score as one more --attr if you want it in the goal',
      );
    }
    const attributes: ScoreAttribute[] = attr.map((spec) => {
      try {
        return parseAttr(spec);
      } catch (err) {
        if (err instanceof ValueError) throw flagError('--attr', err);
        throw err;
      }
    });
    const names = attributes.map((a) => a.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw usageError(`--attr ${dup} is given twice`);
    return { attributes };
  }
  if ((flags.chosenScoreCol === undefined) !== (flags.rejectedScoreCol === undefined))
    throw usageError('--chosen-score-col and --rejected-score-col go together', 'name both score columns');
  return { chosen: flags.chosenScoreCol, rejected: flags.rejectedScoreCol };
}

/**
 * --scores FILE: how its score columns name their sides — chosen/rejected (--chosen-score-col, --attr, the
 * known names) or A/B (--score-a-col/--score-b-col, which then name the scores file's columns) — and the
 * response columns named for the input, looked for in the scores file first (to join by text).
 */
export function scoresFileSpec(flags: InputValues, columns: ScoreColumnSpec): ScoresFileSpec {
  const responses: ScoresFileSpec['responses'] = { ab: [], chosenRejected: [] };
  if (flags.responseACol && flags.responseBCol) responses.ab.push([flags.responseACol, flags.responseBCol]);
  if (flags.chosenCol && flags.rejectedCol) responses.chosenRejected.push([flags.chosenCol, flags.rejectedCol]);
  if (!flags.scoreACol || !flags.scoreBCol) return { columns, names: 'chosen-rejected', responses };
  if (columns.chosen || columns.attributes)
    throw usageError(
      '--score-a-col/--score-b-col and --chosen-score-col/--rejected-score-col (or --attr) both name the ' +
        "scores file's columns",
      'name them one way: --score-a-col/--score-b-col when they score the first and second response',
    );
  return { columns: { chosen: flags.scoreACol, rejected: flags.scoreBCol }, names: 'a-b', responses };
}
