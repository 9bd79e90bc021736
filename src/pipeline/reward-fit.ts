/**
 * The first pass over a run's inputs that a fitted reward mapping needs: every raw reward, cached as it
 * arrives, then the mapping fitted; the second pass reads the scores from the cache.
 */
import type { Io } from '../io/io.js';
import type { JudgeSession } from '../judge/session.js';
import { judgeStage, type JudgeStageOptions } from '../judge/stage.js';
import type { RunConfig } from './config.js';
import { isJsonFileName, openInput } from './inputs.js';

type InputConfig = Pick<RunConfig, 'inputs' | 'inputFormat' | 'maxLineBytes'>;

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
