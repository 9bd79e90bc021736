/**
 * The judge flags' definitions, shared by `radpo score` and `radpo relabel`. Kept apart from their
 * parsing (judge-options.ts) so that defining the CLI loads nothing heavy: `radpo --version` stays fast.
 */
import { Option, type Command } from 'commander';

/** Mirrors MAPPINGS in ../judge/mapping.ts (a test keeps them equal) without loading that module. */
export const MAPPING_CHOICES = ['identity', 'minmax', 'quantile'];

export function addJudgeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--judge <kind>', 'chat: an LLM judge over the Chat Completions API; reward: a served reward model (vLLM pooling)').choices(['chat', 'reward']))
    .option('--judge-url <url>', 'base URL with /v1, e.g. http://localhost:8000/v1 (default: RADPO_JUDGE_URL, then OPENAI_BASE_URL)')
    .option('--judge-model <name>', 'the model name the server expects')
    .option('--rubric <name|file>', 'ultrafeedback (1-10), mt-bench (1-10), prometheus (1-5), or a JSON rubric file', 'ultrafeedback')
    .option('--structured', 'ask for a JSON-schema verdict (response_format) where the server supports it')
    .option('--logprobs', 'score = probability-weighted mean over the score tokens (G-Eval); falls back to the verdict without logprobs')
    .option('--seed <n>', 'seed sent with every judge request', '0')
    .option('--judge-max-tokens <n>', 'max tokens of a judge answer', '1024')
    .addOption(new Option('--reward-endpoint <route>', 'vLLM pooling route for --judge reward').choices(['pooling', 'classify']).default('pooling'))
    .addOption(new Option('--map <kind>', 'raw rewards onto the goal scale: identity, minmax, or quantile levels').choices(MAPPING_CHOICES).default('minmax'))
    .option('--levels <n>', 'quantile levels (default: the whole numbers of the scale)')
    .option('--precision <digits>', 'digits after the point for mapped rewards', '0')
    .option('--concurrency <n>', 'judge requests in flight at most', '16')
    .option('--timeout <seconds>', 'per request', '60')
    .option('--max-retries <n>', 'retries of a request on 408/409/429/5xx, timeouts and connection errors', '5')
    .option('--parse-retries <n>', 'new requests when a verdict cannot be read', '2')
    .option('--cache <file>', 'SQLite cache of judgements (default: .radpo-cache.sqlite in the working directory)')
    .option('--no-cache', 'do not read or write the cache')
    .option('--rescore', 'judge rows that already have scores too')
    .option('--emit-batch <file>', 'write the uncached requests as an OpenAI Batch API / vLLM run_batch input file and stop')
    .option('--from-batch <file>', 'read batch results (OpenAI or vLLM run_batch output) into the cache, then continue');
}

