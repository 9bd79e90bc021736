import { defineCommand } from '../../cli/command.js';
import { completionFlags } from './flags.js';

export const completionCommand = defineCommand({
  name: 'completion',
  description: 'print a shell completion script (bash, zsh or fish) for radpo',
  argument: ['<shell>', 'bash, zsh or fish'],
  flags: completionFlags,
  examples: [
    'radpo completion bash > ~/.local/share/bash-completion/completions/radpo',
    'radpo completion zsh > "${fpath[1]}/_radpo"',
    'radpo completion fish > ~/.config/fish/completions/radpo.fish',
  ],
  load: () => import('./run.js'),
});
