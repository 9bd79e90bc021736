import { z } from 'zod';
import { OUTPUT_FILE_FORMATS } from '../io/output.js';
import { EXIT_OK, EXIT_USAGE, usageError } from '../core/errors.js';
import { parsePath } from '../core/path.js';
import { runScore } from '../commands/score.js';
import { useColor, type Io } from './io.js';
import { checkJudgeInputs, judgeRunConfig } from './judge-options.js';
import { createLogger } from './log.js';
import { version } from './main.js';
import { commonRunConfig, ErrorOptions, InputOptions, resolveInputs, validate } from './options.js';

const ScoreOptions = InputOptions.merge(ErrorOptions).extend({
  output: z.string().min(1),
  outputFormat: z.enum(OUTPUT_FILE_FORMATS).optional(),
  chosenScoreCol: z.string().optional(),
  rejectedScoreCol: z.string().optional(),
  scale: z.string().optional(),
});

export async function scoreCommand(inputs: string[], rawOptions: Record<string, unknown>, io: Io, help: () => string, scaleGiven: boolean): Promise<number> {
  const o = validate(ScoreOptions, rawOptions);
  const run = judgeRunConfig(rawOptions, io, scaleGiven ? o.scale : undefined);
  if (!run) throw usageError('radpo score needs --judge chat or --judge reward', 'for example: radpo score pairs.jsonl --judge chat --judge-url http://localhost:8000/v1 --judge-model judge -o scored.jsonl');
  const resolved = resolveInputs(inputs, io, help);
  if (!resolved) return EXIT_USAGE;
  inputs = resolved;
  checkJudgeInputs(run, inputs);
  if (o.onError === 'skip' && !o.rejects) throw usageError('--on-error skip needs --rejects FILE, so that every set-aside row is kept with its reason');
  if ((o.chosenScoreCol === undefined) !== (o.rejectedScoreCol === undefined)) throw usageError('--chosen-score-col and --rejected-score-col go together');
  if (o.chosenScoreCol) parsePath(o.chosenScoreCol, '--chosen-score-col');
  if (o.rejectedScoreCol) parsePath(o.rejectedScoreCol, '--rejected-score-col');
  if ((o.outputFormat === 'parquet' || /\.parquet$/i.test(o.output)) && o.output === '-') throw usageError('Parquet output needs -o FILE.parquet');
  const logger = createLogger(io, o.quiet && o.logLevel === 'warn' ? 'error' : o.logLevel, o.logFormat, useColor(io, o.color));
  await runScore(
    {
      ...commonRunConfig(inputs, o, version()),
      scores: { chosenScoreCol: o.chosenScoreCol, rejectedScoreCol: o.rejectedScoreCol },
      run,
    },
    io,
    logger,
  );
  return EXIT_OK;
}
