/**
 * The one table that words the core's hints with the flags that act on them (src/core/hints.ts). A
 * renamed flag changes here, and every message that names it follows.
 */
import type { Hint, HintKey, HintWords } from '../core/hints.js';

/** Long format's columns (core/response-lists.ts names them by what they hold). */
const LONG_COLUMN_FLAGS: Record<string, string> = {
  response: '--response-col',
  prompt: '--prompt-col',
  'group value': '--group-col',
  score: '--score-col',
  rank: '--rank-col',
};

const SET_ASIDE = 'set such rows aside with --on-error skip --rejects FILE';

const WORDS: Record<HintKey, (values: Record<string, string>) => string> = {
  keep_structured_content: () => 'use --format trl, which keeps structured content',
  multi_message_responses: () => 'use --format trl for multi-message responses',
  goal_in_system_message: () => 'use --placement system',
  name_pair_columns: () => 'name them with --chosen-col and --rejected-col (and --prompt-col, --system-col)',
  name_winner_columns: () =>
    '--score-a-col/--score-b-col go with A/B responses and a label: name them with --response-a-col, ' +
    '--response-b-col and --winner-col',
  name_prompt_or_shape: () => 'name the prompt with --prompt-col, or pick a shape with --schema',
  name_prompt: () => 'name it with --prompt-col',
  check_column_names: () => 'check the column name (see --prompt-col/--chosen-col/--rejected-col)',
  plain_response_needs_prompt: () => 'if this column holds a plain response, name the prompt with --prompt-col',
  empty_response: () => `fix or remove the row, ${SET_ASIDE}, or write them anyway with --allow-empty`,
  first_turn_only: () =>
    `only the first turn of such a row is a valid pair; keep the first turn of each list, or ${SET_ASIDE}`,
  check_prompt_column: () => 'check --prompt-col: it names the column of the prompt (text or a message list)',
  lower_min_gap: () => 'sample more responses for such prompts, or lower --min-gap',
  score_first_or_set_aside: () =>
    'score the row first (radpo score), or set it aside with --on-error skip --rejects FILE',
  fix_value_or_set_aside: () => 'fix the value, or set the row aside with --on-error skip --rejects FILE',
  fix_source_or_set_aside: () =>
    'fix the value in the source data, or set the row aside with --on-error skip --rejects FILE',
  name_judge_scale: () => 'pass --scale MIN-MAX for the scale your judge used (the goal text names it)',
  set_row_aside: () => `fix the row, or ${SET_ASIDE}`,
  cache_not_installed: () => 'pass --no-cache, or reinstall with a C++ toolchain (npm ci builds it)',
  cache_elsewhere: () => 'pass --cache FILE elsewhere, or --no-cache',
  name_text_field: () => 'name it with --text-field',
  name_score_field: () =>
    'name the field with --score-field or --rank-field, or score the responses: radpo score FILE --judge …',
  name_responses_column: () => 'name the column with --responses-col',
  name_long_column: ({ column }) =>
    `name the column that holds it with ${LONG_COLUMN_FLAGS[column ?? ''] ?? '--response-col'}`,
  name_ab_scores: () =>
    'when they score the first and second response, name them --score-a-col and --score-b-col (each score then ' +
    'goes with its response, whichever won)',
  name_ab_attributes: () =>
    '--attr names chosen and rejected columns; with A/B responses and a winner, give the score of each response ' +
    'with --score-a-col and --score-b-col, or write the pairs as chosen/rejected first',
  match_scores_file: () =>
    'join on a --key that names the same pair in both files, or ' +
    `${SET_ASIDE}; a scores file without the responses joins by position only when its score columns are named ` +
    'as the input (--chosen-score-col for chosen/rejected pairs, --score-a-col for A/B with a winner)',
};

export const wordHint: HintWords = (hint: Hint) =>
  typeof hint === 'string' ? hint : WORDS[hint.key](hint.values ?? {});
