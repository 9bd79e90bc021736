/**
 * The Hub inputs a run read, kept for the dataset card of -o DIR/ (folder.ts): which dataset, the revision asked for,
 * the commit read. Apart from resolve.ts so that writing a folder loads no Hub client.
 */
import type { Io } from '../io/io.js';

export interface HubSource {
  /** The input as the run names it. */
  name: string;
  repo: string;
  /** The revision asked for (`main` when none was). */
  revision: string;
  /** The commit that was read (the Hub's X-Repo-Commit, or the cache's ref offline). */
  commit: string;
  /** The splits the input's files name (`data/train_prefs-00000-of-00003.parquet`); null for a file naming none. */
  splits: ReadonlyArray<string | null>;
}

/** By the run's Io: main() makes one per run, so two runs in one process never mix their inputs. */
const SOURCES = new WeakMap<Io, HubSource[]>();

export function rememberSource(io: Io, source: HubSource): void {
  const list = SOURCES.get(io) ?? [];
  SOURCES.set(io, list);
  list.push(source);
}

export function hubSourcesOf(io: Io): readonly HubSource[] {
  return SOURCES.get(io) ?? [];
}
