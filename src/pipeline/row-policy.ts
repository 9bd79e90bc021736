/**
 * What happens to a row that cannot be used: --on-error fail stops the run with the row's message;
 * --on-error skip writes it to --rejects (source, line, reason, message, raw row) and goes on, up to
 * --max-errors. Policy set-asides (identical responses, dropped ties) never stop a run.
 */
import { RadpoError, type RowError, type RowReason } from '../core/errors.js';
import { hint, type HintWords } from '../core/hints.js';
import type { Sink } from '../io/output.js';
import { rawOf, type SourceRecord } from '../io/records.js';
import type { OnErrorPolicy } from './config.js';

// Rows the method has nothing to learn from (no side to prefer), set aside and counted, never a failure.
const POLICY_REASONS = new Set<RowReason>(['identical_responses', 'tie_dropped', 'below_min_gap', 'no_preference']);

interface RowPolicyConfig {
  onError: OnErrorPolicy;
  maxErrors?: number;
  /** How hints are worded (with the CLI's flag names). */
  words: HintWords;
}

export class RowPolicy {
  private errors = 0;
  constructor(
    private readonly config: RowPolicyConfig,
    private readonly counts: { addSetAside(reason: RowReason): void },
    private readonly rejects: Sink | null,
  ) {}

  /** `judgeOutput`: the judge's raw answer for a row whose verdict could not be read (kept in the rejects). */
  async setAside(record: SourceRecord & { judgeOutput?: string }, error: RowError): Promise<void> {
    await this.apply(record, error, {});
    this.counts.addSetAside(error.reason);
  }

  /**
   * One part of a row set aside (an answer radpo eval could not judge): the same policy and the same
   * rejects entry, with `part` saying which, but the row itself goes on (its count is the command's).
   */
  async setAsidePart(
    record: SourceRecord & { judgeOutput?: string },
    error: RowError,
    part: Record<string, unknown>,
  ): Promise<void> {
    await this.apply(record, error, part);
  }

  private async apply(
    record: SourceRecord & { judgeOutput?: string },
    error: RowError,
    part: Record<string, unknown>,
  ): Promise<void> {
    error.location ??= record.location;
    if (!POLICY_REASONS.has(error.reason)) {
      if (this.config.onError === 'fail')
        throw new RadpoError(
          'row',
          error.describe(this.config.words, false),
          this.config.words(error.details.hint ?? hint('set_row_aside')),
        );
      this.errors += 1;
      if (this.config.maxErrors !== undefined && this.errors > this.config.maxErrors) {
        throw new RadpoError(
          'too_many_errors',
          `more than ${this.config.maxErrors} rows failed ` +
            `(--max-errors ${this.config.maxErrors}); the last: ${error.describe(this.config.words)}`,
          'fix the input, or raise --max-errors',
        );
      }
    }
    if (this.rejects) {
      const { judgeOutput } = record;
      const entry = {
        source: record.location.source,
        [record.location.unit]: record.location.line,
        reason: error.reason,
        ...part,
        message: error.describe(this.config.words),
        ...(judgeOutput !== undefined ? { judge_output: judgeOutput } : {}),
        raw: rawOf(record),
      };
      await this.rejects.write(`${JSON.stringify(entry)}\n`);
    }
  }
}
