/** The judge layer's choice lists, light enough for the flag tables to import at start-up. */
export const JUDGE_KINDS = ['chat', 'reward'] as const;
export type JudgeKind = (typeof JUDGE_KINDS)[number];

/** vLLM's pooling routes at the server root. */
export const REWARD_ENDPOINTS = ['pooling', 'classify'] as const;
export type RewardEndpoint = (typeof REWARD_ENDPOINTS)[number];

/** Written once here, shown in --help and used when the flag is absent. */
export const JUDGE_DEFAULTS = {
  rubric: 'ultrafeedback',
  seed: '0',
  maxTokens: '1024',
  rewardEndpoint: 'pooling',
  map: 'minmax',
  precision: '0',
  concurrency: '16',
  timeoutSeconds: '60',
  maxRetries: '5',
  parseRetries: '2',
} as const;

/** The servers radpo shapes requests for; auto identifies the server from its own routes. */
export const JUDGE_SERVERS = ['auto', 'vllm', 'sglang', 'tgi', 'ollama', 'llamacpp', 'openai'] as const;
export type JudgeServer = (typeof JUDGE_SERVERS)[number];
export type ServerKind = Exclude<JudgeServer, 'auto'>;
