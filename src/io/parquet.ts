/**
 * Parquet, the Hub's own file format (e.g. HuggingFaceH4/ultrafeedback_binarized's
 * train_prefs-00000-of-00001.parquet): read with hyparquet, a slice of rows at a time so memory is
 * bounded by one slice, nested list/struct columns (message lists) decoded; written with
 * hyparquet-writer, one row group at a time, atomically (temporary file renamed at the end).
 */
import { closeSync, fsyncSync, openSync, readSync } from 'node:fs';
import { RadpoError, type Location } from '../core/errors.js';
import type { SourceRecord } from './source-record.js';
import { openTarget, type OutputTarget } from './target.js';
import { writeAllSync } from './descriptor.js';
import { writeError } from './write-errors.js';

/** Rows decoded per read: bounded memory even when a file has one huge row group. */
const READ_SLICE_ROWS = 2000;
/** Rows per written row group (~20 MB of relabeled UltraFeedback rows). */
const WRITE_GROUP_ROWS = 1000;

/** INT64 columns decode to BigInt, which JSON cannot hold: make them numbers (exact up to 2^53). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== '__proto__') out[k] = plain(v);
    return out;
  }
  return value;
}

/** A Git LFS pointer file ("version https://git-lfs.github.com/spec/v1") saved under the data's name. */
function isLfsPointer(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(64);
    const read = readSync(fd, head, 0, 64, 0);
    closeSync(fd);
    return head.toString('utf8', 0, read).startsWith('version https://git-lfs.github.com/spec/');
  } catch {
    return false;
  }
}

type FileMetadata = Awaited<ReturnType<typeof import('hyparquet')['parquetMetadataAsync']>>;

/**
 * A footer's row counts are checked against each other and the columns before a row is read: a lying
 * count would skip rows in silence (too small, negative) or loop for ever (huge). Each row group's
 * count must be a whole number, the groups must add up to the file's, every flat top-level column must
 * hold exactly that many values, and every column chunk must lie inside the file.
 */
function checkRowCounts(path: string, metadata: FileMetadata, fileSize: number): void {
  const lie = (group: number, what: string) =>
    new RadpoError(
      'data',
      `${path}: row group ${group + 1} ${what}`,
      'the file is damaged or was written wrongly; write it again',
    );
  let total = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const rows = Number(group.num_rows);
    if (!Number.isSafeInteger(rows) || rows < 0) throw lie(g, `says it holds ${String(group.num_rows)} rows`);
    total += rows;
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta) continue;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const size = Number(meta.total_compressed_size);
      if (!(start >= 0 && size >= 0 && start + size <= fileSize))
        throw lie(
          g,
          `places column ${meta.path_in_schema.join('.')} outside the file (${start}+${size} of ${fileSize} bytes)`,
        );
      const flat =
        meta.path_in_schema.length === 1 && topLevelRepetition(metadata, meta.path_in_schema[0]!) !== 'REPEATED';
      if (flat && Number(meta.num_values) !== rows)
        throw lie(
          g,
          `says it holds ${rows}` +
            ` rows, but its column ${meta.path_in_schema[0]} holds ${String(meta.num_values)} values`,
        );
    }
  }
  if (total !== Number(metadata.num_rows))
    throw new RadpoError(
      'data',
      `${path}: the row groups hold ${total} rows, the footer says ${String(metadata.num_rows)}`,
      'the file is damaged or was written wrongly; write it again',
    );
}

/** The repetition of a top-level column (REQUIRED, OPTIONAL or REPEATED). */
function topLevelRepetition(metadata: FileMetadata, name: string): string | undefined {
  const root = metadata.schema[0];
  let at = 1;
  for (let child = 0; child < (root?.num_children ?? 0) && at < metadata.schema.length; child++) {
    const element = metadata.schema[at]!;
    if (element.name === name) return element.repetition_type;
    at = skipElement(metadata, at);
  }
  return undefined;
}

/** The index after a schema element and all its descendants. */
function skipElement(metadata: FileMetadata, at: number): number {
  let next = at + 1;
  for (let child = 0; child < (metadata.schema[at]?.num_children ?? 0); child++) next = skipElement(metadata, next);
  return next;
}

export async function* readParquet(path: string): AsyncGenerator<SourceRecord[]> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new RadpoError('io', `${path}: no such file`, 'check the path');
    if (isLfsPointer(path))
      throw new RadpoError(
        'data',
        `${path} is a Git LFS pointer, not the Parquet file itself (the clone did not fetch the LFS content)`,
        'run git lfs pull in that repository (or download the file itself), then run radpo again',
      );
    throw new RadpoError('data', `${path}: not a readable Parquet file (${e.message})`);
  }
  checkRowCounts(path, metadata, file.byteLength);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = rowStart + Number(group.num_rows);
    for (let start = rowStart; start < groupEnd; start += READ_SLICE_ROWS) {
      const end = Math.min(groupEnd, start + READ_SLICE_ROWS);
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end, compressors });
      } catch (err) {
        throw new RadpoError('data', `${path}: rows ${start + 1}-${end} cannot be decoded (${(err as Error).message})`);
      }
      if (rows.length !== end - start)
        throw new RadpoError(
          'data',
          `${path}: rows ${start + 1}-${end} decoded as ${rows.length}` +
            ` rows: the file's row counts do not match its data`,
          'the file is damaged or was written wrongly; write it again',
        );
      yield rows.map((row, i) => {
        const location: Location = { source: path, line: start + i + 1, unit: 'row' };
        const value = plain(row);
        return { value, raw: value, location };
      });
    }
    rowStart = groupEnd;
  }
}

type SchemaElement = Record<string, unknown> & { name: string };

/** A Parquet schema for a value: strings, numbers, booleans, lists and structs, all optional. */
/** Columns radpo writes that are whole numbers: INT64, as datasets and pandas expect (a line number is no double). */
const INTEGER_COLUMNS = new Set(['source_line', 'rank']);

function schemaFor(name: string, value: unknown, path: string): SchemaElement[] {
  if (typeof value === 'string')
    return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }];
  if (typeof value === 'number')
    return [
      {
        name,
        type: INTEGER_COLUMNS.has(name) && Number.isInteger(value) ? 'INT64' : 'DOUBLE',
        repetition_type: 'OPTIONAL',
      },
    ];
  if (typeof value === 'boolean') return [{ name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' }];
  if (Array.isArray(value)) {
    if (value.length === 0)
      throw new RadpoError(
        'io',
        `Parquet output: cannot tell the element type of the empty list "${path}" in the first row`,
        'write JSONL instead',
      );
    return [
      { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...schemaFor('element', value[0], `${path}[]`),
    ];
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return [
      { name, repetition_type: 'OPTIONAL', num_children: entries.length },
      ...entries.flatMap(([k, v]) => schemaFor(k, v, `${path}.${k}`)),
    ];
  }
  throw new RadpoError(
    'io',
    `Parquet output: no column type for ${value === null ? 'null' : typeof value} in "${path}" of the first row`,
    'write JSONL instead',
  );
}

/** INT64 columns take BigInt values: convert the whole numbers of the integer columns, at any depth. */
function withBigInts(value: unknown, name: string): unknown {
  if (typeof value === 'number') return INTEGER_COLUMNS.has(name) && Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map((v) => withBigInts(v, name));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withBigInts(v, k)]));
  return value;
}

/** Does `value` fit the shape the first row fixed? (Parquet files have one schema.) */
function fits(value: unknown, model: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof model !== 'object' || model === null) return typeof value === typeof model;
  if (Array.isArray(model)) return Array.isArray(value) && value.every((v) => fits(v, model[0]));
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.keys(value).every(
    (k) =>
      Object.hasOwn(model, k) && fits((value as Record<string, unknown>)[k], (model as Record<string, unknown>)[k]),
  );
}

/** Row objects to a Parquet file, written atomically. */
export class ParquetOutput {
  private rows: Record<string, unknown>[] = [];
  private model: Record<string, unknown> | null = null;
  private columns: string[] = [];
  private writer: import('hyparquet-writer').ParquetWriter | null = null;
  private closed = false;

  private written = 0;

  /** Bytes of the row groups written so far (a dataset folder starts a new shard past a size). */
  get bytesWritten(): number {
    return this.written;
  }

  private constructor(
    private readonly target: OutputTarget,
    private readonly fd: number,
    private readonly path: string,
  ) {}

  /** Bytes to the file, every one, or the run's io error naming the file and the cause. */
  private writeOut(bytes: Uint8Array): void {
    try {
      writeAllSync(this.fd, bytes);
    } catch (err) {
      throw writeError(err, this.path, this.written);
    }
    this.written += bytes.length;
  }

  /** Opens the output now (atomically replaced at commit, or a device written in place: see target.ts). */
  static async create(path: string): Promise<ParquetOutput> {
    const target = await openTarget(path);
    try {
      return new ParquetOutput(target, target.fd ?? openSync(target.path, target.flags), path);
    } catch (err) {
      await target.abort();
      throw new RadpoError('io', `cannot write ${path}: ${(err as Error).message}`, 'check the output path');
    }
  }

  async add(row: Record<string, unknown>): Promise<void> {
    if (this.model === null) {
      this.model = row;
      this.columns = Object.keys(row);
    } else if (!fits(row, this.model) || Object.keys(row).some((k) => !this.columns.includes(k))) {
      throw new RadpoError(
        'io',
        `Parquet output: a row does not fit the schema set by the first row ` +
          `(columns ${this.columns.join(', ')}; this row has ${Object.keys(row).join(', ')} or other value types)`,
        'write JSONL (-o FILE.jsonl), which allows rows of different shapes',
      );
    }
    this.rows.push(row);
    if (this.rows.length >= WRITE_GROUP_ROWS) await this.flushGroup();
  }

  private async flushGroup(): Promise<void> {
    if (this.rows.length === 0) return;
    if (this.writer === null) {
      const { ParquetWriter, ByteWriter } = await import('hyparquet-writer');
      const schema = [
        { name: 'root', num_children: this.columns.length },
        ...this.columns.flatMap((c) => schemaFor(c, this.model![c], c)),
      ];
      const bytes = new ByteWriter();
      // Each row group's bytes go to the file as soon as it is encoded.
      (bytes as unknown as { flush: () => void }).flush = () => {
        this.writeOut(new Uint8Array(bytes.buffer, 0, bytes.index));
        bytes.index = 0;
      };
      (bytes as unknown as { finish: () => void }).finish = () => (bytes as unknown as { flush: () => void }).flush();
      this.writer = new ParquetWriter({ writer: bytes, schema: schema as never, createdBy: 'radpo' });
    }
    const columnData = this.columns.map((name) => ({
      name,
      data: this.rows.map((r) => withBigInts(r[name] ?? null, name)),
    }));
    await this.writer.write({ columnData: columnData as never, rowGroupSize: this.rows.length });
    this.rows = [];
  }

  /** Every row group and the footer written, fsynced and closed (a full disk fails here, naming the file). */
  async prepare(): Promise<void> {
    try {
      await this.flushGroup();
      if (this.writer === null) {
        // No rows: a valid Parquet file still needs a schema; write an empty one with no columns.
        const { ParquetWriter, ByteWriter } = await import('hyparquet-writer');
        const bytes = new ByteWriter();
        this.writer = new ParquetWriter({
          writer: bytes,
          schema: [{ name: 'root', num_children: 0 }] as never,
          createdBy: 'radpo',
        });
        this.writer.finish();
        this.writeOut(new Uint8Array(bytes.getBuffer()));
      } else this.writer.finish();
      if (!this.target.inPlace) fsyncSync(this.fd);
      if (this.target.fd === undefined) closeSync(this.fd);
    } catch (err) {
      throw writeError(err, this.path, this.written);
    }
    this.closed = true;
  }

  async publish(): Promise<void> {
    await this.target.commit();
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.target.fd === undefined) closeSync(this.fd);
    }
    await this.target.abort();
  }
}
