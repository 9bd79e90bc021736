/**
 * Literal option parsing shared by the commands: every value is checked here, once, and turned into
 * a usage error (exit 2) that names the flag, what it expects and what it got.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { usageError, RadpoError } from '../core/errors.js';
import { SCHEMAS, type ShapeOptions } from '../core/pair.js';
import type { Io } from './io.js';
import type { CommonRunConfig } from '../commands/common.js';
import { INPUT_FORMATS } from '../io/records.js';
import type { OutputFileFormat } from '../io/output.js';
import { parseGoalTemplate, parseScale, type GoalSpec } from '../core/goal.js';

export function parseBytes(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]i?[bB]?|[bB])?\s*$/.exec(text);
  if (!match) throw usageError(`${flag} expects a size such as 1048576, 512K, 64M or 1G, got "${text}"`);
  const unit = (match[2] ?? '').toUpperCase()[0];
  const factor = unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1;
  const bytes = Math.floor(Number(match[1]) * factor);
  if (bytes < 1) throw usageError(`${flag} must be at least 1 byte`);
  return bytes;
}

export function parseCount(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw usageError(`${flag} expects a whole number, got "${text}"`);
  return Number(text.trim());
}

export function parseNumber(text: string, flag: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) throw usageError(`${flag} expects a number, got "${text}"`);
  return value;
}

/** Read a goal template file. One trailing newline (which editors add) is not part of the goal. */
export function readGoalTemplate(path: string, attributes: readonly string[] | null): GoalSpec['template'] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RadpoError('usage', `--goal-template ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  text = text.replace(/\r?\n$/, '');
  if (text.trim() === '') throw usageError(`--goal-template ${path} is empty`);
  return parseGoalTemplate(text, attributes);
}

export function goalSpec(options: { scale: string; goalTemplate?: string }, attributes: readonly string[] | null): GoalSpec {
  const scale = parseScale(options.scale);
  return { attributes, scale, template: options.goalTemplate ? readGoalTemplate(options.goalTemplate, attributes) : null };
}

/** Validate commander's raw option object against a zod schema; the first problem becomes a usage error. */
export function validate<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const flag = `--${String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw usageError(`${flag}: ${issue.message}`);
  }
  return result.data;
}

/** The flags of addInputOptions (main.ts), as every command that reads pairs validates them. */
export const InputOptions = z.object({
  inputFormat: z.enum(INPUT_FORMATS).optional(),
  schema: z.enum(SCHEMAS).optional(),
  promptCol: z.string().optional(),
  chosenCol: z.string().optional(),
  rejectedCol: z.string().optional(),
  systemCol: z.string().optional(),
  idCol: z.string().optional(),
  maxLineBytes: z.string(),
});

/** The flags of addErrorOptions (main.ts). */
export const ErrorOptions = z.object({
  onError: z.enum(['fail', 'skip']),
  rejects: z.string().optional(),
  maxErrors: z.string().optional(),
  report: z.string().optional(),
  quiet: z.boolean().optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']),
  logFormat: z.enum(['text', 'json']),
  color: z.boolean().optional(),
});

export function shapeOptions(o: z.infer<typeof InputOptions>): ShapeOptions {
  return { schema: o.schema, promptCol: o.promptCol, chosenCol: o.chosenCol, rejectedCol: o.rejectedCol, systemCol: o.systemCol };
}

/** Input arguments: as given; none with piped input means stdin; none on a terminal means help (null). */
export function resolveInputs(inputs: string[], io: Io, help: () => string): string[] | null {
  if (inputs.length > 0) return inputs;
  if (io.stdin.isTTY) {
    io.stderr.write(help());
    return null;
  }
  return ['-'];
}

/** The common run configuration from validated input and error flags. */
export function commonRunConfig(
  inputs: string[],
  o: z.infer<typeof InputOptions> & z.infer<typeof ErrorOptions> & { output: string; outputFormat?: OutputFileFormat },
  version: string,
): CommonRunConfig {
  return {
    inputs,
    inputFormat: o.inputFormat,
    shape: shapeOptions(o),
    output: o.output,
    outputFormat: o.outputFormat,
    onError: o.onError,
    rejects: o.rejects,
    maxErrors: o.maxErrors === undefined ? undefined : parseCount(o.maxErrors, '--max-errors'),
    report: o.report,
    maxLineBytes: parseBytes(o.maxLineBytes, '--max-line-bytes'),
    quiet: o.quiet === true,
    version,
  };
}
