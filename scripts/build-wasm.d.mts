export function compileScanner(): Promise<string>;
