import { choice, count, parsed, parseNumber, path } from '../../cli/flags.js';
import {
  configFlags,
  errorFlags,
  goalTextFlags,
  networkFlags,
  outputFlags,
  idFlags,
  policyFlags,
  readFlags,
} from '../../cli/tables.js';
import { PLACEMENTS } from '../../core/goal.js';

/** Every flag of `radpo generate`, declared once. */
export const generateFlags = {
  ...configFlags,
  ...readFlags,
  promptCol: path('--prompt-col <path>', 'column holding the prompt: a string or a message list (default: prompt)', {
    group: 'columns',
  }),
  samples: count('-n, --samples <n>', 'responses sampled per prompt', { default: '4', group: 'judge' }),
  ...policyFlags,
  seed: count(
    '--seed <n>',
    'seed of the samples (the k-th sample of a prompt is seeded seed + k where the server takes one request ' +
      'per sample)',
    { default: '0', group: 'judge' },
  ),
  ...networkFlags('policy'),
  goalScore: parsed(
    '--goal-score <score>',
    'ask a reward-augmented policy for this score, with exactly the goal text of training (radpo goal prints it)',
    parseNumber,
    { group: 'goal' },
  ),
  placement: choice('--placement <where>', 'where training put the goal', PLACEMENTS, {
    default: 'system',
    group: 'goal',
  }),
  ...goalTextFlags('the scale used when relabeling'),
  ...outputFlags('output file ("-" = stdout): one row per prompt with its responses'),
  ...idFlags,
  ...errorFlags,
};
