import { parseAttr } from '../../core/scores.js';
import { bool, choice, list, parsed, parseNonNegative, path, text } from '../../cli/flags.js';
import { MAX_AUTO_THREADS, parseThreads } from './threads.js';
import {
  configFlags,
  conflictFlags,
  errorFlags,
  goalTextFlags,
  gzipLevelFlag,
  inputFlags,
  judgeFlags,
  outputFlags,
  outputLayoutFlag,
  scoreColumnFlags,
  shardFlag,
  scoresFileFlags,
} from '../../cli/tables.js';
import { PLACEMENTS } from '../../core/goal.js';
import { IDENTICAL_POLICIES, TIE_POLICIES } from '../../core/relabel.js';
import { ORDERS } from '../../pipeline/config.js';

/** Every flag of `radpo relabel`, declared once: commander options and the typed config both come from here. */
export const relabelFlags = {
  ...configFlags,
  ...inputFlags,
  idCol: path('--id-col <path>', 'column with the row id copied to source_id (default: id or prompt_id when present)', {
    group: 'columns',
  }),
  ...scoreColumnFlags(
    'chosen score column; dotted paths reach into objects (metadata.score_chosen)',
    'rejected score column',
  ),
  attr: list(
    '--attr <NAME=CHOSEN,REJECTED>',
    'a goal attribute and its two score columns; repeat for several, in goal order',
    { group: 'columns', item: parseAttr },
  ),
  ...scoresFileFlags,
  ...goalTextFlags('score scale named in the goal text'),
  placement: choice(
    '--placement <where>',
    'system: goal in the system message; user: in front of the first user message; auto: what --chat-template supports',
    [...PLACEMENTS, 'auto'] as const,
    { default: 'system', group: 'goal' },
  ),
  ties: choice('--ties <policy>', 'pairs whose scores are equal', TIE_POLICIES, { default: 'keep', group: 'goal' }),
  minGap: parsed(
    '--min-gap <score>',
    'set aside pairs whose scores differ by less than this (radpo audit suggests one); 0 keeps every pair',
    parseNonNegative,
    { default: '0', group: 'goal' },
  ),
  identical: choice('--identical <policy>', 'pairs whose chosen and rejected text are the same', IDENTICAL_POLICIES, {
    default: 'drop',
    group: 'goal',
  }),
  allowEmpty: bool('--allow-empty', 'write pairs with an empty response instead of failing them', { group: 'goal' }),
  ...outputFlags('output file ("-" = stdout); .jsonl, .json, .csv (optionally .gz) or .parquet'),
  format: outputLayoutFlag,
  order: choice(
    '--order <order>',
    'interleave: the two copies of a pair together; concat: all chosen-goal copies, then all rejected-goal copies',
    ORDERS,
    { default: 'interleave', group: 'output' },
  ),
  gzipLevel: gzipLevelFlag,
  jsonInCsv: bool(
    '--json-in-csv',
    'write message lists into CSV cells as JSON anyway (for people and spreadsheets: no trainer loads them)',
    { group: 'output' },
  ),
  printConfig: bool(
    '--print-config',
    'after writing -o FILE, print the config snippet that points the trainer at it (stdout)',
    { group: 'output' },
  ),
  chatTemplate: text(
    '--chat-template <file>',
    "check the written file with the model's chat template (.jinja or tokenizer_config.json); exit 1 on errors",
    { group: 'output' },
  ),
  ...errorFlags,
  ...conflictFlags,
  ...judgeFlags,
  shard: shardFlag,
  threads: parsed(
    '--threads <n|auto>',
    `worker threads for large JSON inputs; auto: up to ${MAX_AUTO_THREADS} on machines with more than 2 ` +
      `cores, the main thread on 2; 0: the main thread only`,
    parseThreads,
    { default: 'auto', group: 'performance' },
  ),
};
