/**
 * `radpo check`'s flags to its config: every rule between its flags, pure (the chat template, tokenizer and
 * goal template files are read by run.ts). Table-tested in test/commands/check/config.test.ts.
 */
import type { FlagValues } from '../../cli/flags.js';
import { scoreColumnSpec } from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import type { checkFlags } from './flags.js';

type CheckFlags = FlagValues<typeof checkFlags>;

type CheckConfig = Omit<CheckFlags, 'chatTemplate' | 'attr'> & {
  input: string;
  chatTemplate: string;
  /** The attribute names relabel was given (NAME, or the name of NAME=C,R), in order; null: one score. */
  attributes: string[] | null;
  /** No --scale and no goal template: the scale is read from the file's goal text. */
  scaleFromGoal: boolean;
};

/** `given`: whether a flag was typed (or set by --config) rather than left at its default. */
export function checkConfig(input: string, flags: CheckFlags, given: (key: string) => boolean): CheckConfig {
  if (!flags.chatTemplate)
    throw usageError('--chat-template FILE is required', "a .jinja file or the model's tokenizer_config.json");
  const { attr, chatTemplate, ...rest } = flags;
  return {
    ...rest,
    input,
    chatTemplate,
    // NAME, or NAME=C,R as given to relabel (only the name matters here).
    attributes:
      attr.length > 0
        ? attr.map((a) => (a.includes('=') ? scoreColumnSpec({ attr: [a] }).attributes![0]!.name : a))
        : null,
    // A file relabeled with --scale 0-4 is checked on 0-4 without saying so twice.
    scaleFromGoal: !given('scale') && !flags.goalTemplate,
  };
}
