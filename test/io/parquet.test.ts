/**
 * Parquet in and out, with a file whose schema matches HuggingFaceH4/ultrafeedback_binarized
 * (prompt, prompt_id, chosen/rejected/messages as list<struct<content, role>>, float64 scores),
 * generated here from real UltraFeedback rows, in several row groups.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { FIXTURES, parseJsonl, run, tempDir } from '../helpers.js';

const source = join(FIXTURES, 'ultrafeedback_binarized_shape.jsonl');
const rows = parseJsonl(readFileSync(source, 'utf8'));

const messageList = (name: string) => [
  { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'content', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'role', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
];

function ultrafeedbackParquet(path: string): void {
  const writer = new ByteWriter();
  const schema = [
    { name: 'schema', num_children: 7 },
    { name: 'prompt', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'prompt_id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ...messageList('chosen'),
    ...messageList('rejected'),
    ...messageList('messages'),
    { name: 'score_chosen', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    { name: 'score_rejected', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  ];
  const pw = new ParquetWriter({ writer, schema: schema as never });
  const column = (name: string) => ({ name, data: rows.map((r) => r[name]) });
  pw.write({
    columnData: ['prompt', 'prompt_id', 'chosen', 'rejected', 'messages', 'score_chosen', 'score_rejected'].map(
      column,
    ) as never,
    rowGroupSize: 3,
  });
  pw.finish();
  writeFileSync(path, new Uint8Array(writer.getBuffer()));
}

describe('Parquet', () => {
  const dir = tempDir();
  const input = join(dir, 'train_prefs-00000-of-00001.parquet');
  ultrafeedbackParquet(input);

  it('the generated file has several row groups and nested message lists', async () => {
    const buffer = readFileSync(input);
    const arrayBuffer = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    expect(parquetMetadata(arrayBuffer).row_groups.length).toBe(4);
    expect(await parquetReadObjects({ file: arrayBuffer })).toEqual(rows);
  });

  it('relabel reads it exactly as the same rows in JSONL', async () => {
    const fromParquet = await run(['relabel', input, '-q']);
    const fromJsonl = await run(['relabel', source, '-q']);
    expect(fromParquet.code).toBe(0);
    expect(fromParquet.stdout).toBe(fromJsonl.stdout);
    const summary = await run(['relabel', input, '-o', join(dir, 'x.jsonl')]);
    expect(summary.stderr).toMatch(/input .*\.parquet \(parquet, 10 rows\)/);
  });

  it('relabel writes Parquet that reads back as the JSONL rows', async () => {
    const out = join(dir, 'relabeled.parquet');
    const r = await run(['relabel', source, '-q', '-o', out, '--order', 'concat']);
    expect(r.code).toBe(0);
    const expected = parseJsonl((await run(['relabel', source, '-q', '--order', 'concat'])).stdout);
    const buffer = readFileSync(out);
    const back = await parquetReadObjects({
      file: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength),
    });
    expect(back.map((row) => ({ ...row, source_line: Number(row.source_line) }))).toEqual(expected);
    // And radpo reads its own Parquet back.
    const again = await run(['inspect', out, '--json']);
    expect(JSON.parse(again.stdout).rows).toBe(20);
  });

  it('Parquet output needs a file', async () => {
    const r = await run(['relabel', source, '--output-format', 'parquet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Parquet output needs -o FILE\.parquet/);
  });

  it('a file that is not Parquet is a clear error', async () => {
    const bad = join(dir, 'bad.parquet');
    writeFileSync(bad, 'not parquet at all');
    const r = await run(['relabel', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.parquet: not a readable Parquet file/);
  });
});
