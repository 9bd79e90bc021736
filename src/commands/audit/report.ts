/** The audit's report: what --json prints, the table and the page render. */
import type { AuditFigures } from '../../core/audit.js';
import type { ReadTally } from './read.js';

/** The report: the figures, with what was read and the gates. */
export interface AuditReport extends AuditFigures {
  schema: 'radpo.audit/v1';
  inputs: ReadTally['inputs'];
  rows: {
    read: number;
    unreadable: Record<string, number>;
    unscored: number;
    relabeled_twins: number;
  };
  /** Each --rerun and --reference file: its rows matched, unmatched, not read; the audited pairs it misses. */
  joins: JoinCounts[];
  gates: Gate[];
  /** The relabel command a suggested gap is applied with. */
  apply: string | null;
}

export interface Gate {
  figure: string;
  flag: string;
  value: number | null;
  bound: number;
  kind: 'min' | 'max';
  passed: boolean;
}

/** What joining one --rerun or --reference file found: every row of it is matched, unmatched or not read. */
export interface JoinCounts {
  file: string;
  role: 'rerun' | 'reference';
  rows: number;
  matched: number;
  unmatched: number;
  unreadable: number;
  unscored: number;
  /** Audited pairs this file gives no score. */
  uncovered: number;
  /** Rows for a pair an earlier row of this file already scored (the first score stands). */
  duplicates: number;
}
