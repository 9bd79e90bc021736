import { defineCommand } from '../../cli/command.js';
import { checkFlags } from './flags.js';

export const checkCommand = defineCommand({
  name: 'check',
  description: "render relabeled rows with the model's chat template and report what would break training",
  argument: ['<output>', 'a file written by radpo relabel (any --format)'],
  flags: checkFlags,
  examples: [
    'radpo check train.jsonl --chat-template tokenizer_config.json',
    'radpo check train.jsonl --chat-template qwen2.jinja --sample 1000 --json',
  ],
  load: () => import('./run.js'),
});
