import { bool, list } from '../../cli/flags.js';
import { inputFlags, scoreColumnFlags } from '../../cli/tables.js';

/** Every flag of `radpo inspect`, declared once: commander options and the typed config both come from here. */
export const inspectFlags = {
  ...inputFlags,
  ...scoreColumnFlags('chosen score column', 'rejected score column'),
  attr: list('--attr <NAME=CHOSEN,REJECTED>', 'attribute score columns (histograms show the first)', { group: 'columns' }),
  json: bool('--json', 'print the report as JSON', { group: 'output' }),
};
