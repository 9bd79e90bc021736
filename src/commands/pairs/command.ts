import { defineCommand } from '../../cli/command.js';
import { pairsFlags } from './flags.js';

export const pairsCommand = defineCommand({
  name: 'pairs',
  description: 'from several scored responses per prompt to preference pairs (best-worst, best-random, all)',
  argument: [
    '[inputs...]',
    'rows with responses and scores (radpo generate | radpo score), or the openbmb/UltraFeedback layout; "-" for stdin',
  ],
  flags: pairsFlags,
  examples: [
    'radpo pairs scored.jsonl -o pairs.jsonl',
    'radpo pairs ultrafeedback.jsonl --strategy best-random --seed 42 --score helpfulness -o pairs.jsonl',
    'radpo generate prompts.jsonl -n 5 … | radpo score - --judge reward … | radpo pairs - | radpo relabel - ' +
      '-o train.jsonl',
  ],
  load: () => import('./run.js'),
});
