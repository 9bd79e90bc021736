/**
 * A score belongs to its response (issue 26, adversarial review): in-file A/B scores named as chosen/rejected
 * under a winner are refused (they scored a position, not the winner), and a response a model never gave (the
 * Kaggle arena's "[null]") is never written as text. Tests by the reviewer, on real and minimal rows.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA, parseJsonl, run, tempDir } from '../helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: rows of JSON
type Row = Record<string, any>;

function write(dir: string, name: string, rows: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return path;
}

/** The text of a written response (a message list's last content, or a string). */
const textOf = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) ? textOf(v.at(-1)) : String((v as Row)?.content ?? '');

describe('a score belongs to its response: in-file A/B scores named as chosen/rejected', () => {
  // Real rows: UltraFeedback A/B pairs with a label (1 or 2) and their GPT-4 ratings (test/data/SOURCES.md).
  const labels = JSON.parse(readFileSync(join(DATA, 'foreign', 'ultrafeedback_ab_label_60.json'), 'utf8')) as Row[];
  const ratings = JSON.parse(readFileSync(join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json'), 'utf8')) as Row[];
  const scoreOf = new Map<string, number>();
  for (const r of ratings) {
    scoreOf.set(r.output_1, r.results[0].score_1[0]);
    scoreOf.set(r.output_2, r.results[0].score_2[0]);
  }

  it("--chosen-score-col names A's score under a winner: refused, or each goal is its text's", async () => {
    const dir = tempDir();
    // The same rows as the alpaca_eval layout radpo finds by itself (output_1, output_2, preference 1|2).
    const input = write(
      dir,
      'ab.jsonl',
      labels.map((r) => ({
        instruction: r.instruction,
        output_1: r.output_1,
        output_2: r.output_2,
        preference: r.label,
        score_1: scoreOf.get(r.output_1),
        score_2: scoreOf.get(r.output_2),
      })),
    );
    const out = join(dir, 'out.jsonl');
    const r = await run([
      'relabel',
      input,
      '--chosen-score-col',
      'score_1',
      '--rejected-score-col',
      'score_2',
      '-o',
      out,
    ]);
    if (r.code === 0) {
      // Before: exit 0; every pair where B won trained under the other response's score (40 of 112 rows).
      for (const row of parseJsonl(readFileSync(out, 'utf8')))
        expect(row.goal_score, `${row.copy} of line ${row.source_line}`).toBe(scoreOf.get(textOf(row.chosen)));
    } else {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('--score-a-col');
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('Kaggle LMSYS arena: a response list holding null', () => {
  it('a "[null]" response (the model failed) is not written as the text "[null]"', async () => {
    const dir = tempDir();
    const input = join(dir, 'arena.csv');
    writeFileSync(
      input,
      'id,model_a,model_b,prompt,response_a,response_b,winner_model_a,winner_model_b,winner_tie,score_a,score_b\n' +
        '4,m1,m2,"[""q1""]","[null]","[""an answer""]",0,1,0,1,8\n',
    );
    const flags = ['--score-a-col', 'score_a', '--score-b-col', 'score_b', '--on-error', 'skip'];
    const r = await run(['relabel', input, ...flags, '--rejects', join(dir, 'rejects.jsonl'), '--allow-empty-output']);
    // Before: exit 0, both copies written, one training the model to answer "[null]" under goal 1, no warning.
    for (const row of parseJsonl(r.stdout))
      for (const side of [row.chosen, row.rejected]) expect(textOf(side), r.stderr).not.toBe('[null]');
  });
});
