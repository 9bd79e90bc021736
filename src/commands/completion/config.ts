/** `radpo completion`'s argument to its config: the shell, one of those it writes scripts for. Pure. */
import { usageError } from '../../core/errors.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

interface CompletionConfig {
  shell: (typeof SHELLS)[number];
}

export function completionConfig(shell: string | undefined): CompletionConfig {
  if (!SHELLS.includes(shell as CompletionConfig['shell']))
    throw usageError(
      `radpo completion takes one of ${SHELLS.join(', ')}, got "${shell}"`,
      'e.g. radpo completion bash',
    );
  return { shell: shell as CompletionConfig['shell'] };
}
