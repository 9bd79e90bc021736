/**
 * The canonical record: one row of preference data, whatever layout it came in, as every reader hands it
 * on. The paper's method needs a prompt, its responses and a score per response (the goal a copy is
 * trained under is the score of the response it prefers); so a score, an aspect rating or a rank is
 * carried on the response it belongs to, never on a column position that a later step resolves again.
 * The readers that fill it: core/pair.ts (`readPair`: chosen/rejected pairs, and A/B responses once
 * core/winner.ts has oriented them) and core/response-lists.ts (several responses per prompt). Plain
 * data: no methods, no classes, structured-cloneable.
 */
/**
 * One response to the prompt, and what the data says of it. `T` is what a reader makes of text: messages
 * (`Message[]`) for the pair readers; a list reader keeps the value the row holds (a string, or messages),
 * which `radpo pairs` writes back unchanged.
 */
export interface RecordResponse<T = unknown> {
  content: T;
  /** Its score, higher is better; NaN where the data gives none usable (it then takes no part in a pair). */
  score?: number;
  /** Its rating on each aspect (openbmb/UltraFeedback's helpfulness, honesty, …; radpo score's score objects). */
  aspects?: Record<string, number>;
  /** Its rank, lower is better (a human's: OASST, Nectar); NaN where the row gives none. */
  rank?: number;
}

/**
 * What the row says of its responses. A winner between two responses is read as a pair (core/winner.ts
 * makes the winner chosen before the pair is read); a tie is no preference, and the row is set aside.
 */
export type Preference =
  /** `responses[chosen]` is preferred to `responses[rejected]`. */
  | { kind: 'pair'; chosen: number; rejected: number }
  /**
   * The responses are ordered by their `score` (higher better) or their `rank` (lower better). Ordered
   * by score, a rank beside it is the human's label each picked pair is checked against (the conflict
   * stop); `field` names the response field the score came from, where one did.
   */
  | { kind: 'ranking'; by: 'score' | 'rank'; field?: string };

/**
 * A row's own id: the column it was found in (id, prompt_id, uid, … or the one named) and its value (a
 * string or a number; long format's group value may be any JSON value the rows share).
 */
export interface RowId {
  name: string;
  value: unknown;
}

/** Where a row came from: the input (as named on the command line) and the line (or row) in it. */
export interface RowSource {
  file: string;
  line: number;
}

/** One row of preference data; `T` as in RecordResponse (the pair readers' prompts keep their system turn first). */
export interface PreferenceRecord<T = unknown> {
  prompt: T;
  /** The tools the prompt offers, as JSON text (TRL and LLaMA-Factory read them so). */
  tools?: string;
  responses: Array<RecordResponse<T>>;
  preference: Preference;
  id: RowId | null;
  source: RowSource | null;
}

/** The scores that order a ranking's responses, higher better (ranks negated); NaN where a response has none. */
export function orderScores(record: PreferenceRecord): number[] {
  const byRank = record.preference.kind === 'ranking' && record.preference.by === 'rank';
  return record.responses.map((r) => (byRank ? -(r.rank ?? Number.NaN) : (r.score ?? Number.NaN)));
}
