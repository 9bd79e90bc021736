/** `radpo check`: exit 0 when no error-level finding (warnings allowed), 1 otherwise: usable as a CI gate. */
import type { RunCommand } from '../../cli/command.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import { scoreColumnSpec } from '../../cli/rules.js';
import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../../core/errors.js';
import { scaleNamedIn, type Scale } from '../../core/goal.js';
import { checkFile, renderCheck } from '../../templates/check.js';
import { loadChatTemplate } from '../../templates/chat-template.js';
import type { checkFlags } from './flags.js';

/**
 * Without --scale, the scale the file's goal text names (read from its first MB): a file relabeled with
 * --scale 0-4 is checked on 0-4 without saying so twice. Null when not found (or stdin, or gzip).
 */
function scaleOfFile(input: string, cwd: string): Scale | null {
  if (input === '-' || /\.gz$/i.test(input)) return null;
  let fd: number | null = null;
  try {
    fd = openSync(resolve(cwd, input), 'r');
    const head = Buffer.alloc(1 << 20);
    const n = readSync(fd, head, 0, head.length, 0);
    // JSON escapes nothing in the goal clause, so the raw text holds it as the prompt does.
    return scaleNamedIn(head.subarray(0, n).toString('utf8'));
  } catch {
    return null; // checkFile reports an unreadable input in its own words
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export const run: RunCommand<typeof checkFlags> = async ([input], flags, { io, given }) => {
  if (!flags.chatTemplate)
    throw usageError('--chat-template FILE is required', "a .jinja file or the model's tokenizer_config.json");
  // NAME, or NAME=C,R as given to relabel (only the name matters here).
  const attributes =
    flags.attr.length > 0
      ? flags.attr.map((a) => (a.includes('=') ? scoreColumnSpec({ attr: [a] }).attributes![0]!.name : a))
      : null;
  let scale = flags.scale;
  const named = given('scale') || flags.goalTemplate ? null : scaleOfFile(input!, io.cwd);
  if (named && (named.min !== scale.min || named.max !== scale.max)) {
    scale = named;
    io.stderr.write(`radpo check: the goal text names the scale ${named.min}-${named.max}; checking on it\n`);
  }
  const report = await checkFile(
    {
      input: input!,
      chat: loadChatTemplate(flags.chatTemplate, { bosToken: flags.bosToken, eosToken: flags.eosToken }),
      goal: readGoalSpec({ ...flags, scale }, attributes),
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
