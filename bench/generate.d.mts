export function generateRows(totalBytes: number, seed?: number): Generator<string>;
