import { defineCommand } from '../../cli/command.js';
import { inspectFlags } from './flags.js';

export const inspectCommand = defineCommand({
  name: 'inspect',
  description: 'what a preference dataset holds: shape, score columns, histograms, ties, duplicates, lengths',
  argument: [
    '[inputs...]',
    'JSONL, JSON, CSV (optionally .gz) or Parquet files, hf://datasets/OWNER/NAME/PATH or OWNER/NAME --split; ' +
      '"-" for stdin',
  ],
  flags: inspectFlags,
  examples: [
    'radpo inspect pairs.jsonl',
    'radpo inspect train_prefs.parquet --json',
    'zcat pairs.jsonl.gz | radpo inspect -',
  ],
  load: () => import('./run.js'),
});
