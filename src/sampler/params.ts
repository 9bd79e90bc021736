/**
 * The sampling parameters of `radpo generate` and `radpo eval`, and their bound: plain values, so a
 * command's config.ts checks -n without loading the sampler (its server, cache and batch files).
 */
export interface SamplingParams {
  model: string;
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
}

/** The sampling parameters as the rows and reports name them (generate's `sampling`, eval's). */
export function samplingRecord(params: SamplingParams): Record<string, unknown> {
  return {
    model: params.model,
    n: params.n,
    temperature: params.temperature,
    top_p: params.topP,
    max_tokens: params.maxTokens,
    seed: params.seed,
  };
}

/**
 * The most samples per prompt (-n): each prompt's keys and answers are held at once, so a typo of
 * 100000000 would build keys for minutes, deaf to Ctrl-C, and run out of memory; no use asks for more.
 */
export const MAX_SAMPLES = 1000;
