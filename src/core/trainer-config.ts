/**
 * LLaMA-Factory's dataset_info.json entry and the dataset name a trainer's config uses (each layout's
 * snippet is its entry in core/output-layouts.ts). Pure: paths in, text out. See docs/FORMATS.md.
 */
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
