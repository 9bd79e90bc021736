/** `radpo check`: exit 0 when no error-level finding (warnings allowed), 1 otherwise: usable as a CI gate. */
import type { RunCommand } from '../../cli/command.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import { scoreColumnSpec } from '../../cli/rules.js';
import { usageError } from '../../core/errors.js';
import { checkFile, renderCheck } from '../../templates/check.js';
import { loadChatTemplate } from '../../templates/chat-template.js';
import type { checkFlags } from './flags.js';

export const run: RunCommand<typeof checkFlags> = async ([input], flags, { io, given }) => {
  if (!flags.chatTemplate)
    throw usageError('--chat-template FILE is required', "a .jinja file or the model's tokenizer_config.json");
  // NAME, or NAME=C,R as given to relabel (only the name matters here).
  const attributes =
    flags.attr.length > 0
      ? flags.attr.map((a) => (a.includes('=') ? scoreColumnSpec({ attr: [a] }).attributes![0]!.name : a))
      : null;
  const report = await checkFile(
    {
      input: input!,
      chat: loadChatTemplate(flags.chatTemplate, { bosToken: flags.bosToken, eosToken: flags.eosToken }),
      goal: readGoalSpec(flags, attributes),
      // A file relabeled with --scale 0-4 is checked on 0-4 without saying so twice.
      scaleFromGoal: !given('scale') && !flags.goalTemplate,
      sample: flags.sample,
      maxPromptLength: flags.maxPromptLength,
      maxLength: flags.maxLength,
      tokenizer: flags.tokenizer,
      maxListed: flags.maxListed,
      trainer: flags.trainer,
    },
    io,
  );
  io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheck(report));
  return report.errors > 0 ? 'failed' : 'ok';
};
