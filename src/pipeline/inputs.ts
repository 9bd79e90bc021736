/**
 * Opening a run's inputs. The reward mapping's first pass over them is in reward-fit.ts, so the commands
 * that never judge (pairs, audit, inspect) load no judge with their inputs.
 */
import type { Io } from '../io/io.js';
import { openRecords } from '../io/records.js';
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
