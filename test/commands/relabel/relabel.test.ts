import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FIXTURES, paperGoal, parseJsonl, run, tempDir, UF1000 } from '../../helpers.js';

const ufRows = readFileSync(UF1000, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const fmt = (s: number) => (Number.isInteger(s) ? String(s) : String(s));

describe('relabel on test/data/scored/ultrafeedback_gpt4_1000.jsonl (acceptance 2)', () => {
  it('reference reproduction: 2000 rows, every goal byte-identical, rejected-goal copy swapped, 111 ties', async () => {
    const dir = tempDir();
    const report = join(dir, 'report.json');
    const r = await run(['relabel', UF1000, '--identical', 'keep', '--allow-empty', '--report', report]);
    expect(r.code).toBe(0);
    const rows = parseJsonl(r.stdout);
    expect(rows).toHaveLength(2000);
    rows.forEach((row, i) => {
      const source = ufRows[Math.floor(i / 2)];
      const { score_chosen: c, score_rejected: rj } = source.metadata;
      const first = i % 2 === 0;
      expect(row.copy).toBe(first ? 'chosen_goal' : 'rejected_goal');
      expect(row.prompt).toEqual([
        { role: 'system', content: paperGoal(fmt(first ? c : rj)) },
        { role: 'user', content: source.prompt },
      ]);
      expect(row.chosen).toEqual([{ role: 'assistant', content: first ? source.chosen : source.rejected }]);
      expect(row.rejected).toEqual([{ role: 'assistant', content: first ? source.rejected : source.chosen }]);
      expect(row.goal_score).toBe(first ? c : rj);
      expect(row.score_chosen).toBe(row.goal_score);
      expect(row.source_line).toBe(Math.floor(i / 2) + 1);
      for (const reserved of ['messages', 'completion', 'label']) expect(row).not.toHaveProperty(reserved);
    });
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.ties).toEqual({ count: 111, policy: 'keep' });
    expect(rep.rows_read).toBe(1000);
    expect(rep.rows_written).toBe(2000);
    expect(r.stderr).toMatch(/ties: 111 \(kept\)/);
  });

  it('defaults set the 6 degenerate real rows aside, and the counts reconcile', async () => {
    const dir = tempDir();
    const rejects = join(dir, 'rejects.jsonl');
    const report = join(dir, 'report.json');
    const r = await run([
      'relabel',
      UF1000,
      '--on-error',
      'skip',
      '--rejects',
      rejects,
      '--report',
      report,
      '-o',
      join(dir, 'out.jsonl'),
    ]);
    expect(r.code).toBe(0);
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.set_aside).toEqual({ total: 6, by_reason: { empty_response: 2, identical_responses: 4 } });
    expect(rep.rows_read).toBe(rep.rows_written / 2 + rep.set_aside.total);
    expect(rep.ties.count).toBe(110); // row 307 is both a tie and an identical pair
    const rej = parseJsonl(readFileSync(rejects, 'utf8'));
    expect(rej.map((x) => [x.line, x.reason])).toEqual([
      [307, 'identical_responses'],
      [479, 'empty_response'],
      [656, 'identical_responses'],
      [834, 'empty_response'],
      [911, 'identical_responses'],
      [998, 'identical_responses'],
    ]);
    expect(rej[1]!.raw).toBe(readFileSync(UF1000, 'utf8').split('\n')[478]);
    const hist = rep.goal_score_histogram as Array<{ score: number; rows: number }>;
    expect(hist.reduce((a, b) => a + b.rows, 0)).toBe(rep.rows_written);
    expect(hist.map((b) => b.score)).toEqual([...hist.map((b) => b.score)].sort((a, b) => a - b));
  });
});

describe('relabel flags', () => {
  const sample = join(FIXTURES, 'ultrafeedback_sample.jsonl');

  it('--order concat: all chosen-goal copies, then all rejected-goal copies, also from stdin', async () => {
    const r = await run(['relabel', '--order', 'concat'], { stdin: readFileSync(sample) });
    expect(r.code).toBe(0);
    const rows = parseJsonl(r.stdout);
    expect(rows).toHaveLength(200);
    expect(new Set(rows.slice(0, 100).map((x) => x.copy)), 'the first half').toEqual(new Set(['chosen_goal']));
    expect(new Set(rows.slice(100).map((x) => x.copy)), 'the second half').toEqual(new Set(['rejected_goal']));
    expect(rows[100]!.source_line).toBe(1);
    const interleaved = parseJsonl((await run(['relabel', sample])).stdout);
    expect(new Set(rows.map((x) => JSON.stringify(x)))).toEqual(new Set(interleaved.map((x) => JSON.stringify(x))));
  });

  it('--placement user puts the goal before the first user message and still swaps', async () => {
    const rows = parseJsonl((await run(['relabel', sample, '--placement', 'user'])).stdout);
    const source = JSON.parse(readFileSync(sample, 'utf8').split('\n')[0]!);
    expect(rows[1]!.prompt).toEqual([
      { role: 'user', content: `${paperGoal(fmt(source.metadata.score_rejected))}\n\n${source.prompt}` },
    ]);
    expect(rows[1]!.chosen[0].content).toBe(source.rejected);
  });

  it('--format handbook: whole conversations with the goal first, other columns kept', async () => {
    const rows = parseJsonl(
      (await run(['relabel', join(FIXTURES, 'ultrafeedback_binarized_shape.jsonl'), '--format', 'handbook'])).stdout,
    );
    const source = JSON.parse(
      readFileSync(join(FIXTURES, 'ultrafeedback_binarized_shape.jsonl'), 'utf8').split('\n')[0]!,
    );
    const goal = { role: 'system', content: paperGoal(fmt(source.score_chosen)) };
    expect(rows[0]!.chosen).toEqual([goal, ...source.chosen]);
    expect(rows[0]!.rejected).toEqual([goal, ...source.rejected]);
    expect(rows[1]!.chosen).toEqual([
      { role: 'system', content: paperGoal(fmt(source.score_rejected)) },
      ...source.rejected,
    ]);
    expect(rows[0]!.prompt_id).toBe(source.prompt_id);
    expect(rows[0]).not.toHaveProperty('messages');
    expect(rows[0]).not.toHaveProperty('prompt');
  });

  it('--ties drop sets ties aside with a reason and counts them', async () => {
    const dir = tempDir();
    const r = await run([
      'relabel',
      sample,
      '--ties',
      'drop',
      '--rejects',
      join(dir, 'r.jsonl'),
      '--report',
      join(dir, 'rep.json'),
    ]);
    const rep = JSON.parse(readFileSync(join(dir, 'rep.json'), 'utf8'));
    const ties = ufRows.slice(0, 100).filter((x) => x.metadata.score_chosen === x.metadata.score_rejected).length;
    expect(rep.set_aside.by_reason.tie_dropped).toBe(ties);
    expect(rep.ties).toEqual({ count: ties, policy: 'drop' });
    expect(parseJsonl(r.stdout)).toHaveLength(2 * (100 - ties));
  });

  it('--goal-template and --scale change the text; {NAME} per attribute', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'goal.txt'),
      'Aim for helpfulness {helpfulness} and correctness {correctness} out of {max}.\n',
    );
    const r = await run([
      'relabel',
      join(FIXTURES, 'helpsteer2_pairs.jsonl'),
      '--scale',
      '0-4',
      '--goal-template',
      join(dir, 'goal.txt'),
      '--attr',
      'helpfulness=chosen_attributes.helpfulness,rejected_attributes.helpfulness',
      '--attr',
      'correctness=chosen_attributes.correctness,rejected_attributes.correctness',
    ]);
    expect(r.code).toBe(0);
    const rows = parseJsonl(r.stdout);
    const source = JSON.parse(readFileSync(join(FIXTURES, 'helpsteer2_pairs.jsonl'), 'utf8').split('\n')[0]!);
    const a = source.chosen_attributes;
    expect(
      rows[0]!.prompt[0].content.startsWith(
        `Aim for helpfulness ${a.helpfulness} and correctness ${a.correctness} out of 4.\n\nA chat between`,
      ),
    ).toBe(true);
    expect(rows[0]!.goal_scores).toEqual({ helpfulness: a.helpfulness, correctness: a.correctness });
    expect(rows[1]!.goal_scores).toEqual({
      helpfulness: source.rejected_attributes.helpfulness,
      correctness: source.rejected_attributes.correctness,
    });
  });

  it('--scores FILE --key COL joins scores from another file', async () => {
    const dir = tempDir();
    const data = join(dir, 'pairs.jsonl');
    const scores = join(dir, 'scores.csv');
    const rows = ufRows
      .slice(0, 5)
      .map((x, i) => ({ id: `p${i}`, prompt: x.prompt, chosen: x.chosen, rejected: x.rejected }));
    writeFileSync(data, rows.map((x) => JSON.stringify(x)).join('\n'));
    writeFileSync(
      scores,
      `id,chosen_score,rejected_score\n${rows.map((x, i) => `${x.id},${9 - (i % 2)},${5 + i / 2}`).join('\n')}\n`,
    );
    const r = await run(['relabel', data, '--scores', scores, '--key', 'id']);
    expect(r.code).toBe(0);
    const out = parseJsonl(r.stdout);
    expect(out.map((x) => x.goal_score)).toEqual([9, 5, 8, 5.5, 9, 6, 8, 6.5, 9, 7]);
    expect(out[0]!.source_id).toBe('p0');
    expect(r.stderr).toMatch(/joined on id/);
  });

  it('-o writes CSV with message lists JSON-encoded, and gzip, atomically', async () => {
    const dir = tempDir();
    const r1 = await run(['relabel', sample, '-o', join(dir, 'out.csv'), '--json-in-csv']);
    expect(r1.code).toBe(0);
    expect(r1.stdout).toBe('');
    // Read back, the CSV is radpo's own output again: relabeling it is refused, inspecting it sees 200 pairs.
    const again = await run(['relabel', join(dir, 'out.csv'), '-o', join(dir, 'again.jsonl')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /out\.csv:row 1: this data is already relabeled: it has the copy and goal_score columns radpo writes/,
    );
    const back = await run(['inspect', join(dir, 'out.csv'), '--json']);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ rows: 200, pairs: 200 });
    const r2 = await run(['relabel', sample, '-o', join(dir, 'out.jsonl.gz')]);
    expect(r2.code).toBe(0);
    const plain = (await run(['relabel', sample])).stdout;
    expect(gunzipSync(readFileSync(join(dir, 'out.jsonl.gz'))).toString('utf8')).toBe(plain);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('-o FILE.json writes one JSON array that reads back', async () => {
    const dir = tempDir();
    await run(['relabel', sample, '-o', join(dir, 'out.json')]);
    const rows = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect(rows).toHaveLength(200);
    expect(rows).toEqual(parseJsonl((await run(['relabel', sample])).stdout));
  });

  it('is deterministic: the same input and flags give byte-identical output', async () => {
    const a = await run(['relabel', sample, '--order', 'concat', '--placement', 'user']);
    const b = await run(['relabel', sample, '--order', 'concat', '--placement', 'user']);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.length).toBeGreaterThan(0);
  });

  it('several inputs: rows carry their source file', async () => {
    const r = await run(['relabel', sample, join(FIXTURES, 'trl_conversational.jsonl'), '-q']);
    const rows = parseJsonl(r.stdout);
    expect(rows).toHaveLength(220);
    expect(rows[0]!.source_file).toBe(sample);
    expect(rows[219]!.source_file).toBe(join(FIXTURES, 'trl_conversational.jsonl'));
    expect(r.stderr).toBe('');
  });

  it('--shard K/N: the shards partition the pairs, both copies together', async () => {
    const all = parseJsonl((await run(['relabel', sample, '-q'])).stdout);
    const parts = await Promise.all(
      [1, 2, 3].map(async (k) => parseJsonl((await run(['relabel', sample, '-q', '--shard', `${k}/3`])).stdout)),
    );
    expect(
      parts.map((p) => p.length).filter((n) => n === 0 || n % 2 !== 0),
      'shards of no rows or half a pair',
    ).toEqual([]);
    const key = (x: Record<string, unknown>) => JSON.stringify(x);
    expect(new Set(parts.flat().map(key))).toEqual(new Set(all.map(key)));
    expect(parts.flat()).toHaveLength(all.length);
  });
});

describe('scale sanity', () => {
  it(
    'warns when every score fits half the default scale (1-5 ratings relabeled as 1-10), not with ' + '--scale',
    async () => {
      const dir = tempDir();
      const path = join(dir, 'argilla.jsonl');
      // argilla/ultrafeedback-binarized-preferences-cleaned layout, real UltraFeedback text, its 1-5 ratings.
      writeFileSync(
        path,
        ufRows
          .slice(0, 3)
          .map((r) =>
            JSON.stringify({
              prompt: r.prompt,
              chosen: [
                { role: 'user', content: r.prompt },
                { role: 'assistant', content: r.chosen },
              ],
              'chosen-rating': 4.5,
              rejected: [
                { role: 'user', content: r.prompt },
                { role: 'assistant', content: r.rejected },
              ],
              'rejected-rating': 2,
            }),
          )
          .join('\n'),
      );
      const r = await run(['relabel', path, '-o', join(dir, 'o.jsonl')]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/warning: every goal score is at most 4\.5 on the 1-10 scale .* relabel with --scale/);
      const scaled = await run(['relabel', path, '-o', join(dir, 'o.jsonl'), '--scale', '1-5']);
      expect(scaled.stderr).not.toMatch(/warning/);
      const uf = await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '-o', join(dir, 'u.jsonl')]);
      expect(uf.stderr).not.toMatch(/warning/);
    },
  );
});

describe('stdin, stdout and usage', () => {
  it('reads piped stdin with no argument, and "-"', async () => {
    const input = readFileSync(join(FIXTURES, 'ultrafeedback_sample.jsonl'));
    const a = await run(['relabel'], { stdin: input });
    const b = await run(['relabel', '-'], { stdin: input });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(parseJsonl(a.stdout)).toHaveLength(200);
  });

  it('a terminal with nothing piped shows help (exit 2)', async () => {
    const r = await run(['relabel'], { stdinTTY: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: radpo relabel/);
    expect(r.stdout).toBe('');
  });

  it.each([
    [['relabel', 'x.jsonl', '--placement', 'middle'], /argument 'middle' is invalid/],
    [['relabel', 'x.jsonl', '--on-error', 'skip'], /--on-error skip needs --rejects FILE/],
    [['relabel', 'x.jsonl', '--scale', '10'], /--scale expects MIN-MAX/],
    [['relabel', 'x.jsonl', '--max-line-bytes', 'lots'], /--max-line-bytes expects a size/],
    [['relabel', 'x.jsonl', '--scores', 's.csv'], /--scores and --key go together/],
    [['relabel', 'x.jsonl', '--shard', '4/3'], /K must be from 1 to N/],
    [['relabel', 'x.jsonl', '--chosen-score-col', '__proto__', '--rejected-score-col', 'b'], /not allowed in a path/],
    [['relabel', 'x.jsonl', '--goal-template', '/nonexistent/goal.txt'], /no such file/],
    [['relabel', 'x.jsonl', '--bogus'], /unknown option '--bogus'/],
    [['relabl'], /unknown command 'relabl'[\s\S]*Did you mean relabel/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('--version and --help exit 0 on stdout', async () => {
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await run(['relabel', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--placement <where>/);
  });

  it('a missing input file is exit 1 naming the file', async () => {
    const r = await run(['relabel', '/nonexistent/pairs.jsonl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/pairs\.jsonl: no such file/);
  });

  it('an interrupted run leaves no output file', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    controller.abort();
    const r = await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '-o', join(dir, 'out.jsonl')], {
      signal: controller.signal,
    });
    expect(r.code).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
  });
});

describe('--precision on scores from the data', () => {
  const write = () => {
    const dir = tempDir();
    const path = join(dir, 'frac.jsonl');
    const row = (score: number, i: number) =>
      JSON.stringify({ prompt: `q${i}`, chosen: 'a', rejected: 'b', score_chosen: score, score_rejected: 2 });
    writeFileSync(path, `${row(10 / 3, 1)}\n${row(8, 2)}\n${row(7.5, 3)}\n`);
    return { dir, path };
  };

  it('rounds every goal score to N digits, and the report counts the rows it changed', async () => {
    const { dir, path } = write();
    const report = join(dir, 'report.json');
    const r = await run(['relabel', path, '--precision', '2', '--report', report, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const rows = parseJsonl(r.stdout);
    expect(rows[0]!.prompt[0].content).toBe(paperGoal('3.33'));
    expect(rows.map((x) => x.goal_score)).toEqual([3.33, 2, 8, 2, 7.5, 2]);
    expect(JSON.parse(readFileSync(report, 'utf8')).rounded_scores).toEqual({ digits: 2, rows: 1 });
  });

  it('without it, a long fraction goes in as it is, and a warning says how to round it', async () => {
    const { path } = write();
    const r = await run(['relabel', path]);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonl(r.stdout)[0]!.prompt[0].content).toBe(paperGoal('3.3333333333333335'));
    expect(r.stderr).toMatch(/goal scores such as 3\.3333333333333335 go into the goal text .*--precision 2/);
  });
});
