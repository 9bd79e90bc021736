/**
 * Subprocess tests: the built CLI (bin/radpo.js) on the fixtures built from test/data, compared
 * byte for byte with golden files. Regenerate after an intended change with UPDATE_GOLDEN=1 npm test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, ROOT } from '../helpers.js';

const BIN = join(ROOT, 'bin', 'radpo.js');
const GOLDEN = join(ROOT, 'test', 'golden');

const cases: Array<{ name: string; args: string[]; shape: RegExp }> = [
  {
    name: 'llamafactory_sharegpt',
    args: ['llamafactory_sharegpt_scored.json'],
    shape: /LLaMA-Factory ShareGPT ranking/,
  },
  { name: 'hh_rlhf_gz', args: ['hh_rlhf_scored.jsonl.gz'], shape: /implicit prompt, strings/ },
  {
    name: 'orca_csv',
    args: ['orca_pairs_scored.csv'],
    shape: /columns question\/chosen\/rejected, system from system/,
  },
  {
    name: 'torchtune_stack_exchange_user',
    args: ['stack_exchange_scored.json', '--placement', 'user'],
    shape: /columns question\/response_j\/response_k/,
  },
  {
    name: 'helpsteer2_attributes',
    args: [
      'helpsteer2_pairs.jsonl',
      '--scale',
      '0-4',
      ...['helpfulness', 'correctness', 'coherence', 'complexity', 'verbosity'].flatMap((a) => [
        '--attr',
        `${a}=chosen_attributes.${a},rejected_attributes.${a}`,
      ]),
    ],
    shape: /conversational with explicit prompt/,
  },
  {
    name: 'ultrafeedback_binarized_handbook',
    args: ['ultrafeedback_binarized_shape.jsonl', '--format', 'handbook'],
    shape: /implicit prompt, conversational/,
  },
  {
    name: 'trl_conversational_concat',
    args: ['trl_conversational.jsonl', '--order', 'concat'],
    shape: /conversational with explicit prompt/,
  },
  {
    name: 'format_llamafactory',
    args: ['llamafactory_sharegpt_scored.json', '--format', 'llamafactory'],
    shape: /ShareGPT/,
  },
  {
    name: 'format_llamafactory_user',
    args: ['orca_pairs_scored.csv', '--format', 'llamafactory', '--placement', 'user'],
    shape: /system from system/,
  },
  {
    name: 'format_axolotl',
    args: ['ultrafeedback_binarized_shape.jsonl', '--format', 'axolotl'],
    shape: /implicit prompt, conversational/,
  },
  { name: 'format_nemo', args: ['hh_rlhf_scored.jsonl.gz', '--format', 'nemo'], shape: /implicit prompt, strings/ },
  {
    name: 'format_text_multiturn',
    args: ['hh_rlhf_scored.jsonl.gz', '--format', 'text'],
    shape: /implicit prompt, strings/,
  },
  {
    name: 'format_text_single',
    args: ['stack_exchange_scored.json', '--format', 'text'],
    shape: /question\/response_j\/response_k/,
  },
];

describe('golden outputs of bin/radpo.js relabel', () => {
  it.each(cases)('$name', ({ name, args, shape }) => {
    const [input, ...flags] = args;
    const result = spawnSync(process.execPath, [BIN, 'relabel', join('fixtures', input!), ...flags], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect.soft(result.status).toBe(0);
    expect.soft(result.stderr).toMatch(shape);
    const golden = join(GOLDEN, `${name}.jsonl`);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, result.stdout);
    expect(result.stdout).toBe(readFileSync(golden, 'utf8'));
    expect(existsSync(join(FIXTURES, input!))).toBe(true);
  });
});
