/**
 * What a user can do about an error, as a key and the values it needs. The core knows what went wrong
 * and what would fix it, not which flag does that: the CLI words each key with its flag names, in one
 * table (src/cli/hints.ts). Hints that need no flag are plain text.
 */
export const HINT_KEYS = [
  'keep_structured_content',
  'multi_message_responses',
  'goal_in_system_message',
  'name_pair_columns',
  'name_winner_columns',
  'name_prompt_or_shape',
  'name_prompt',
  'check_column_names',
  'plain_response_needs_prompt',
  'empty_response',
  'first_turn_only',
  'check_prompt_column',
  'lower_min_gap',
  'score_first_or_set_aside',
  'fix_value_or_set_aside',
  'fix_source_or_set_aside',
  'name_judge_scale',
  'set_row_aside',
  'cache_not_installed',
  'cache_elsewhere',
  'match_scores_file',
  'name_text_field',
  'name_score_field',
  'name_responses_column',
  'name_long_column',
  'name_ab_scores',
  'name_ab_attributes',
] as const;
export type HintKey = (typeof HINT_KEYS)[number];

/** A hint: plain text (names no flag), or a key the CLI words. */
export type Hint = string | { key: HintKey; values?: Record<string, string> };

/** Turns a hint into the text a user reads. */
export type HintWords = (hint: Hint) => string;

export function hint(key: HintKey, values?: Record<string, string>): Hint {
  return values ? { key, values } : { key };
}

/** Words for a hint without the CLI's table (library use, tests): plain text as is, a key as its name. */
export const plainWords: HintWords = (h) => (typeof h === 'string' ? h : h.key.replace(/_/g, ' '));
