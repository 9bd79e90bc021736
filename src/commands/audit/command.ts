import { defineCommand } from '../../cli/command.js';
import { auditFlags } from './flags.js';

export const auditCommand = defineCommand({
  name: 'audit',
  description:
    'can these scores be trusted? agreement with the labels, conflicts, length bias, calibration, ' +
    'a min-gap sweep, retest noise',
  argument: [
    '[inputs...]',
    'scored pairs (JSONL, JSON, CSV, Parquet; radpo relabel or score output too); "-" for stdin',
  ],
  flags: auditFlags,
  examples: [
    'radpo audit scored.jsonl',
    'radpo audit scored.jsonl --rerun rescored.jsonl --html audit.html',
    'radpo audit scored.jsonl --json --min-agreement 0.75 --max-conflict-rate 0.15',
  ],
  load: () => import('./run.js'),
});
