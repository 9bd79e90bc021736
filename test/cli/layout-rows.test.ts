/**
 * Row-level layout reading (issue 26, from an adversarial review): each row is read by its own columns, not
 * the first row's (Alpaca input/system/tools, whole conversations, ids); OpenAI DPO tools; radpo pairs reads
 * scores as relabel does, one score field per file, never a text paired with itself; an empty v1 prompt is
 * refused; inspect names both readings where two layouts fit. Each test is a minimal input on which radpo
 * wrote wrong training data, dropped part of a row in silence, or picked one of two readings without naming
 * the other; they hold the promise, not a wording.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readingsOf } from '../../src/core/input-layouts.js';
import { parseJsonl, run, tempDir, responseText, writeJsonl } from '../helpers.js';

type Row = Record<string, any>;

describe('the layout fixed by the first record: a later row keeps what it holds', () => {
  it("a later row's Alpaca input, system prompt and tools reach its pair, or the row is set aside", async () => {
    const dir = tempDir();
    const pair = { chosen: 'good answer', rejected: 'bad answer', score_chosen: 8, score_rejected: 3 };
    // LLaMA-Factory alpaca files leave out input/system/tools where a row has none.
    const input = writeJsonl(dir, 'alpaca.jsonl', [
      { instruction: 'Say hello', ...pair },
      { instruction: 'Translate to English', input: 'bonjour tout le monde', ...pair },
      { instruction: 'Answer', system: 'You are a pirate.', ...pair },
      { instruction: 'Weather?', tools: '[{"name":"get_weather"}]', ...pair },
    ]);
    const rejects = join(dir, 'rejects.jsonl');
    const r = await run(['relabel', input, '--on-error', 'skip', '--rejects', rejects]);
    expect(r.code, r.stderr).toBe(0);
    const setAside = new Set(existsSync(rejects) ? parseJsonl(readFileSync(rejects, 'utf8')).map((x) => x.line) : []);
    const rows = parseJsonl(r.stdout);
    const written = (line: number) => rows.filter((row) => row.source_line === line).map((row) => JSON.stringify(row));
    for (const [line, must] of [
      [2, 'bonjour tout le monde'],
      [3, 'You are a pirate.'],
      [4, 'get_weather'],
    ] as const) {
      if (setAside.has(line)) continue;
      // Before: written with the input, the system prompt and the tools gone, exit 0, no warning.
      expect(written(line).length, `line ${line}`).toBe(2);
      for (const row of written(line)) expect(row, `line ${line}`).toContain(must);
    }
  });

  it("a later row whose chosen is a whole conversation is not written with the user's turn as the answer", async () => {
    const dir = tempDir();
    const input = writeJsonl(dir, 'mixed.jsonl', [
      { prompt: 'p1', chosen: 'good', rejected: 'bad', score_chosen: 8, score_rejected: 3 },
      {
        prompt: 'p2',
        chosen: [
          { role: 'user', content: 'p2' },
          { role: 'assistant', content: 'good' },
        ],
        rejected: [
          { role: 'user', content: 'p2' },
          { role: 'assistant', content: 'bad' },
        ],
        score_chosen: 8,
        score_rejected: 3,
      },
    ]);
    const r = await run(['relabel', input, '--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    // Before: line 2 written with chosen = [user p2, assistant good] after a prompt that already ends in p2.
    for (const row of parseJsonl(r.stdout))
      for (const side of [row.chosen, row.rejected] as Row[][])
        expect(
          side.map((m) => m.role),
          `line ${row.source_line}`,
        ).not.toContain('user');
  });
});

describe('OpenAI DPO fine-tuning rows keep their tools', () => {
  it('input.tools reaches the pair (or is named as left out)', async () => {
    const dir = tempDir();
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const input = writeJsonl(dir, 'openai.jsonl', [
      {
        input: { messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, parallel_tool_calls: true },
        preferred_output: [
          {
            role: 'assistant',
            content: '',
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
          },
        ],
        non_preferred_output: [{ role: 'assistant', content: 'It is sunny.' }],
        score_chosen: 8,
        score_rejected: 3,
      },
    ]);
    const r = await run(['relabel', input]);
    expect(r.code, r.stderr).toBe(0);
    // Before: the pair trains a call to get_weather with no tool declared, and nothing says the tools were dropped.
    const kept = parseJsonl(r.stdout).every((row) => JSON.stringify(row.tools ?? '').includes('get_weather'));
    expect(kept || r.stderr.includes('input.tools'), r.stderr).toBe(true);
  });
});

describe('a row two registry entries fit: inspect names both readings', () => {
  it('chosen/rejected and chosen_messages/rejected_messages in one row', async () => {
    const dir = tempDir();
    const record = {
      prompt: 'p',
      chosen: 'answer one',
      rejected: 'answer two',
      chosen_messages: [
        { role: 'user', content: 'p' },
        { role: 'assistant', content: 'answer two' },
      ],
      rejected_messages: [
        { role: 'user', content: 'p' },
        { role: 'assistant', content: 'answer one' },
      ],
      score_chosen: 8,
      score_rejected: 3,
    };
    const known = readingsOf(record).filter((reading) => reading.known);
    expect(known.length).toBe(2); // the registry itself sees two readings
    const r = await run(['inspect', writeJsonl(dir, 'both.jsonl', [record])]);
    expect(r.code, r.stderr).toBe(0);
    // Before: inspect printed the v1 reading only; relabel read it with no word about the other.
    const said = r.stdout + r.stderr;
    for (const reading of known)
      expect(said.includes(reading.layout) || said.includes(reading.reason), `${reading.layout}: ${said}`).toBe(true);
    // relabel reads one and says so, naming both readings and the flags that pick each (it read one in silence).
    const relabel = await run(['relabel', join(dir, 'both.jsonl')]);
    expect(relabel.code, relabel.stderr).toBe(0);
    expect(relabel.stderr).toMatch(/warning: .*both\.jsonl: several layouts fit the first record: read as /);
    for (const reading of known) expect(relabel.stderr).toContain(reading.layout);
    expect(relabel.stderr).toContain('--chosen-col chosen_messages --rejected-col rejected_messages');
    expect(relabel.stderr).toContain('--chosen-col chosen --rejected-col rejected');
  });
});

describe('radpo pairs reads scores as relabel does', () => {
  it('a hexadecimal score text is no score (relabel refuses "0x10"; pairs read it as 16)', async () => {
    const dir = tempDir();
    const input = writeJsonl(dir, 'list.jsonl', [{ prompt: 'p', responses: ['a', 'b'], scores: ['0x10', '3'] }]);
    const r = await run(['pairs', input, '--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl')]);
    for (const row of parseJsonl(r.stdout)) expect(row.score_chosen, JSON.stringify(row)).not.toBe(16);
  });

  it('two equal texts are no pair (a Nectar row whose two answers are one text)', async () => {
    const dir = tempDir();
    const input = writeJsonl(dir, 'nectar.jsonl', [
      {
        prompt: '\n\nHuman: q\n\nAssistant:',
        answers: [
          { answer: 'same text', model: 'm1', rank: 1 },
          { answer: 'same text', model: 'm2', rank: 2 },
        ],
      },
    ]);
    const r = await run(['pairs', input, '--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl')]);
    for (const row of parseJsonl(r.stdout)) expect(row.chosen, JSON.stringify(row)).not.toBe(row.rejected);
  });
});

describe('one score field for a whole list file', () => {
  it('a gap in a row score field does not rank it by another field (summary: --score-field score)', async () => {
    const dir = tempDir();
    const input = writeJsonl(dir, 'lists.jsonl', [
      {
        prompt: 'p1',
        responses: [
          { text: 'a', score: 9 },
          { text: 'b', score: 1 },
        ],
      },
      // One response the judge could not score (null); a rating field of another meaning beside it.
      {
        prompt: 'p2',
        responses: [
          { text: 'low', score: 1, rating: 9 },
          { text: 'unscored', score: null, rating: 1 },
          { text: 'mid', score: 5, rating: 5 },
        ],
      },
    ]);
    const r = await run(['pairs', input, '--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl')]);
    const scoreOf: Record<string, number> = { a: 9, b: 1, low: 1, mid: 5 };
    // Before: line 2 paired "low" over "unscored" and wrote score_chosen 9 for a response scored 1.
    for (const row of parseJsonl(r.stdout)) {
      expect(row.score_chosen, JSON.stringify(row)).toBe(scoreOf[row.chosen]);
      expect(row.score_rejected, JSON.stringify(row)).toBe(scoreOf[row.rejected]);
    }
  });
});

describe('long format: one text scored twice', () => {
  it('is not paired with itself', async () => {
    const dir = tempDir();
    const input = writeJsonl(dir, 'long.jsonl', [
      { prompt_id: 'a', prompt: 'q', response: 'same', score: 9 },
      { prompt_id: 'a', prompt: 'q', response: 'same', score: 2 },
    ]);
    const flags = ['--group-col', 'prompt_id', '--response-col', 'response', '--score-col', 'score'];
    const r = await run(['pairs', input, ...flags, '--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl')]);
    // Before: {"chosen":"same","rejected":"same","score_chosen":9,"score_rejected":2}.
    for (const row of parseJsonl(r.stdout)) expect(row.chosen, JSON.stringify(row)).not.toBe(row.rejected);
  });
});

describe('LLaMA-Factory v1 content parts', () => {
  it('a prompt of no text parts is refused as an empty string prompt is, not written empty', async () => {
    const dir = tempDir();
    const conversation = (answer: string) => [
      { role: 'user', content: [] },
      { role: 'assistant', content: [{ type: 'text', value: answer }] },
    ];
    const input = writeJsonl(dir, 'v1.jsonl', [
      {
        chosen_messages: conversation('good'),
        rejected_messages: conversation('bad'),
        score_chosen: 8,
        score_rejected: 3,
      },
    ]);
    const r = await run(['relabel', input, '--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl')]);
    // Before: written with {"role":"user","content":[]} as the whole prompt (a string prompt "" is refused).
    for (const row of parseJsonl(r.stdout)) {
      const user = (row.prompt as Row[]).filter((m) => m.role === 'user');
      expect(user.length, JSON.stringify(row.prompt)).toBeGreaterThan(0);
      for (const m of user) expect(responseText(m).trim(), JSON.stringify(m)).not.toBe('');
    }
  });
});

describe('ids: every row keeps its own', () => {
  it("a row without the first row's id column still carries its id to source_id", async () => {
    const dir = tempDir();
    const pair = { prompt: 'p', chosen: 'good', rejected: 'bad', score_chosen: 8, score_rejected: 3 };
    // A file radpo wrote (source_id beside source_line) with a row added by hand under `id`.
    const input = writeJsonl(dir, 'ids.jsonl', [
      { source_id: 'orig-1', source_line: 3, ...pair },
      { id: 'hand-2', ...pair },
    ]);
    const r = await run(['relabel', input]);
    expect(r.code, r.stderr).toBe(0);
    const second = parseJsonl(r.stdout).filter((row) => row.source_line === 2);
    expect(second.length).toBe(2);
    for (const row of second) expect(row.source_id).toBe('hand-2');
  });
});
