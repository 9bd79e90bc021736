/** `radpo check`: exit 0 when no error-level finding (warnings allowed), 1 otherwise: usable as a CI gate. */
import type { RunCommand } from '../../cli/command.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import { checkFile, renderCheck } from '../../templates/check.js';
import { loadChatTemplate } from '../../templates/chat-template.js';
import { checkConfig } from './config.js';
import type { checkFlags } from './flags.js';
import { readerWarnings } from '../../io/log.js';

export const run: RunCommand<typeof checkFlags> = async ([input], flags, { io, given }) => {
  const config = checkConfig(input!, flags, given);
  // Reader warnings (a CSV header naming a column twice) reach stderr as in every command.
  readerWarnings(io);
  const report = await checkFile(
    {
      input: config.input,
      chat: loadChatTemplate(config.chatTemplate, { bosToken: config.bosToken, eosToken: config.eosToken }),
      goal: readGoalSpec(config, config.attributes),
      scaleFromGoal: config.scaleFromGoal,
      sample: config.sample,
      maxPromptLength: config.maxPromptLength,
      maxLength: config.maxLength,
      tokenizer: config.tokenizer,
      maxListed: config.maxListed,
      trainer: config.trainer,
    },
    io,
  );
  io.stdout.write(config.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheck(report));
  return report.errors > 0 ? 'failed' : 'ok';
};
