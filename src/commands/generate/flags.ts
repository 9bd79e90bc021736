import { choice, count, parsed, parseNumber, path, text } from '../../cli/flags.js';
import {
  configFlags,
  errorFlags,
  goalTextFlags,
  networkFlags,
  outputFlags,
  readFlags,
  idFlags,
} from '../../cli/tables.js';
import { PLACEMENTS } from '../../core/goal.js';
import { SERVER_KINDS } from '../../server/choices.js';

/** Every flag of `radpo generate`, declared once. */
export const generateFlags = {
  ...configFlags,
  ...readFlags,
  promptCol: path('--prompt-col <path>', 'column holding the prompt: a string or a message list (default: prompt)', {
    group: 'columns',
  }),
  samples: count('-n, --samples <n>', 'responses sampled per prompt', { default: '4', group: 'judge' }),
  policyUrl: text('--policy-url <url>', 'the policy server, OpenAI-compatible, with /v1 (default: RADPO_POLICY_URL)', {
    group: 'judge',
  }),
  policyModel: text('--policy-model <name>', 'the model the server serves', { group: 'judge' }),
  policyApiKeyEnv: text(
    '--policy-api-key-env <name>',
    'the environment variable holding the policy server API key (default: RADPO_POLICY_API_KEY; ' +
      "OPENAI_API_KEY is sent only to OpenAI and to OPENAI_BASE_URL's host)",
    { group: 'judge' },
  ),
  policyServer: choice(
    '--policy-server <kind>',
    'the server, to shape requests for it (auto: identified before the first prompt)',
    SERVER_KINDS,
    { default: 'auto', group: 'judge' },
  ),
  temperature: parsed('--temperature <t>', 'sampling temperature', parseNumber, { default: '0.8', group: 'judge' }),
  topP: parsed('--top-p <p>', 'nucleus sampling', parseNumber, { default: '0.95', group: 'judge' }),
  maxTokens: count('--max-tokens <n>', 'longest response, in tokens', { default: '1024', group: 'judge' }),
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
