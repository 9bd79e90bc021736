import { z } from 'zod';
import { EXIT_OK, EXIT_USAGE, usageError } from '../core/errors.js';
import { SCHEMAS } from '../core/pair.js';
import { parsePath } from '../core/path.js';
import { runScore } from '../commands/score.js';
import { useColor, type Io } from './io.js';
import { judgeRunConfig } from './judge-options.js';
import { createLogger } from './log.js';
import { version } from './main.js';
import { parseBytes, parseCount, validate } from './options.js';

const ScoreOptions = z.object({
  output: z.string().min(1),
  outputFormat: z.enum(['jsonl', 'json', 'csv', 'parquet']).optional(),
  chosenScoreCol: z.string().optional(),
  rejectedScoreCol: z.string().optional(),
  inputFormat: z.enum(['jsonl', 'json', 'csv', 'parquet']).optional(),
  schema: z.enum(SCHEMAS).optional(),
  promptCol: z.string().optional(),
  chosenCol: z.string().optional(),
  rejectedCol: z.string().optional(),
  systemCol: z.string().optional(),
  idCol: z.string().optional(),
  maxLineBytes: z.string(),
  onError: z.enum(['fail', 'skip']),
  rejects: z.string().optional(),
  maxErrors: z.string().optional(),
  report: z.string().optional(),
  quiet: z.boolean().optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']),
  logFormat: z.enum(['text', 'json']),
  color: z.boolean().optional(),
  scale: z.string().optional(),
});

export async function scoreCommand(inputs: string[], rawOptions: Record<string, unknown>, io: Io, help: () => string, scaleGiven: boolean): Promise<number> {
  const o = validate(ScoreOptions, rawOptions);
  const run = judgeRunConfig(rawOptions, io, scaleGiven ? o.scale : undefined);
  if (!run) throw usageError('radpo score needs --judge chat or --judge reward', 'for example: radpo score pairs.jsonl --judge chat --judge-url http://localhost:8000/v1 --judge-model judge -o scored.jsonl');
  if (inputs.length === 0) {
    if (io.stdin.isTTY) {
      io.stderr.write(help());
      return EXIT_USAGE;
    }
    inputs = ['-'];
  }
  if (o.onError === 'skip' && !o.rejects) throw usageError('--on-error skip needs --rejects FILE, so that every set-aside row is kept with its reason');
  if ((o.chosenScoreCol === undefined) !== (o.rejectedScoreCol === undefined)) throw usageError('--chosen-score-col and --rejected-score-col go together');
  if (o.chosenScoreCol) parsePath(o.chosenScoreCol, '--chosen-score-col');
  if (o.rejectedScoreCol) parsePath(o.rejectedScoreCol, '--rejected-score-col');
  if ((o.outputFormat === 'parquet' || /\.parquet$/i.test(o.output)) && o.output === '-') throw usageError('Parquet output needs -o FILE.parquet');
  const logger = createLogger(io, o.quiet && o.logLevel === 'warn' ? 'error' : o.logLevel, o.logFormat, useColor(io, o.color));
  await runScore(
    {
      inputs,
      inputFormat: o.inputFormat,
      shape: { schema: o.schema, promptCol: o.promptCol, chosenCol: o.chosenCol, rejectedCol: o.rejectedCol, systemCol: o.systemCol },
      scores: { chosenScoreCol: o.chosenScoreCol, rejectedScoreCol: o.rejectedScoreCol },
      output: o.output,
      outputFormat: o.outputFormat,
      onError: o.onError,
      rejects: o.rejects,
      maxErrors: o.maxErrors === undefined ? undefined : parseCount(o.maxErrors, '--max-errors'),
      report: o.report,
      maxLineBytes: parseBytes(o.maxLineBytes, '--max-line-bytes'),
      quiet: o.quiet === true,
      version: version(),
      run,
    },
    io,
    logger,
  );
  return EXIT_OK;
}
