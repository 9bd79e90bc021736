/**
 * The snippet that points each trainer at a relabeled file (`--print-config`), and LLaMA-Factory's
 * dataset_info.json entry. Pure: paths in, text out. See docs/FORMATS.md.
 */
import type { OutputFormat } from './layouts.js';

/** A dataset name from the file name: `out/relabeled.jsonl.gz` -> `relabeled`. */
export function datasetName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.gz$/i, '').replace(/\.(jsonl|json|csv|parquet)$/i, '') || 'radpo';
}

const LLAMAFACTORY_TAGS = {
  role_tag: 'from',
  content_tag: 'value',
  user_tag: 'human',
  assistant_tag: 'gpt',
  observation_tag: 'observation',
  function_tag: 'function_call',
  system_tag: 'system',
};

/**
 * The dataset_info.json entry for a file written with --format llamafactory. `tools` maps the rows'
 * tools column, named only when the rows have one (LLaMA-Factory reads a mapped column from every row).
 */
export function llamaFactoryEntry(fileName: string, tools = false): Record<string, unknown> {
  return {
    file_name: fileName.split(/[\\/]/).pop() ?? fileName,
    ranking: true,
    formatting: 'sharegpt',
    columns: {
      messages: 'conversations',
      chosen: 'chosen',
      rejected: 'rejected',
      ...(tools ? { tools: 'tools' } : {}),
    },
    tags: LLAMAFACTORY_TAGS,
  };
}

const yamlString = (s: string) => JSON.stringify(s);

/**
 * File types each layout's trainer loads. LLaMA-Factory's loader accepts arrow, csv, json, jsonl,
 * parquet and txt (no .gz: "Allowed file types: …"); no trainer reads message lists from CSV cells
 * (LLaMA-Factory fails on the JSON text, axolotl takes it as one message), so only the text layout, all
 * plain strings, goes to CSV.
 */
export function unloadableOutput(
  format: OutputFormat,
  fileFormat: 'jsonl' | 'json' | 'csv' | 'parquet',
  gzipped: boolean,
): string | null {
  if (fileFormat === 'csv' && format !== 'text')
    return (
      `the ${format} layout writes message lists, and no trainer reads those from CSV cells ` +
      `(LLaMA-Factory fails on the JSON text, axolotl takes it as one message)`
    );
  if (format === 'llamafactory' && gzipped)
    return 'LLaMA-Factory does not load .gz files (its loader takes arrow, csv, json, jsonl, parquet and txt)';
  return null;
}

/**
 * What to paste into the trainer's config to train on `path`. The caller passes an absolute path, so
 * the snippet works from any folder (radpo's own working folder means nothing to the trainer).
 */
export function trainerConfig(format: OutputFormat, path: string, maxLength = 1024): string {
  const name = datasetName(path);
  switch (format) {
    case 'trl':
    case 'handbook':
    case 'text':
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
    case 'llamafactory':
      return [
        `# LLaMA-Factory: radpo wrote the entry below into dataset_info.json next to ${path}.`,
        `# In your training YAML:`,
        `stage: dpo`,
        `dataset_dir: ${yamlString(path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.')}`,
        `dataset: ${name}`,
        `cutoff_len: ${maxLength}`,
        `# dataset_info.json entry:`,
        ...JSON.stringify({ [name]: llamaFactoryEntry(path) }, null, 2)
          .split('\n')
          .map((l) => `#   ${l}`),
        '',
      ].join('\n');
    case 'axolotl':
      // axolotl's DPO dataset schema has no ds_type: the loader takes the type from the file name.
      return [
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
      ].join('\n');
    case 'nemo':
      return [
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
      ].join('\n');
  }
}
