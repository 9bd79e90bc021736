import { z } from 'zod';
import { EXIT_OK, EXIT_USAGE } from '../core/errors.js';
import { runInspect, renderInspect } from '../commands/inspect.js';
import type { Io } from './io.js';
import { InputOptions, parseBytes, resolveInputs, shapeOptions, validate } from './options.js';

const InspectOptions = InputOptions.extend({
  chosenScoreCol: z.string().optional(),
  rejectedScoreCol: z.string().optional(),
  attr: z.array(z.string()).optional(),
  json: z.boolean().optional(),
});

export async function inspectCommand(inputs: string[], rawOptions: Record<string, unknown>, io: Io, help: () => string): Promise<number> {
  const o = validate(InspectOptions, rawOptions);
  const resolved = resolveInputs(inputs, io, help);
  if (!resolved) return EXIT_USAGE;
  inputs = resolved;
  const report = await runInspect(
    {
      inputs,
      inputFormat: o.inputFormat,
      shape: shapeOptions(o),
      scores: { chosenScoreCol: o.chosenScoreCol, rejectedScoreCol: o.rejectedScoreCol, attr: o.attr },
      maxLineBytes: parseBytes(o.maxLineBytes, '--max-line-bytes'),
    },
    io,
  );
  // The report is this command's data: it goes to stdout.
  io.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : renderInspect(report));
  return EXIT_OK;
}
