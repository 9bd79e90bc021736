import { choice, count, parsed, parseNonNegative, path, text } from '../../cli/flags.js';
import {
  configFlags,
  conflictFlags,
  errorFlags,
  outputFlags,
  readFlags,
  responseListFlags,
  idFlags,
} from '../../cli/tables.js';
import { PAIR_STRATEGIES } from '../../core/pairs.js';

/** Every flag of `radpo pairs`, declared once. */
export const pairsFlags = {
  ...configFlags,
  ...readFlags,
  promptCol: path(
    '--prompt-col <path>',
    'column holding the prompt (default: prompt, or instruction in the openbmb/UltraFeedback layout)',
    { group: 'columns' },
  ),
  ...responseListFlags,
  scoreField: text(
    '--score-field <name>',
    'the field of each response object that holds its score (higher is better)',
    {
      group: 'columns',
    },
  ),
  rankField: text(
    '--rank-field <name>',
    'the field of each response object that holds its rank (lower is better, from 0 or 1); pairs are ' +
      'written unscored, with rank_chosen/rank_rejected (default: rank, when the responses have one); with ' +
      '--score-field the score picks the pairs and the ranks are their label, checked (--max-conflict-rate)',
    { group: 'columns' },
  ),
  tree: choice(
    '--tree <which>',
    "OASST message trees: first (the first prompt's ranked replies) or all (every prompter turn with two " +
      'ranked replies, the conversation before it as the prompt)',
    ['first', 'all'] as const,
    { default: 'first', group: 'columns' },
  ),
  groupCol: path(
    '--group-col <path>',
    "long format (one response per row): rows with the same value here are one prompt's responses, wherever " +
      'they are in the file (default with --response-col: the prompt itself)',
    { group: 'columns' },
  ),
  responseCol: path('--response-col <path>', "long format: the column holding the row's one response", {
    group: 'columns',
  }),
  scoreCol: path('--score-col <path>', "long format: the column holding the row's score (higher is better)", {
    group: 'columns',
  }),
  rankCol: path('--rank-col <path>', "long format: the column holding the row's rank (lower is better)", {
    group: 'columns',
  }),
  groupMemory: count(
    '--group-memory <MB>',
    'long format: group in memory up to this much, then in temporary files in $TMPDIR (flat memory)',
    { default: '256', group: 'columns' },
  ),
  strategy: choice(
    '--strategy <name>',
    'best-worst: the best and the worst response (the on-policy recipe); best-random: the best and a random ' +
      'lower one (ultrafeedback_binarized, seeded); all: every pair with different scores',
    PAIR_STRATEGIES,
    { default: 'best-worst', group: 'columns' },
  ),
  minGap: parsed('--min-gap <score>', "a pair's scores must differ by more than this", parseNonNegative, {
    default: '0',
    group: 'columns',
  }),
  score: text(
    '--score <name>',
    'which score ranks the responses: overall, fine-grained, or an aspect (helpfulness, honesty, ' +
      'instruction_following, truthfulness) in the openbmb/UltraFeedback layout; an attribute of object scores',
    { default: 'overall', group: 'columns' },
  ),
  seed: count('--seed <n>', 'seed of --strategy best-random', { default: '42', group: 'columns' }),
  ...outputFlags('output file ("-" = stdout)'),
  ...idFlags,
  ...errorFlags,
  // Ranks beside the --score-field that picks the pairs are their label (OASST, Nectar): checked like relabel's.
  ...conflictFlags,
};
