/**
 * Files a user hands radpo (--config, --rubric, --from-batch results) are checked with zod schemas, and every
 * problem is worded one way: the file, the path inside it, what was expected, what was found —
 * `--config run.yaml: at "on-error": expected one of fail, skip, found "sometimes"`.
 * Loaded only when such a file is given (zod stays out of radpo's start).
 */
import type { z } from 'zod';
import { preview, type RadpoError, usageError } from '../core/errors.js';

/** The path of an issue as a reader finds it: `"response.status_code"`, `"attributes[2]"`, or "the top". */
function wherePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the top';
  const keys = path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`));
  return `"${keys.join('')}"`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What the schema wanted, from a zod issue, in words (a custom check's message says it itself). */
function expected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'array') return 'a list';
      return issue.expected === 'object' || issue.expected === 'record' ? 'an object' : `a ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `no key ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      return issue.message === 'Invalid input' ? 'another kind of value' : issue.message;
    default:
      return issue.message;
  }
}

/** One zod issue of a file as radpo's one sentence: file, path inside it, expected, found. */
export function fileIssueText(file: string, issue: z.core.$ZodIssue, data: unknown): string {
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const found = preview(valueAt(data, path));
  // A value of the right form that is wrong in itself ("K must be from 1 to N") says what is wrong with it.
  if (issue.code === 'custom' && issue.params?.problem === true)
    return `${file}: at ${wherePath(path)}: found ${found}: ${issue.message}`;
  return `${file}: at ${wherePath(path)}: expected ${expected(issue)}, found ${found}`;
}

/** Problems named in one error: enough to fix a file in one go, few enough to read. */
const ISSUES_NAMED = 5;

/** Check data read from a file against its schema: the value, or a usage error naming its problems. */
export function parseFileData<T>(schema: z.ZodType<T>, data: unknown, file: string, hint?: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  if (rest.length === 0) throw fileError(file, first!, data, hint);
  // Every problem, not only the first: a file is fixed in one go, not one rerun per mistake.
  const more = rest.slice(0, ISSUES_NAMED - 1).map((issue) => fileIssueText(file, issue, data).slice(file.length + 2));
  const left = rest.length > ISSUES_NAMED - 1 ? `; and ${rest.length - (ISSUES_NAMED - 1)} more` : '';
  throw usageError(`${fileIssueText(file, first!, data)}; ${more.join('; ')}${left}`, hint);
}

function fileError(file: string, issue: z.core.$ZodIssue, data: unknown, hint?: string): RadpoError {
  return usageError(fileIssueText(file, issue, data), hint);
}
