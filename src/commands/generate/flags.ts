import { bool, choice, count, list, parsed, parseNumber, path, text } from '../../cli/flags.js';
import { cacheFlag, configFlags, errorFlags, goalTextFlags, outputFlags } from '../../cli/tables.js';
import { PLACEMENTS } from '../../core/goal.js';
import { INPUT_FORMATS } from '../../io/choices.js';
import { JUDGE_DEFAULTS, JUDGE_SERVERS } from '../../judge/choices.js';

/** Every flag of `radpo generate`, declared once. */
export const generateFlags = {
  ...configFlags,
  inputFormat: choice(
    '--input-format <format>',
    'input format (default: from the extension, then from the content)',
    INPUT_FORMATS,
    { group: 'input' },
  ),
  promptCol: path('--prompt-col <path>', 'column holding the prompt: a string or a message list (default: prompt)', {
    group: 'columns',
  }),
  samples: count('-n, --samples <n>', 'responses sampled per prompt', { default: '4', group: 'judge' }),
  policyUrl: text('--policy-url <url>', 'the policy server, OpenAI-compatible, with /v1 (default: RADPO_POLICY_URL)', {
    group: 'judge',
  }),
  policyModel: text('--policy-model <name>', 'the model the server serves', { group: 'judge' }),
  policyServer: choice(
    '--policy-server <kind>',
    'the server, to shape requests for it (auto: identified before the first prompt)',
    JUDGE_SERVERS,
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
  concurrency: count('--concurrency <n>', 'requests in flight at most', {
    default: JUDGE_DEFAULTS.concurrency,
    group: 'judge',
  }),
  timeout: parsed('--timeout <seconds>', 'per request', parseNumber, {
    default: JUDGE_DEFAULTS.timeoutSeconds,
    group: 'judge',
  }),
  maxRetries: count('--max-retries <n>', 'retries of a request on 408/409/429/5xx, timeouts and connection errors', {
    default: JUDGE_DEFAULTS.maxRetries,
    group: 'judge',
  }),
  cache: cacheFlag(),
  preflight: bool('--no-preflight', 'skip the check that the server answers and serves --policy-model', {
    group: 'judge',
  }),
  emitBatch: text(
    '--emit-batch <file>',
    'write the samples not in the cache as OpenAI Batch API / vLLM run_batch request lines (one per sample) and stop',
    { group: 'judge' },
  ),
  fromBatch: list(
    '--from-batch <file>',
    'read batch results (output and error files; repeat for several) into the cache, then continue',
    { group: 'judge' },
  ),
  liveFallback: bool('--live-fallback', 'with --from-batch: ask the server for the samples the files do not answer', {
    group: 'judge',
  }),
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
  ...errorFlags,
};
