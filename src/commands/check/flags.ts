import { bool, choice, count, list, text } from '../../cli/flags.js';
import { configFlags, goalTextFlags } from '../../cli/tables.js';
import { CHECK_DEFAULTS } from '../../templates/check-defaults.js';

/** Every flag of `radpo check`, declared once: commander options and the typed config both come from here. */
export const checkFlags = {
  ...configFlags,
  chatTemplate: text(
    '--chat-template <file>',
    "the model's chat template: a .jinja file or its tokenizer_config.json",
    { group: 'input' },
  ),
  bosToken: text('--bos-token <text>', 'bos_token for a .jinja template (tokenizer_config.json carries its own)', {
    group: 'input',
  }),
  eosToken: text('--eos-token <text>', 'eos_token for a .jinja template', { group: 'input' }),
  sample: count('--sample <n>', 'check N rows (a fixed, seeded sample) instead of all', { group: 'input' }),
  maxPromptLength: count('--max-prompt-length <n>', "prompt budget of the trainer (the paper's recipes: 512)", {
    default: CHECK_DEFAULTS.maxPromptLength,
    group: 'input',
  }),
  maxLength: count('--max-length <n>', "prompt + response budget (the paper's recipes: 1024)", {
    default: CHECK_DEFAULTS.maxLength,
    group: 'input',
  }),
  tokenizer: text(
    '--tokenizer <file>',
    "the model's tokenizer.json: count tokens instead of estimating them (4 characters each; a CJK character, one)",
    { group: 'input' },
  ),
  ...goalTextFlags('the scale used when relabeling'),
  attr: list('--attr <NAME>', 'attribute names used when relabeling, in order (NAME or NAME=C,R)', { group: 'goal' }),
  maxListed: count('--max-listed <n>', 'row numbers listed per finding', {
    default: CHECK_DEFAULTS.maxListed,
    group: 'output',
  }),
  trainer: choice(
    '--trainer <name>',
    "the trainer the file is for: axolotl adds the checks of its DPO transform (they run on axolotl's layout anyway)",
    ['trl', 'openrlhf', 'llamafactory', 'axolotl', 'nemo'] as const,
    { group: 'input' },
  ),
  json: bool('--json', 'print the report as JSON', { group: 'output' }),
};
