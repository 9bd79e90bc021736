import { bool, list } from '../../cli/flags.js';
import { configFlags, inputFlags, scoreColumnFlags } from '../../cli/tables.js';

/** Every flag of `radpo inspect`, declared once: commander options and the typed config both come from here. */
export const inspectFlags = {
  ...configFlags,
  ...inputFlags,
  ...scoreColumnFlags('chosen score column', 'rejected score column'),
  attr: list('--attr <NAME=CHOSEN,REJECTED>', 'attribute score columns (histograms show the first)', {
    group: 'columns',
  }),
  json: bool('--json', 'print the report as JSON', { group: 'output' }),
};
