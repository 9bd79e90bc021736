import { bool, choice, list, text } from '../../cli/flags.js';
import { configFlags, goalTextFlags } from '../../cli/tables.js';
import { PLACEMENTS } from '../../core/goal.js';

/** Every flag of `radpo goal`, declared once: commander options and the typed config both come from here. */
export const goalFlags = {
  ...configFlags,
  score: text('--score <n>', 'the target score (the top of the scale at inference)', { group: 'goal' }),
  attrScore: list('--attr-score <NAME=N>', 'a target attribute score; repeat for several, in training order', {
    group: 'goal',
  }),
  placement: choice('--placement <where>', 'as in relabel', PLACEMENTS, { default: 'system', group: 'goal' }),
  ...goalTextFlags('as in relabel'),
  prompt: text('--prompt <text>', 'with --json: the user question, so the message list is complete', {
    group: 'output',
  }),
  json: bool('--json', 'print the message list to prepend (JSON) instead of the text', { group: 'output' }),
};
