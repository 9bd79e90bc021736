import { defineCommand } from '../../cli/command.js';
import { goalFlags } from './flags.js';

export const goalCommand = defineCommand({
  name: 'goal',
  description: 'print the goal text exactly as training used it (for inference and evaluation)',
  flags: goalFlags,
  examples: [
    'radpo goal --score 10',
    'radpo goal --score 10 --placement user --json --prompt "Write a haiku."',
    'radpo goal --attr-score helpfulness=4 --attr-score honesty=5 --scale 1-5',
  ],
  load: () => import('./run.js'),
});
