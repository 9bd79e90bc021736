/**
 * A column read as a response that holds labels, not answers: model names ("phi-3"), "A"/"B", "good".
 * A newcomer named FastChat's model_1/model_2 as the responses and got DPO rows whose responses were the
 * model names. The evidence asked for before saying so: at least MIN_ROWS rows, every value under SHORT
 * characters, and fewer than RATE of them distinct (FastChat's model_1: 1 distinct value in 75 rows).
 * Answers to different prompts are almost never all that short and that alike. Streaming, bounded: the
 * values are dropped at the first long one, and past MAX_KEPT distinct ones (labels are never so many).
 * Pure.
 */
const MIN_ROWS = 50;
const SHORT = 40;
const RATE = 0.05;
const MAX_KEPT = 4096;

/** What a label-like column holds: its rows, its distinct values and the first few of them. */
export interface LabelLikeEvidence {
  rows: number;
  distinct: number;
  sample: string[];
}

export class LabelLikeValues {
  private values: Set<string> | null = new Set();
  private rows = 0;

  add(text: string): void {
    this.rows += 1;
    if (this.values === null) return;
    // Code points, as every length radpo reports.
    if ([...text].length >= SHORT || this.values.size >= MAX_KEPT) this.values = null;
    else this.values.add(text);
  }

  /** The evidence that the column holds labels, or null when it may hold responses. */
  evidence(): LabelLikeEvidence | null {
    const { values, rows } = this;
    if (values === null || rows < MIN_ROWS || values.size >= rows * RATE) return null;
    return { rows, distinct: values.size, sample: [...values].slice(0, 3) };
  }
}

/** The words for it, naming the column (for inspect's report, and any reader that warns). */
export function labelLikeWarning(column: string, e: LabelLikeEvidence): string {
  const values = e.sample.map((v) => JSON.stringify(v)).join(', ') + (e.distinct > e.sample.length ? ', …' : '');
  return (
    `${column}, read as a response, holds ${e.distinct} distinct value${e.distinct === 1 ? '' : 's'} in ` +
    `${e.rows} responses read, each under ${SHORT} characters (${values}): ` +
    'labels or model names, not responses; name the columns that hold the answers'
  );
}
