/** `radpo completion`'s argument, against completionConfig (src/commands/completion/config.ts). */
import { describe, expect, it } from 'vitest';
import { completionConfig } from '../../../src/commands/completion/config.js';

describe('completionConfig', () => {
  it.each(['bash', 'zsh', 'fish'])('%s', (shell) => expect(completionConfig(shell)).toEqual({ shell }));

  it.each([
    [undefined, 'radpo completion takes one of bash, zsh, fish, got "undefined"'],
    ['powershell', 'radpo completion takes one of bash, zsh, fish, got "powershell"'],
  ])('%j is refused', (shell, message) => expect(() => completionConfig(shell)).toThrow(message));
});
