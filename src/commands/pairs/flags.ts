import { choice, count, parsed, parseNumber, path, text } from '../../cli/flags.js';
import { configFlags, errorFlags, outputFlags, readFlags } from '../../cli/tables.js';
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
  strategy: choice(
    '--strategy <name>',
    'best-worst: the best and the worst response (the on-policy recipe); best-random: the best and a random ' +
      'lower one (ultrafeedback_binarized, seeded); all: every pair with different scores',
    PAIR_STRATEGIES,
    { default: 'best-worst', group: 'columns' },
  ),
  minGap: parsed('--min-gap <score>', "a pair's scores must differ by more than this", parseNumber, {
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
  ...errorFlags,
};
