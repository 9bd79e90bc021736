/**
 * The registry of output layouts, one entry per trainer family: how a relabeled copy is written, how a row
 * of it is read back (radpo check, the already-relabeled test), the trainer config that loads it
 * (`--print-config`), and the files its trainer loads. relabel, check and the trainer snippet read it; a
 * new trainer layout is one entry (its row writer beside the others in core/layouts.ts). Pure.
 */
import {
  type LayoutRow,
  type OutputFormat,
  readAxolotlRow,
  readMessagesRow,
  readNemoRow,
  readTextRow,
  type RowOrigin,
  toAxolotlRow,
  toHandbookRow,
  toLlamaFactoryRow,
  toNemoRow,
  toTextRow,
  toTrlRow,
} from './layouts.js';
import type { Shape } from './pair.js';
import type { ScoreColumns } from './scores.js';
import type { RelabeledPair } from './relabel.js';
import { datasetName, llamaFactoryEntry } from './trainer-config.js';

/** The file formats radpo writes. */
type FileFormat = 'jsonl' | 'json' | 'csv' | 'parquet';

/** What writing one copy may need besides the copy: the goal's attributes, the origin, the source row. */
interface WriteContext {
  attributes: readonly string[] | null;
  origin: RowOrigin;
  /** The source row and its shape (the handbook keeps the row's other columns). */
  source: unknown;
  shape: Shape;
  /** Where the row's scores were read from, if from its columns (the handbook leaves those columns behind). */
  scoreColumns: ScoreColumns | null;
}

interface LayoutSpec {
  write(copy: RelabeledPair, context: WriteContext): Record<string, unknown>;
  /** This layout's reading of a row radpo wrote, or null when the row is not in it. */
  read(row: Record<string, unknown>, source: string): LayoutRow | null;
  /** What to paste into the trainer's config to train on `path` (absolute). */
  snippet(path: string, maxLength: number): string;
  /** Why the trainer cannot load this layout from such a file, or null. */
  unloadable(fileFormat: FileFormat, gzipped: boolean): string | null;
}

const yamlString = (s: string) => JSON.stringify(s);

/**
 * No trainer reads message lists from CSV cells (LLaMA-Factory fails on the JSON text, axolotl takes it
 * as one message), so only the text layout, all plain strings, goes to CSV.
 */
function messagesInCsv(format: OutputFormat, fileFormat: FileFormat): string | null {
  return fileFormat === 'csv'
    ? `the ${format} layout writes message lists, and no trainer reads those from CSV cells ` +
        `(LLaMA-Factory fails on the JSON text, axolotl takes it as one message)`
    : null;
}

/** TRL's DPOTrainer (and Unsloth, OpenRLHF, which read TRL's columns). */
function trlSnippet(format: 'trl' | 'handbook' | 'text', path: string, maxLength: number): string {
  return [
    `# TRL: trl dpo --config dpo.yaml   (or: load_dataset("json", data_files=${yamlString(path)}, split="train"))`,
    `# Also read as is by Unsloth (TRL's DPOTrainer) and OpenRLHF:`,
    `#   --data.dataset ${path} --data.prompt_key prompt --data.chosen_key chosen --data.rejected_key ` +
      `rejected${format === 'text' ? '' : ' --data.apply_chat_template'}`,
    `max_length: ${maxLength}`,
    `datasets:`,
    `  - path: json`,
    `    data_files: ${yamlString(path)}`,
    `    split: train`,
    `    columns: [${format === 'handbook' ? 'chosen, rejected' : 'prompt, chosen, rejected'}]`,
    '',
  ].join('\n');
}

export const OUTPUT_LAYOUTS: Record<OutputFormat, LayoutSpec> = {
  trl: {
    write: (copy, c) => toTrlRow(copy, c.attributes, c.origin),
    read: readMessagesRow,
    snippet: (path, maxLength) => trlSnippet('trl', path, maxLength),
    unloadable: (fileFormat) => messagesInCsv('trl', fileFormat),
  },
  handbook: {
    write: (copy, c) =>
      toHandbookRow(copy, c.attributes, c.origin, c.source as Record<string, unknown>, c.shape, [
        ...(c.scoreColumns?.chosen ?? []),
        ...(c.scoreColumns?.rejected ?? []),
      ]),
    read: readMessagesRow,
    snippet: (path, maxLength) => trlSnippet('handbook', path, maxLength),
    unloadable: (fileFormat) => messagesInCsv('handbook', fileFormat),
  },
  llamafactory: {
    write: (copy, c) => toLlamaFactoryRow(copy, c.attributes, c.origin),
    read: readMessagesRow,
    snippet: (path, maxLength) =>
      [
        `# LLaMA-Factory: radpo wrote the entry below into dataset_info.json next to ${path}.`,
        `# In your training YAML:`,
        `stage: dpo`,
        `dataset_dir: ${yamlString(path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.')}`,
        `dataset: ${datasetName(path)}`,
        `cutoff_len: ${maxLength}`,
        `# dataset_info.json entry:`,
        ...JSON.stringify({ [datasetName(path)]: llamaFactoryEntry(path) }, null, 2)
          .split('\n')
          .map((l) => `#   ${l}`),
        '',
      ].join('\n'),
    // LLaMA-Factory's loader accepts arrow, csv, json, jsonl, parquet and txt ("Allowed file types: …").
    unloadable: (fileFormat, gzipped) =>
      messagesInCsv('llamafactory', fileFormat) ??
      (gzipped
        ? 'LLaMA-Factory does not load .gz files (its loader takes arrow, csv, json, jsonl, parquet and txt)'
        : null),
  },
  axolotl: {
    write: (copy) => toAxolotlRow(copy),
    read: readAxolotlRow,
    // axolotl's DPO dataset schema has no ds_type: the loader takes the type from the file name.
    snippet: (path, maxLength) =>
      [
        `rl: dpo`,
        `chat_template: tokenizer_default`,
        `# rows longer than sequence_len are dropped (excess_length_strategy: drop), both copies of a pair`,
        `# alike; radpo check --max-length ${maxLength} counts them first`,
        `sequence_len: ${maxLength}`,
        `datasets:`,
        `  - path: ${yamlString(path)}`,
        `    split: train`,
        `    type: chat_template.default`,
        `    field_messages: messages   # chosen and rejected are read from the columns of those names`,
        '',
      ].join('\n'),
    unloadable: (fileFormat) => messagesInCsv('axolotl', fileFormat),
  },
  nemo: {
    write: (copy) => toNemoRow(copy),
    read: readNemoRow,
    snippet: (path, maxLength) =>
      [
        `# NeMo RL (examples/configs/dpo.yaml): ranks are 0 (preferred under the goal) and 1`,
        `data:`,
        `  default:`,
        `    dataset_name: PreferenceDataset`,
        `  train:`,
        `    data_path: ${yamlString(path)}`,
        `  validation:`,
        `    data_path: ${yamlString(path)}   # point this at a held-out file`,
        `policy:`,
        `  max_total_sequence_length: ${maxLength}`,
        '',
      ].join('\n'),
    unloadable: (fileFormat) => messagesInCsv('nemo', fileFormat),
  },
  text: {
    write: (copy, c) => toTextRow(copy, c.attributes, c.origin),
    read: readTextRow,
    snippet: (path, maxLength) => trlSnippet('text', path, maxLength),
    unloadable: () => null,
  },
};

/**
 * Read a row of any layout radpo writes back into prompt, chosen and rejected turns: the layouts with a
 * shape of their own first (NeMo, text, axolotl), then message lists, which TRL, the handbook and
 * LLaMA-Factory rows all are once read.
 */
export function readLayoutRow(row: Record<string, unknown>, source: string): LayoutRow {
  for (const format of ['nemo', 'text', 'axolotl'] as const) {
    const read = OUTPUT_LAYOUTS[format].read(row, source);
    if (read) return read;
  }
  return readMessagesRow(row, source);
}

/** What to paste into the trainer's config to train on `path` (absolute: it works from any folder). */
export function trainerConfig(format: OutputFormat, path: string, maxLength = 1024): string {
  return OUTPUT_LAYOUTS[format].snippet(path, maxLength);
}
