import { defineCommand } from '../../cli/command.js';
import { bool, choice, list, text } from '../../cli/flags.js';
import { goalTextFlags } from '../../cli/tables.js';
import { PLACEMENTS } from '../../core/goal.js';

/** Every flag of `radpo goal`, declared once: commander options and the typed config both come from here. */
export const goalFlags = {
  score: text('--score <n>', 'the target score (the top of the scale at inference)', { group: 'goal' }),
  attrScore: list('--attr-score <NAME=N>', 'a target attribute score; repeat for several, in training order', { group: 'goal' }),
  placement: choice('--placement <where>', 'as in relabel', PLACEMENTS, { default: 'system', group: 'goal' }),
  ...goalTextFlags('as in relabel'),
  prompt: text('--prompt <text>', 'with --json: the user question, so the message list is complete', { group: 'output' }),
  json: bool('--json', 'print the message list to prepend (JSON) instead of the text', { group: 'output' }),
};

export const goalCommand = defineCommand({
  name: 'goal',
  description: 'print the goal text exactly as training used it (for inference and evaluation)',
  flags: goalFlags,
  examples: ['radpo goal --score 10', 'radpo goal --score 10 --placement user --json --prompt "Write a haiku."', 'radpo goal --attr-score helpfulness=4 --attr-score honesty=5 --scale 1-5'],
  load: () => import('./run.js'),
});
