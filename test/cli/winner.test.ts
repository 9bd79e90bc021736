/**
 * Who won, not which column is chosen: A/B responses and a winner column (or flags, or annotators'
 * votes) orient each row — the winner becomes chosen, its score score_chosen — and a tie is set aside as
 * no_preference, never a guessed side. Real data: PandaLM (three annotators) and the Kaggle LMSYS arena
 * CSV (winner flags), found by their columns; the flags for any other layout.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orientByWinner, parseWinnerValues } from '../../src/core/winner.js';
import { fakeServers } from '../judge-server.js';
import { DATA, parseJsonl, readJsonl, run, tempDir } from '../helpers.js';

const PANDALM = join(DATA, 'foreign', 'pandalm_testset-v1.json');
const KAGGLE = join(DATA, 'foreign', 'lmsys_arena_kaggle_train_demo.csv');
const server = fakeServers();

/** PandaLM's label, computed here: the majority of the three annotators (1, 2; 0 a tie); a split is a tie. */
function pandalmWinner(row: Record<string, number>): 'a' | 'b' | 'tie' {
  const votes = [row.annotator1, row.annotator2, row.annotator3];
  const a = votes.filter((v) => v === 1).length;
  const b = votes.filter((v) => v === 2).length;
  const tie = votes.filter((v) => v === 0).length;
  return a > b && a > tie ? 'a' : b > a && b > tie ? 'b' : 'tie';
}

describe('winner columns, found by their names', () => {
  it('PandaLM: the annotators majority picks chosen; ties are set aside as no_preference', async () => {
    const rows = JSON.parse(readFileSync(PANDALM, 'utf8')) as Array<Record<string, any>>;
    const judge = await server();
    const dir = tempDir();
    const r = await run([
      'score',
      PANDALM,
      '--judge',
      'chat',
      '--judge-url',
      judge.url,
      '--judge-model',
      'judge',
      '--no-cache',
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'rejects.jsonl'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const ties = rows.filter((row) => pandalmWinner(row) === 'tie').length;
    const rejects = parseJsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8'));
    expect(rejects.filter((x) => x.reason === 'no_preference')).toHaveLength(ties);
    const scored = parseJsonl(r.stdout);
    expect(scored.length).toBe(rows.length - rejects.length);
    for (const row of scored) {
      const side = pandalmWinner(row as Record<string, number>);
      expect(side, `idx ${row.idx}`).not.toBe('tie');
      expect(row.chosen).toBe(side === 'a' ? row.response1 : row.response2);
      expect(row.rejected).toBe(side === 'a' ? row.response2 : row.response1);
      expect(typeof row.score_chosen).toBe('number');
    }
  });

  it.each([
    // Auto-J pairwise: label 0 = response 1, 1 = response 2, 2 = a tie (prometheus-eval's benchmark reader).
    [
      'autoj_pairwise_first40.json',
      (row: Record<string, any>) => ({ 0: 'a', 1: 'b', 2: 'tie' })[row.label as 0 | 1 | 2],
      ['response 1', 'response 2'],
      /winner from Auto-J pairwise/,
    ],
    // alpaca_eval: preference 1.0 = output_1, 2.0 = output_2 (1.5 would be a tie).
    [
      'alpaca_eval_gpt4_pairwise_notus_20.json',
      (row: Record<string, any>) => (row.preference === 1 ? 'a' : row.preference === 2 ? 'b' : 'tie'),
      ['output_1', 'output_2'],
      /winner from alpaca_eval/,
    ],
  ] as const)('%s (real rows): the label picks chosen, a tie is set aside', async (file, winner, [a, b], named) => {
    const path = join(DATA, 'foreign', file);
    const text = readFileSync(path, 'utf8');
    const rows: Array<Record<string, any>> = text.trimStart().startsWith('[') ? JSON.parse(text) : parseJsonl(text);
    const judge = await server();
    const dir = tempDir();
    const r = await run([
      'score',
      path,
      ...['--judge', 'chat', '--judge-url', judge.url, '--judge-model', 'judge', '--no-cache'],
      ...['--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl')],
      // The fake judge's scores follow a hash of the text, not the labels: the conflict stop is not tested here.
      ...['--max-conflict-rate', '1'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((await run(['inspect', path])).stdout).toMatch(named);
    const ties = rows.filter((row) => winner(row) === 'tie').length;
    const rejects = existsSync(join(dir, 'rejects.jsonl'))
      ? parseJsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8'))
      : [];
    expect(rejects.filter((x) => x.reason === 'no_preference')).toHaveLength(ties);
    const scored = parseJsonl(r.stdout);
    expect(scored.length + rejects.length).toBe(rows.length);
    expect(scored.length).toBeGreaterThan(10);
    for (const row of scored) {
      const side = winner(row);
      expect(row.chosen).toBe(side === 'a' ? row[a] : row[b]);
      expect(row.rejected).toBe(side === 'a' ? row[b] : row[a]);
      expect(typeof row.score_chosen).toBe('number');
    }
  });

  it('FastChat MT-Bench pair judgments (real rows): the answers both orders prefer, never model names', async () => {
    const path = join(DATA, 'foreign', 'fastchat_mt_bench_gpt-4_pair.jsonl');
    const rows = parseJsonl(readFileSync(path, 'utf8')) as Array<Record<string, any>>;
    const judge = await server();
    const dir = tempDir();
    const r = await run([
      'score',
      path,
      ...['--judge', 'chat', '--judge-url', judge.url, '--judge-model', 'judge', '--no-cache'],
      ...['--on-error', 'skip', '--rejects', join(dir, 'rejects.jsonl'), '--max-conflict-rate', '1'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const agreed = rows.filter((row) => row.g1_winner === row.g2_winner && /^model_[12]$/.test(row.g1_winner));
    const scored = parseJsonl(r.stdout);
    // 38 rows where both orders agree; ties, errors and disagreeing orders (position bias) are set aside.
    expect(scored.map((row) => row.question_id)).toEqual(agreed.map((row) => row.question_id));
    expect(scored).toHaveLength(38);
    const rejects = parseJsonl(readFileSync(join(dir, 'rejects.jsonl'), 'utf8'));
    expect(rejects.map((x) => x.reason)).toEqual(Array(37).fill('no_preference'));
    for (const row of scored) {
      const answer = (side: string) =>
        row.g1_user_prompt.split(`[The Start of Assistant ${side}'s Answer]\n`)[1].split('\n[The End of')[0];
      const [win, lose] = row.g1_winner === 'model_1' ? ['A', 'B'] : ['B', 'A'];
      expect(row.chosen).toBe(answer(win));
      expect(row.rejected).toBe(answer(lose));
      expect(row.prompt).toBe(row.g1_user_prompt.slice(16).split(/\n\n\[The Start of (Reference|Assistant A's) /)[0]);
      expect(row.chosen).not.toBe(row.model_1);
      expect(row.prompt).not.toMatch(/Reference Answer/);
      expect(typeof row.score_chosen).toBe('number');
    }
  });

  it('the Kaggle arena CSV: winner_model_a/_b/winner_tie flags; the summary names the layout', async () => {
    const r = await run(['inspect', KAGGLE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/winner from Kaggle LMSYS arena flags/);
    const csv = readFileSync(KAGGLE, 'utf8');
    const tieRows = csv.split('\n').filter((line) => /,0,0,1\s*$/.test(line)).length;
    expect(r.stdout).toMatch(new RegExp(`no_preference ${tieRows}\\b`));
  });
});

/**
 * One real row or a few of each remaining layout (test/data/SOURCES.md says where each comes from), relabeled
 * end to end with a judge: the copy under the chosen goal holds the winner the test reads from the row's
 * own label, under the row's own prompt; the layout is named by inspect.
 */
describe('real rows of each winner layout', () => {
  const lastText = (messages: Array<{ content: string }>) => messages[messages.length - 1]!.content;
  const cases: Array<
    [string, RegExp, (row: Record<string, any>) => { prompt: string; winner: string; loser: string }]
  > = [
    [
      'pku_saferlhf_alpaca7b_test_4.jsonl',
      /winner from PKU-SafeRLHF/,
      (row) => ({
        prompt: row.prompt,
        winner: row[`response_${row.better_response_id}`],
        loser: row[`response_${1 - row.better_response_id}`],
      }),
    ],
    [
      'shp_askculinary_card_example.jsonl',
      /columns history\/chosen\/rejected; winner from SHP/,
      (row) => ({
        prompt: row.history,
        winner: row.labels === 1 ? row.human_ref_A : row.human_ref_B,
        loser: row.labels === 1 ? row.human_ref_B : row.human_ref_A,
      }),
    ],
    [
      'helpsteer2_preference_card_example.jsonl',
      /winner from HelpSteer2-Preference/,
      // preference_strength: negative = response_1 is better, positive = response_2 (the card's scale -3..3).
      (row) => ({
        prompt: row.prompt,
        winner: row.preference_strength > 0 ? row.response_2 : row.response_1,
        loser: row.preference_strength > 0 ? row.response_1 : row.response_2,
      }),
    ],
    [
      'prometheus_hhh_alignment_eval_8.json',
      /winner from Prometheus judge prompts/,
      // Taken out here by a regex over the whole judge prompt (radpo's reader cuts at the markers).
      (row) => {
        const sections =
          /instruction to evaluate:\n([\s\S]*?)\n\n###Response to evaluate:\n([\s\S]*?)\n\n###Score Rubrics:/;
        const part = (text: string) => sections.exec(text)!;
        const [chosen, rejected] = [part(row.chosen_instruction), part(row.rejected_instruction)];
        return { prompt: chosen[1]!, winner: chosen[2]!, loser: rejected[2]! };
      },
    ],
    [
      'lmsys_chatbot_arena_conversations_example.jsonl',
      /winner from LMSYS arena/,
      (row) => ({
        prompt: row.conversation_a[0].content,
        winner: lastText(row.winner === 'model_a' ? row.conversation_a : row.conversation_b),
        loser: lastText(row.winner === 'model_a' ? row.conversation_b : row.conversation_a),
      }),
    ],
  ];

  it.each(cases)("%s: the label picks chosen under the row's prompt", async (file, named, expected) => {
    const path = join(DATA, 'foreign', file);
    const text = readFileSync(path, 'utf8');
    const rows: Array<Record<string, any>> = text.startsWith('[') ? JSON.parse(text) : parseJsonl(text);
    expect((await run(['inspect', path])).stdout).toMatch(named);
    const judge = await server();
    // The fake judge's scores follow a hash of the text, not the labels: the conflict stop is not tested here.
    const r = await run([
      'relabel',
      path,
      ...['--judge', 'chat', '--judge-url', judge.url, '--judge-model', 'judge', '--no-cache', '-q'],
      ...['--max-conflict-rate', '1'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout);
    expect(out).toHaveLength(rows.length * 2);
    rows.forEach((row, i) => {
      const want = expected(row);
      const copy = out.filter((x) => x.copy === 'chosen_goal')[i]!;
      expect(lastText(copy.prompt)).toBe(want.prompt);
      expect(copy.chosen[0].content).toBe(want.winner);
      expect(copy.rejected[0].content).toBe(want.loser);
    });
  });

  it('alpaca_eval without scores: the hint names the A/B score flags, not the chosen/rejected ones', async () => {
    const r = await run(['relabel', join(DATA, 'foreign', 'alpaca_eval_gpt4_pairwise_notus_20.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('scores in other columns: --score-a-col and --score-b-col');
    expect(r.stderr).not.toContain('--chosen-score-col');
  });

  it('SHP with its own upvotes: --score-a-col/--score-b-col serve a layout found by its columns', async () => {
    const path = join(DATA, 'foreign', 'shp_askculinary_card_example.jsonl');
    const [row] = parseJsonl(readFileSync(path, 'utf8'));
    const flags = ['--score-a-col', 'score_A', '--score-b-col', 'score_B', '--scale', '1-1000', '-q'];
    const r = await run(['relabel', path, ...flags]);
    expect(r.code, r.stderr).toBe(0);
    const [chosenGoal, rejectedGoal] = parseJsonl(r.stdout);
    // labels 1: comment A (340 upvotes) is preferred to B (166).
    expect(chosenGoal).toMatchObject({
      goal_score: row!.score_A,
      score_chosen: row!.score_A,
      score_rejected: row!.score_B,
    });
    expect(chosenGoal!.chosen[0].content).toBe(row!.human_ref_A);
    expect(rejectedGoal).toMatchObject({ goal_score: row!.score_B, copy: 'rejected_goal' });
  });

  it('Nectar (row 0): pairs by rank, then relabel reads the Human:/Assistant: prompt as its turn', async () => {
    const path = join(DATA, 'foreign', 'nectar_train_row0.jsonl');
    const [row] = parseJsonl(readFileSync(path, 'utf8'));
    const answers = [...row!.answers].sort((x: any, y: any) => x.rank - y.rank);
    const dir = tempDir();
    const pairs = await run(['pairs', path, '-o', join(dir, 'pairs.jsonl')]);
    expect(pairs.code, pairs.stderr).toBe(0);
    const [pair] = readJsonl(join(dir, 'pairs.jsonl'));
    expect(pair).toMatchObject({ chosen: answers[0].answer, rejected: answers[6].answer, rank_chosen: 1 });
    const judge = await server();
    const r = await run([
      'relabel',
      join(dir, 'pairs.jsonl'),
      ...['--judge', 'chat', '--judge-url', judge.url, '--judge-model', 'judge', '--no-cache'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/prompts are Human:\/Assistant: transcripts \(read as turns\)/);
    const copy = parseJsonl(r.stdout).find((x) => x.copy === 'chosen_goal')!;
    // The prompt is the user's turn, not the transcript text: "\n\nHuman: 0.002 = 1000 \n1 = x?\n\nAssistant:".
    expect(copy.prompt.filter((m: any) => m.role !== 'system')).toEqual([
      { role: 'user', content: '0.002 = 1000 \n1 = x?' },
    ]);
    expect(copy.chosen[0].content).toBe(answers[0].answer);
  });
});

describe('winner columns named with flags', () => {
  const rows = [
    { q: 'Capital of France?', a: 'Paris.', b: 'Lyon.', w: 'A', sa: 9, sb: 3 },
    { q: 'Capital of Italy?', a: 'Milan.', b: 'Rome.', w: 'B', sa: 2, sb: 8 },
    { q: 'Capital of Spain?', a: 'Madrid.', b: 'Madrid!', w: 'tie', sa: 7, sb: 7 },
  ];
  const write = () => {
    const dir = tempDir();
    const path = join(dir, 'ab.jsonl');
    writeFileSync(path, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    return { dir, path };
  };
  const ab = ['--prompt-col', 'q', '--response-a-col', 'a', '--response-b-col', 'b', '--winner-col', 'w'];

  it('relabel with --score-a-col/--score-b-col: the winner is chosen, its score the chosen goal', async () => {
    const { dir, path } = write();
    const args = ['relabel', path, ...ab, '--score-a-col', 'sa', '--score-b-col', 'sb'];
    const r = await run([...args, '--on-error', 'skip', '--rejects', join(dir, 'rej.jsonl'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout);
    expect(out.map((x) => [x.chosen[0].content, x.rejected[0].content, x.goal_score])).toEqual([
      ['Paris.', 'Lyon.', 9],
      ['Lyon.', 'Paris.', 3],
      ['Rome.', 'Milan.', 8],
      ['Milan.', 'Rome.', 2],
    ]);
    expect(parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'))).toMatchObject([
      { line: 3, reason: 'no_preference' },
    ]);
  });

  it('a tie is no failure: with the default --on-error fail the run goes on and counts it', async () => {
    const { path } = write();
    const r = await run(['relabel', path, ...ab, '--score-a-col', 'sa', '--score-b-col', 'sb']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout)).toHaveLength(4);
    expect(r.stderr).toMatch(/set aside: 1 \(no_preference 1\)/);
  });

  it('--score-a-col/--score-b-col on a file in no winner layout: an error naming its columns', async () => {
    const { path } = write();
    const r = await run(['relabel', path, '--score-a-col', 'sa', '--score-b-col', 'sb']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no winner layout is found \(the first record has columns q, a, b, w, sa, sb\)/);
    expect(r.stderr).toMatch(/--response-a-col, --response-b-col and --winner-col/);
  });

  it('several --winner-col: the majority; a split vote is a tie', () => {
    const spec = {
      responseA: ['a'],
      responseB: ['b'],
      rule: { kind: 'votes' as const, columns: [['v1'], ['v2'], ['v3']], values: parseWinnerValues('A=1,B=2,tie=0') },
      description: 'votes',
    };
    expect(orientByWinner({ a: 'x', b: 'y', v1: 1, v2: 2, v3: 1 }, spec)).toMatchObject({ chosen: 'x', rejected: 'y' });
    expect(orientByWinner({ a: 'x', b: 'y', v1: 2, v2: 2, v3: 0 }, spec)).toMatchObject({ chosen: 'y', rejected: 'x' });
    expect(() => orientByWinner({ a: 'x', b: 'y', v1: 1, v2: 2, v3: 0 }, spec)).toThrow(/a tie/);
    expect(() => orientByWinner({ a: 'x', b: 'y', v1: 1, v2: 9, v3: 0 }, spec)).toThrow(/none of the winner values/);
  });

  it.each([
    [['--response-a-col', 'a'], /needs all of --response-a-col, --response-b-col and --winner-col/],
    [['--winner-values', 'A=1,B=2'], /goes with --response-a-col/],
    [['--score-a-col', 'sa'], /--score-a-col and --score-b-col go together/],
    [[...ab, '--chosen-col', 'a'], /do not go together/],
    [[...ab, '--winner-values', 'X=1'], /--winner-values expects A=VALUE/],
  ])('%j is a usage error', async (flags, message) => {
    const { path } = write();
    const r = await run(['relabel', path, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('an error about a response of an A/B row names the column the file holds it in', () => {
  it.each([
    // A won: the bad response is the rejected one, in output_2; B won: the bad one is output_1.
    ['the loser is B', { output_1: 'A two', output_2: true, preference: 1 }, 'output_2'],
    ['the loser is A', { output_1: true, output_2: 'B three', preference: 2 }, 'output_1'],
  ])('%s: field "%s", never "chosen"/"rejected" (PandaLM said "chosen" for response1)', async (_name, row, column) => {
    const dir = tempDir();
    const input = join(dir, 'ab.jsonl');
    const good = { instruction: 'q1', output_1: 'A one', output_2: 'B one', preference: 1, score_1: 8, score_2: 3 };
    writeFileSync(
      input,
      `${JSON.stringify(good)}\n${JSON.stringify({ instruction: 'q2', ...row, score_1: 8, score_2: 3 })}\n`,
    );
    const r = await run(['relabel', input, '--score-a-col', 'score_1', '--score-b-col', 'score_2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ab.jsonl:2: field "${column}": wrong type`);
  });
});
