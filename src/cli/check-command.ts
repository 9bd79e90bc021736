import { z } from 'zod';
import { EXIT_FAILED, EXIT_OK, usageError } from '../core/errors.js';
import { parseAttr } from '../core/scores.js';
import { loadChatTemplate, renderCheck, runCheck } from '../commands/check.js';
import type { Io } from './io.js';
import { goalSpec, parseCount, validate } from './options.js';

const CheckOptions = z.object({
  chatTemplate: z.string().optional(),
  bosToken: z.string().optional(),
  eosToken: z.string().optional(),
  sample: z.string().optional(),
  maxPromptLength: z.string(),
  maxLength: z.string(),
  tokenizer: z.string().optional(),
  goalTemplate: z.string().optional(),
  scale: z.string(),
  attr: z.array(z.string()).optional(),
  maxListed: z.string(),
  json: z.boolean().optional(),
});

/** Exit 0 when no error-level finding (warnings allowed), 1 otherwise: usable as a CI gate. */
export async function checkCommand(input: string, rawOptions: Record<string, unknown>, io: Io): Promise<number> {
  const o = validate(CheckOptions, rawOptions);
  if (!o.chatTemplate) throw usageError('--chat-template FILE is required', 'a .jinja file or the model\'s tokenizer_config.json');
  const attributes = o.attr && o.attr.length > 0 ? o.attr.map((a) => (a.includes('=') ? parseAttr(a).name : a)) : null;
  const report = await runCheck(
    {
      input,
      chat: loadChatTemplate(o.chatTemplate, { bosToken: o.bosToken, eosToken: o.eosToken }),
      goal: goalSpec({ scale: o.scale, goalTemplate: o.goalTemplate }, attributes),
      sample: o.sample === undefined ? undefined : parseCount(o.sample, '--sample'),
      maxPromptLength: parseCount(o.maxPromptLength, '--max-prompt-length'),
      maxLength: parseCount(o.maxLength, '--max-length'),
      tokenizer: o.tokenizer,
      maxListed: parseCount(o.maxListed, '--max-listed'),
    },
    io,
  );
  io.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheck(report));
  return report.errors > 0 ? EXIT_FAILED : EXIT_OK;
}
