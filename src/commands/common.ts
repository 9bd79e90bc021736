/** What every command that reads pairs and writes rows is configured with. */
import type { ShapeOptions } from '../core/pair.js';
import type { OutputFileFormat } from '../io/output.js';
import type { InputFormat } from '../io/records.js';

export interface CommonRunConfig {
  inputs: string[];
  inputFormat?: InputFormat;
  shape: ShapeOptions;
  output: string;
  outputFormat?: OutputFileFormat;
  onError: 'fail' | 'skip';
  rejects?: string;
  maxErrors?: number;
  report?: string;
  maxLineBytes: number;
  quiet: boolean;
  version: string;
}
