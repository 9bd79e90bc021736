import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { FIXTURES, DATA, paperGoal, parseJsonl, run, tempDir } from '../../helpers.js';

const TEMPLATES = join(DATA, 'chat_templates');
const tpl = (name: string) => join(TEMPLATES, `${name}.jinja`);
const sample = join(FIXTURES, 'trl_conversational.jsonl');

async function relabeled(args: string[] = []): Promise<string> {
  const out = join(tempDir(), 'out.jsonl');
  const r = await run(['relabel', sample, '-o', out, '-q', ...args]);
  expect(r.code).toBe(0);
  return out;
}

async function check(file: string, template: string, args: string[] = []) {
  const r = await run([
    'check',
    file,
    '--chat-template',
    template,
    '--bos-token',
    '<s>',
    '--eos-token',
    '</s>',
    '--json',
    ...args,
  ]);
  return { code: r.code, report: JSON.parse(r.stdout), stderr: r.stderr };
}
const codes = (report: { findings: Array<{ code: string }> }) => report.findings.map((f) => f.code).sort();

describe('the renderer is pinned by huggingface.js e2e cases', () => {
  const cases = JSON.parse(readFileSync(join(TEMPLATES, 'hfjs_e2e_render_cases.json'), 'utf8')).cases as Array<{
    name: string;
    chat_template: string;
    data: Record<string, unknown>;
    target: string;
  }>;
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(new Template(c.chat_template).render(c.data)).toBe(c.target);
  });
});

describe('radpo check with the real chat templates', () => {
  it.each([
    ['google__gemma-2-9b-it', 'system', ['system_role_rejected'], 1],
    ['google__gemma-2-9b-it', 'user', [], 0],
    ['mistralai__Mistral-7B-Instruct-v0.2', 'system', ['system_role_rejected'], 1],
    ['mistralai__Mistral-7B-Instruct-v0.2', 'user', [], 0],
    ['Qwen__Qwen2-7B-Instruct', 'system', [], 0],
    ['Qwen__Qwen2-7B-Instruct', 'user', ['default_system_prompt'], 0],
    ['meta-llama__Llama-3.1-8B-Instruct', 'user', ['default_system_prompt'], 0],
    ['meta-llama__Llama-3.1-8B-Instruct', 'system', [], 0],
    ['meta-llama__Meta-Llama-3-8B-Instruct', 'system', [], 0],
    ['HuggingFaceH4__zephyr-7b-beta', 'system', [], 0],
  ])('%s, --placement %s: %j, exit %i', async (name, placement, expected, exit) => {
    const file = await relabeled(['--placement', placement]);
    const { code, report } = await check(file, tpl(name), ['--max-prompt-length', '100000', '--max-length', '100000']);
    expect(codes(report)).toEqual(expected);
    expect(code).toBe(exit);
    expect(report.rows_checked).toBe(20);
    if (expected.length) expect(report.findings[0].lines.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('without --scale, the scale the goal text names: a file relabeled on -10-10 checks clean', async () => {
    const file = await relabeled(['--scale', '-10-10']);
    const long = ['--max-prompt-length', '100000', '--max-length', '100000'];
    const { code, report, stderr } = await check(file, tpl('HuggingFaceH4__zephyr-7b-beta'), long);
    expect(codes(report)).toEqual([]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/names the scale -10-10/);
    // Read from the first row, so stdin works the same.
    const piped = await run(
      ['check', '-', '--chat-template', tpl('HuggingFaceH4__zephyr-7b-beta'), ...long, '--json'],
      {
        stdin: readFileSync(file),
      },
    );
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout).findings).toEqual([]);
    // An explicit --scale is the user's word: the mismatch is reported.
    const forced = await check(file, tpl('HuggingFaceH4__zephyr-7b-beta'), [...long, '--scale', '1-10']);
    expect(codes(forced.report)).toEqual(['goal_missing']);
    expect(forced.code).toBe(1);
  });

  it('without a tokenizer, a CJK character is estimated as a token, not a quarter of one', async () => {
    const dir = tempDir();
    const input = join(dir, 'zh.jsonl');
    // 300 Chinese characters (MedicalGPT-style text): about 300 tokens, not 75.
    const prompt = '请详细解释高血压的病因、症状和治疗方法。'.repeat(15);
    writeFileSync(input, `${JSON.stringify({ prompt, chosen: '好的。', rejected: '不知道。', sc: 8, sr: 2 })}\n`);
    const out = join(dir, 'out.jsonl');
    const made = await run(['relabel', input, '--chosen-score-col', 'sc', '--rejected-score-col', 'sr', '-o', out]);
    expect(made.code, made.stderr).toBe(0);
    const { report } = await check(out, tpl('HuggingFaceH4__zephyr-7b-beta'), ['--max-prompt-length', '250']);
    expect(codes(report)).toEqual(['prompt_too_long']);
    expect(report.length_unit).toMatch(/CJK/);
    const roomy = await check(out, tpl('HuggingFaceH4__zephyr-7b-beta'), ['--max-prompt-length', '400']);
    expect(codes(roomy.report)).toEqual([]);
  });

  it('reads template and bos_token from a tokenizer_config.json (torchtune Gemma asset)', async () => {
    const file = await relabeled(['--placement', 'user']);
    const r = await run([
      'check',
      file,
      '--chat-template',
      join(TEMPLATES, 'torchtune_tests_assets_tokenizer_config_gemma.json'),
      '--max-length',
      '100000',
      '--max-prompt-length',
      '100000',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no problems found/);
  });

  it('every output format can be checked', async () => {
    for (const format of ['handbook', 'llamafactory', 'axolotl', 'nemo', 'text']) {
      const file = await relabeled(['--format', format]);
      const { code, report } = await check(file, tpl('HuggingFaceH4__zephyr-7b-beta'), [
        '--max-length',
        '100000',
        '--max-prompt-length',
        '100000',
      ]);
      expect([format, codes(report)]).toEqual([format, []]);
      expect(code).toBe(0);
    }
  });

  it("catches the reference nosys script's output: goal twice, rejected-goal copy not swapped", async () => {
    const rows = readFileSync(sample, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .slice(0, 3);
    const out: unknown[] = [];
    for (const r of rows) {
      const question = r.prompt[0].content;
      const pos = `${paperGoal(String(r.score_chosen))}\n\n`;
      const neg = `${paperGoal(String(r.score_rejected))}\n\n`;
      out.push({
        chosen: [{ role: 'user', content: pos + question }, r.chosen[0]],
        rejected: [{ role: 'user', content: pos + question }, r.rejected[0]],
      });
      // As released: same order as copy 1, and the aliased user turn gets the goal twice.
      out.push({
        chosen: [{ role: 'user', content: neg + question }, r.chosen[0]],
        rejected: [{ role: 'user', content: neg + neg + question }, r.rejected[0]],
      });
    }
    const file = join(tempDir(), 'nosys.jsonl');
    writeFileSync(file, out.map((o) => JSON.stringify(o)).join('\n'));
    const { code, report } = await check(file, tpl('google__gemma-2-9b-it'), [
      '--max-length',
      '100000',
      '--max-prompt-length',
      '100000',
    ]);
    expect(code).toBe(1);
    expect(codes(report)).toEqual(['goal_repeated', 'prompt_mismatch', 'unswapped_copy']);
    const lines = Object.fromEntries(report.findings.map((f: { code: string; lines: number[] }) => [f.code, f.lines]));
    // Row 3 of the sample is a tie: its two copies share a goal, so order alone cannot show the slip there.
    expect(lines.unswapped_copy).toEqual([2, 4]);
    expect(lines.goal_repeated).toEqual([2, 4, 6]);
  });

  it('flags goal text that differs from `radpo goal` and goals that are not the chosen score', async () => {
    const file = await relabeled();
    const rows = parseJsonl(readFileSync(file, 'utf8'));
    rows[0]!.prompt[0].content = rows[0]!.prompt[0].content.replace(/Overall score: (\d+)\.$/, 'Overall score: $1.0.');
    rows[2]!.score_chosen = 1;
    rows[5]!.prompt[0].content = 'Be helpful.';
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    const { code, report } = await check(file, tpl('HuggingFaceH4__zephyr-7b-beta'), [
      '--max-length',
      '100000',
      '--max-prompt-length',
      '100000',
    ]);
    expect(code).toBe(1);
    const byCode = Object.fromEntries(report.findings.map((f: { code: string; lines: number[] }) => [f.code, f.lines]));
    expect(byCode.goal_text_differs).toEqual([1]);
    expect(byCode.goal_score_mismatch).toEqual([3]);
    expect(byCode.goal_missing).toEqual([6]);
  });

  it('flags a template whose prompt is not a prefix of prompt+response', async () => {
    const file = await relabeled();
    const odd = join(tempDir(), 'odd.jinja');
    writeFileSync(
      odd,
      "{% if messages[-1]['role'] == 'assistant' %}[full]{% endif %}{% for m in messages %}<{{ m['role'] " +
        "}}>{{ m['content'] }}{% endfor %}",
    );
    const { report } = await check(file, odd);
    expect(codes(report)).toContain('prompt_not_prefix');
  });

  it('lengths: estimated by default, counted with --tokenizer tokenizer.json', async () => {
    const file = await relabeled();
    const est = await check(file, tpl('HuggingFaceH4__zephyr-7b-beta'), ['--max-prompt-length', '60']);
    expect(est.report.length_unit).toMatch(/estimated/);
    expect(codes(est.report)).toContain('prompt_too_long');
    const tok = join(tempDir(), 'tokenizer.json');
    writeFileSync(
      tok,
      JSON.stringify({
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: [],
        normalizer: null,
        pre_tokenizer: { type: 'Whitespace' },
        post_processor: null,
        decoder: null,
        model: { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' },
      }),
    );
    const counted = await check(file, tpl('HuggingFaceH4__zephyr-7b-beta'), [
      '--tokenizer',
      tok,
      '--max-prompt-length',
      '5000',
      '--max-length',
      '5000',
    ]);
    expect(counted.report.length_unit).toBe('tokens');
    expect(counted.code).toBe(0);
  });

  it('--sample N checks a fixed subset', async () => {
    const file = await relabeled();
    const a = await check(file, tpl('HuggingFaceH4__zephyr-7b-beta'), ['--sample', '5']);
    const b = await check(file, tpl('HuggingFaceH4__zephyr-7b-beta'), ['--sample', '5']);
    expect(a.report.rows_checked).toBe(5);
    expect(a.report).toEqual(b.report);
  });
});

describe('relabel --chat-template and --placement auto', () => {
  it.each([
    ['google__gemma-2-9b-it', 'user'],
    ['Qwen__Qwen2-7B-Instruct', 'system'],
  ])('%s -> %s, and the output passes the check', async (name, placement) => {
    const out = join(tempDir(), 'out.jsonl');
    const r = await run([
      'relabel',
      sample,
      '--placement',
      'auto',
      '--chat-template',
      tpl(name),
      '-o',
      out,
      '--log-level',
      'info',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`--placement auto: ${placement}`);
    expect(r.stderr).toMatch(/radpo check: 20 of 20 rows/);
    const first = parseJsonl(readFileSync(out, 'utf8'))[0]!;
    expect(first.prompt[0].role).toBe(placement);
  });

  it('a template that breaks the output fails the run', async () => {
    const r = await run([
      'relabel',
      sample,
      '--chat-template',
      tpl('google__gemma-2-9b-it'),
      '-o',
      join(tempDir(), 'o.jsonl'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/system_role_rejected/);
  });

  it('--placement auto without --chat-template is a usage error', async () => {
    expect((await run(['relabel', sample, '--placement', 'auto', '-o', join(tempDir(), 'o.jsonl')])).code).toBe(2);
  });
});
