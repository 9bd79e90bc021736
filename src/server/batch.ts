/**
 * Batch files, for judges and policies alike: request lines written instead of requests sent
 * (--emit-batch), and result files read into the cache before a run (--from-batch). The formats are the
 * OpenAI Batch API's and vLLM run_batch's (docs/JUDGES.md, "Batch files").
 */
import type { Logger } from '../io/log.js';
import { z } from 'zod';
import { fileIssueText } from '../io/file-schema.js';
import { readFlagFile } from '../io/files.js';
import { errorMessage } from './http.js';

/** One request line of a batch input file; `custom_id` is the answer's cache key. */
export interface BatchLine {
  custom_id: string;
  method: 'POST';
  url: string;
  body: Record<string, unknown>;
}

/** What a run does about requests the cache cannot answer. */
export interface BatchMode {
  /** --emit-batch: write them as batch lines and send nothing. */
  emit: boolean;
  /** --from-batch without --live-fallback: what the result files do not answer is set aside, never asked live. */
  offline: boolean;
}

export interface BatchCounts {
  stored: number;
  errors: number;
  malformed: number;
  /** The first line that is not a batch result: its number and what is wrong (`at "custom_id": expected …`). */
  firstMalformed?: { line: number; problem: (file: string) => string };
}

/** One line of a results file (OpenAI Batch API output or error file, vLLM run_batch output). */
const ResultLine = z.object({
  custom_id: z.string(),
  response: z.object({ status_code: z.number().optional(), body: z.unknown().optional() }).nullish(),
  error: z.unknown().optional(),
});

/**
 * The error of a failed batch line, in the words of the server: OpenAI error-file lines carry it in
 * response.body.error.message; vLLM run_batch in error (a string, or an object with message, possibly
 * nested as error.error.message); non-HTTP failures in error.message.
 */
function batchErrorText(
  entry: { response?: { status_code?: number; body?: unknown } | null; error?: unknown },
  status: number | undefined,
): string {
  const fromBody = entry.response?.body ? errorMessage(entry.response.body, '') : '';
  const e = entry.error;
  let fromError = '';
  if (typeof e === 'string') fromError = e;
  else if (e && typeof e === 'object')
    fromError = errorMessage(e, '') || errorMessage((e as { error?: unknown }).error, '');
  const text = fromBody || fromError;
  const prefix = status !== undefined && status !== 200 ? `HTTP ${status}: ` : '';
  return `${prefix}${text || `status ${status ?? 'missing'}`}`;
}

/**
 * Read a batch output file (OpenAI Batch API or vLLM run_batch; any order): each answered line goes to
 * `answered(custom_id, body)`, each failed one to `failed(custom_id, the server's error text)`.
 */
export function readBatchResults(
  text: string,
  answered: (id: string, body: object) => void,
  failed: (id: string, message: string) => void,
): BatchCounts {
  const counts: BatchCounts = { stored: 0, errors: 0, malformed: 0 };
  const malformed = (line: number, problem: (file: string) => string) => {
    counts.malformed += 1;
    counts.firstMalformed ??= { line, problem };
  };
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      malformed(index + 1, (file) => `${file}: not JSON (${(err as Error).message})`);
      continue;
    }
    const parsed = ResultLine.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      malformed(index + 1, (file) => fileIssueText(file, issue, raw));
      continue;
    }
    const entry = parsed.data;
    const body = entry.response?.body;
    const status = entry.response?.status_code;
    if (status === 200 && body && typeof body === 'object') {
      answered(entry.custom_id, body);
      counts.stored += 1;
    } else {
      failed(entry.custom_id, batchErrorText(entry, status));
      counts.errors += 1;
    }
  }
  return counts;
}

/** One batch results file into the cache (judge answers or policy samples: `load` says which). */
export function readBatchFile(flag: string, path: string, load: (text: string) => BatchCounts, logger: Logger): void {
  const counts = load(readFlagFile(flag, path));
  const { firstMalformed: first, ...figures } = counts;
  logger.info(figures, `read ${path}`);
  if (first)
    logger.warn(
      `${counts.malformed} lines of ${path} are not batch results and were skipped; the first: ` +
        first.problem(`${path}:${first.line}`),
    );
}
