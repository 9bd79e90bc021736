/**
 * Rules between flags, written once and used by every command they apply to (csv-parse's
 * normalize_options: every option check in one place). Each failure is a usage error (exit 2).
 */
import { usageError, ValueError } from '../core/errors.js';
import type { Path } from '../core/path.js';
import { parseAttr, type ScoreAttribute, type ScoreColumnSpec } from '../core/scores.js';
import type { ShapeOptions } from '../core/pair.js';
import { isGzipName, outputFileFormat, type OutputFileFormat } from '../io/choices.js';
import type { Io } from '../io/io.js';
import type { CommonRunConfig } from '../pipeline/config.js';
import { valueMessage, type FlagValues } from './flags.js';
import type { errorFlags, inputFlags } from './tables.js';

type InputValues = FlagValues<typeof inputFlags>;
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

export function shapeOptions(o: InputValues): ShapeOptions {
  return { schema: o.schema, prompt: o.promptCol, chosen: o.chosenCol, rejected: o.rejectedCol, system: o.systemCol };
}

/** --on-error, --rejects and --max-errors. */
export function errorPolicyRules(o: ErrorValues): void {
  if (o.onError === 'skip' && !o.rejects) {
    throw usageError('--on-error skip needs --rejects FILE, so that every set-aside row is kept with its reason', 'pass --rejects rejects.jsonl (or --rejects - to send them to stdout with -o FILE)');
  }
  if (o.maxErrors !== undefined && o.onError !== 'skip') throw usageError('--max-errors only applies with --on-error skip');
}

/**
 * -o and the side files (--rejects, --report, …): Parquet needs a plain file; only one thing may go to
 * stdout; no two outputs may name the same file.
 */
export function outputRules(o: { output: string; outputFormat?: OutputFileFormat; rejects?: string; report?: string }, side: Record<string, string | undefined> = {}): void {
  if (outputFileFormat(o.output, o.outputFormat) === 'parquet' && (o.output === '-' || isGzipName(o.output))) {
    throw usageError(
      `Parquet output needs -o FILE.parquet, got ${o.output === '-' ? 'stdout' : `"${o.output}"`}`,
      'Parquet compresses its own pages, so it is neither gzipped nor streamed: write -o FILE.parquet, or -o FILE.jsonl.gz for compressed JSON Lines',
    );
  }
  if (o.rejects === '-' && o.output === '-') throw usageError('--rejects - and the output cannot both go to stdout', 'write the output with -o FILE');
  const named: Array<[string, string | undefined]> = [['-o', o.output], ['--rejects', o.rejects], ['--report', o.report], ...Object.entries(side)];
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      const [a, pa] = named[i]!;
      const [b, pb] = named[j]!;
      if (pa !== undefined && pa !== '-' && pa === pb) throw usageError(`${b} names the same file as ${a}`);
    }
  }
}

/** The common run configuration from validated input, output and error flags. */
export function commonRunConfig(inputs: string[], o: InputValues & ErrorValues & { output: string; outputFormat?: OutputFileFormat }, version: string): CommonRunConfig {
  return {
    inputs,
    inputFormat: o.inputFormat,
    shape: shapeOptions(o),
    output: o.output,
    outputFormat: o.outputFormat,
    onError: o.onError,
    rejects: o.rejects,
    maxErrors: o.maxErrors,
    report: o.report,
    maxLineBytes: o.maxLineBytes,
    quiet: o.quiet,
    version,
  };
}

/** --chosen-score-col/--rejected-score-col (both or neither) or --attr NAME=C,R (repeatable), not both. */
export function scoreColumnSpec(o: { chosenScoreCol?: Path; rejectedScoreCol?: Path; attr?: readonly string[] }): ScoreColumnSpec {
  const attr = o.attr ?? [];
  if (attr.length > 0) {
    if (o.chosenScoreCol || o.rejectedScoreCol) {
      throw usageError('--attr cannot be combined with --chosen-score-col/--rejected-score-col', 'give the overall score as one more --attr if you want it in the goal');
    }
    const attributes: ScoreAttribute[] = attr.map((spec) => {
      try {
        return parseAttr(spec);
      } catch (err) {
        if (err instanceof ValueError) throw usageError(valueMessage('--attr', err), err.hint);
        throw err;
      }
    });
    const names = attributes.map((a) => a.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw usageError(`--attr ${dup} is given twice`);
    return { attributes };
  }
  if ((o.chosenScoreCol === undefined) !== (o.rejectedScoreCol === undefined)) throw usageError('--chosen-score-col and --rejected-score-col go together', 'name both score columns');
  return { chosen: o.chosenScoreCol, rejected: o.rejectedScoreCol };
}
