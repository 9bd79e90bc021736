import { parseAttr } from '../../core/scores.js';
import { bool, count, list, parsed, parseNonNegative, parseRate, path, text } from '../../cli/flags.js';
import { bootstrapFlag, configFlags, inputFlags, scoreColumnFlags, scoresFileFlags } from '../../cli/tables.js';
import { ValueError } from '../../core/errors.js';
import { parseScale } from '../../core/goal.js';

/** --gaps 0,0.5,1,2: the min-gap values to sweep, each a plain decimal (0x10 is not 16 here). */
function parseGaps(text: string): number[] {
  const parts = text.split(',');
  const decimal = /^\s*(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
  const bad = parts.find((part) => !decimal.test(part));
  if (bad !== undefined)
    throw new ValueError(
      text,
      'a comma-separated list of decimal gaps, e.g. 0,0.5,1,2',
      `"${bad}" is not a plain decimal number (digits, a point, an optional exponent)`,
    );
  if (parts.length > MAX_GAPS) throw new ValueError(text, `at most ${MAX_GAPS} gaps`);
  return parts.map((part) => parseNonNegative(part));
}

const MAX_GAPS = 1000;

/** Every flag of `radpo audit`, declared once: commander options and the typed config both come from here. */
export const auditFlags = {
  ...configFlags,
  ...inputFlags,
  ...scoreColumnFlags('chosen score column', 'rejected score column'),
  attr: list('--attr <NAME=CHOSEN,REJECTED>', 'aspect score columns, compared with the overall score (repeatable)', {
    group: 'columns',
    item: parseAttr,
  }),
  ...scoresFileFlags,
  idCol: path(
    '--id-col <path>',
    "column that identifies a pair across --rerun and --reference files (default: the pair's text)",
    {
      group: 'columns',
    },
  ),
  groupCol: path('--group-col <path>', 'column to break the figures down by (task, source, category)', {
    group: 'columns',
  }),
  scale: parsed('--scale <min-max>', "the judge's score scale (default: 1-10 when every score fits it)", parseScale, {
    group: 'columns',
  }),
  rerun: list('--rerun <file>', 'the same pairs scored again (radpo score --rescore): retest noise (repeatable)', {
    group: 'figures',
  }),
  reference: text('--reference <file>', 'the same pairs scored by humans or a second judge', { group: 'figures' }),
  referenceChosenCol: path('--reference-chosen-col <path>', "the chosen response's reference score in the input", {
    group: 'figures',
  }),
  referenceRejectedCol: path('--reference-rejected-col <path>', "the rejected response's reference score", {
    group: 'figures',
  }),
  gaps: parsed('--gaps <list>', 'min-gap values to sweep (default: 0,0.5,1,… up to the largest gap)', parseGaps, {
    group: 'figures',
  }),
  targetAgreement: parsed(
    '--target-agreement <share>',
    "the agreement a suggested --min-gap must reach (its interval's lower bound)",
    parseRate,
    { default: '0.8', group: 'figures' },
  ),
  bootstrap: bootstrapFlag,
  seed: count('--seed <n>', 'seed of the bootstrap (same input and seed: same bytes)', {
    default: '0',
    group: 'figures',
  }),
  json: bool('--json', 'print the figures as one JSON object (schema radpo.audit/v1)', { group: 'output' }),
  html: text('--html <file>', 'write a self-contained page with the charts and the conflicting pairs', {
    group: 'output',
  }),
  conflicts: text('--conflicts <file>', 'write the pairs whose scores contradict their label, as JSONL', {
    group: 'output',
  }),
  minAgreement: parsed('--min-agreement <share>', 'fail (exit 1) below this agreement (ties dropped)', parseRate, {
    group: 'gates',
  }),
  maxConflictRate: parsed('--max-conflict-rate <share>', 'fail (exit 1) above this conflict rate', parseRate, {
    group: 'gates',
  }),
  maxFlipRate: parsed(
    '--max-flip-rate <share>',
    'fail (exit 1) above this retest flip rate (needs --rerun)',
    parseRate,
    {
      group: 'gates',
    },
  ),
};
