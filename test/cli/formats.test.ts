import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, paperGoal, parseJsonl, run, tempDir } from '../helpers.js';

const trl = join(FIXTURES, 'trl_conversational.jsonl');
const first = JSON.parse(readFileSync(trl, 'utf8').split('\n')[0]!);

describe('--format for every trainer', () => {
  it('llamafactory: conversations end on a human turn, goal in the system turn, dataset_info.json merged', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'dataset_info.json'), JSON.stringify({ other: { file_name: 'other.json' } }));
    const r = await run(['relabel', trl, '--format', 'llamafactory', '-o', join(dir, 'uf_ra.jsonl'), '-q']);
    expect(r.code).toBe(0);
    const rows = parseJsonl(readFileSync(join(dir, 'uf_ra.jsonl'), 'utf8'));
    expect(rows[0]!.conversations).toEqual([
      { from: 'system', value: paperGoal(String(first.score_chosen)) },
      { from: 'human', value: first.prompt[0].content },
    ]);
    expect(rows[1]!.chosen).toEqual({ from: 'gpt', value: first.rejected[0].content });
    const info = JSON.parse(readFileSync(join(dir, 'dataset_info.json'), 'utf8'));
    expect(info.other).toEqual({ file_name: 'other.json' });
    expect(info.uf_ra).toMatchObject({
      file_name: 'uf_ra.jsonl',
      ranking: true,
      formatting: 'sharegpt',
      columns: { messages: 'conversations', chosen: 'chosen', rejected: 'rejected' },
    });
  });

  it('llamafactory refuses rows it would silently skip, with the reason', async () => {
    const dir = tempDir();
    const path = join(dir, 'bad.jsonl');
    writeFileSync(
      path,
      JSON.stringify({ ...first, prompt: [...first.prompt, { role: 'assistant', content: 'Sure.' }] }),
    );
    const r = await run(['relabel', path, '--format', 'llamafactory']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.jsonl:1: field "prompt": LLaMA-Factory needs the prompt to end on a human turn/);
  });

  it('axolotl: messages + single message objects, no extra columns', async () => {
    const rows = parseJsonl((await run(['relabel', trl, '--format', 'axolotl', '-q'])).stdout);
    expect(Object.keys(rows[0]!)).toEqual(['messages', 'chosen', 'rejected']);
    expect(rows[0]!.messages[0]).toEqual({ role: 'system', content: paperGoal(String(first.score_chosen)) });
    expect(rows[0]!.chosen).toEqual(first.chosen[0]);
  });

  it('nemo: ranks 0 and 1 even for ties', async () => {
    const dir = tempDir();
    const path = join(dir, 'tie.jsonl');
    writeFileSync(path, JSON.stringify({ ...first, score_chosen: 8, score_rejected: 8 }));
    const rows = parseJsonl((await run(['relabel', path, '--format', 'nemo', '-q'])).stdout);
    expect(rows.map((r) => r.completions.map((c: { rank: number }) => c.rank))).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(rows[1]!.completions[0].completion).toEqual(first.rejected);
  });

  it(
    'text: goal at the front of the prompt string whatever --placement says, then a transcript the response ' +
      'joins after a space',
    async () => {
      const rows = parseJsonl((await run(['relabel', trl, '--format', 'text', '--placement', 'user', '-q'])).stdout);
      expect(rows[0]!.prompt).toBe(
        `${paperGoal(String(first.score_chosen))}\n\nHuman: ${first.prompt[0].content}\n\nAssistant:`,
      );
      expect(rows[0]!.chosen).toBe(` ${first.chosen[0].content}`);
      // Concatenated as trainers do, no token can merge across the join: the prompt ends in ":", the response starts
      // with
      // " ".
      for (const row of rows) expect(row.prompt).toMatch(/\n\nAssistant:$/);
    },
  );

  // The handbook keeps the input's other columns; the columns the scores were read from name the input's sides,
  // so in the swapped copy they would score the wrong response (newcomer review: UltraFeedback's
  // metadata.score_chosen said 9 beside a chosen response scored 8). The top-level scores are written new.
  it.each([
    ['nested', { metadata: { score_chosen: 9, score_rejected: 8 } }, ['--chosen-score-col', 'metadata.score_chosen']],
    ['renamed', { 'chosen-rating': 9, 'rejected-rating': 8 }, []],
  ])('handbook: no column of the input scores the wrong response (%s score columns)', async (_, scores, flags) => {
    const dir = tempDir();
    const path = join(dir, 'in.jsonl');
    const { score_chosen: _c, score_rejected: _r, ...rest } = first;
    writeFileSync(path, `${JSON.stringify({ ...rest, ...scores, source_index: 7 })}\n`);
    const rejectedFlag = flags.length > 0 ? ['--rejected-score-col', 'metadata.score_rejected'] : [];
    const r = await run(['relabel', path, '--format', 'handbook', '-q', ...flags, ...rejectedFlag]);
    expect(r.code).toBe(0);
    const rows = parseJsonl(r.stdout);
    expect(rows.map((row) => [row.score_chosen, row.score_rejected])).toEqual([
      [9, 8],
      [8, 9],
    ]);
    for (const row of rows) {
      expect(row.source_index).toBe(7);
      expect(Object.keys(row)).not.toContain('metadata');
      expect(Object.keys(row)).not.toContain('chosen-rating');
      expect(Object.keys(row)).not.toContain('rejected-rating');
    }
  });

  it('handbook: a score inside an object is taken out of it, and the rest of the object is kept', async () => {
    // The label-flip study's rows: metadata holds the scores and the row's noise record, which describes the
    // row, not one of its responses (dropping the whole object lost it).
    const dir = tempDir();
    const path = join(dir, 'in.jsonl');
    const { score_chosen: _c, score_rejected: _r, ...rest } = first;
    const noise = { type: 'label_flip', rate: 0.2, selected: false, original_score_gap: 1 };
    const metadata = { score_chosen: 9, noise, score_rejected: 8 };
    writeFileSync(path, `${JSON.stringify({ ...rest, metadata })}\n`);
    const flags = ['--chosen-score-col', 'metadata.score_chosen', '--rejected-score-col', 'metadata.score_rejected'];
    const r = await run(['relabel', path, '--format', 'handbook', '-q', ...flags]);
    expect(r.code).toBe(0);
    const rows = parseJsonl(r.stdout);
    expect(rows.map((row) => [row.score_chosen, row.score_rejected, row.metadata])).toEqual([
      [9, 8, { noise }],
      [8, 9, { noise }],
    ]);
  });

  it.each(['trl', 'handbook', 'llamafactory', 'axolotl', 'nemo', 'text'])(
    '--print-config %s names the output file',
    async (format) => {
      const dir = tempDir();
      const out = join(dir, 'prefs.jsonl');
      const r = await run(['relabel', trl, '--format', format, '-o', out, '--print-config', '-q']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(format === 'llamafactory' ? 'dataset: prefs' : out);
      if (format === 'axolotl') expect(r.stdout).toMatch(/type: chat_template\.default\n\s+field_messages: messages/);
      if (format === 'nemo') expect(r.stdout).toMatch(/dataset_name: PreferenceDataset/);
    },
  );

  it('--print-config without -o is a usage error', async () => {
    const r = await run(['relabel', trl, '--print-config']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--print-config needs -o FILE/);
  });
});
