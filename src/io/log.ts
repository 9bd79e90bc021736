/**
 * Logging, always to stderr (stdout carries data only), which main() made redacting: every line passes
 * the run's Redactor. `--log-format json` is pino, through its own API: its levels, its child loggers,
 * its JSON lines (ISO time, no pid or host) written to that stderr as the destination. The default text
 * format is a small writer of its own behind the same Logger type: one human line per record
 * ("radpo: warning: …"), so a run that logs as text never loads pino (~25 ms) or renders JSON only to
 * parse it back.
 */
import { createRequire } from 'node:module';
import type { pino as Pino } from 'pino';
import type { LogFormat, LogLevel } from './choices.js';
import { jsonTerminalSafe, terminalSafe } from '../core/terminal.js';
import { useColor, type Io } from './io.js';

/** A record: a message, or fields and then a message (pino's calling convention). */
interface LogFn {
  (message: string): void;
  (fields: Record<string, unknown>, message: string): void;
}

/** What every layer logs through; pino's own logger is one (json), TextLogger the other (text). */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger whose every record also carries these fields (pino's child loggers). */
  child(bindings: Record<string, unknown>): Logger;
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** pino's level numbers, which the text format ranks by too. */
const RANKS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: Infinity };
const LABELS: Record<Level, string> = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warning', error: 'error' };
const COLORS: Partial<Record<Level, string>> = { warn: '\x1b[33m', error: '\x1b[31m' };

/** The text format: "radpo: LABEL: message (field=value, …)", each line through the terminal rule. */
class TextLogger implements Logger {
  constructor(
    private readonly io: Io,
    private readonly threshold: number,
    private readonly color: boolean,
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  readonly trace: LogFn = (a: string | Record<string, unknown>, message?: string) => this.write('trace', a, message);
  readonly debug: LogFn = (a: string | Record<string, unknown>, message?: string) => this.write('debug', a, message);
  readonly info: LogFn = (a: string | Record<string, unknown>, message?: string) => this.write('info', a, message);
  readonly warn: LogFn = (a: string | Record<string, unknown>, message?: string) => this.write('warn', a, message);
  readonly error: LogFn = (a: string | Record<string, unknown>, message?: string) => this.write('error', a, message);

  child(bindings: Record<string, unknown>): Logger {
    return new TextLogger(this.io, this.threshold, this.color, { ...this.bindings, ...bindings });
  }

  private write(level: Level, a: string | Record<string, unknown>, message?: string): void {
    if (RANKS[level] < this.threshold) return;
    const fields = { ...this.bindings, ...(typeof a === 'string' ? {} : a) };
    const text = typeof a === 'string' ? a : (message ?? '');
    // As in pino's JSON: a field whose value is undefined is left out.
    const extras = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    const label = this.color && COLORS[level] ? `${COLORS[level]}${LABELS[level]}\x1b[0m` : LABELS[level];
    this.io.stderr.write(`radpo: ${label}: ${printable(`${text}${extras.length ? ` (${extras.join(', ')})` : ''}`)}\n`);
  }
}

/** pino, its lines written to the run's (redacting) stderr; loaded only for --log-format json. */
function jsonLogger(io: Io, level: LogLevel): Logger {
  const { pino } = createRequire(import.meta.url)('pino') as { pino: typeof Pino };
  return pino(
    { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    { write: (line: string) => void io.stderr.write(jsonTerminalSafe(line)) },
  );
}

/**
 * One record in pino's JSON line shape (numeric level, ISO time, msg), for what radpo writes on stderr whatever
 * the log level (the run summary, a fatal error): a `--log-format json` reader sees no text line among the records.
 */
export function jsonRecord(level: 'info' | 'error', msg: string, fields: Record<string, unknown>): string {
  const record = { level: RANKS[level], time: new Date().toISOString(), msg, ...fields };
  return jsonTerminalSafe(`${JSON.stringify(record)}\n`);
}

/**
 * The logger of a command run from its log flags. -q silences warnings unless --log-level was given (the
 * default, warn, becomes error); colour only on a terminal (useColor).
 */
export function runLogger(
  io: Io,
  o: { quiet: boolean; logLevel?: LogLevel; logFormat: LogFormat; color?: boolean },
): Logger {
  const level = o.logLevel ?? (o.quiet ? 'error' : 'warn');
  const logger =
    o.logFormat === 'json' ? jsonLogger(io, level) : new TextLogger(io, RANKS[level], useColor(io, o.color));
  io.warn = (message) => logger.warn(message);
  return logger;
}

/** A command without log flags (inspect, audit, check): the readers' warnings as text on stderr. */
export function readerWarnings(io: Io): void {
  runLogger(io, { quiet: false, logLevel: 'warn', logFormat: 'text' });
}

/**
 * The terminal rule for everything radpo prints on stderr that may quote data (messages, hints, warnings,
 * summaries): each line through `terminalSafe` (core/terminal.ts), so a column name or a value holding
 * `ESC]0;…BEL` or U+202E is shown escaped, never run by the terminal; radpo's own line breaks are kept.
 * JSON logs: `jsonTerminalSafe` writes what JSON leaves raw (C1, bidi, separators) as \u escapes.
 */
export function printable(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n');
}
