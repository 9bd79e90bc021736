import { defineCommand } from '../../cli/command.js';
import { evalFlags } from './flags.js';

export const evalCommand = defineCommand({
  name: 'eval',
  description: 'after training: does the policy follow its goal? answers per goal, judged, with intervals',
  argument: [
    '[inputs...]',
    'prompts: rows with a prompt string or message list (JSONL, JSON, CSV, Parquet); "-" for stdin',
  ],
  flags: evalFlags,
  examples: [
    'radpo eval prompts.jsonl --policy-url http://localhost:8001/v1 --policy-model policy --judge chat ' +
      '--judge-url http://localhost:8000/v1 --judge-model judge --goals 1,4,7,10 -n 4',
    'radpo eval prompts.jsonl --policy-model policy --judge chat --judge-model judge -o answers.jsonl ' +
      '--html eval.html --fail-on warnings',
  ],
  load: () => import('./run.js'),
});
