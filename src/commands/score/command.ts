import { defineCommand } from '../../cli/command.js';
import { scoreFlags } from './flags.js';

export const scoreCommand = defineCommand({
  name: 'score',
  description: 'attach judge scores (an LLM judge or a reward model) to preference pairs, in input order',
  argument: [
    '[inputs...]',
    'JSONL, JSON, CSV (optionally .gz) or Parquet files, hf://datasets/OWNER/NAME/PATH or OWNER/NAME --split; ' +
      '"-" for stdin',
  ],
  flags: scoreFlags,
  examples: [
    'radpo score pairs.jsonl --judge chat --judge-url http://localhost:8000/v1 --judge-model judge -o scored.jsonl',
    'radpo score pairs.jsonl --judge reward --judge-url http://localhost:8000/v1 --judge-model rm --map ' +
      'quantile -o scored.jsonl',
  ],
  load: () => import('./run.js'),
});
