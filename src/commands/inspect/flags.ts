import { parseAttr } from '../../core/scores.js';
import { bool, list, parsed, path } from '../../cli/flags.js';
import { configFlags, inputFlags, scoreColumnFlags, scoresFileFlags } from '../../cli/tables.js';
import { parseScale } from '../../core/goal.js';

/** Every flag of `radpo inspect`, declared once: commander options and the typed config both come from here. */
export const inspectFlags = {
  ...configFlags,
  ...inputFlags,
  ...scoreColumnFlags('chosen score column', 'rejected score column'),
  attr: list('--attr <NAME=CHOSEN,REJECTED>', 'attribute score columns (histograms show the first)', {
    group: 'columns',
    item: parseAttr,
  }),
  ...scoresFileFlags,
  // Accepted as relabel takes them, so a relabel command can be checked with inspect before it runs.
  idCol: path('--id-col <path>', 'column with the row id (as relabel takes it)', { group: 'columns' }),
  scale: parsed(
    '--scale <min-max>',
    'the scale the scores are on (the range check names it; default 1-10)',
    parseScale,
    { group: 'goal' },
  ),
  json: bool('--json', 'print the report as JSON', { group: 'output' }),
};
