import { bool, choice, count, list, parsed, path, text } from '../../cli/flags.js';
import {
  bootstrapFlag,
  configFlags,
  errorFlags,
  goalTextFlags,
  judgeFlags,
  policyFlags,
  readFlags,
} from '../../cli/tables.js';
import { ValueError } from '../../core/errors.js';
import { PLACEMENTS } from '../../core/goal.js';
import { OUTPUT_FILE_FORMATS } from '../../io/choices.js';

/**
 * --goals 1,4,7,10: the goal scores to ask for, as decimals (the goal text writes them; 0x5 or 1e1 would
 * not be what training wrote), each once.
 */
function parseGoals(text: string): number[] {
  const example = 'e.g. --goals 1,4,7,10';
  if (text.trim() === '') throw new ValueError(text, undefined, `the list is empty: give the goal scores, ${example}`);
  const parts = text.split(',').map((part) => part.trim());
  const goals = parts.map((part, i) => {
    if (part === '') throw new ValueError(text, undefined, `score ${i + 1} of ${parts.length} is empty (${example})`);
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(part))
      throw new ValueError(text, undefined, `"${part}" is not a decimal score (${example})`);
    return Number(part);
  });
  const twice = goals.find((g, i) => goals.indexOf(g) !== i);
  if (twice !== undefined) throw new ValueError(text, undefined, `${parts[goals.lastIndexOf(twice)]} is given twice`);
  return goals;
}

/** What fails the run (exit 1) after the report is written. */
export const FAIL_ON = ['none', 'warnings'] as const;

// eval always judges every answer (no --rescore), and its one --seed seeds the policy and the judge alike.
const { rescore: _rescore, seed: _seed, ...judge } = judgeFlags;

/** Every flag of `radpo eval`, declared once: commander options and the typed config both come from here. */
export const evalFlags = {
  ...configFlags,
  ...readFlags,
  promptCol: path('--prompt-col <path>', 'column holding the prompt: a string or a message list (default: prompt)', {
    group: 'columns',
  }),
  goals: parsed(
    '--goals <list>',
    'the goal scores asked for, comma-separated (default: 4 points from the bottom to the top of the scale)',
    parseGoals,
    { group: 'goal' },
  ),
  baseline: bool('--no-baseline', 'skip the answers asked without a goal (the baseline)', { group: 'goal' }),
  placement: choice('--placement <where>', 'where training put the goal (as in relabel)', PLACEMENTS, {
    default: 'system',
    group: 'goal',
  }),
  attr: list(
    '--attr <NAME>',
    'a goal attribute, in training order (repeat for several; NAME=CHOSEN,REJECTED as relabel takes it is fine): ' +
      'each goal asks every attribute for that score',
    { group: 'goal' },
  ),
  // The paper's 1-10, as radpo goal and relabel write it; a judge that scores on another scale says so.
  ...goalTextFlags("the scale training named in the goal text (the paper's, as radpo goal)"),
  chatTemplate: text(
    '--chat-template <file>',
    "the policy's chat template (.jinja or tokenizer_config.json): warn (goal_not_rendered) when it drops the goal",
    { group: 'goal' },
  ),
  samples: count('-n, --samples <n>', 'answers sampled per prompt for each goal and for the baseline', {
    default: '4',
    group: 'judge',
  }),
  ...policyFlags,
  seed: count(
    '--seed <n>',
    'seed of the samples (seed + k for the k-th where a server takes one request per sample), of the judge ' +
      'requests and of the bootstrap',
    { default: '0', group: 'judge' },
  ),
  policyEmitBatch: text(
    '--policy-emit-batch <file>',
    'write the samples the cache cannot answer as batch input lines for the policy and stop',
    { group: 'judge' },
  ),
  policyFromBatch: list('--policy-from-batch <file>', "read the policy's batch results into the cache (repeatable)", {
    group: 'judge',
  }),
  ...judge,
  // audit's flag: unbounded, 10 M resamples of 3 prompts took 51 s and 2 GB (issue 28, finding 6).
  bootstrap: bootstrapFlag,
  json: bool('--json', 'print the figures as one JSON object on stdout (schema radpo.eval/v1)', { group: 'output' }),
  html: text('--html <file>', 'write a self-contained page: goal vs judged score, the baseline, broken orders', {
    group: 'output',
  }),
  output: text(
    '-o, --output <file>',
    'every answer, one row per prompt with responses, scores and goals (as radpo score writes; radpo pairs reads it)',
    { group: 'output' },
  ),
  outputFormat: choice(
    '--output-format <format>',
    'output file format (default: from the -o extension)',
    OUTPUT_FILE_FORMATS,
    { group: 'output' },
  ),
  failOn: choice('--fail-on <what>', 'exit 1 after the report when there is a warning', FAIL_ON, {
    default: 'none',
    group: 'gates',
  }),
  ...errorFlags,
};
