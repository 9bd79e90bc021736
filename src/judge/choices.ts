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
  parseRetries: '2',
} as const;
