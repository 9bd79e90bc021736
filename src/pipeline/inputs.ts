/**
 * Opening a run's inputs. The reward mapping's first pass over them is in reward-fit.ts, so the commands
 * that never judge (pairs, audit, inspect) load no judge with their inputs.
 */
import { hubInput } from '../hub/resolve.js';
import type { Io } from '../io/io.js';
import { openRecords, type SourceRecord } from '../io/records.js';
import type { RunConfig } from './config.js';

/** A `.json` file may hold one top-level array or JSON Lines: its errors say so. */
export function isJsonFileName(name: string): boolean {
  return /\.json(\.gz)?$/i.test(name);
}

type InputConfig = Pick<RunConfig, 'inputs' | 'inputFormat' | 'maxLineBytes' | 'split'> & { quiet?: boolean };

/**
 * Open one input. `lazy`: JSON records keep their bytes unparsed (the relabel fast path parses them). An input
 * that names Hub data (src/hub/) is its files from the cache, read one after the other as one input.
 */
export async function openInput(input: string, config: InputConfig, io: Io, lazy = false) {
  const options = { maxLineBytes: config.maxLineBytes, lazy, warn: io.warn };
  const hub = await hubInput(input, config.split, io, config.quiet);
  if (!hub) return { ...(await openRecords(input, io.stdin, config.inputFormat, options)), parts: 1 };
  const files = hub.files;
  const opened = await openRecords(files[0]!.path, io.stdin, config.inputFormat, options);
  // Each row names the Hub file it came from (not the cache's path), so rows of several shards stay traceable.
  async function* concatenated(): AsyncGenerator<SourceRecord[]> {
    for (const [i, file] of files.entries()) {
      const records =
        i === 0 ? opened.records : (await openRecords(file.path, io.stdin, config.inputFormat, options)).records;
      for await (const batch of records) {
        for (const record of batch) record.location = { ...record.location, source: file.url };
        yield batch;
      }
    }
  }
  return { name: hub.name, format: opened.format, records: concatenated(), parts: files.length };
}
