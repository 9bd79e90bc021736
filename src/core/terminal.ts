/**
 * Text from data on a terminal, and commands a user may paste into a shell: the two rules every command
 * prints by. A column name, a value or a file name can carry escape sequences (`ESC]0;…BEL` retitles the
 * terminal, `ESC[8m` hides what follows, U+202E reverses it); a file name can carry `;` or `$(…)`. Pure.
 */

/**
 * C0 controls, DEL, C1 controls, and the Unicode controls that reorder or hide text (bidi embeddings,
 * overrides and isolates, the line and paragraph separators).
 */
const ABOVE_C0 = '\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[\\u0000-\\u001f${ABOVE_C0}]`, 'g');
const HAS_UNSAFE = new RegExp(`[\\u0000-\\u001f${ABOVE_C0}]`);
/** What a JSON line may still carry raw (JSON escapes C0), and the left-to-right and right-to-left marks. */
const JSON_UNSAFE = new RegExp(`[${ABOVE_C0}\\u200e\\u200f]`, 'g');

const hexEscape = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };
const escapeOne = (c: string): string => NAMED[c] ?? hexEscape(c);

/**
 * `text` safe to print on a terminal: every control character written out as an escape (`\x1b`, `\n`,
 * `\u202e`), everything else as it is. A backslash is left alone: the output is for reading, not parsing.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * A JSON line (a log record) safe for a terminal: what JSON leaves raw written as `\\u` escapes, which leave
 * the line the same JSON.
 */
export function jsonTerminalSafe(line: string): string {
  return line.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Words a POSIX shell reads as themselves, unquoted. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One shell word that stands for `text` when pasted into sh, bash or zsh, and is safe to print: plain
 * words as they are; else single quotes (nothing inside is special, `'` becomes `'\''`); a word holding
 * a control character uses bash's `$'…'` with each control byte as `\xNN`, so the printed command neither
 * runs anything nor moves the cursor.
 */
export function shellQuote(text: string): string {
  if (PLAIN.test(text)) return text;
  if (!HAS_UNSAFE.test(text)) return `'${text.replace(/'/g, `'\\''`)}'`;
  // $'\x80' is the byte 0x80, not U+0080: above ASCII the code point is written (\u0080, bash 4.2+).
  const shellEscape = (c: string) =>
    c.charCodeAt(0) < 0x80 ? hexEscape(c) : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return `$'${text.replace(/[\\']/g, (c) => `\\${c}`).replace(UNSAFE, shellEscape)}'`;
}

/** A command line from its words, each quoted as `shellQuote` does. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
