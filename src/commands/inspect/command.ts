import { defineCommand } from '../../cli/command.js';
import { bool, list } from '../../cli/flags.js';
import { inputFlags, scoreColumnFlags } from '../../cli/tables.js';

/** Every flag of `radpo inspect`, declared once: commander options and the typed config both come from here. */
export const inspectFlags = {
  ...inputFlags,
  ...scoreColumnFlags('chosen score column', 'rejected score column'),
  attr: list('--attr <NAME=CHOSEN,REJECTED>', 'attribute score columns (histograms show the first)', { group: 'columns' }),
  json: bool('--json', 'print the report as JSON', { group: 'output' }),
};

export const inspectCommand = defineCommand({
  name: 'inspect',
  description: 'what a preference dataset holds: shape, score columns, histograms, ties, duplicates, lengths',
  argument: ['[inputs...]', 'JSONL, JSON, CSV (optionally .gz) or Parquet files; "-" for stdin'],
  flags: inspectFlags,
  examples: ['radpo inspect pairs.jsonl', 'radpo inspect train_prefs.parquet --json', 'zcat pairs.jsonl.gz | radpo inspect -'],
  load: () => import('./run.js'),
});
