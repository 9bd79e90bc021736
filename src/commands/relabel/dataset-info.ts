/**
 * LLaMA-Factory finds datasets through dataset_info.json in the dataset folder: add (or replace) this
 * file's entry, keeping the others. Written atomically like every output.
 */
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { RadpoError } from '../../core/errors.js';
import { datasetName, llamaFactoryEntry } from '../../core/trainer-config.js';
import type { Sink } from '../../io/output.js';

/** Written through `open` (RunOutput.file), so it commits with the rows or not at all. */
export async function writeDatasetInfo(
  output: string,
  tools: boolean,
  open: (path: string) => Promise<Sink>,
): Promise<void> {
  const path = join(dirname(output), 'dataset_info.json');
  let info: Record<string, unknown> = {};
  try {
    info = JSON.parse(await fsp.readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RadpoError(
        'data',
        `${path} exists but is not valid JSON (${(err as Error).message})`,
        'fix or move it; radpo adds its entry to the existing file',
      );
    }
  }
  if (info === null || typeof info !== 'object' || Array.isArray(info))
    throw new RadpoError(
      'data',
      `${path} is not a JSON object`,
      'fix or move it; radpo adds its entry to the existing file',
    );
  info[datasetName(output)] = llamaFactoryEntry(output, tools);
  const sink = await open(path);
  await sink.write(`${JSON.stringify(info, null, 2)}\n`);
}
