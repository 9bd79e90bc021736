/**
 * The terminal rule and the shell rule (issue 28, finding 7): data printed on a terminal cannot retitle it
 * or hide text, and a suggested command pasted into a shell runs nothing but radpo with the same words.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote, terminalSafe, jsonTerminalSafe } from '../../src/core/terminal.js';

describe('terminalSafe', () => {
  it.each([
    ['plain text', 'score_chosen', 'score_chosen'],
    ['OSC title', '\u001b]0;PWNED\u0007name', '\\x1b]0;PWNED\\x07name'],
    ['hidden text (SGR 8)', 'a\u001b[8mb', 'a\\x1b[8mb'],
    ['newline and tab', 'a\nb\tc\r', 'a\\nb\\tc\\r'],
    ['C1 CSI and DEL', 'a\u009bb\u007f', 'a\\x9bb\\x7f'],
    ['right-to-left override', 'txt.\u202eexe', 'txt.\\u202eexe'],
    ['emoji and accents kept', 'café 🎉', 'café 🎉'],
    ['a NUL byte', 'a\u0000b', 'a\\x00b'],
  ])('%s', (_name, text, expected) => {
    const safe = terminalSafe(text);
    expect(safe).toBe(expected);
    expect(safe).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('shellQuote: the word the shell reads back is the text, and nothing runs', () => {
  const names = [
    'data.jsonl',
    'my data;touch PWNED #.jsonl',
    "it's $(touch PWNED) `touch PWNED`.jsonl",
    'a\u001b]0;title\u0007b.jsonl',
    'tab\there.jsonl',
    'üñí 🎉.jsonl',
    '',
    '-',
    'back\\slash\u0007.jsonl',
    'c1\u0085.jsonl',
  ];
  it.each(names.map((n) => [JSON.stringify(n), n]))('%s', (_label, name) => {
    const quoted = shellQuote(name);
    expect(quoted).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const bash = spawnSync('bash', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8', cwd: '/' });
    expect(bash.status).toBe(0);
    expect(bash.stdout).toBe(name);
  });

  it('plain words stay unquoted and a command joins quoted words', () => {
    expect(shellQuote('data/in.jsonl')).toBe('data/in.jsonl');
    expect(shellCommand(['radpo', 'relabel', 'my data;x.jsonl', '--min-gap', '1.5'])).toBe(
      "radpo relabel 'my data;x.jsonl' --min-gap 1.5",
    );
  });
});

describe('jsonTerminalSafe', () => {
  it.each([
    ['C1 CSI', '{"msg":"a\u009bb"}', '{"msg":"a\\u009bb"}'],
    ['DEL', '{"msg":"a\u007fb"}', '{"msg":"a\\u007fb"}'],
    ['bidi override and marks', '{"msg":"\u202e\u200e\u200f"}', '{"msg":"\\u202e\\u200e\\u200f"}'],
    ['line separator', '{"msg":"a\u2028b"}', '{"msg":"a\\u2028b"}'],
    ["a line's own newline and plain text stay", '{"msg":"é ok"}\n', '{"msg":"é ok"}\n'],
  ])('%s', (_what, line, safe) => {
    expect(jsonTerminalSafe(line)).toBe(safe);
    expect(JSON.parse(jsonTerminalSafe(line))).toEqual(JSON.parse(line));
  });
});
