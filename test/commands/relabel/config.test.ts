/** `radpo relabel`'s rules between flags, against relabelConfig (src/commands/relabel/config.ts): nothing runs. */
import { describe, expect, it } from 'vitest';
import { judgeRunConfig } from '../../../src/cli/judge-config.js';
import { relabelConfig } from '../../../src/commands/relabel/config.js';
import { relabelFlags } from '../../../src/commands/relabel/flags.js';
import type { Placement } from '../../../src/core/goal.js';
import type { Io } from '../../../src/io/io.js';
import { parseArgv } from '../../helpers.js';

interface Around {
  inputs?: string[];
  env?: Record<string, string>;
  /** What the loaded --chat-template would make of --placement auto. */
  autoPlaced?: Placement;
}

/** The config from a command line; a --judge on it is configured as run.ts configures it (no request is made). */
async function config(argv: string[], around: Around = {}) {
  const { flags, given } = parseArgv(relabelFlags, argv);
  const env = around.env ?? {};
  const io = { env, cwd: '/work' } as Io;
  const judge = await judgeRunConfig(flags, io, given('scale') ? flags.scale : undefined, given('precision'));
  return relabelConfig(flags, {
    inputs: around.inputs ?? ['pairs.jsonl'],
    version: '0.0.0',
    given,
    env,
    judge,
    autoPlaced: around.autoPlaced ?? null,
  });
}

const JUDGE = ['--judge', 'chat', '--judge-url', 'http://127.0.0.1:9/v1', '--judge-model', 'm', '--no-cache'];

describe('relabelConfig', () => {
  it.each<[string, string[], Around, Record<string, unknown>]>([
    [
      'defaults: the paper',
      [],
      {},
      {
        output: '-',
        placement: 'system',
        goalTemplateName: 'paper',
        scaleExplicit: false,
        roundDigits: null,
        fastPath: true,
        goal: { attributes: null, scale: { min: 1, max: 10 }, template: null },
      },
    ],
    ['--scale given', ['--scale', '0-4'], {}, { scaleExplicit: true, goal: { scale: { min: 0, max: 4 } } }],
    ['--precision given', ['--precision', '1'], {}, { roundDigits: 1 }],
    ['--placement user', ['--placement', 'user'], {}, { placement: 'user' }],
    ['the text format puts the goal first', ['--format', 'text', '--placement', 'user'], {}, { placement: 'system' }],
    [
      '--placement auto: what the chat template accepts',
      ['--placement', 'auto', '--chat-template', 't.jinja', '-o', 'o.jsonl'],
      { autoPlaced: 'user' },
      { placement: 'user' },
    ],
    [
      '--attr: a multi-attribute goal',
      ['--attr', 'helpfulness=h.c,h.r', '--attr', 'honesty=o.c,o.r'],
      {},
      { goal: { attributes: ['helpfulness', 'honesty'] } },
    ],
    [
      'a judge that scores aspects makes their goal, on its scale',
      [...JUDGE, '--rubric', 'ultrafeedback-aspects'],
      {},
      {
        goal: { attributes: ['Helpfulness', 'Honesty', 'Instruction following', 'Truthfulness'] },
        scores: { attributes: [{ name: 'Helpfulness', chosen: ['score_chosen', 'Helpfulness'] }, {}, {}, {}] },
        scaleExplicit: false,
      },
    ],
    [
      '--scores with --key: the file, with the a/b columns its own',
      ['--scores', 's.jsonl', '--key', 'id', '--score-a-col', 'sa', '--score-b-col', 'sb'],
      {},
      { scoresFile: { path: 's.jsonl' }, shape: { winnerScores: undefined } },
    ],
    [
      'the environment: the fast path off, worker threads early',
      [],
      { env: { RADPO_FAST_PATH: '0', RADPO_POOL_AFTER_BYTES: '1' } },
      { fastPath: false, poolAfterBytes: 1 },
    ],
    ['--json-in-csv lets CSV through', ['-o', 'o.csv', '--json-in-csv'], {}, { output: 'o.csv', jsonInCsv: true }],
    ['--print-config with -o', ['--print-config', '-o', 'o.jsonl'], {}, { printConfig: true }],
  ])('%s', async (_name, argv, around, expected) => {
    expect(await config(argv, around)).toMatchObject(expected);
  });

  it.each<[string[], Around, RegExp]>([
    [['--scores', 's.jsonl'], {}, /--scores and --key go together/],
    [['--key', 'id'], {}, /--scores and --key go together/],
    [['--max-errors', '3'], {}, /--max-errors only applies with --on-error skip/],
    [['--on-error', 'skip'], {}, /--on-error skip needs --rejects FILE/],
    [['-o', 'x.parquet.gz'], {}, /Parquet output needs -o FILE\.parquet, got "x\.parquet\.gz"/],
    [['-o', '-', '--output-format', 'parquet'], {}, /Parquet output needs -o FILE\.parquet, got stdout/],
    [['--on-error', 'skip', '--rejects', '-'], {}, /--rejects and the output cannot both go to stdout/],
    // stdout by another name: rows and rejects would be one stream of both.
    [['--on-error', 'skip', '--rejects', '-', '-o', '/dev/stdout'], {}, /cannot both go to stdout/],
    [['--on-error', 'skip', '--rejects', '/dev/stdout'], {}, /cannot both go to stdout/],
    [['--print-config'], {}, /--print-config needs -o FILE/],
    [['-o', 'o.csv'], {}, /-o o\.csv would write a file the trainer cannot load/],
    [['-o', 'o.csv.gz', '--json-in-csv'], {}, /-o o\.csv\.gz would write a file the trainer cannot load/],
    [['--format', 'llamafactory', '-o', 'o.jsonl.gz'], {}, /would write a file the trainer cannot load/],
    [['--placement', 'auto'], {}, /--placement auto needs --chat-template FILE/],
    [['--chat-template', 't.jinja'], {}, /--chat-template needs -o FILE/],
    [[], { inputs: ['-', '-'] }, /stdin \("-"\) can be read only once/],
    [[...JUDGE, '--emit-batch', 'req.jsonl'], {}, /--emit-batch belongs to radpo score/],
    [['--score-a-col', 'a'], {}, /--score-a-col and --score-b-col go together/],
  ])('%j is refused', async (argv, around, message) => {
    await expect(config(argv, around)).rejects.toThrow(message);
  });
});
