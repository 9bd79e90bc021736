/**
 * A score belongs to the response it scores (issue 26). A file of A/B responses with a label and a separate
 * ratings file of the same pairs (test/data/foreign/ultrafeedback_ab_*: UltraFeedback rows with their GPT-4
 * scores, the ratings file listing each pair's responses in an order of its own) are joined in every flag
 * combination; the output equals the in-file read, or the run stops / the row is set aside naming why. A
 * property test over random layouts: every output row's goal score is the score its response was given.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { DATA, parseJsonl, readJsonl, run, tempDir } from '../helpers.js';

const LABELS = join(DATA, 'foreign', 'ultrafeedback_ab_label_60.json');
const RATINGS = join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json');
const AB = ['--response-a-col', 'output_1', '--response-b-col', 'output_2', '--winner-col', 'label'];
const AB_VALUES = [...AB, '--winner-values', 'A=1,B=2'];
const AS_CHOSEN = ['--chosen-score-col', 'results.0.score_1.0', '--rejected-score-col', 'results.0.score_2.0'];
const AS_AB = ['--score-a-col', 'results.0.score_1.0', '--score-b-col', 'results.0.score_2.0'];

type Row = Record<string, any>;
const labels = JSON.parse(readFileSync(LABELS, 'utf8')) as Row[];
const ratings = JSON.parse(readFileSync(RATINGS, 'utf8')) as Row[];

/** The oracle: each response's score, read from the ratings file by its text (not by radpo). */
const scoreOf = new Map<string, number>();
for (const r of ratings) {
  scoreOf.set(r.output_1, r.results[0].score_1[0]);
  scoreOf.set(r.output_2, r.results[0].score_2[0]);
}

/** Every written row's goal score is the score its chosen response (the one the goal conditions) was given. */
function expectGoalsBelong(rows: Row[], score: (text: string) => number | undefined): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const text = row.chosen[0].content as string;
    expect(score(text), `${row.copy} of line ${row.source_line}`).toBeDefined();
    expect(row.goal_score, `${row.copy} of line ${row.source_line}`).toBe(score(text));
  }
}

function write(dir: string, name: string, rows: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return path;
}

/** The label file with each response's score in its own row (score_a, score_b): the in-file read. */
function inFile(dir: string): string {
  return write(
    dir,
    'in-file.jsonl',
    labels.map((r) => ({ ...r, score_a: scoreOf.get(r.output_1), score_b: scoreOf.get(r.output_2) })),
  );
}

/** The label file's pairs oriented by their label: prompt, chosen, rejected. */
function oriented(dir: string): string {
  return write(
    dir,
    'oriented.jsonl',
    labels.map((r) => ({
      instruction: r.instruction,
      chosen: r.label === 1 ? r.output_1 : r.output_2,
      rejected: r.label === 1 ? r.output_2 : r.output_1,
    })),
  );
}

describe('a scores file joined to an A/B file with labels (real rows)', () => {
  const relabel = (input: string, scores: string, flags: string[], out: string) =>
    run(['relabel', input, '--scores', scores, '--key', 'instruction', ...flags, '-o', out]);

  it('the issue: chosen/rejected-named columns of a ratings file with the responses follow the text', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const r = await relabel(LABELS, RATINGS, [...AB_VALUES, ...AS_CHOSEN], out);
    expect(r.code, r.stderr).toBe(0);
    // The ratings agree with the labels (they are the GPT-4 scores UltraFeedback binarized by): no conflict.
    expect(r.stderr).toContain('contradicting label (chosen scored lower): 0');
    expect(r.stderr).toContain('scoring its output_1 / output_2, matched to the input by text');
    expectGoalsBelong(readJsonl(out), (t) => scoreOf.get(t));
  });

  it('in every flag combination the output equals the in-file read, or the run says why it cannot join', async () => {
    const dir = tempDir();
    const reference = join(dir, 'reference.jsonl');
    const ref = await run([
      'relabel',
      inFile(dir),
      ...AB_VALUES,
      '--score-a-col',
      'score_a',
      '--score-b-col',
      'score_b',
    ]);
    expect(ref.code, ref.stderr).toBe(0);
    writeFileSync(reference, ref.stdout);
    expectGoalsBelong(parseJsonl(ref.stdout), (t) => scoreOf.get(t));
    const expected = ref.stdout.replace(/,"source_line":\d+/g, '');
    // The ratings file without its responses, in the label file's A/B order (the same layout).
    const numbers = write(
      dir,
      'numbers.jsonl',
      labels.map((r) => ({
        instruction: r.instruction,
        results: [{ score_1: [scoreOf.get(r.output_1)], score_2: [scoreOf.get(r.output_2)] }],
      })),
    );
    const withTexts = [
      ['ratings with responses, chosen/rejected names', RATINGS, AS_CHOSEN],
      ['ratings with responses, A/B names', RATINGS, AS_AB],
      ['ratings without responses, A/B names (same layout)', numbers, AS_AB],
    ] as const;
    for (const [what, scores, flags] of withTexts) {
      const out = join(dir, `out-${what.replace(/\W+/g, '-')}.jsonl`);
      const r = await relabel(LABELS, scores, [...AB_VALUES, ...flags], out);
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      // JSON input lines differ from the JSON Lines reference: compare without source_line.
      expect(readFileSync(out, 'utf8').replace(/,"source_line":\d+/g, ''), what).toBe(expected);
    }
    // chosen/rejected names without the responses cannot say which of A and B a score is about.
    const out = join(dir, 'refused.jsonl');
    const refused = await relabel(LABELS, numbers, [...AB_VALUES, ...AS_CHOSEN], out);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('whether its "chosen" score is the winner\'s or the first response\'s');
    expect(refused.stderr).toContain('--score-a-col');
    expect(existsSync(out)).toBe(false);
  });

  it('a chosen/rejected input joins by text, or by position when the scores file names its sides alike', async () => {
    const dir = tempDir();
    const input = oriented(dir);
    const byText = await run(['relabel', input, '--scores', RATINGS, '--key', 'instruction', ...AS_AB]);
    expect(byText.code, byText.stderr).toBe(0);
    expectGoalsBelong(parseJsonl(byText.stdout), (t) => scoreOf.get(t));
    const rows = readJsonl(input) as Row[];
    const sameLayout = write(
      dir,
      'cr-numbers.jsonl',
      rows.map((r) => ({
        instruction: r.instruction,
        score_chosen: scoreOf.get(r.chosen),
        score_rejected: scoreOf.get(r.rejected),
      })),
    );
    const byPosition = await run(['relabel', input, '--scores', sameLayout, '--key', 'instruction']);
    expect(byPosition.code, byPosition.stderr).toBe(0);
    expect(byPosition.stdout).toBe(byText.stdout);
    // A/B-named scores without responses, for chosen/rejected pairs: refused before anything is written.
    const abNumbers = write(
      dir,
      'ab-numbers.jsonl',
      rows.map((r) => ({ instruction: r.instruction, a: scoreOf.get(r.chosen), b: scoreOf.get(r.rejected) })),
    );
    const refused = await run([
      'relabel',
      input,
      '--scores',
      abNumbers,
      '--key',
      'instruction',
      '--score-a-col',
      'a',
      '--score-b-col',
      'b',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('which of A and B is the chosen one cannot be told');
    expect(refused.stdout).toBe('');
  });

  it("a scores row whose responses are not the input row's is set aside naming both texts", async () => {
    const dir = tempDir();
    const edited = ratings.map((r, i) => (i === 7 ? { ...r, output_2: 'a response the input never had' } : r));
    const scores = write(dir, 'edited.jsonl', edited);
    const rejects = join(dir, 'rejects.jsonl');
    const out = join(dir, 'out.jsonl');
    const r = await relabel(
      LABELS,
      scores,
      [...AB_VALUES, ...AS_CHOSEN, '--on-error', 'skip', '--rejects', rejects],
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const set = readJsonl(rejects) as Row[];
    expect(set).toHaveLength(1);
    expect(set[0]!.reason).toBe('unmatched_scores');
    expect(set[0]!.message).toContain('a response the input never had');
    expect(JSON.parse(set[0]!.raw).instruction).toBe(edited[7]!.instruction);
    expectGoalsBelong(readJsonl(out), (t) => scoreOf.get(t));
    expect(readJsonl(out)).toHaveLength(2 * (labels.length - 1));
    // --on-error fail stops at that row.
    const failed = await relabel(LABELS, scores, [...AB_VALUES, ...AS_CHOSEN], join(dir, 'failed.jsonl'));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("the scores file's responses for this key are not this row's responses");
  });

  it("radpo score's output as scores file: its chosen/rejected scores go with its chosen/rejected texts", async () => {
    const dir = tempDir();
    // What `radpo score` writes for an A/B file: the A/B columns kept, the pair oriented and scored beside them.
    const scored = write(
      dir,
      'scored.jsonl',
      labels.map((r) => {
        const [chosen, rejected] = r.label === 1 ? [r.output_1, r.output_2] : [r.output_2, r.output_1];
        return { ...r, chosen, rejected, score_chosen: scoreOf.get(chosen), score_rejected: scoreOf.get(rejected) };
      }),
    );
    const out = join(dir, 'out.jsonl');
    const r = await relabel(LABELS, scored, AB_VALUES, out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('scoring its chosen / rejected, matched to the input by text');
    expect(r.stderr).toContain('contradicting label (chosen scored lower): 0');
    expectGoalsBelong(readJsonl(out), (t) => scoreOf.get(t));
  });

  it("chosen/rejected scores beside A/B texts and the file's winner: refused, not read as first/second", async () => {
    const dir = tempDir();
    // The winner's and the loser's scores, named as chosen and rejected, beside output_1/output_2 and a label.
    const scores = write(
      dir,
      'winner-scores.jsonl',
      labels.map((r) => {
        const [chosen, rejected] = r.label === 1 ? [r.output_1, r.output_2] : [r.output_2, r.output_1];
        return { ...r, win: scoreOf.get(chosen), lose: scoreOf.get(rejected) };
      }),
    );
    const out = join(dir, 'out.jsonl');
    const flags = ['--chosen-score-col', 'win', '--rejected-score-col', 'lose'];
    const r = await relabel(LABELS, scores, [...AB_VALUES, ...flags], out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("whether the chosen score is the first response's or the winner's cannot be told");
    expect(r.stderr).toContain('--score-a-col and --score-b-col');
    expect(existsSync(out)).toBe(false);
  });

  it('audit reads the same scores: agreement with the labels is whole', async () => {
    const r = await run([
      'audit',
      LABELS,
      ...AB_VALUES,
      '--scores',
      RATINGS,
      '--key',
      'instruction',
      ...AS_CHOSEN,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const figures = JSON.parse(r.stdout) as Row;
    expect(figures.conflicts.count).toBe(0);
  });
});

describe('keys past 2^53', () => {
  it("input rows whose numeric keys the parser rounded together are set aside, not given one's scores", async () => {
    const dir = tempDir();
    const input = join(dir, 'in.jsonl');
    const pair = (k: string, c: string) => `{"k":${k},"prompt":"p","chosen":"${c}","rejected":"r"}`;
    writeFileSync(input, `${pair('12345678901234567890', 'a')}\n${pair('12345678901234567891', 'b')}\n`);
    const scores = join(dir, 'scores.jsonl');
    writeFileSync(scores, '{"k":"7","score_chosen":7,"score_rejected":3}\n');
    const rejects = join(dir, 'rejects.jsonl');
    const flags = ['--scores', scores, '--key', 'k', '--on-error', 'skip', '--rejects', rejects];
    const r = await run(['relabel', input, ...flags, '--allow-empty-output']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const set = readJsonl(rejects) as Row[];
    expect(set.map((s) => s.reason)).toEqual(['bad_field', 'bad_field']);
    expect(set[0]!.message).toContain('write them as strings');
    // In the scores file, such a key stops the run: it cannot be told from its neighbour.
    writeFileSync(scores, '{"k":12345678901234567890,"score_chosen":7,"score_rejected":3}\n');
    const stopped = await run(['relabel', input, '--scores', scores, '--key', 'k']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('is a number past 2^53');
  });
});

describe('one key, several pairs (Auto-J: 16 of 40 real rows share their prompt with another)', () => {
  const AUTOJ = join(DATA, 'foreign', 'autoj_pairwise_first40.json');
  const rows = readFileSync(AUTOJ, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);
  /** A made-up judge: each text's score from its length, so the oracle needs no radpo. */
  const judge = (text: string) => 1 + (text.length % 9);

  it('a scores file that carries the responses is joined by key and texts; a repeat of both is refused', async () => {
    const dir = tempDir();
    // The prompt as key; the responses in an order of their own (every other row swapped).
    const scoresRows = rows.map((r, i) => {
      const [a, b] = i % 2 ? [r['response 2'], r['response 1']] : [r['response 1'], r['response 2']];
      return { prompt: r.prompt, 'response 1': a, 'response 2': b, s1: judge(a), s2: judge(b) };
    });
    const scores = write(dir, 'scores.jsonl', scoresRows);
    const flags = ['--scores', scores, '--key', 'prompt', '--score-a-col', 's1', '--score-b-col', 's2'];
    const r = await run([
      'relabel',
      AUTOJ,
      ...flags,
      '--scale',
      '1-9',
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'rej.jsonl'),
      '-o',
      '-',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = parseJsonl(r.stdout);
    // Label 2 (a tie) has no preference; 35 rows have one, some of them tied by the made-up judge.
    expect(out.length).toBeGreaterThanOrEqual(2 * 25);
    expectGoalsBelong(out, judge);
    const twice = write(dir, 'twice.jsonl', [...scoresRows, scoresRows[3]]);
    const refused = await run(['relabel', AUTOJ, '--scores', twice, ...flags.slice(2), '--scale', '1-9']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('with the same two responses appears twice in the scores file');
  });
});

describe('property: every goal score is the score its response was given, whatever the layouts', () => {
  it('random inputs (chosen/rejected or A/B with a winner) and scores files (with or without responses)', async () => {
    const random = seededRandom(26);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    for (let trial = 0; trial < 16; trial++) {
      const dir = tempDir();
      const truth = new Map<string, number>();
      const pairs = Array.from({ length: 12 }, (_, i) => {
        const [a, b] = [`response ${trial}.${i}.a ${random()}`, `response ${trial}.${i}.b ${random()}`];
        truth.set(a, 1 + Math.floor(random() * 10));
        truth.set(b, 1 + Math.floor(random() * 10));
        return { key: `k${trial}-${i}`, prompt: `prompt ${i}`, a, b, winner: pick(['a', 'b'] as const) };
      });
      const inputAB = random() < 0.5;
      const input = write(
        dir,
        'input.jsonl',
        pairs.map((p) =>
          inputAB
            ? { id: p.key, prompt: p.prompt, first: p.a, second: p.b, won: p.winner }
            : {
                id: p.key,
                prompt: p.prompt,
                chosen: p.winner === 'a' ? p.a : p.b,
                rejected: p.winner === 'a' ? p.b : p.a,
              },
        ),
      );
      const texts = random() < 0.5;
      const namesAB = random() < 0.5;
      const scores = write(
        dir,
        'scores.jsonl',
        pairs.map((p) => {
          // A scores file with responses lists them in an order of its own; one without lists them as the input does.
          const [x, y] = texts
            ? random() < 0.5
              ? [p.a, p.b]
              : [p.b, p.a]
            : inputAB
              ? [p.a, p.b]
              : p.winner === 'a'
                ? [p.a, p.b]
                : [p.b, p.a];
          // Its response columns are named as the input's (the A/B names given by flag, or chosen/rejected).
          const named = inputAB ? { first: x, second: y } : { chosen: x, rejected: y };
          return { id: p.key, ...(texts ? named : {}), sx: truth.get(x), sy: truth.get(y) };
        }),
      );
      // Random winners and scores contradict about half the labels: the conflict stop is not what is tested here.
      const argv = ['relabel', input, '--scores', scores, '--key', 'id', '--max-conflict-rate', '1'];
      if (inputAB) argv.push('--response-a-col', 'first', '--response-b-col', 'second', '--winner-col', 'won');
      argv.push(
        ...(namesAB
          ? ['--score-a-col', 'sx', '--score-b-col', 'sy']
          : ['--chosen-score-col', 'sx', '--rejected-score-col', 'sy']),
      );
      const layout =
        `trial ${trial}: input ${inputAB ? 'A/B' : 'chosen/rejected'}, scores ${texts ? 'with' : 'without'} ` +
        `responses, named ${namesAB ? 'A/B' : 'chosen/rejected'}`;
      const r = await run(argv);
      if (!texts && namesAB !== inputAB) {
        expect(r.code, layout).toBe(1);
        expect(r.stdout, layout).toBe('');
        continue;
      }
      expect(r.code, `${layout}: ${r.stderr}`).toBe(0);
      expectGoalsBelong(parseJsonl(r.stdout), (t) => truth.get(t));
    }
  });
});
