import { z } from 'zod';
import { EXIT_OK, EXIT_USAGE } from '../core/errors.js';
import { SCHEMAS } from '../core/pair.js';
import { runInspect, renderInspect } from '../commands/inspect.js';
import type { Io } from './io.js';
import { parseBytes, validate } from './options.js';

const InspectOptions = z.object({
  inputFormat: z.enum(['jsonl', 'json', 'csv', 'parquet']).optional(),
  schema: z.enum(SCHEMAS).optional(),
  promptCol: z.string().optional(),
  chosenCol: z.string().optional(),
  rejectedCol: z.string().optional(),
  systemCol: z.string().optional(),
  idCol: z.string().optional(),
  chosenScoreCol: z.string().optional(),
  rejectedScoreCol: z.string().optional(),
  attr: z.array(z.string()).optional(),
  maxLineBytes: z.string(),
  json: z.boolean().optional(),
});

export async function inspectCommand(inputs: string[], rawOptions: Record<string, unknown>, io: Io, help: () => string): Promise<number> {
  const o = validate(InspectOptions, rawOptions);
  if (inputs.length === 0) {
    if (io.stdin.isTTY) {
      io.stderr.write(help());
      return EXIT_USAGE;
    }
    inputs = ['-'];
  }
  const report = await runInspect(
    {
      inputs,
      inputFormat: o.inputFormat,
      shape: { schema: o.schema, promptCol: o.promptCol, chosenCol: o.chosenCol, rejectedCol: o.rejectedCol, systemCol: o.systemCol },
      scores: { chosenScoreCol: o.chosenScoreCol, rejectedScoreCol: o.rejectedScoreCol, attr: o.attr },
      maxLineBytes: parseBytes(o.maxLineBytes, '--max-line-bytes'),
    },
    io,
  );
  // The report is this command's data: it goes to stdout.
  io.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderInspect(report));
  return EXIT_OK;
}
