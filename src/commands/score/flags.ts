import { parsed } from '../../cli/flags.js';
import {
  conflictFlags,
  responseListFlags,
  configFlags,
  errorFlags,
  inputFlags,
  judgeFlags,
  outputFlags,
  scoreColumnFlags,
  idFlags,
} from '../../cli/tables.js';
import { parseScale } from '../../core/goal.js';

/** Every flag of `radpo score`, declared once: commander options and the typed config both come from here. */
export const scoreFlags = {
  ...configFlags,
  ...inputFlags,
  ...outputFlags('output file ("-" = stdout)'),
  ...scoreColumnFlags(
    'where to write the chosen score (default: existing score columns, else score_chosen)',
    'where to write the rejected score (default: existing, else score_rejected)',
  ),
  scale: parsed(
    '--scale <min-max>',
    "goal scale that reward-model scores are mapped onto (default 1-10; a chat judge uses its rubric's)",
    parseScale,
    { group: 'goal' },
  ),
  ...responseListFlags,
  ...idFlags,
  ...errorFlags,
  ...conflictFlags,
  ...judgeFlags,
};
