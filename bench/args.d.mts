export const USAGE: string;
export const PARTS: string[];
export class BenchUsageError extends Error {}
export interface BenchOptions {
  help: boolean;
  mb: number;
  runs: number;
  only: string[];
  sinks: string[];
  nodeLines: string[];
  json: boolean;
  flat: boolean;
  audit: boolean;
  long: boolean;
  largeGroup: boolean;
}
export function parseBenchArgs(argv: string[]): BenchOptions;
