/**
 * A newcomer never gets stuck: every dead end met on real data from other projects says what to do
 * next, flags can be written once in a config file, help is grouped, and the shell completes radpo.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectFlags } from '../../src/commands/inspect/flags.js';
import { relabelFlags } from '../../src/commands/relabel/flags.js';
import { DATA, FIXTURES, parseJsonl, run, spawnRadpo, tempDir } from '../helpers.js';
import { fakeServers } from '../judge-server.js';

const AZURE = join(DATA, 'foreign', 'azure_openai_dpo_orca_validation_first60.jsonl');
const GEMMA = join(DATA, 'chat_templates', 'google__gemma-2-9b-it.jinja');
const LF = join(DATA, 'unscored', 'dpo_en_demo.json');

const server = fakeServers();

describe('dead ends on real data', () => {
  it('unscored pairs: relabel and inspect point at radpo score / --judge', async () => {
    const r = await run(['relabel', LF, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /hint: unscored pairs need a judge: radpo score FILE --judge chat\|reward … \(or radpo relabel FILE --judge …\)/,
    );
    const i = await run(['inspect', LF]);
    expect(i.code).toBe(0);
    expect(i.stdout).toMatch(/scores: none found \(score the pairs with a judge: radpo score FILE --judge/);
  });

  it('a shape radpo does not know: inspect lists the columns with types and a sample, and suggests flags', async () => {
    // A ratings file: two responses and their scores, but no label and no prompt/chosen/rejected names.
    const file = join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json');
    const r = await run(['inspect', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/shape: {2}unknown \(cannot find the chosen and rejected columns/);
    expect(r.stdout).toMatch(/ {4}results +list of 1 +\[\{"score_1"/);
    expect(r.stdout).toMatch(/ {4}output_1 +string +\S/);
    expect(r.stdout).toMatch(/--prompt-col, --chosen-col and --rejected-col/);
    const json = JSON.parse((await run(['inspect', file, '--json'])).stdout);
    expect(json.inputs[0].columns[1]).toEqual({
      name: 'output_1',
      type: 'string',
      sample: 'A man is chopping down a tree using an axe',
    });
    expect(json.rows).toBe(60);
  });

  it('FastChat MT-Bench pair judgments: a known layout, answers from the judge prompt, not model names', async () => {
    const r = await run(['inspect', join(DATA, 'foreign', 'fastchat_mt_bench_gpt-4_pair_first8.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/winner from FastChat MT-Bench pair judgments/);
    // Line 8 is the one row both judging orders agree on; the others disagree or tie.
    expect(r.stdout).toMatch(/rows: 8 \(1 readable pairs; not readable: no_preference 7\)/);
    expect(r.stdout).not.toMatch(/--response-a-col/);
  });

  it('radpo check on a file radpo did not write says so, not to use relabel flags check does not have', async () => {
    const r = await run([
      'check',
      join(DATA, 'foreign', 'fastchat_mt_bench_gpt-4_pair_first8.jsonl'),
      '--chat-template',
      GEMMA,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hint: radpo check reads files written by radpo relabel/);
    expect(r.stderr).not.toMatch(/--chosen-col/);
  });

  it(
    'the OpenAI/Azure DPO format is a known shape; with --placement user its system turn folds into the ' +
      'user turn, and Gemma renders every row',
    async () => {
      const judge = await server({ kind: 'vllm' });
      const dir = tempDir();
      const judgeFlags = ['--judge', 'chat', '--judge-url', judge.url, '--judge-model', 'judge', '--no-cache'];
      const system = join(dir, 'system.jsonl');
      const user = join(dir, 'user.jsonl');
      const r1 = await run(['relabel', AZURE, ...judgeFlags, '-o', system]);
      expect(r1.code, r1.stderr).toBe(0);
      expect(r1.stderr).toMatch(
        /shape: {2}OpenAI\/Azure DPO fine-tuning format,.* input\.messages\/preferred_output\/non_preferred_output/,
      );
      // Gemma-2 refuses a system role: check says so, and names the placement that fixes it…
      const c1 = await run(['check', system, '--chat-template', GEMMA, '--bos-token', '<bos>', '--json']);
      const found = JSON.parse(c1.stdout).findings.find((f: { code: string }) => f.code === 'system_role_rejected');
      expect(found.count).toBe(120);
      expect(found.hint).toMatch(/--placement user/);
      // …and that placement does fix it: the source's system turn goes into the first user turn, after the goal.
      expect((await run(['relabel', AZURE, ...judgeFlags, '--placement', 'user', '-o', user, '-q'])).code).toBe(0);
      const first = parseJsonl(readFileSync(user, 'utf8'))[0]!;
      const source = JSON.parse(readFileSync(AZURE, 'utf8').split('\n')[0]!);
      expect(first.prompt).toHaveLength(1);
      expect(first.prompt[0].content).toMatch(
        new RegExp(
          `\\nOverall score: ` +
            `\\d+\\.\\n\\n${source.input.messages[0].content.slice(0, 40).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      );
      expect(first.prompt[0].content.endsWith(`\n\n${source.input.messages[1].content}`)).toBe(true);
      const c2 = JSON.parse(
        (await run(['check', user, '--chat-template', GEMMA, '--bos-token', '<bos>', '--json'])).stdout,
      );
      expect(c2.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
    },
  );

  it("inspect recognises radpo's own output: copies and goals, no 'contradicting labels'", async () => {
    const dir = tempDir();
    const out = join(dir, 'ra.jsonl');
    expect((await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '-o', out, '-q'])).code).toBe(0);
    const r = await run(['inspect', out]);
    expect(r.stdout).toMatch(/ra\.jsonl \(jsonl\) — relabeled by radpo/);
    expect(r.stdout).toMatch(/relabeled pairs: chosen_goal 100, rejected_goal 100/);
    expect(r.stdout).not.toMatch(/contradicting/);
    const json = JSON.parse((await run(['inspect', out, '--json'])).stdout);
    expect(json.relabeled.copies).toEqual({ chosen_goal: 100, rejected_goal: 100 });
    expect(json.scores).toBeNull();
  });
});

describe('--config FILE', () => {
  const se = join(DATA, 'unscored', 'stack_exchange_paired_tiny.json');
  const scored = () => {
    const dir = tempDir();
    const input = join(dir, 'se.json');
    const rows = JSON.parse(readFileSync(se, 'utf8')) as Array<Record<string, unknown>>;
    writeFileSync(input, JSON.stringify(rows.map((row, i) => ({ ...row, good: 8, poor: 2 + (i % 3) }))));
    return { dir, input };
  };

  it('reads long flag names from YAML or JSON; a flag on the command line wins', async () => {
    const { dir, input } = scored();
    const yaml = join(dir, 'radpo.yaml');
    writeFileSync(
      yaml,
      'prompt-col: question\nchosen-col: response_j\nrejected-col: response_k\nchosen-score-col: ' +
        'good\nrejected-score-col: poor\nplacement: user\nattr: []\n',
    );
    const fromFile = await run(['relabel', input, '--config', yaml, '-q']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(parseJsonl(fromFile.stdout)[0]!.prompt[0].role).toBe('user');
    const overridden = await run(['relabel', input, '--config', yaml, '--placement', 'system', '-q']);
    expect(parseJsonl(overridden.stdout)[0]!.prompt[0].role).toBe('system');
    const json = join(dir, 'radpo.json');
    writeFileSync(
      json,
      JSON.stringify({
        'prompt-col': 'question',
        'chosen-col': 'response_j',
        'rejected-col': 'response_k',
        'chosen-score-col': 'good',
        'rejected-score-col': 'poor',
        scale: '0-10',
        'no-color': true,
      }),
    );
    const r = await run(['relabel', input, '--config', json]);
    expect(r.code, r.stderr).toBe(0);
    // --scale from the file counts as given: no "scores fit half the scale" warning is due either way, and the goal
    // names 0-10.
    expect(parseJsonl(r.stdout)[0]!.prompt[0].content).toMatch(/on a scale of 0-10/);
  });

  it('no-color in a --config file also keeps the final error message plain on a terminal', async () => {
    const dir = tempDir();
    const path = join(dir, 'c.yaml');
    writeFileSync(path, 'no-color: true\n');
    const missing = join(dir, 'missing.jsonl');
    const coloured = await run(['relabel', missing], { stderrTTY: true });
    expect(coloured.stderr).toMatch(/\x1b\[31merror/);
    const plain = await run(['relabel', missing, '--config', path], { stderrTTY: true });
    expect(plain.code).toBe(coloured.code);
    expect(plain.stderr).toMatch(/^radpo: error: /m);
    expect(plain.stderr).not.toMatch(/\x1b\[/);
  });

  it.each([
    ['bogus: 1\n', /--config .*c\.yaml: unknown key "bogus": radpo relabel has no --bogus flag/],
    // The names people type for a flag in a file: camelCase, snake_case, a slip of one or two letters.
    ['minGap: 1\n', /unknown key "minGap": radpo relabel has no --minGap flag\n {2}hint: did you mean "min-gap"\?/],
    ['min_gap: 1\n', /unknown key "min_gap".*\n.*did you mean "min-gap"\?/],
    ['chosen-scroe-col: x\n', /unknown key "chosen-scroe-col".*\n.*did you mean "chosen-score-col"\?/],
    ['placment: user\n', /unknown key "placment".*\n.*did you mean "placement"\?/],
    ['scale: [1, 2]\n', /c\.yaml: at "scale": expected a string or a number, found an array \[1,2\]$/m],
    ['scale: 0-x\n', /c\.yaml: at "scale": expected MIN-MAX such as 1-10 or 0-4, found a string "0-x"$/m],
    ['allow-empty: yes please\n', /c\.yaml: at "allow-empty": expected a boolean, found a string "yes please"$/m],
    ['- a\n- b\n', /c\.yaml: at the top: expected an object, found an array \["a","b"\]$/m],
    // Refused as `--on-error sometimes` is on the command line (this file once ran, and exited 0).
    ['on-error: sometimes\n', /c\.yaml: at "on-error": expected one of fail, skip, found a string "sometimes"$/m],
    ['shard: 9/3\n', /c\.yaml: at "shard": found a string "9\/3": K must be from 1 to N$/m],
    ['attr: [helpfulness, {a: 1}]\n', /c\.yaml: at "attr": expected a string, a number or a list of them, found/],
    // Each entry of a list is checked as the flag typed would be, and named by its place (was "--attr expects…",
    // naming no file).
    [
      'attr: ["h=a.h,b.h", honesty]\n',
      /c\.yaml: at "attr\[1\]": expected NAME=CHOSEN_PATH,REJECTED_PATH, found a string "honesty"$/m,
    ],
    ['attr: honesty\n', /c\.yaml: at "attr": expected NAME=CHOSEN_PATH,REJECTED_PATH, found a string "honesty"$/m],
  ])('%j is a usage error naming the file, the key, what was expected and what was found', async (text, message) => {
    const dir = tempDir();
    const path = join(dir, 'c.yaml');
    writeFileSync(path, text);
    const r = await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '--config', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('help and the shell', () => {
  it('relabel --help groups its flags and ends with examples; defaults print as typed', async () => {
    const r = await run(['relabel', '--help']);
    expect(r.code).toBe(0);
    const headings = [...r.stdout.matchAll(/^([A-Z][a-z ]+(?: and [a-z ]+)?):$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      'Arguments',
      'Input',
      'Columns and scores',
      'Goal',
      'Output',
      'Errors and reports',
      'Judge',
      'Performance',
      'Options',
      'Examples',
    ]);
    expect(r.stdout).toMatch(/Parquet/);
    expect(r.stdout).toMatch(/\(default:\s+1-10\)/);
    expect(r.stdout).toMatch(/\(default:\s+16\)/);
    expect(r.stdout).not.toMatch(/\(default: "16"\)/);
    expect(r.stdout.trimEnd()).toMatch(/Examples:\n( {2}\$ radpo relabel .+\n?){3}$/);
  });

  it('inspect takes every column flag relabel takes, and --scale: a relabel command is checked before it runs', () => {
    const relabel = Object.entries(relabelFlags).filter(([k, f]) => f.group === 'columns' || k === 'scale');
    expect(relabel.map(([k]) => k)).toContain('idCol');
    for (const [key, flag] of relabel)
      expect(inspectFlags, key).toHaveProperty(key, expect.objectContaining({ flags: flag.flags }));
  });

  it('radpo completion bash completes commands, flags and choices', () => {
    const script = spawnRadpo(['completion', 'bash']).stdout;
    const complete = (words: string[]) =>
      spawnSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _radpo; ` +
            `echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      ).stdout.trim();
    expect(complete(['radpo', 'ins'])).toBe('inspect');
    expect(complete(['radpo', 'relabel', '--plac'])).toBe('--placement');
    expect(complete(['radpo', 'relabel', '--format', 'll'])).toBe('llamafactory');
    expect(complete(['radpo', 'score', '--judge-server', 't'])).toBe('tgi');
  });

  it('radpo completion zsh and fish print scripts for those shells; other shells are a usage error', async () => {
    expect((await run(['completion', 'zsh'])).stdout).toMatch(/^autoload -U \+X bashcompinit && bashcompinit$/m);
    const fish = (await run(['completion', 'fish'])).stdout;
    expect(fish).toMatch(
      /complete -c radpo -n '__fish_seen_subcommand_from.* -x -a 'trl handbook llamafactory axolotl nemo text'/,
    );
    const r = await run(['completion', 'tcsh']);
    expect(r.code).toBe(2);
  });
});
