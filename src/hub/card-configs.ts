/**
 * Which files hold which split, as a dataset card's YAML `configs` say it (the form the Hub and
 * `datasets.load_dataset` read: https://huggingface.co/docs/hub/datasets-manual-configuration). `data_files` may be
 * a pattern, a list of patterns (both: the split `train`), a list of `{split, path}` (path: one pattern or a list),
 * or a mapping from split to patterns.
 */
import { parse } from 'yaml';
import { RadpoError } from '../core/errors.js';

export interface CardSplit {
  config: string;
  split: string;
  paths: string[];
  /** `default: true`, or the config named `default`. */
  isDefault: boolean;
}

/** The YAML between the leading `---` lines of a README.md ('' when there is none). */
function frontMatter(text: string): string {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/.exec(text);
  return m ? m[1]! : '';
}

const strings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export function cardSplits(readme: string, repo: string): CardSplit[] {
  let meta: unknown;
  try {
    meta = parse(frontMatter(readme));
  } catch (err) {
    throw new RadpoError(
      'data',
      `the card of ${repo} (README.md) has YAML that does not parse: ${(err as Error).message}`,
      'name the files instead: hf://datasets/OWNER/NAME/PATH (a glob allowed)',
    );
  }
  const configs = (meta as { configs?: unknown } | null)?.configs;
  if (!Array.isArray(configs)) return [];
  const out: CardSplit[] = [];
  for (const c of configs as Array<Record<string, unknown>>) {
    if (!c || typeof c !== 'object') continue;
    const config = typeof c.config_name === 'string' ? c.config_name : 'default';
    const isDefault = c.default === true || config === 'default';
    const files = c.data_files;
    const add = (split: string, paths: string[]) => {
      if (paths.length > 0) out.push({ config, split, paths, isDefault });
    };
    if (typeof files === 'string' || (Array.isArray(files) && files.every((f) => typeof f === 'string')))
      add('train', strings(files));
    else if (Array.isArray(files))
      for (const f of files as Array<Record<string, unknown>>)
        add(typeof f?.split === 'string' ? f.split : 'train', strings(f?.path));
    else if (files && typeof files === 'object')
      for (const [split, paths] of Object.entries(files as Record<string, unknown>)) add(split, strings(paths));
  }
  return out;
}
