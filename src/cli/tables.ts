/**
 * The flag tables commands share: inputs, error policy, output, goal and judge. Each flag is declared
 * once here (flags, help, choices from the module that owns the list, default, parser); a command's
 * table spreads the ones it takes. Light: loaded at every start.
 */
import { OUTPUT_FORMATS } from '../core/layouts.js';
import { parseScale } from '../core/goal.js';
import { ID_COLUMNS } from '../core/ids.js';
import { SCHEMAS } from '../core/pair.js';
import { parseShard } from '../core/shard.js';
import { ValueError } from '../core/errors.js';
import { parseWinnerValues } from '../core/winner.js';
import { DEFAULT_GZIP_LEVEL, INPUT_FORMATS, LOG_FORMATS, LOG_LEVELS, OUTPUT_FILE_FORMATS } from '../io/choices.js';
import { JUDGE_DEFAULTS, JUDGE_KINDS, REWARD_ENDPOINTS } from '../judge/choices.js';
import { MAPPINGS } from '../judge/mapping.js';
import { ON_ERROR_POLICIES } from '../pipeline/config.js';
import { NETWORK_DEFAULTS, SERVER_KINDS } from '../server/choices.js';
import {
  bool,
  choice,
  count,
  list,
  parseBytes,
  parsed,
  parseInRange,
  parseNonNegative,
  parseNumber,
  parseRate,
  parseTopP,
  path,
  text,
  type Flag,
} from './flags.js';

/** Every command takes its flags from a file too (src/cli/config-file.ts). */
export const configFlags = {
  config: text(
    '--config <file>',
    'read flags from a JSON or YAML file (keys are long flag names; flags on the command line win)',
    { group: 'input' },
  ),
};

/** How input files are read: every command that reads rows takes these. */
export const readFlags = {
  inputFormat: choice(
    '--input-format <format>',
    'input format (default: from the extension, then from the content)',
    INPUT_FORMATS,
    { group: 'input' },
  ),
  maxLineBytes: parsed(
    '--max-line-bytes <bytes>',
    'longest record accepted, e.g. 16M (protects memory from a runaway line)',
    parseBytes,
    { default: '64M', group: 'input' },
  ),
  split: text(
    '--split <name>',
    "the split to read of a Hub dataset given by name (OWNER/NAME), as its card's configs list them; " +
      'with -o DIR/, the split written (default: the split the Hub files name, as data/train_prefs-*.parquet ' +
      'does, else train)',
    { group: 'input' },
  ),
};

/** Where rows come from and which columns hold the pair. Every command that reads pairs takes these. */
export const inputFlags = {
  ...readFlags,
  schema: choice('--schema <shape>', 'input shape (default: detected from the first record)', SCHEMAS, {
    group: 'input',
  }),
  promptCol: path('--prompt-col <path>', 'column holding the prompt (string or message list)', { group: 'columns' }),
  chosenCol: path('--chosen-col <path>', 'column holding the chosen response', { group: 'columns' }),
  rejectedCol: path('--rejected-col <path>', 'column holding the rejected response', { group: 'columns' }),
  systemCol: path('--system-col <path>', 'column holding a system prompt string', { group: 'columns' }),
  inputCol: path(
    '--input-col <path>',
    "column whose text follows the prompt's (Alpaca's input; default: input, next to a string prompt)",
    { group: 'columns' },
  ),
  responseACol: path('--response-a-col <path>', 'the first of two responses a winner column chooses between', {
    group: 'columns',
  }),
  responseBCol: path('--response-b-col <path>', 'the second of the two responses', { group: 'columns' }),
  winnerCol: list(
    '--winner-col <path>',
    'the column that says which response won (repeat for several annotators: the majority wins, a split is a tie)',
    { group: 'columns' },
  ),
  winnerValues: parsed(
    '--winner-values <A=…,B=…,tie=…>',
    "the winner column's values for each side, | between several (default: A=a|A|model_a, B=b|B|model_b, " +
      'tie=tie|tie (bothbad)|both_bad); ties are set aside as no_preference',
    parseWinnerValues,
    { group: 'columns' },
  ),
  scoreACol: path(
    '--score-a-col <path>',
    "the first response's score (becomes score_chosen or score_rejected); also for a layout found by its " +
      "columns; with --scores, the score of the scores file's first response",
    {
      group: 'columns',
    },
  ),
  scoreBCol: path('--score-b-col <path>', "the second response's score", { group: 'columns' }),
  inputJoin: parsed(
    '--input-join <text>',
    'what joins the prompt and its input (\\n for a newline; default: one newline, as LLaMA-Factory)',
    (raw) => String(raw).replace(/\\n/g, '\n').replace(/\\t/g, '\t'),
    { group: 'columns' },
  ),
};

/** A column holding several responses to one prompt (pairs reads them, score scores them). */
export const responseListFlags = {
  responsesCol: path(
    '--responses-col <path>',
    'column holding the list of responses (default: responses; answers in the Nectar layout, ' +
      'prompt.replies in an OASST message tree)',
    { group: 'columns' },
  ),
  textField: text(
    '--text-field <name>',
    'the field of each response object that holds its text (default: the first of text, answer, response, ' +
      'content, output, completion)',
    { group: 'columns' },
  ),
};

/** A separate scores file joined to the input by key (relabel, audit, inspect: core/score-join.ts). */
export const scoresFileFlags = {
  scores: text('--scores <file>', 'a separate scores file joined to the input by --key', { group: 'columns' }),
  key: path('--key <path>', 'the join column for --scores', { group: 'columns' }),
};

/** generate, score, pairs: the row's id, carried through to relabel's source_id. */
export const idFlags = {
  idCol: path(
    '--id-col <path>',
    `column with the row's id, carried with the row (relabel writes it as source_id); every row must have one ` +
      `(default: the first of ${ID_COLUMNS.join(', ')}, where present)`,
    { group: 'columns' },
  ),
};

/** relabel, score and pairs: a run whose scores contradict the labels of most pairs is stopped, not written. */
export const conflictFlags = {
  maxConflictRate: parsed(
    '--max-conflict-rate <share>',
    'stop (exit 1, nothing written) when, beyond doubt (the low end of its 95% interval), more than this share ' +
      'of the untied scored pairs have scores that contradict their label (swapped score columns, scores of ' +
      'other responses); 1 writes them anyway',
    parseRate,
    { default: '0.5', group: 'errors' },
  ),
};

/** Set-aside rows, reports and what reaches stderr: every command that writes rows takes these. */
export const errorFlags = {
  onError: choice(
    '--on-error <policy>',
    'fail: stop at the first bad row; skip: set it aside in --rejects and go on',
    ON_ERROR_POLICIES,
    { default: 'fail', group: 'errors' },
  ),
  rejects: text(
    '--rejects <file>',
    'JSONL file for set-aside rows: source, line, reason, message, raw row ("-" = stdout)',
    { group: 'errors' },
  ),
  maxErrors: count('--max-errors <n>', 'with --on-error skip, stop when more than N rows fail', { group: 'errors' }),
  report: text('--report <file>', 'write the run summary as JSON', { group: 'errors' }),
  allowEmptyOutput: bool(
    '--allow-empty-output',
    'exit 0 even when no row is written (e.g. a --shard of a small input); by default that is exit 1',
    { group: 'errors' },
  ),
  ...logFlags(),
};

/** Logging and colour, for every command that logs. */
function logFlags() {
  return {
    quiet: bool('-q, --quiet', 'no summary or progress on stderr (errors still print)', { group: 'errors' }),
    // No default in the table: -q lowers the level only when --log-level was not given (-q --log-level warn
    // keeps warnings, as typed).
    logLevel: choice('--log-level <level>', 'log level (default: warn; error with -q)', LOG_LEVELS, {
      group: 'errors',
    }),
    logFormat: choice('--log-format <format>', 'log lines as text or as pino JSON', LOG_FORMATS, {
      default: 'text',
      group: 'errors',
    }),
    color: bool('--no-color', 'no colour on stderr (also NO_COLOR=1)', { group: 'errors' }),
  };
}

/** The output file of a command that writes rows. */
export function outputFlags(description: string) {
  return {
    output: text('-o, --output <file>', description, { default: '-', group: 'output' }),
    outputFormat: choice(
      '--output-format <format>',
      'output file format (default: from the -o extension; parquet for -o DIR/)',
      OUTPUT_FILE_FORMATS,
      { group: 'output' },
    ),
    maxShardSize: parsed(
      '--max-shard-size <bytes>',
      'with -o DIR/ (a dataset folder for the Hub): start a new data/ shard past this size',
      parseBytes,
      { default: '500M', group: 'output' },
    ),
    audit: text(
      '--audit <file>',
      'with -o DIR/: the JSON `radpo audit --json` printed for these inputs; its headline figures go into the card',
      { group: 'output' },
    ),
  };
}

/** A request's deadline: above 0, and within what a timer holds (2^32 - 1 ms, about 49 days). */
function parseTimeout(text: string): number {
  const seconds = parseNumber(text);
  if (!(seconds > 0) || seconds * 1000 > 2 ** 32 - 1)
    throw new ValueError(text, undefined, 'must be a number of seconds above 0 and at most 4294967 (49 days)');
  return seconds;
}

/**
 * Bootstrap resamples: a whole number up to 100000. Past that the intervals' Monte-Carlo error is far below
 * what they show, and the time and memory grow with it (10 M resamples of 3 pairs took 51 s and 2 GB).
 */
const MAX_BOOTSTRAP = 100_000;
function parseBootstrap(text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new ValueError(text, 'a whole number of resamples (0: none)');
  const value = Number(text.trim());
  if (value > MAX_BOOTSTRAP) throw new ValueError(text, `at most ${MAX_BOOTSTRAP} resamples`);
  return value;
}

/** audit and eval: resamples of prompts for every interval they print. */
export const bootstrapFlag = parsed(
  '--bootstrap <n>',
  `bootstrap resamples of prompts for the intervals (0: none, at most ${MAX_BOOTSTRAP})`,
  parseBootstrap,
  { default: '1000', group: 'figures' },
);

export const gzipLevelFlag = parsed(
  '--gzip-level <1-9>',
  `compression of .gz output: 1 is fastest (default ${DEFAULT_GZIP_LEVEL}), 9 smallest`,
  parseInRange(1, 9),
  { group: 'output' },
);

/** The goal text: its template and scale. relabel, check and goal take these. */
export function goalTextFlags(scaleHelp: string) {
  return {
    goalTemplate: text(
      '--goal-template <file>',
      "goal text with {score} (or {NAME} per --attr) placeholders, instead of the paper's",
      { group: 'goal' },
    ),
    scale: parsed('--scale <min-max>', scaleHelp, parseScale, { default: '1-10', group: 'goal' }),
  };
}

/** Where the two scores of a pair are (relabel, inspect) or go (score). */
export function scoreColumnFlags(chosenHelp: string, rejectedHelp: string) {
  return {
    chosenScoreCol: path('--chosen-score-col <path>', chosenHelp, { group: 'columns' }),
    rejectedScoreCol: path('--rejected-score-col <path>', rejectedHelp, { group: 'columns' }),
  };
}

export const outputLayoutFlag = choice('--format <layout>', 'row layout for the trainer', OUTPUT_FORMATS, {
  default: 'trl',
  group: 'output',
});
export const shardFlag = parsed(
  '--shard <K/N>',
  'only the K-th of N deterministic slices of the input (by prompt hash)',
  parseShard,
  { group: 'performance' },
);

/**
 * The flags of talking to a server, for every command that does (score and relabel --judge with a judge,
 * generate with a policy): a new one is one entry here and its use in cli/server-config.ts.
 */
export function networkFlags(server: 'judge' | 'policy') {
  const group = 'judge';
  return {
    preflight: bool(
      '--no-preflight',
      `skip the check that the server answers and serves --${server}-model (for a gateway that hides GET /models)`,
      { group },
    ),
    concurrency: count('--concurrency <n>', 'requests in flight at most', {
      default: NETWORK_DEFAULTS.concurrency,
      group,
    }),
    timeout: parsed('--timeout <seconds>', 'deadline of each request, from connecting to the last byte', parseTimeout, {
      default: NETWORK_DEFAULTS.timeoutSeconds,
      group,
    }),
    maxRetries: count('--max-retries <n>', 'retries of a request on 408/409/429/5xx, timeouts and connection errors', {
      default: NETWORK_DEFAULTS.maxRetries,
      group,
    }),
    maxResponseBytes: parsed(
      '--max-response-bytes <bytes>',
      'largest answer read from the server, e.g. 16M; a larger one sets its row aside',
      parseBytes,
      { default: '16M', group },
    ),
    cache: cacheFlag(),
    emitBatch: text(
      '--emit-batch <file>',
      'write the requests the cache cannot answer as OpenAI Batch API / vLLM run_batch input lines and stop',
      { group },
    ),
    fromBatch: list(
      '--from-batch <file>',
      'read batch results (OpenAI output and error files, vLLM run_batch output; repeat for several) into the ' +
        'cache, then continue',
      { group },
    ),
    liveFallback: bool(
      '--live-fallback',
      'with --from-batch: ask the server for what the batch files do not answer (else those rows are set aside)',
      { group },
    ),
  };
}

/** The policy server and how it samples: `radpo generate` and `radpo eval` take these. */
export const policyFlags = {
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
  temperature: parsed('--temperature <t>', 'sampling temperature (0: greedy)', parseNonNegative, {
    default: '0.8',
    group: 'judge',
  }),
  topP: parsed('--top-p <p>', 'nucleus sampling: the share of probability mass kept, above 0, at most 1', parseTopP, {
    default: '0.95',
    group: 'judge',
  }),
  maxTokens: count('--max-tokens <n>', 'longest response, in tokens', { default: '1024', group: 'judge' }),
};

/**
 * Judge flags, shared by `radpo score` and `radpo relabel --judge`. The API key comes from the
 * environment only (RADPO_JUDGE_API_KEY, then OPENAI_API_KEY): never a flag, never logged or stored.
 */
export const judgeFlags = {
  judge: choice(
    '--judge <kind>',
    'chat: an LLM judge over the Chat Completions API; reward: a served reward model (vLLM pooling)',
    JUDGE_KINDS,
    { group: 'judge' },
  ),
  judgeUrl: text(
    '--judge-url <url>',
    'base URL with /v1, e.g. http://localhost:8000/v1 (default: RADPO_JUDGE_URL, then OPENAI_BASE_URL)',
    { group: 'judge' },
  ),
  judgeModel: text('--judge-model <name>', 'the model name the server expects', { group: 'judge' }),
  judgeApiKeyEnv: text(
    '--judge-api-key-env <name>',
    'the environment variable holding the judge API key (default: RADPO_JUDGE_API_KEY; OPENAI_API_KEY is ' +
      "sent only to OpenAI and to OPENAI_BASE_URL's host)",
    { group: 'judge' },
  ),
  judgeServer: choice(
    '--judge-server <kind>',
    'the server, to shape requests for it (auto: identified from its own routes before the first row)',
    SERVER_KINDS,
    { default: 'auto', group: 'judge' },
  ),
  judgeChatTemplate: text(
    '--judge-chat-template <file>',
    "the reward model's chat template (.jinja or tokenizer_config.json): SGLang's reward route takes rendered text",
    { group: 'judge' },
  ),
  rubric: text(
    '--rubric <name|file>',
    'ultrafeedback (1-10), mt-bench (1-10), prometheus (1-5), or a rubric file (JSON, or YAML named .yaml)',
    { default: JUDGE_DEFAULTS.rubric, group: 'judge' },
  ),
  structured: bool('--structured', 'ask for a JSON-schema verdict (response_format) where the server supports it', {
    group: 'judge',
  }),
  logprobs: bool(
    '--logprobs',
    'score = probability-weighted mean over the score tokens (G-Eval), for rubrics whose scores are single ' +
      'digits (prometheus 1-5); falls back to the verdict without logprobs',
    { group: 'judge' },
  ),
  seed: count('--seed <n>', 'seed sent with every judge request', { default: JUDGE_DEFAULTS.seed, group: 'judge' }),
  judgeMaxTokens: count('--judge-max-tokens <n>', 'max tokens of a judge answer', {
    default: JUDGE_DEFAULTS.maxTokens,
    group: 'judge',
  }),
  rewardEndpoint: choice('--reward-endpoint <route>', 'vLLM pooling route for --judge reward', REWARD_ENDPOINTS, {
    default: JUDGE_DEFAULTS.rewardEndpoint,
    group: 'judge',
  }),
  map: choice('--map <kind>', 'raw rewards onto the goal scale: identity, minmax, or quantile levels', MAPPINGS, {
    default: JUDGE_DEFAULTS.map,
    group: 'judge',
  }),
  levels: count('--levels <n>', 'quantile levels (default: the whole numbers of the scale)', { group: 'judge' }),
  precision: count(
    '--precision <digits>',
    'digits after the point of goal scores: mapped rewards (default 0), --logprobs scores (default 2), and ' +
      'scores from the data when given (else written as they are)',
    { default: JUDGE_DEFAULTS.precision, group: 'judge' },
  ),
  parseRetries: count('--parse-retries <n>', 'new requests when a verdict cannot be read', {
    default: JUDGE_DEFAULTS.parseRetries,
    group: 'judge',
  }),
  rescore: bool('--rescore', 'judge rows that already have scores too', { group: 'judge' }),
  ...networkFlags('judge'),
};

/** --cache FILE, or --no-cache (null): one value, two spellings. */
function cacheFlag(): Flag<string | null | undefined> {
  return {
    flags: '--cache <file>',
    description: 'SQLite cache of judgements (default: .radpo-cache.sqlite in the working directory)',
    negation: { flags: '--no-cache', description: 'do not read or write the cache' },
    group: 'judge',
    parse: (raw) => (raw === false ? null : typeof raw === 'string' ? raw : undefined),
  };
}
