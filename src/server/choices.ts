/** The server layer's choice lists and defaults, light enough for the flag tables to import at start-up. */

/** The servers radpo shapes requests for; auto identifies the server from its own routes. */
export const SERVER_KINDS = ['auto', 'vllm', 'sglang', 'tgi', 'ollama', 'llamacpp', 'openai'] as const;
export type ServerChoice = (typeof SERVER_KINDS)[number];
export type ServerKind = Exclude<ServerChoice, 'auto'>;

/** Written once here, shown in --help and used when a network flag is absent. */
export const NETWORK_DEFAULTS = {
  concurrency: '16',
  timeoutSeconds: '60',
  maxRetries: '5',
} as const;
