/**
 * LLaMA-Factory finds datasets through dataset_info.json in the dataset folder: add (or replace) this
 * file's entry, keeping the others. Written atomically like every output.
 */
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { RadpoError } from '../../core/errors.js';
import { datasetName, llamaFactoryEntry } from '../../core/trainer-config.js';
import { fileSink } from '../../io/output.js';

export async function writeDatasetInfo(output: string): Promise<void> {
  const path = join(dirname(output), 'dataset_info.json');
  let info: Record<string, unknown> = {};
  try {
    info = JSON.parse(await fsp.readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RadpoError(
        'io',
        `${path} exists but is not valid JSON (${(err as Error).message})`,
        'fix or move it; radpo adds its entry to the existing file',
      );
    }
  }
  if (info === null || typeof info !== 'object' || Array.isArray(info))
    throw new RadpoError('io', `${path} is not a JSON object`);
  info[datasetName(output)] = llamaFactoryEntry(output);
  const sink = await fileSink(path);
  await sink.write(`${JSON.stringify(info, null, 2)}\n`);
  await sink.commit();
}
