/**
 * Opening a run's inputs, and the first pass over them that a fitted reward mapping needs (every raw
 * reward, cached as it arrives, then the mapping fitted; the second pass reads the scores from the cache).
 */
import type { Io } from '../io/io.js';
import { openRecords } from '../io/records.js';
import type { JudgeSession } from '../judge/session.js';
import { judgeStage, type JudgeStageOptions } from '../judge/stage.js';
import type { RunConfig } from './config.js';

/** A `.json` file may hold one top-level array or JSON Lines: its errors say so. */
export function isJsonFileName(name: string): boolean {
  return /\.json(\.gz)?$/i.test(name);
}

type InputConfig = Pick<RunConfig, 'inputs' | 'inputFormat' | 'maxLineBytes'>;

/** Open one input. `lazy`: JSON records keep their bytes unparsed (the relabel fast path parses them). */
export function openInput(input: string, config: InputConfig, io: Io, lazy = false) {
  return openRecords(input, io.stdin, config.inputFormat, { maxLineBytes: config.maxLineBytes, lazy, warn: io.warn });
}

/** Pass 1 of a fitted reward mapping: judge every row (into the cache) and fit. `onRows` reports progress. */
export async function fitRewardMapping(
  session: JudgeSession,
  config: InputConfig,
  stage: Omit<JudgeStageOptions, 'collectOnly'>,
  io: Io,
  onRows?: (rows: number) => void,
): Promise<void> {
  let rows = 0;
  for (const input of config.inputs) {
    const { name, records } = await openInput(input, config, io);
    for await (const batch of judgeStage(records, session, { ...stage, collectOnly: true }, isJsonFileName(name))) {
      rows += batch.length;
      onRows?.(rows);
    }
  }
  session.fit();
}
