/** What every command that reads pairs and writes rows is configured with. */
import type { HintWords } from '../core/hints.js';
import type { ShapeOptions } from '../core/pair.js';
import type { InputFormat, LogFormat, OutputFileFormat } from '../io/choices.js';

export const ON_ERROR_POLICIES = ['fail', 'skip'] as const;
export type OnErrorPolicy = (typeof ON_ERROR_POLICIES)[number];

/** interleave: the two copies of a pair together; concat: every first copy, then every second copy. */
export const ORDERS = ['interleave', 'concat'] as const;

/** What every command that reads rows and writes rows is configured with (runRows' part of a command's config). */
export interface RunConfig {
  inputs: string[];
  inputFormat?: InputFormat;
  /** A Hub dataset's split (--split), for inputs that name a dataset. */
  split?: string;
  output: string;
  outputFormat?: OutputFileFormat;
  /** -o DIR/: the size past which a new shard starts. */
  maxShardBytes?: number;
  /** -o DIR/: the `radpo audit --json` file whose headline figures the card shows. */
  audit?: string;
  onError: OnErrorPolicy;
  rejects?: string;
  maxErrors?: number;
  report?: string;
  /** Exit 0 even when no row is written. */
  allowEmptyOutput: boolean;
  maxLineBytes: number;
  /** Stop when more than this share of the scored pairs contradict their label (1: never). */
  maxConflictRate: number;
  quiet: boolean;
  /** json: the summary is one JSON record on stderr, as the log lines are. */
  logFormat: LogFormat;
  version: string;
  /** How the core's hints are worded for this user (the CLI's flag names: src/cli/hints.ts). */
  words: HintWords;
}

/** A command that reads preference pairs (relabel, score): the run, and where the pair's parts are. */
export interface PairRunConfig extends RunConfig {
  shape: ShapeOptions;
}
