import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FIXTURES, DATA, parseJsonl, run, tempDir } from '../helpers.js';

// Real rows from the bundled sample, each broken in one way a user's data breaks.
const lines = readFileSync(join(FIXTURES, 'ultrafeedback_sample.jsonl'), 'utf8').split('\n').filter(Boolean);
const row = (i: number) => JSON.parse(lines[i]!) as Record<string, any>;
const hh = gunzipSync(readFileSync(join(DATA, 'unscored/hh-rlhf_harmless-base_test.jsonl.gz')))
  .toString('utf8')
  .split('\n');

interface Case {
  name: string;
  /** The bad line, placed as line 3 of a JSONL file between good rows. */
  bad: string;
  reason: string;
  message: RegExp;
  args?: string[];
  good?: (i: number) => string;
}

const cases: Case[] = [
  {
    name: 'malformed JSON',
    bad: lines[2]!.slice(0, 120),
    reason: 'malformed_record',
    message: /:3: not valid JSON: .*expected one JSON object per line, found "\{\\"prompt\\"/,
  },
  {
    name: 'a missing column',
    bad: JSON.stringify({ ...row(2), rejected: undefined }),
    reason: 'missing_field',
    message: /:3: field "rejected": the column is missing \(expected a response, found no such column\)/,
  },
  {
    name: 'a non-numeric score',
    bad: JSON.stringify({ ...row(2), metadata: { score_chosen: 'high', score_rejected: 3 } }),
    reason: 'bad_score',
    message:
      /:3: field "metadata\.score_chosen": the score.* \(expected a number, found a string "high"\)\. fix the value/,
  },
  {
    name: 'a missing score',
    bad: JSON.stringify({ ...row(2), metadata: { score_chosen: 8 } }),
    reason: 'bad_score',
    message:
      /:3: field "metadata\.score_rejected": the.* \(expected a number, found no such column\)\. score the row first/,
  },
  {
    name: 'a score outside the scale',
    bad: JSON.stringify({ ...row(2), metadata: { score_chosen: 0.8, score_rejected: -0.9 } }),
    reason: 'bad_score',
    message: /outside the goal scale \(expected a number from 1 to 10, found 0\.8\)\. pass --scale MIN-MAX/,
  },
  {
    name: 'an empty response',
    bad: JSON.stringify({ ...row(2), chosen: '' }),
    reason: 'empty_response',
    message: /:3: field "chosen": the response is empty.*--allow-empty/,
  },
  {
    name: 'an over-long line',
    bad: JSON.stringify({ ...row(2), chosen: 'x'.repeat(100_000) }),
    reason: 'line_too_long',
    message: /:3: the record is \d+ bytes, over the limit of 65536.*raise --max-line-bytes/,
    args: ['--max-line-bytes', '64K'],
  },
  {
    name: 'a wrong type',
    bad: JSON.stringify({ ...row(2), chosen: 42 }),
    reason: 'bad_field',
    message: /field "chosen": wrong type \(expected a string or a list of messages, found number 42\)/,
  },
];

function file(dir: string, bad: string, good: (i: number) => string = (i) => lines[i]!): string {
  const path = join(dir, 'pairs.jsonl');
  writeFileSync(path, `${[good(0), good(1), bad, good(3), good(4)].join('\n')}\n`);
  return path;
}

describe.each(cases)('$name', ({ bad, reason, message, args = [], good }) => {
  it(
    'default --on-error fail: exit 1, message names file, line, field, expected, found, fix; no output ' + 'file',
    async () => {
      const dir = tempDir();
      const input = file(dir, bad, good);
      const r = await run(['relabel', input, '-o', join(dir, 'out.jsonl'), ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^radpo: error: /);
      expect(r.stderr).toContain(input);
      // The fix is the error's hint line (in the rejects file it follows the message after ". ").
      expect(r.stderr.replace(/\n {2}hint: /, '. ')).toMatch(message);
      expect(r.stderr).toMatch(/\n {2}hint: \S/);
      expect(readdirSync(dir)).toEqual(['pairs.jsonl']);
    },
  );

  it(
    '--on-error skip: the row goes to --rejects with its reason and raw text; the rest is written; counts ' + 'add up',
    async () => {
      const dir = tempDir();
      const input = file(dir, bad, good);
      const rejects = join(dir, 'rejects.jsonl');
      const report = join(dir, 'report.json');
      const r = await run([
        'relabel',
        input,
        '-o',
        join(dir, 'out.jsonl'),
        '--on-error',
        'skip',
        '--rejects',
        rejects,
        '--report',
        report,
        ...args,
      ]);
      expect(r.code).toBe(0);
      const rej = parseJsonl(readFileSync(rejects, 'utf8'));
      expect(rej).toHaveLength(1);
      expect(rej[0]).toMatchObject({ source: input, line: 3, reason });
      expect(rej[0]!.message).toMatch(message);
      if (reason === 'line_too_long') expect(rej[0]!.raw.truncated).toBe(true);
      else expect(rej[0]!.raw).toBe(bad);
      expect(parseJsonl(readFileSync(join(dir, 'out.jsonl'), 'utf8'))).toHaveLength(8);
      const rep = JSON.parse(readFileSync(report, 'utf8'));
      expect(rep.rows_read).toBe(5);
      expect(rep.set_aside).toEqual({ total: 1, by_reason: { [reason]: 1 } });
      expect(r.stderr).toMatch(new RegExp(`set aside: 1 \\(${reason} 1\\)`));
    },
  );
});

describe('other error paths', () => {
  it('prompt mismatch (real hh-rlhf row 1255) names the first differing turn', async () => {
    const dir = tempDir();
    const path = join(dir, 'hh.jsonl');
    const withScores = (l: string) => JSON.stringify({ ...JSON.parse(l), score_chosen: 7, score_rejected: 3 });
    writeFileSync(path, [withScores(hh[0]!), withScores(hh[1254]!)].join('\n'));
    const r = await run(['relabel', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /hh\.jsonl:2: field "chosen\[3\] vs rejected\[3\]":.* and rejected differ before the response, first at turn 3/,
    );
    const skip = await run(['relabel', path, '--on-error', 'skip', '--rejects', join(dir, 'rej.jsonl')]);
    expect(skip.code).toBe(0);
    expect(parseJsonl(readFileSync(join(dir, 'rej.jsonl'), 'utf8'))[0]).toMatchObject({
      line: 2,
      reason: 'prompt_mismatch',
    });
  });

  it('no scores anywhere: exit 1 with how to supply them', async () => {
    const r = await run(['relabel', join(DATA, 'unscored/dpo_en_demo.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /dpo_en_demo\.json: no scores found; the first record has columns conversations, chosen, rejected/,
    );
    expect(r.stderr).toMatch(
      /hint: unscored pairs need a judge: radpo.* and --rejected-score-col.*--scores FILE --key COL/,
    );
  });

  it('a scores file without the row key: missing_score', async () => {
    const dir = tempDir();
    const data = join(dir, 'd.jsonl');
    writeFileSync(data, [JSON.stringify({ ...row(0), id: 'a' }), JSON.stringify({ ...row(1), id: 'b' })].join('\n'));
    writeFileSync(join(dir, 's.jsonl'), JSON.stringify({ id: 'a', score_chosen: 8, score_rejected: 2 }));
    const r = await run(['relabel', data, '--scores', join(dir, 's.jsonl'), '--key', 'id']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /d\.jsonl:2: field "id": no scores for this.* file \(expected a key present in the scores file, found "b"\)/,
    );
  });

  it('--max-errors bounds skipping', async () => {
    const dir = tempDir();
    const path = join(dir, 'bad.jsonl');
    writeFileSync(path, ['{', '{', '{', lines[0]].join('\n'));
    const r = await run([
      'relabel',
      path,
      '--on-error',
      'skip',
      '--rejects',
      join(dir, 'rej.jsonl'),
      '--max-errors',
      '2',
      '-o',
      join(dir, 'out.jsonl'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/more than 2 rows failed \(--max-errors 2\); the last: .*bad\.jsonl:3: not valid JSON/);
    expect(readdirSync(dir)).toEqual(['bad.jsonl']);
  });

  it('a bad CSV row names its row', async () => {
    const dir = tempDir();
    const path = join(dir, 'p.csv');
    writeFileSync(path, 'prompt,chosen,rejected,score_chosen,score_rejected\nq,a,b,8,3\nq,a,b,8\n');
    const r = await run(['relabel', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/p\.csv:row 2: not a valid CSV row: Too few fields/);
  });

  it('a truncated gzip file is an io error naming it', async () => {
    const dir = tempDir();
    const path = join(dir, 'cut.jsonl.gz');
    writeFileSync(path, readFileSync(join(FIXTURES, 'hh_rlhf_scored.jsonl.gz')).subarray(0, 2000));
    const r = await run(['relabel', path, '-o', join(dir, 'out.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut\.jsonl\.gz: the gzip data is corrupt or truncated/);
    expect(readdirSync(dir)).toEqual(['cut.jsonl.gz']);
  });

  it('identical responses are set aside by default, even under --on-error fail, and said so', async () => {
    const dir = tempDir();
    const path = join(dir, 'p.jsonl');
    writeFileSync(path, [lines[0], JSON.stringify({ ...row(1), rejected: row(1).chosen })].join('\n'));
    const r = await run(['relabel', path]);
    expect(r.code).toBe(0);
    expect(parseJsonl(r.stdout)).toHaveLength(2);
    expect(r.stderr).toMatch(/warning: 1 row was set aside and not saved; pass --rejects FILE/);
    expect(r.stderr).toMatch(/set aside: 1 \(identical_responses 1\)/);
  });
});

describe('data that fits no shape', () => {
  it('exits 1 (bad data) naming the file, the columns seen and the flags that map them', async () => {
    const r = await run(['relabel', join(DATA, 'scored/helpsteer2_nemo_rm.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /helpsteer2_nemo_rm\.jsonl: cannot find the.* and rejected columns; the first record has columns text, label/,
    );
    expect(r.stderr).toMatch(/hint: name them with --chosen-col and --rejected-col/);
  });
});
