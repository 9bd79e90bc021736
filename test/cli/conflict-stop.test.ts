/**
 * The label-conflict stop (issue 26): relabel and score count the scored pairs whose scores contradict
 * their label; above --max-conflict-rate (default 0.5) the run stops with exit 1 and writes nothing,
 * naming the rate, the likely cause and the way through; under it the summary points to radpo audit.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedChatScore, fakeServers } from '../judge-server.js';
import { DATA, parseJsonl, run, tempDir, UF1000 } from '../helpers.js';

const SWAPPED = ['--chosen-score-col', 'metadata.score_rejected', '--rejected-score-col', 'metadata.score_chosen'];
const server = fakeServers();

describe('relabel stops on scores that contradict most labels', () => {
  it('UltraFeedback with its score columns swapped: exit 1, no output, the rate and the swap named', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const r = await run(['relabel', UF1000, ...SWAPPED, '-o', out, '--report', join(dir, 'report.json')]);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'report.json'))).toBe(false);
    expect(r.stderr).toMatch(
      /of the first [\d,]+ untied scored pairs \(\d+\.\d%, at least \d+\.\d% at 99\.9% confidence\) have/,
    );
    expect(r.stderr).toContain('above --max-conflict-rate 0.5');
    expect(r.stderr).toContain('are the score columns swapped? chosen scores come from metadata.score_rejected');
    expect(r.stderr).toContain('--max-conflict-rate 1');
  });

  it('a weak judge near the bound: relabel, checking as it goes, agrees with score, checking once', async () => {
    // 77 conflicts in the first 128 pairs (60.2%: at least 51.5% at 95%, which stopped relabel mid-run), 205 in
    // all 400 (51.3%: at least 46.4%, under 0.5: score passed the same file).
    const dir = tempDir();
    const input = join(dir, 'weak.jsonl');
    const rows = Array.from({ length: 400 }, (_, i) => {
      const conflict = i < 128 ? i % 128 < 77 : (i - 128) % 17 < 8;
      return JSON.stringify({
        prompt: `question ${i}`,
        chosen: `answer a${i}`,
        rejected: `answer b${i}`,
        score_chosen: conflict ? 3 : 7,
        score_rejected: conflict ? 7 : 3,
      });
    });
    writeFileSync(input, `${rows.join('\n')}\n`);
    expect(rows.filter((r) => r.includes('"score_chosen":3')).length).toBe(205);
    const r = await run(['relabel', input, '-o', join(dir, 'out.jsonl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('contradicting label (chosen scored lower): 205 (51.3% of untied scored pairs');
  });

  it('to stdout: the first rows wait for the check, so the stop leaves stdout empty', async () => {
    const swapped = await run(['relabel', UF1000, ...SWAPPED, '-o', '-']);
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toBe('');
    expect(swapped.stderr).toContain('above --max-conflict-rate 0.5; nothing was written');
    // Rejects on stdout wait with the rows: UltraFeedback's one empty response is set aside before the stop.
    const dir = tempDir();
    const [first, ...rest] = readFileSync(UF1000, 'utf8').split('\n');
    const input = join(dir, 'with-empty.jsonl');
    writeFileSync(input, [JSON.stringify({ ...JSON.parse(first!), chosen: '' }), ...rest].join('\n'));
    const out = join(dir, 'out.jsonl');
    const rejects = await run(['relabel', input, ...SWAPPED, '--on-error', 'skip', '--rejects', '-', '-o', out]);
    // The control: let through, the first line's reject is on stdout.
    const through = ['--on-error', 'skip', '--rejects', '-', '--max-conflict-rate', '1'];
    const control = await run(['relabel', input, ...SWAPPED, ...through, '-o', out]);
    expect(control.code, control.stderr).toBe(0);
    expect(parseJsonl(control.stdout)[0]).toMatchObject({ line: 1 });
    expect(rejects.code).toBe(1);
    expect(rejects.stdout).toBe('');
    // The same rows with their scores right: every pair reaches stdout, in order.
    const right = await run(['relabel', UF1000, '--allow-empty', '-o', '-']);
    expect(right.code, right.stderr).toBe(0);
    const rows = parseJsonl(right.stdout);
    expect(rows).toHaveLength(2 * 996);
    expect(rows[0]?.source_line).toBe(1);
  });

  it('--max-conflict-rate 1 writes them, and the summary line points to radpo audit', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const r = await run(['relabel', UF1000, ...SWAPPED, '--max-conflict-rate', '1', '--allow-empty', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    // UltraFeedback's 1000 pairs: 4 identical ones set aside, 110 ties; every other pair's label contradicted.
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toHaveLength(2 * 996);
    expect(r.stderr).toContain(
      'contradicting label (chosen scored lower): 886 (100.0% of untied scored pairs; radpo audit',
    );
  });

  it('the rate of the whole run decides at its end, on inputs too small to stop early', async () => {
    const dir = tempDir();
    const rows = readFileSync(UF1000, 'utf8').split('\n').slice(0, 40);
    // 40 pairs, 4 ties among them: the columns swapped in the first n rows only.
    const write = (n: number) => {
      const path = join(dir, `swapped-${n}.jsonl`);
      writeFileSync(
        path,
        `${rows
          .map((line, i) => {
            const row = JSON.parse(line);
            const { score_chosen: c, score_rejected: r } = row.metadata;
            return JSON.stringify(i < n ? { ...row, metadata: { score_chosen: r, score_rejected: c } } : row);
          })
          .join('\n')}\n`,
      );
      return path;
    };
    const over = await run(['relabel', write(38), '-o', join(dir, 'over.jsonl')]);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/\d+ of 3\d untied scored pairs \(\d+\.\d%, at least/);
    expect(over.stderr).toContain('are lower scores better in this data, or the columns swapped');
    expect(existsSync(join(dir, 'over.jsonl'))).toBe(false);
    const under = await run(['relabel', write(10), '-o', join(dir, 'under.jsonl')]);
    expect(under.code, under.stderr).toBe(0);
    expect(under.stderr).toMatch(
      /contradicting label \(chosen scored lower\): \d+ \(\d+\.\d% of untied scored pairs; radpo audit/,
    );
  });

  it('ties say nothing of a label: the rate is over untied pairs (60% ties, every other pair swapped)', async () => {
    const dir = tempDir();
    const rows = Array.from({ length: 300 }, (_, i) => {
      const [c, r] = i % 5 < 3 ? [5, 5] : [2, 8];
      return JSON.stringify({
        prompt: `q${i}`,
        chosen: `good ${i}`,
        rejected: `bad ${i}`,
        score_chosen: c,
        score_rejected: r,
      });
    });
    const input = join(dir, 'ties.jsonl');
    writeFileSync(input, `${rows.join('\n')}\n`);
    const r = await run(['relabel', input, '-o', join(dir, 'out.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('120 of 120 untied scored pairs (100.0%');
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
  });

  it('an A/B file whose scores file is joined by position the wrong way round names that cause', async () => {
    const dir = tempDir();
    const labels = JSON.parse(readFileSync(join(DATA, 'foreign', 'ultrafeedback_ab_label_60.json'), 'utf8'));
    const ratings = JSON.parse(readFileSync(join(DATA, 'foreign', 'ultrafeedback_ab_ratings_60.json'), 'utf8'));
    const scoreOf = new Map<string, number>();
    for (const r of ratings) {
      scoreOf.set(r.output_1, r.results[0].score_1[0]);
      scoreOf.set(r.output_2, r.results[0].score_2[0]);
    }
    // Numbers only, B's score first: the position join reads them as A's.
    const scores = join(dir, 'scores.jsonl');
    writeFileSync(
      scores,
      `${labels
        .map((r: any) =>
          JSON.stringify({ instruction: r.instruction, a: scoreOf.get(r.output_2), b: scoreOf.get(r.output_1) }),
        )
        .join('\n')}\n`,
    );
    const ab = ['--response-a-col', 'output_1', '--response-b-col', 'output_2', '--winner-col', 'label'];
    const r = await run([
      'relabel',
      join(DATA, 'foreign', 'ultrafeedback_ab_label_60.json'),
      ...ab,
      '--winner-values',
      'A=1,B=2',
      '--scores',
      scores,
      '--key',
      'instruction',
      '--score-a-col',
      'a',
      '--score-b-col',
      'b',
      '-o',
      join(dir, 'out.jsonl'),
    ]);
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    expect(r.stderr).toContain("does its first score column score the input's first response?");
  });
});

describe('score counts the judged pairs that contradict their label', () => {
  /** Pairs whose chosen response the fake judge scores below (or above) the rejected one. */
  function pairs(dir: string, contradicting: boolean): string {
    const texts = Array.from({ length: 400 }, (_, i) => `answer number ${i}`);
    const rows: string[] = [];
    for (let i = 0; i + 1 < texts.length && rows.length < 30; i += 2) {
      const [x, y] = [texts[i]!, texts[i + 1]!];
      const [sx, sy] = [expectedChatScore(x), expectedChatScore(y)];
      if (sx === sy) continue;
      const [low, high] = sx < sy ? [x, y] : [y, x];
      const [chosen, rejected] = contradicting ? [low, high] : [high, low];
      rows.push(JSON.stringify({ prompt: `question ${i}`, chosen, rejected }));
    }
    const path = join(dir, `pairs-${contradicting}.jsonl`);
    writeFileSync(path, `${rows.join('\n')}\n`);
    return path;
  }

  it('every label contradicted: exit 1 naming the judge; agreeing labels: written with a count of 0', async () => {
    const judge = await server();
    const dir = tempDir();
    const flags = ['--judge', 'chat', '--judge-url', judge.url, '--judge-model', 'judge', '--no-cache'];
    const out = join(dir, 'scored.jsonl');
    const bad = await run(['score', pairs(dir, true), ...flags, '-o', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('30 of 30 untied scored pairs (100.0%, at least');
    expect(bad.stderr).toContain('does the judge score worse answers higher');
    expect(existsSync(out)).toBe(false);
    const toStdout = await run(['score', pairs(dir, true), ...flags, '-o', '-']);
    expect(toStdout.code).toBe(1);
    expect(toStdout.stdout).toBe('');
    const good = await run(['score', pairs(dir, false), ...flags]);
    expect(good.code, good.stderr).toBe(0);
    expect(parseJsonl(good.stdout)).toHaveLength(30);
    expect(good.stderr).toContain('contradicting label (chosen scored lower): 0');
  });
});

describe('pairs checks the ranks given beside the scores that pick its pairs', () => {
  /** OASST trees (real rows) whose replies get a judge's score: agreeing with the human rank, or reversed. */
  function scoredTrees(dir: string, agree: boolean): string {
    const lines = readFileSync(join(DATA, 'foreign', 'oasst_en_100_tree_first10.jsonl'), 'utf8').split('\n');
    const rows = lines.filter(Boolean).map((line) => {
      const tree = JSON.parse(line);
      for (const reply of tree.prompt.replies) reply.reward = agree ? 10 - reply.rank : reply.rank;
      return JSON.stringify(tree);
    });
    const path = join(dir, `trees-${agree}.jsonl`);
    writeFileSync(path, `${rows.join('\n')}\n`);
    return path;
  }

  it('scores that reverse every rank: exit 1, nothing written; scores that agree: ranks kept beside them', async () => {
    const dir = tempDir();
    const out = join(dir, 'pairs.jsonl');
    const flags = ['--score-field', 'reward', '--strategy', 'all'];
    const bad = await run(['pairs', scoredTrees(dir, false), ...flags, '-o', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\d+ of \d+ untied scored pairs \(100\.0%, at least \d+\.\d% at 95% confidence\)/);
    expect(bad.stderr).toContain('(the higher-scored response ranked worse)');
    expect(bad.stderr).toContain('are lower scores better for --score-field reward');
    expect(existsSync(out)).toBe(false);
    const good = await run(['pairs', scoredTrees(dir, true), ...flags, '-o', out, '--report', join(dir, 'r.json')]);
    expect(good.code, good.stderr).toBe(0);
    const rows = parseJsonl(readFileSync(out, 'utf8'));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) {
      expect(row.score_chosen).toBeGreaterThan(row.score_rejected);
      expect(row.rank_chosen).toBeLessThan(row.rank_rejected);
    }
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report).toMatchObject({ labelled_pairs: rows.length, contradicting_label: 0 });
    expect(good.stderr).toContain('contradicting label (the higher-scored response ranked worse): 0');
  });
});
