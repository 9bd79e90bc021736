import { defineCommand } from '../../cli/command.js';
import { generateFlags } from './flags.js';

export const generateCommand = defineCommand({
  name: 'generate',
  description: "sample several responses per prompt from a policy server (the paper's on-policy data)",
  argument: [
    '[inputs...]',
    'prompts: rows with a prompt string or message list (JSONL, JSON, CSV, Parquet); "-" for stdin',
  ],
  flags: generateFlags,
  examples: [
    'radpo generate prompts.jsonl -n 5 --policy-url http://localhost:8000/v1 --policy-model policy -o samples.jsonl',
    'radpo generate prompts.jsonl -n 1 --policy-model policy --goal-score 10 -o answers.jsonl',
  ],
  load: () => import('./run.js'),
});
