/**
 * What the trainers' loaders rely on, asserted per layout: score columns of one JSON number form per file
 * (datasets fixes a column's type from its first chunk), integer Parquet columns, file types a loader
 * takes, snippet keys that exist in the trainer's schema, and rows that axolotl's DPO transform misreads.
 * (npm run test:interop runs the real loaders where Python has them.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { OUTPUT_FORMATS } from '../../src/core/layouts.js';
import { DATA, FIXTURES, UF1000, run, tempDir } from '../helpers.js';

const SAMPLE = join(FIXTURES, 'ultrafeedback_sample.jsonl');
const QWEN = join(DATA, 'chat_templates', 'Qwen__Qwen2-7B-Instruct.jinja');

/** Every raw JSON number written for a score key, anywhere in the text. */
function scoreNumbers(text: string): string[] {
  return [
    ...text.matchAll(/"(?:goal_score|score_chosen|score_rejected)":(-?[\d.e+-]+)/g),
    ...text.matchAll(/"(?:goal_scores|score_chosen|score_rejected)":\{([^{}]*)\}/g),
  ].flatMap((m) => (m[0].includes('{') ? [...m[1]!.matchAll(/":(-?[\d.e+-]+)/g)].map((x) => x[1]!) : [m[1]!]));
}

describe('score columns have one JSON number form per file', () => {
  it.each(OUTPUT_FORMATS.filter((f) => f !== 'axolotl' && f !== 'nemo').map((f) => [f]))(
    '--format %s: every score is written as a float, whole or not',
    async (format) => {
      // The sample mixes whole (9) and fractional (7.5) GPT-4 scores.
      const r = await run(['relabel', SAMPLE, '--format', format, '-q']);
      const numbers = scoreNumbers(r.stdout);
      expect(numbers.length).toBeGreaterThanOrEqual(600);
      expect(numbers.filter((n) => !/^-?\d+\.\d+$/.test(n))).toEqual([]);
      expect(numbers).toContain('9.0');
      expect(numbers).toContain('7.5');
      // The goal text keeps the paper's formatting.
      expect(r.stdout).toMatch(/Overall score: 9\.\\n|Overall score: 9\."/);
      expect(r.stdout).not.toMatch(/Overall score: 9\.0\./);
    },
  );

  it('attribute scores too', async () => {
    const r = await run([
      'relabel',
      join(FIXTURES, 'helpsteer2_pairs.jsonl'),
      '--scale',
      '0-4',
      '--attr',
      'helpfulness=chosen_attributes.helpfulness,rejected_attributes.helpfulness',
      '--attr',
      'verbosity=chosen_attributes.verbosity,rejected_attributes.verbosity',
      '-q',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const numbers = scoreNumbers(r.stdout);
    expect(numbers.length).toBeGreaterThan(20);
    expect(numbers.filter((n) => !/^-?\d+\.\d+$/.test(n))).toEqual([]);
  });

  it('a file whose first 10 MB holds only whole scores and later fractional ones: every score a float', async () => {
    const dir = tempDir();
    const input = join(dir, 'big.jsonl');
    const rows = readFileSync(UF1000, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, any>);
    const whole = rows.filter(
      (r) =>
        Number.isInteger(r.metadata.score_chosen) &&
        Number.isInteger(r.metadata.score_rejected) &&
        r.chosen &&
        r.rejected &&
        r.chosen !== r.rejected,
    );
    const fractional = rows.filter(
      (r) => !Number.isInteger(r.metadata.score_chosen) && r.chosen && r.rejected && r.chosen !== r.rejected,
    );
    const lines: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 12 << 20; i++) {
      const line = JSON.stringify({ ...whole[i % whole.length], source_index: i });
      lines.push(line);
      // two output rows a pair, goal text added: the output passes 10 MB before the fractional rows
      bytes += line.length * 2;
    }
    lines.push(...fractional.slice(0, 20).map((r) => JSON.stringify(r)));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const out = join(dir, 'out.jsonl');
    expect((await run(['relabel', input, '-o', out, '-q'])).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.length).toBeGreaterThan(12 << 20);
    const numbers = scoreNumbers(text);
    expect(numbers.some((n) => n.endsWith('.5'))).toBe(true);
    expect(numbers.filter((n) => !/^-?\d+\.\d+$/.test(n))).toEqual([]);
  });

  it('Parquet: line numbers and ranks are INT64, scores DOUBLE', async () => {
    const dir = tempDir();
    const { parquetMetadataAsync, asyncBufferFromFile } = await import('hyparquet');
    for (const format of ['trl', 'nemo']) {
      const out = join(dir, `${format}.parquet`);
      expect((await run(['relabel', SAMPLE, '--format', format, '-o', out, '-q'])).code).toBe(0);
      const meta = await parquetMetadataAsync(await asyncBufferFromFile(out));
      const types = Object.fromEntries(meta.schema.filter((s) => s.type).map((s) => [s.name, s.type]));
      if (format === 'trl')
        expect(types).toMatchObject({ source_line: 'INT64', goal_score: 'DOUBLE', score_chosen: 'DOUBLE' });
      else expect(types).toMatchObject({ rank: 'INT64' });
    }
  });
});

describe('file types the trainer loads', () => {
  it.each([['trl'], ['llamafactory'], ['axolotl'], ['nemo'], ['handbook']])(
    '-o x.csv --format %s is refused, naming what works',
    async (format) => {
      const dir = tempDir();
      const r = await run(['relabel', SAMPLE, '--format', format, '-o', join(dir, 'x.csv')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`the ${format} layout writes message lists, and no trainer reads those from CSV cells`),
      );
      expect(r.stderr).toMatch(/hint: write -o FILE\.jsonl, \.json or \.parquet, or use --format text for CSV/);
    },
  );

  it('--format text writes CSV: every cell a string', async () => {
    const dir = tempDir();
    expect((await run(['relabel', SAMPLE, '--format', 'text', '-o', join(dir, 'x.csv'), '-q'])).code).toBe(0);
  });

  it('-o x.jsonl.gz --format llamafactory is refused: LLaMA-Factory does not load .gz', async () => {
    const dir = tempDir();
    const r = await run([
      'relabel',
      join(FIXTURES, 'llamafactory_sharegpt_scored.json'),
      '--format',
      'llamafactory',
      '-o',
      join(dir, 'x.jsonl.gz'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /LLaMA-Factory does not load \.gz files \(its loader takes arrow, csv, json, jsonl, parquet and txt\)/,
    );
  });
});

/**
 * The keys each trainer's config schema has, as read in its source:
 * - TRL: DPOConfig (trl/trainer/dpo_config.py: max_length) and the CLI's dataset mixture
 *   (trl/scripts/utils.py DatasetConfig: path, name, data_dir, data_files, split, columns).
 * - LLaMA-Factory: src/llamafactory/hparams/finetuning_args.py (stage), data_args.py (dataset,
 *   dataset_dir, cutoff_len).
 * - axolotl: src/axolotl/utils/schemas/config.py (rl, chat_template, sequence_len, datasets) and
 *   schemas/datasets.py DPODataset (path, split, type, data_files, revision, field_messages): no ds_type.
 * - NeMo RL: examples/configs/dpo.yaml (data.default.dataset_name, data.train.data_path,
 *   data.validation.data_path, policy.max_total_sequence_length).
 */
const SCHEMAS: Record<string, { top: string[]; dataset?: string[]; nested?: Record<string, string[]> }> = {
  trl: { top: ['max_length', 'datasets'], dataset: ['path', 'name', 'data_dir', 'data_files', 'split', 'columns'] },
  llamafactory: { top: ['stage', 'dataset_dir', 'dataset', 'cutoff_len'] },
  axolotl: {
    top: ['rl', 'chat_template', 'sequence_len', 'datasets'],
    dataset: ['path', 'split', 'type', 'data_files', 'revision', 'field_messages'],
  },
  nemo: {
    top: ['data', 'policy'],
    nested: { data: ['default', 'train', 'validation'], policy: ['max_total_sequence_length'] },
  },
};

describe('--print-config snippets', () => {
  it.each(OUTPUT_FORMATS.map((f) => [f]))(
    '%s: every key exists in the trainer schema, and the path is absolute',
    async (format) => {
      const dir = tempDir();
      const out = join(dir, 'prefs.jsonl');
      const r = await run([
        'relabel',
        format === 'llamafactory' ? join(FIXTURES, 'llamafactory_sharegpt_scored.json') : SAMPLE,
        '--format',
        format,
        '-o',
        out,
        '--print-config',
        '-q',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const snippet = parseYaml(r.stdout) as Record<string, any>;
      const schema = SCHEMAS[format === 'handbook' || format === 'text' ? 'trl' : format]!;
      expect(Object.keys(snippet).filter((k) => !schema.top.includes(k))).toEqual([]);
      for (const dataset of snippet.datasets ?? [])
        expect(Object.keys(dataset).filter((k) => !schema.dataset!.includes(k))).toEqual([]);
      for (const [key, allowed] of Object.entries(schema.nested ?? {}))
        expect(Object.keys(snippet[key] ?? {}).filter((k) => !allowed.includes(k))).toEqual([]);
      const paths = [
        snippet.datasets?.[0]?.data_files,
        snippet.datasets?.[0]?.path === 'json' ? undefined : snippet.datasets?.[0]?.path,
        snippet.dataset_dir,
        snippet.data?.train?.data_path,
      ].filter((p) => typeof p === 'string');
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) expect(p.startsWith('/'), p).toBe(true);
      if (format === 'axolotl') expect(r.stdout).toMatch(/rows longer than sequence_len are dropped/);
    },
  );
});

describe("axolotl's DPO transform", () => {
  it(
    'radpo check flags responses found in the template markup ("a" in <|im_start|>) and empty ones, with ' +
      'line numbers',
    async () => {
      const dir = tempDir();
      const out = join(dir, 'ax.jsonl');
      // UltraFeedback line 623 answers "a"; lines 479 and 834 have an empty response.
      expect(
        (await run(['relabel', UF1000, '--format', 'axolotl', '--identical', 'keep', '--allow-empty', '-o', out, '-q']))
          .code,
      ).toBe(0);
      const report = JSON.parse((await run(['check', out, '--chat-template', QWEN, '--json'])).stdout);
      const find = (code: string) => report.findings.find((f: { code: string }) => f.code === code);
      expect(find('axolotl_response_in_markup')).toMatchObject({ severity: 'error', count: 2, lines: [1245, 1246] });
      expect(find('axolotl_empty_response')).toMatchObject({
        severity: 'error',
        count: 4,
        lines: [957, 958, 1667, 1668],
      });
      // Other layouts get the same checks with --trainer axolotl.
      const trl = join(dir, 'trl.jsonl');
      expect((await run(['relabel', UF1000, '--identical', 'keep', '--allow-empty', '-o', trl, '-q'])).code).toBe(0);
      const plain = JSON.parse((await run(['check', trl, '--chat-template', QWEN, '--json'])).stdout);
      expect(plain.findings.find((f: { code: string }) => f.code === 'axolotl_response_in_markup')).toBeUndefined();
      const forced = JSON.parse(
        (await run(['check', trl, '--chat-template', QWEN, '--trainer', 'axolotl', '--json'])).stdout,
      );
      expect(forced.findings.find((f: { code: string }) => f.code === 'axolotl_response_in_markup').lines).toEqual([
        1245, 1246,
      ]);
    },
  );
});

describe('--placement auto', () => {
  it(
    'picks the system placement where the template accepts a system turn: no default system prompt ahead of ' +
      'the goal',
    async () => {
      const dir = tempDir();
      const out = join(dir, 'auto.jsonl');
      const r = await run([
        'relabel',
        SAMPLE,
        '--placement',
        'auto',
        '--chat-template',
        QWEN,
        '-o',
        out,
        '--log-level',
        'info',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/--placement auto: system/);
      const report = JSON.parse((await run(['check', out, '--chat-template', QWEN, '--json'])).stdout);
      expect(report.findings.find((f: { code: string }) => f.code === 'default_system_prompt')).toBeUndefined();
    },
  );
});
