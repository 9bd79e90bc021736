/**
 * Logging: pino, always to stderr (stdout carries data only). By default each record is rendered as
 * one human line ("radpo: warning: …"); `--log-format json` passes pino's JSON lines through for
 * log collectors.
 */
import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';
import type { LogFormat, LogLevel } from './choices.js';
import { terminalSafe } from '../core/terminal.js';
import { useColor, type Io } from './io.js';

const LABELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warning',
  50: 'error',
  60: 'fatal',
};
const COLORS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

function createLogger(io: Io, level: LogLevel, format: LogFormat, color: boolean): Logger {
  const destination =
    format === 'json'
      ? { write: (line: string) => void io.stderr.write(line) }
      : {
          write(line: string) {
            const record = JSON.parse(line) as Record<string, unknown>;
            const lvl = Number(record.level);
            const label = LABELS[lvl] ?? String(lvl);
            const extras = Object.entries(record)
              .filter(([k]) => !OMIT.has(k))
              .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
            const prefix = color && COLORS[lvl] ? `${COLORS[lvl]}${label}\x1b[0m` : label;
            const text = `${String(record.msg ?? '')}${extras.length ? ` (${extras.join(', ')})` : ''}`;
            io.stderr.write(`radpo: ${prefix}: ${printable(text)}\n`);
          },
        };
  // pino (~25 ms to load) is loaded when the first record at or above the level is logged: most runs log none.
  const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
  const threshold = level === 'silent' ? Number.POSITIVE_INFINITY : (LEVELS[level] ?? 0);
  let real: Logger | null = null;
  const load = (): Logger => {
    if (real) return real;
    const { pino } = createRequire(import.meta.url)('pino') as { pino: typeof Pino };
    real = pino(
      { level, base: undefined, timestamp: format === 'json' ? pino.stdTimeFunctions.isoTime : false },
      destination,
    );
    return real;
  };
  const quiet = () => {};
  return new Proxy({} as Logger, {
    get(_target, property) {
      const rank = typeof property === 'string' ? LEVELS[property] : undefined;
      if (rank !== undefined && rank < threshold && real === null) return quiet;
      const value = Reflect.get(load(), property) as unknown;
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });
}

/**
 * The logger of a command run from its log flags. -q silences warnings unless --log-level was raised or
 * lowered on purpose (the default, warn, becomes error); colour only on a terminal (useColor).
 */
export function runLogger(
  io: Io,
  o: { quiet: boolean; logLevel: LogLevel; logFormat: LogFormat; color?: boolean },
): Logger {
  const logger = createLogger(
    io,
    o.quiet && o.logLevel === 'warn' ? 'error' : o.logLevel,
    o.logFormat,
    useColor(io, o.color),
  );
  io.warn = (message) => logger.warn(message);
  return logger;
}

/**
 * The terminal rule for everything radpo prints on stderr that may quote data (messages, hints, warnings,
 * summaries): each line through `terminalSafe` (core/terminal.ts), so a column name or a value holding
 * `ESC]0;…BEL` or U+202E is shown escaped, never run by the terminal; radpo's own line breaks are kept.
 * JSON logs need nothing: JSON escapes every control character.
 */
export function printable(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n');
}
