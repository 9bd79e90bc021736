import { defineCommand } from '../../cli/command.js';
import { relabelFlags } from './flags.js';

export const relabelCommand = defineCommand({
  name: 'relabel',
  description:
    'write two goal-conditioned copies of every preference pair (chosen-score goal; rejected-score goal, swapped)',
  argument: [
    '[inputs...]',
    'JSONL, JSON, CSV (optionally .gz) or Parquet files, hf://datasets/OWNER/NAME/PATH (globs too) or OWNER/NAME ' +
      'with --split; "-" or nothing (with piped input) for stdin',
  ],
  flags: relabelFlags,
  examples: [
    'radpo relabel pairs.jsonl -o train.jsonl',
    'radpo relabel train_prefs.parquet --format llamafactory -o data/uf_ra.json --print-config',
    'radpo relabel pairs.jsonl --judge chat --judge-url http://localhost:8000/v1 --judge-model judge -o train.jsonl',
  ],
  load: () => import('./run.js'),
});
