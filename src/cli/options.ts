/**
 * Literal option parsing shared by the commands: every value is checked here, once, and turned into
 * a usage error (exit 2) that names the flag, what it expects and what it got.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { usageError, RadpoError } from '../core/errors.js';
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
