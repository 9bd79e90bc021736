/**
 * Alpaca rows (instruction + input, LLaMA-Factory's alpaca layout with system and history): the input is
 * part of the prompt — for the output and for the judge — joined to the instruction by one newline
 * (LLaMA-Factory's join) or --input-join; a blank instruction with an input is a prompt. Real rows from
 * PandaLM's test set (test/data/foreign/pandalm_testset-v1.json), whose 999 rows share 169 instructions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectShape, readPair } from '../../src/core/pair.js';
import { DATA, parseJsonl, run, tempDir } from '../helpers.js';

const PANDALM = join(DATA, 'foreign', 'pandalm_testset-v1.json');
const rows = JSON.parse(readFileSync(PANDALM, 'utf8')) as Array<Record<string, any>>;
const AB = { chosen: ['response1'], rejected: ['response2'] };

describe('Alpaca instruction + input', () => {
  it.each([
    ['a PandaLM row: instruction, newline, input', rows[0]!, {}, `${rows[0]!.instruction}\n${rows[0]!.input}`],
    ['a blank instruction with an input (PandaLM row 466)', rows[466]!, {}, 'Truthfulness'],
    ['--input-join', rows[0]!, { inputJoin: '\n\n' }, `${rows[0]!.instruction}\n\n${rows[0]!.input}`],
    ['an empty input adds nothing', { ...rows[0]!, input: '' }, {}, rows[0]!.instruction],
  ])('%s', (_name, row, options, prompt) => {
    const shape = detectShape(row, { ...AB, ...options });
    expect(shape.input).toEqual(['input']);
    expect(readPair(row, shape).prompt).toEqual([{ role: 'user', content: prompt }]);
  });

  it("LLaMA-Factory's alpaca layout: system, history as [[user, assistant], …], then instruction + input", () => {
    const row = {
      instruction: 'And in French?',
      input: 'Good morning',
      chosen: 'Bonjour',
      rejected: 'Hola',
      system: 'You translate.',
      history: [['Say good morning in German.', 'Guten Morgen']],
    };
    const shape = detectShape(row, {});
    expect(shape.description).toMatch(/input from input .*earlier turns from history/);
    expect(readPair(row, shape).prompt).toEqual([
      { role: 'system', content: 'You translate.' },
      { role: 'user', content: 'Say good morning in German.' },
      { role: 'assistant', content: 'Guten Morgen' },
      { role: 'user', content: 'And in French?\nGood morning' },
    ]);
  });

  it('--input-col names another column', () => {
    const row = { question: 'Translate:', text: 'chat', chosen: 'cat', rejected: 'dog' };
    const shape = detectShape(row, { input: ['text'] });
    expect(readPair(row, shape).prompt[0]!.content).toBe('Translate:\nchat');
  });
});

describe('PandaLM through radpo score: every prompt the judge sees carries its input', () => {
  it('as batch lines, one per (prompt, response), each with its row input', async () => {
    const dir = tempDir();
    const batch = join(dir, 'requests.jsonl');
    const r = await run([
      'score',
      PANDALM,
      '--chosen-col',
      'response1',
      '--rejected-col',
      'response2',
      '--judge',
      'chat',
      '--judge-model',
      'judge',
      '--emit-batch',
      batch,
      '--no-cache',
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'rejects.jsonl'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    // 54 rows with an empty response and 6 whose response is JSON true are set aside; the rest are asked.
    expect(r.stderr).toMatch(/set aside: 60 \(bad_field 6, empty_response 54\)/);
    const asked = parseJsonl(readFileSync(batch, 'utf8')).map((l) => l.body.messages.at(-1).content as string);
    const rejected = new Set(parseJsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8')).map((x) => x.line));
    expect(asked.length).toBeGreaterThan(600);
    const kept = rows.filter((row) => typeof row.response1 === 'string' && typeof row.response2 === 'string');
    for (const row of kept) {
      if (row.response1.trim() === '' || row.response2.trim() === '') continue;
      const prompt = [row.instruction, row.input].filter((p: string) => p.trim() !== '').join('\n');
      expect(
        asked.some((text) => text.includes(prompt)),
        `row ${row.idx}`,
      ).toBe(true);
    }
    expect(rejected.size).toBe(60);
  });

  it('relabel with scores keeps the input in every prompt', async () => {
    const dir = tempDir();
    const path = join(dir, 'scored.jsonl');
    const text = (v: unknown) => typeof v === 'string' && v.trim() !== '';
    const usable = rows.filter((row) => text(row.response1) && text(row.response2));
    const scored: Array<Record<string, any>> = usable
      .slice(0, 20)
      .map((row, i) => ({ ...row, s1: 8, s2: 3 + (i % 3) }));
    writeFileSync(path, scored.map((row) => `${JSON.stringify(row)}\n`).join(''));
    const r = await run([
      'relabel',
      path,
      '--chosen-col',
      'response1',
      '--rejected-col',
      'response2',
      '--chosen-score-col',
      's1',
      '--rejected-score-col',
      's2',
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout);
    expect(out).toHaveLength(40);
    for (const [i, row] of out.entries()) {
      const source = scored[Math.floor(i / 2)]!;
      const prompt = [source.instruction, source.input].filter((p: string) => p.trim() !== '').join('\n');
      expect(row.prompt.at(-1).content).toBe(prompt);
    }
  });
});

describe('no column of prompt content vanishes in silence', () => {
  it('a context column the pairs do not read is named in a warning and in the report', async () => {
    const dir = tempDir();
    const path = join(dir, 'rows.jsonl');
    const row = {
      prompt: 'Summarise.',
      context: 'A long article…',
      tools: '[{"name": "search"}]',
      chosen: 'Short.',
      rejected: 'Long.',
      score_chosen: 8,
      score_rejected: 3,
    };
    writeFileSync(path, `${JSON.stringify(row)}\n`);
    const report = join(dir, 'report.json');
    const r = await run(['relabel', path, '--report', report, '-o', join(dir, 'out.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/column context looks like prompt content but is not part of the pairs/);
    expect(JSON.parse(readFileSync(report, 'utf8')).inputs[0].unused_columns).toEqual(['context']);
    // Named as the input, context is part of the prompt, and the warning is gone (tools are carried).
    const named = await run(['relabel', path, '--input-col', 'context', '-o', join(dir, 'out2.jsonl')]);
    expect(named.stderr).not.toMatch(/like prompt content/);
  });
});

describe('tools', () => {
  const toolRows = readFileSync(join(DATA, 'foreign', 'medicalgpt_toolcall_dpo_zh_demo.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);
  const scoredToolRows = () => {
    const scored = join(tempDir(), 'scored.jsonl');
    writeFileSync(scored, toolRows.map((row, i) => `${JSON.stringify({ ...row, sc: 8, sr: 2 + (i % 3) })}\n`).join(''));
    return scored;
  };
  const SCORES = ['--chosen-score-col', 'sc', '--rejected-score-col', 'sr'];

  it("a tools column reaches TRL's rows (`tools`, JSON text) in both copies; tool turns are kept", async () => {
    const rows = toolRows;
    const r = await run(['relabel', scoredToolRows(), ...SCORES]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/look.* like prompt content/);
    const out = parseJsonl(r.stdout);
    expect(out).toHaveLength(rows.length * 2);
    for (const [i, row] of out.entries()) {
      const src = rows[Math.floor(i / 2)]!;
      expect(row.tools).toBe(src.tools);
      expect(Array.isArray(JSON.parse(row.tools))).toBe(true);
    }
    // The second row's function_call and observation turns are in its prompt, as assistant and tool turns.
    expect(out[2]!.prompt.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    // A function_call turn is an OpenAI tool call, the form chat templates render.
    const call = JSON.parse(rows[1]!.conversations[1].value);
    expect(out[2]!.prompt[2]).toEqual({
      role: 'assistant',
      content: '',
      tool_calls: [{ type: 'function', function: { name: call.name, arguments: call.arguments } }],
    });
  });

  it('LLaMA-Factory rows keep function_call and observation turns, and dataset_info.json maps tools', async () => {
    const scored = scoredToolRows();
    const dir = join(scored, '..');
    const output = join(dir, 'out.jsonl');
    const r = await run(['relabel', scored, ...SCORES, '--format', 'llamafactory', '-o', output]);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(readFileSync(output, 'utf8'));
    expect(out).toHaveLength(toolRows.length * 2);
    for (const [i, row] of out.entries()) {
      const src = toolRows[Math.floor(i / 2)]!;
      expect(row.tools).toBe(src.tools);
      // The source's turns after the goal's system message, tags and values as they were (JSON compared parsed).
      const turns = row.conversations.slice(1);
      expect(turns.map((t: { from: string }) => t.from)).toEqual(src.conversations.map((t: any) => t.from));
      for (const [k, t] of turns.entries()) {
        const value = src.conversations[k].value;
        if (t.from === 'function_call') expect(JSON.parse(t.value)).toEqual(JSON.parse(value));
        else expect(t.value).toBe(value);
      }
    }
    const info = JSON.parse(readFileSync(join(dir, 'dataset_info.json'), 'utf8'));
    expect(info.out.columns).toEqual({
      messages: 'conversations',
      chosen: 'chosen',
      rejected: 'rejected',
      tools: 'tools',
    });
  });

  it('handbook rows carry the tools as JSON text too, a list in the source included', async () => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    const tools = JSON.parse(toolRows[0]!.tools);
    writeFileSync(input, `${JSON.stringify({ ...toolRows[0], tools, sc: 8, sr: 2 })}\n`);
    const r = await run(['relabel', input, ...SCORES, '--format', 'handbook']);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout);
    expect(out.map((row) => JSON.parse(row.tools))).toEqual([tools, tools]);
  });

  it('without a tools column, dataset_info.json maps none (LLaMA-Factory would read it from every row)', async () => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, `${JSON.stringify({ prompt: 'q', chosen: 'a', rejected: 'b', sc: 7, sr: 3 })}\n`);
    const r = await run(['relabel', input, ...SCORES, '--format', 'llamafactory', '-o', join(dir, 'out.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(readFileSync(join(dir, 'dataset_info.json'), 'utf8'));
    expect(info.out.columns.tools).toBeUndefined();
  });

  it('a tools column only a later row holds is read there, and dataset_info.json maps it', async () => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    const rows = [
      { prompt: 'q', chosen: 'a', rejected: 'b', sc: 7, sr: 3 },
      { prompt: 'weather?', chosen: 'a', rejected: 'b', tools: '[{"name":"get_weather"}]', sc: 7, sr: 3 },
    ];
    writeFileSync(input, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    const output = join(dir, 'out.jsonl');
    const r = await run(['relabel', input, ...SCORES, '--format', 'llamafactory', '-o', output]);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(readFileSync(output, 'utf8'));
    expect(out.map((row) => row.tools)).toEqual([undefined, undefined, rows[1]!.tools, rows[1]!.tools]);
    const info = JSON.parse(readFileSync(join(dir, 'dataset_info.json'), 'utf8'));
    expect(info.out.columns.tools).toBe('tools');
  });
});
