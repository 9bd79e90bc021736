/**
 * inspect reads what people have (issue 26): an A/B file with a label column gets the winner flags, a
 * column holding a list of responses gets `radpo score … --responses-col` and then `radpo pairs
 * --responses-col`; each printed command is run as printed (the judge flags in place of `--judge …`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedChatScore, fakeServers } from '../judge-server.js';
import { DATA, parseJsonl, run, tempDir } from '../helpers.js';

const LABELS = join(DATA, 'foreign', 'ultrafeedback_ab_label_60.json');
const server = fakeServers();

/** The command inspect printed for the file, as argv: FILE replaced, the judge's flags in place of its "…". */
function printed(stdout: string, command: string, file: string, judge: string[]): string[] {
  const line = stdout.split('\n').find((l) => l.includes(`radpo ${command} FILE`));
  expect(line, stdout).toBeDefined();
  const text = line!.slice(line!.indexOf(`radpo ${command} FILE`)).replace(' --judge chat|reward …', '');
  const argv = text.split(' ').slice(1);
  argv[1] = file;
  return [...argv, ...judge];
}

describe('inspect names the layout and prints the command that reads it', () => {
  it('A/B responses with a label column: the winner flags, with the values the label holds', async () => {
    const r = await run(['inspect', LABELS]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('A/B responses with a label column (columns output_1 and output_2 side by side');
    expect(r.stdout).toContain(
      'radpo score FILE --response-a-col output_1 --response-b-col output_2 --winner-col label --winner-values A=1,B=2',
    );
    const judge = await server();
    const flags = ['--judge', 'chat', '--judge-url', judge.url, '--judge-model', 'judge', '--no-cache'];
    const scored = await run([...printed(r.stdout, 'score', LABELS, flags), '--max-conflict-rate', '1']);
    expect(scored.code, scored.stderr).toBe(0);
    const rows = JSON.parse(readFileSync(LABELS, 'utf8')) as Array<Record<string, any>>;
    const out = parseJsonl(scored.stdout);
    expect(out).toHaveLength(rows.length);
    for (const [i, row] of out.entries()) {
      const winner = rows[i]!.label === 1 ? rows[i]!.output_1 : rows[i]!.output_2;
      expect(row.chosen).toBe(winner);
      expect(row.score_chosen).toBe(expectedChatScore(winner));
    }
  });

  it('a list of responses under any name: radpo score --responses-col, then radpo pairs --responses-col', async () => {
    const dir = tempDir();
    const rows = (JSON.parse(readFileSync(LABELS, 'utf8')) as Array<Record<string, any>>).slice(0, 8);
    const input = join(dir, 'best-of-n.jsonl');
    writeFileSync(
      input,
      rows.map((r) => JSON.stringify({ instruction: r.instruction, output: [r.output_1, r.output_2] })).join('\n'),
    );
    const seen = await run(['inspect', input]);
    expect(seen.stdout).toContain('radpo score FILE --prompt-col instruction --responses-col output');
    const judge = await server();
    const flags = ['--judge', 'chat', '--judge-url', judge.url, '--judge-model', 'judge', '--no-cache'];
    const scoredPath = join(dir, 'scored.jsonl');
    const scored = await run([...printed(seen.stdout, 'score', input, flags), '-o', scoredPath]);
    expect(scored.code, scored.stderr).toBe(0);
    for (const row of parseJsonl(readFileSync(scoredPath, 'utf8')))
      expect(row.scores).toEqual(row.output.map((text: string) => expectedChatScore(text)));
    const next = await run(['inspect', scoredPath]);
    const pairs = await run(printed(next.stdout, 'pairs', scoredPath, []));
    expect(pairs.code, pairs.stderr).toBe(0);
    const out = parseJsonl(pairs.stdout);
    expect(out.length).toBeGreaterThan(0);
    for (const pair of out) {
      expect(pair.score_chosen).toBe(expectedChatScore(pair.chosen));
      expect(pair.score_rejected).toBe(expectedChatScore(pair.rejected));
      expect(pair.score_chosen).toBeGreaterThan(pair.score_rejected);
    }
  });

  it.each([
    [
      'long format under names of its own (qid, query, answer_text, judge_rating)',
      (rows: Array<Record<string, any>>) =>
        rows.flatMap((r, i) =>
          ([1, 2] as const).map((side) => ({
            qid: `q${i}`,
            query: r.instruction,
            answer_text: r[`output_${side}`],
            judge_rating: r.results[0][`score_${side}`][0],
          })),
        ),
      'radpo pairs FILE --group-col qid --prompt-col query --response-col answer_text --score-col judge_rating',
    ],
    [
      'a scored list of response objects (gens: [{text, rating}])',
      (rows: Array<Record<string, any>>) =>
        rows.map((r) => ({
          question: r.instruction,
          gens: ([1, 2] as const).map((side) => ({
            text: r[`output_${side}`],
            rating: r.results[0][`score_${side}`][0],
          })),
        })),
      'radpo pairs FILE --prompt-col question --responses-col gens --text-field text',
    ],
  ])('%s: the printed pairs command pairs every prompt by its scores', async (_what, build, command) => {
    const dir = tempDir();
    const ratings = JSON.parse(readFileSync(join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json'), 'utf8'));
    const rows = (ratings as Array<Record<string, any>>)
      .slice(0, 12)
      .filter((r) => r.results[0].score_1[0] !== r.results[0].score_2[0]);
    const input = join(dir, 'scored.jsonl');
    writeFileSync(
      input,
      `${build(rows)
        .map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
    const seen = await run(['inspect', input]);
    expect(seen.stdout).toContain(command);
    expect(seen.stdout).toContain('scores or ranks: beside the responses, several per prompt');
    expect(seen.stdout).not.toContain('scores: none found');
    // Tried on the rows before it is printed: these groups pair.
    expect(seen.stdout).not.toMatch(/but (in )?every group/);
    const pairs = await run(printed(seen.stdout, 'pairs', input, []));
    expect(pairs.code, pairs.stderr).toBe(0);
    // The summary says what ordered the responses: the column or field found, not --score's default.
    expect(pairs.stderr).toMatch(/--score-col judge_rating\)|--score-field rating\)/);
    const out = parseJsonl(pairs.stdout);
    expect(out).toHaveLength(rows.length);
    for (const [i, pair] of out.entries()) {
      const [a, b] = [rows[i]!.results[0].score_1[0], rows[i]!.results[0].score_2[0]];
      expect(pair.chosen).toBe(a > b ? rows[i]!.output_1 : rows[i]!.output_2);
      expect(pair.score_chosen).toBe(Math.max(a, b));
    }
  });

  it('long format with one row per prompt: the command is printed with what it would meet', async () => {
    const dir = tempDir();
    const ratings = JSON.parse(readFileSync(join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json'), 'utf8'));
    const rows = (ratings as Array<Record<string, any>>).slice(0, 6).map((r, i) => ({
      prompt_id: `p${i}`,
      question: r.instruction,
      response: r.output_1,
      score: r.results[0].score_1[0],
    }));
    const input = join(dir, 'one-each.jsonl');
    writeFileSync(input, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const seen = await run(['inspect', input]);
    expect(seen.stdout).toContain(
      '--group-col prompt_id --prompt-col question --response-col response --score-col score',
    );
    expect(seen.stdout).toContain('but every group of the first 6 rows has one row: nothing to pair');
  });

  it("takes relabel's column flags, so a relabel command is checked before it runs (the issue's)", async () => {
    const r = await run([
      'inspect',
      LABELS,
      ...['--response-a-col', 'output_1', '--response-b-col', 'output_2', '--winner-col', 'label'],
      ...['--winner-values', 'A=1,B=2', '--scores', join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json')],
      ...['--key', 'instruction', '--chosen-score-col', 'results.0.score_1.0'],
      ...['--rejected-score-col', 'results.0.score_2.0', '--id-col', 'instruction', '--scale', '1-5'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('matched to the input by text');
    // The ratings agree with the labels; read by column position, 54% of them seemed to contradict.
    expect(r.stdout).toContain('contradicting label (chosen scored lower): 0');
    expect(r.stdout).toContain('score range: 1 to 9.5 — outside --scale 1-5');
  });

  it('LLaMA-Factory v1 DPO rows ({type, value} parts) relabel with no flag, the goal in the system turn', async () => {
    const dir = tempDir();
    const source = readFileSync(join(DATA, 'unscored', 'v1_dpo_demo.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    const rows = source.map((l, i) => ({ ...JSON.parse(l), score_chosen: 9 - (i % 3), score_rejected: 2 }));
    const input = join(dir, 'v1.jsonl');
    writeFileSync(input, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const r = await run(['relabel', input]);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout);
    expect(out).toHaveLength(2 * rows.length);
    const text = (m: any) => m.content.map((p: any) => p.value).join('');
    for (const [i, row] of out.entries()) {
      const source = rows[i >> 1]!;
      const copy = i % 2 === 0 ? 'chosen' : 'rejected';
      const system = source.chosen_messages[0];
      // Each copy's goal is the score of the response it prefers, before the row's own system text.
      expect(row.prompt[0].content).toContain(`Overall score: ${source[`score_${copy}`]}.`);
      if (system.role === 'system') expect(row.prompt[0].content.endsWith(`\n\n${text(system)}`)).toBe(true);
      const wanted = copy === 'chosen' ? source.chosen_messages : source.rejected_messages;
      expect(row.chosen[0].content).toBe(text(wanted.at(-1)));
    }
  });
});
