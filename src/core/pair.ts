/**
 * Input shapes: turning one record of any supported layout into a normalized preference pair
 * (prompt turns, chosen turns, rejected turns). Pure: no I/O.
 */
import { type Hint, hint } from './hints.js';
import { RadpoError, RowError, preview } from './errors.js';

/** The data does not fit any shape (exit 1: bad data; the hint names the flags that would map it). */
const shapeError = (message: string, fix: Hint) => new RadpoError('schema', message, fix);
import {
  CHOSEN_NAMES,
  isMessageList,
  pairColumnsOf,
  REJECTED_NAMES,
  type PairColumns,
  type Setting,
} from './input-layouts.js';
import { getPath, pathText, type Path } from './path.js';
import type { Preference, PreferenceRecord } from './record.js';
import { detectWinnerLayout, knownResponseColumns, probeOrientation, type WinnerSpec } from './winner.js';

export interface Message {
  role: string;
  content: unknown;
  [key: string]: unknown;
}

/** A pair with an explicit prompt. `chosen`/`rejected` are the answer turns (usually one assistant message). */
export interface Pair {
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  /** The tools the prompt offers (a JSON schema list, as JSON text: TRL and LLaMA-Factory read it so). */
  tools?: string;
}

export const SCHEMAS = [
  'conversational',
  'standard',
  'implicit-conversational',
  'implicit-string',
  'sharegpt',
] as const;
type SchemaName = (typeof SCHEMAS)[number];

export interface Shape {
  schema: SchemaName;
  prompt: Path | null; // null for implicit shapes
  chosen: Path;
  rejected: Path;
  system: Path | null;
  /** Alpaca: a column whose text follows the instruction in the prompt (`input`), and what joins them. */
  input: Path | null;
  inputJoin: string;
  /** Alpaca: earlier turns as [[user, assistant], …] (LLaMA-Factory's `history`), put before the prompt. */
  history: Path | null;
  /** A/B responses and who won: each row is oriented (orientByWinner) before its pair is read. */
  winner: WinnerSpec | null;
  /** The column of tools the prompt offers (carried into the layouts that have one). */
  tools: Path | null;
  /** Columns no output layout carries, read only at the values that need no carrying (core/input-layouts.ts). */
  settings: ReadonlyArray<Setting>;
  /**
   * The prompt strings are Human:/Assistant: transcripts ending in "Assistant:" (Nectar, hh-rlhf with an
   * explicit prompt): read as their turns, as an hh-rlhf conversation is, not as one user message.
   */
  promptTranscript: boolean;
  /** e.g. "standard (prompt/chosen/rejected strings)", for the summary. */
  description: string;
}

export interface ShapeOptions {
  schema?: SchemaName;
  prompt?: Path;
  chosen?: Path;
  rejected?: Path;
  system?: Path;
  input?: Path;
  /** Between the instruction and its input (LLaMA-Factory's alpaca join: one newline). */
  inputJoin?: string;
  /** A/B responses and a winner (else a known layout is found by its columns). */
  winner?: WinnerSpec;
  /** The A and B score columns, for a winner layout found by its columns (--score-a-col/--score-b-col). */
  winnerScores?: { a: Path; b: Path };
}

/** LLaMA-Factory's alpaca converter joins instruction and input with one newline. */
const DEFAULT_INPUT_JOIN = '\n';

const SCHEMA_TEXT: Record<SchemaName, string> = {
  conversational: 'conversational with explicit prompt (message lists)',
  standard: 'standard with explicit prompt (strings)',
  'implicit-conversational': 'implicit prompt, conversational (whole conversations in chosen/rejected)',
  'implicit-string': 'implicit prompt, strings (Human:/Assistant: transcripts)',
  sharegpt: 'LLaMA-Factory ShareGPT ranking (conversations + chosen/rejected objects)',
};

function firstPresent(record: Record<string, unknown>, names: string[]): string | undefined {
  return names.find((n) => Object.hasOwn(record, n) && record[n] !== undefined);
}

/** A scores file's response columns, by how they name their sides. */
export interface ResponseColumnPairs {
  /** chosen/rejected text columns (named with --chosen-col/--rejected-col, or the known names). */
  chosenRejected: [Path, Path] | null;
  /** A/B text columns (named with --response-a-col/--response-b-col, or a known A/B layout's). */
  ab: [Path, Path] | null;
}

/**
 * A record's response columns, each naming kept apart: a scores file that holds both (radpo score's output
 * keeps output_1/output_2 beside chosen/rejected) must pair its scores with the texts they name alike.
 */
export function responseColumnPairs(
  record: unknown,
  named: { ab: ReadonlyArray<readonly [Path, Path]>; chosenRejected: ReadonlyArray<readonly [Path, Path]> },
): ResponseColumnPairs {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return { chosenRejected: null, ab: null };
  const present = (pairs: ReadonlyArray<readonly [Path, Path]>): [Path, Path] | null => {
    const found = pairs.find(([a, b]) => getPath(record, a) !== undefined && getPath(record, b) !== undefined);
    return found ? [found[0], found[1]] : null;
  };
  const row = record as Record<string, unknown>;
  const [chosen, rejected] = [firstPresent(row, CHOSEN_NAMES), firstPresent(row, REJECTED_NAMES)];
  return {
    chosenRejected: present(named.chosenRejected) ?? (chosen && rejected ? [[chosen], [rejected]] : null),
    ab: present(named.ab) ?? knownResponseColumns(row),
  };
}

const isText = (v: unknown): v is string => typeof v === 'string';

/** LLaMA-Factory alpaca's `history`: [[user, assistant], …]. */
function isTurnPairs(value: unknown): value is Array<[string, string]> {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((t) => Array.isArray(t) && t.length === 2 && typeof t[0] === 'string' && typeof t[1] === 'string')
  );
}

/**
 * Detect the input shape from the first record, honouring explicit column flags and --schema: the winner
 * layout (A/B responses and who won, core/winner.ts), then the columns the pair layouts of the registry
 * read (core/input-layouts.ts `pairColumnsOf`), then what every pair layout may carry beside them (a
 * system column, an Alpaca input and history, tools). Throws a 'schema' RadpoError when nothing fits,
 * naming the columns it saw.
 */
export function detectShape(first: unknown, options: ShapeOptions): Shape {
  if (first === null || typeof first !== 'object' || Array.isArray(first)) {
    throw shapeError(
      `the first record is ${preview(first)}, not an object with columns`,
      'each record must be a JSON object or a CSV row with a header',
    );
  }
  const winner = winnerOf(first as Record<string, unknown>, options);
  // A/B responses with a winner: the shape is found on the row as if A won (the first row may be a tie).
  const record = (winner ? probeOrientation(first, winner) : first) as Record<string, unknown>;
  let { prompt } = options;
  if (prompt === undefined && winner?.prompt && typeof getPath(record, winner.prompt) === 'string')
    prompt = winner.prompt;
  const columns = pairColumnsOf(record, { ...options, prompt });
  const { chosen, rejected } = columns;
  if (!chosen || !rejected) {
    const keys = Object.keys(record);
    throw shapeError(
      `cannot find the chosen and rejected columns; the first record ` +
        `has ${keys.length ? `columns ${keys.join(', ')}` : 'no columns'}`,
      hint('name_pair_columns'),
    );
  }
  return completeShape(record, { ...columns, chosen, rejected }, options, winner);
}

/** The winner layout: the one named, else one found by its columns (unless the user named chosen/rejected). */
function winnerOf(first: Record<string, unknown>, options: ShapeOptions): WinnerSpec | null {
  const named = options.chosen !== undefined || options.rejected !== undefined;
  const found = options.winner ?? (named ? null : detectWinnerLayout(first));
  const { winnerScores } = options;
  if (winnerScores && !found) {
    throw shapeError(
      'scores of responses A and B are named, but no winner layout is found ' +
        `(the first record has columns ${Object.keys(first).join(', ')})`,
      hint('name_winner_columns'),
    );
  }
  return found && winnerScores && !found.scoreA ? { ...found, scoreA: winnerScores.a, scoreB: winnerScores.b } : found;
}

/** A pair layout's columns, with what any pair row may carry beside them: system, Alpaca input, history, tools. */
function completeShape(
  record: Record<string, unknown>,
  columns: PairColumns & { chosen: Path; rejected: Path },
  options: ShapeOptions,
  winner: WinnerSpec | null,
): Shape {
  const { chosen, rejected, prompt } = columns;
  const implicitByDefault = columns.schema === 'implicit-conversational' || columns.schema === 'implicit-string';
  // The optional prompt columns are read in every row by their names, not only where the first row has them:
  // LLaMA-Factory's alpaca files leave out an empty input, system or tools, so the first row need not show
  // them (`seen` says which the first row has, for the summary and the Human:/Assistant: prompt check).
  const used = new Set(
    [prompt, chosen, rejected, winner?.responseA, winner?.responseB, winner?.prompt].flatMap((p) => (p ? [p[0]!] : [])),
  );
  // A column the first row holds as something else (a history of messages, a system object) stays unread, as
  // before, and is named in the unused-columns warning: reading it would refuse every row.
  const byName = (name: string, fits: (value: unknown) => boolean) =>
    used.has(name) || !(record[name] === undefined || record[name] === null || fits(record[name])) ? undefined : [name];
  const system = options.system ?? (implicitByDefault ? undefined : byName('system', isText));
  // Alpaca (instruction + input): the input is part of the prompt; without it 982 of PandaLM's 999 rows
  // would share 169 instructions with the statement to judge gone. Read where the prompt is a string.
  const input =
    options.input ?? (prompt === undefined || system?.[0] === 'input' ? undefined : byName('input', isText));
  const history =
    prompt !== undefined && pathText(chosen) !== 'history' && system?.[0] !== 'history'
      ? (byName('history', (v) => isTurnPairs(v) || (Array.isArray(v) && v.length === 0)) ?? null)
      : null;
  const seen = {
    system: system !== undefined && (options.system !== undefined || typeof getPath(record, system) === 'string'),
    input:
      input !== undefined &&
      (options.input !== undefined ||
        (prompt !== undefined && typeof getPath(record, prompt) === 'string' && typeof record.input === 'string')),
    history: history !== null && isTurnPairs(record.history),
  };
  const schema = columns.schema ?? schemaOf(record, prompt, chosen);
  const implicit = schema === 'implicit-conversational' || schema === 'implicit-string';
  const promptTranscript =
    schema === 'standard' &&
    prompt !== undefined &&
    !seen.input &&
    !seen.history &&
    transcriptPrompt(getPath(record, prompt)) !== null;
  if (!implicit && prompt === undefined) {
    throw shapeError(
      `the ${schema} shape needs a prompt column; the first record has columns ${Object.keys(record).join(', ')}`,
      hint('name_prompt'),
    );
  }
  const shape: Omit<Shape, 'description'> = {
    schema,
    prompt: implicit ? null : (prompt ?? null),
    chosen,
    rejected,
    system: implicit ? null : (system ?? null),
    input: implicit ? null : (input ?? null),
    inputJoin: options.inputJoin ?? DEFAULT_INPUT_JOIN,
    history: implicit ? null : history,
    winner,
    settings: columns.settings ?? [],
    tools: columns.tools ?? byName('tools', (v) => isText(v) || Array.isArray(v)) ?? null,
    promptTranscript,
  };
  return { ...shape, description: describeShape(shape, columns.format ?? '', seen) };
}

/** The schema the first record's values show, where neither the user nor a layout named one. */
function schemaOf(record: Record<string, unknown>, prompt: Path | undefined, chosen: Path): SchemaName {
  const chosenValue = getPath(record, chosen);
  if (prompt !== undefined)
    return isMessageList(getPath(record, prompt)) || isMessageList(chosenValue) ? 'conversational' : 'standard';
  if (isMessageList(chosenValue)) return 'implicit-conversational';
  if (typeof chosenValue === 'string') return 'implicit-string';
  throw shapeError(
    `cannot tell the input shape: no prompt column, and "${pathText(chosen)}" is ${preview(chosenValue)}`,
    hint('name_prompt_or_shape'),
  );
}

/** e.g. "standard with explicit prompt (strings); columns prompt/chosen/rejected", for the summary. */
function describeShape(
  shape: Omit<Shape, 'description'>,
  format: string,
  seen: { system: boolean; input: boolean; history: boolean },
): string {
  const { prompt, chosen, rejected, system, input, winner } = shape;
  const implicit = prompt === null;
  const columns = implicit
    ? `${pathText(chosen)}/${pathText(rejected)}`
    : [prompt, chosen, rejected].map(pathText).join('/');
  const systemNote = seen.system && system ? `, system from ${pathText(system)}` : '';
  const inputNote = seen.input && input ? `, input from ${pathText(input)} (after the prompt)` : '';
  const historyNote = seen.history && shape.history ? ', earlier turns from history' : '';
  const transcriptNote = shape.promptTranscript ? ', prompts are Human:/Assistant: transcripts (read as turns)' : '';
  const notes = `${systemNote}${inputNote}${historyNote}${transcriptNote}`;
  return `${format}${SCHEMA_TEXT[shape.schema]}; columns ${columns}${notes}${winner ? `; ${winner.description}` : ''}`;
}

/** An optional text column (an Alpaca input, a system prompt): a string, null or missing; anything else is refused. */
function optionalText(row: unknown, path: Path, expected: string): string | null | undefined {
  const value = getPath(row, path);
  if (value === undefined || value === null || typeof value === 'string') return value;
  throw new RowError('bad_field', 'wrong type', { field: pathText(path), expected, found: preview(value) });
}

/**
 * An Alpaca prompt: the instruction, then its input (either may be blank: a blank instruction with an
 * input is a prompt). Prompts that are not strings, and rows without an input, are left as they are.
 */
function withInput(record: unknown, shape: Shape, promptValue: unknown): unknown {
  if (shape.input === null || (promptValue !== undefined && promptValue !== null && typeof promptValue !== 'string'))
    return promptValue;
  const input = optionalText(record, shape.input, 'a string (the input that follows the instruction)');
  const parts = [promptValue, input].filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  if (parts.length === 0) return typeof promptValue === 'string' ? promptValue : input;
  return parts.join(shape.inputJoin);
}

/** The row's earlier turns (Alpaca `history`), as messages. */
function historyTurns(record: unknown, shape: Shape): Message[] {
  if (shape.history === null) return [];
  const turns = getPath(record, shape.history);
  if (turns === undefined || turns === null) return [];
  if (!isTurnPairs(turns) && !(Array.isArray(turns) && turns.length === 0)) {
    throw new RowError('bad_field', 'wrong type', {
      field: pathText(shape.history),
      expected: 'earlier turns as [[user, assistant], …]',
      found: preview(turns),
    });
  }
  return (turns as Array<[string, string]>).flatMap(([user, assistant]) => [
    { role: 'user', content: user },
    { role: 'assistant', content: assistant },
  ]);
}

/** Columns that hold prompt content in some layout: one the shape does not use would be lost in silence. */
const PROMPT_CONTENT = ['input', 'context', 'history', 'system', 'tools', 'images', 'documents'];

/**
 * The columns of `record` that look like prompt content (an Alpaca input, a system prompt, tools,
 * images…) and that `shape` does not read: they are named in a warning and the report, never dropped
 * in silence.
 */
export function unusedPromptColumns(record: unknown, shape: Shape): string[] {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return [];
  const used = new Set(
    [shape.prompt, shape.chosen, shape.rejected, shape.system, shape.input, shape.history, shape.tools]
      .concat(shape.winner ? [shape.winner.responseA, shape.winner.responseB] : [])
      .flatMap((p) => (p ? [p[0]!] : [])),
  );
  const row = record as Record<string, unknown>;
  // A column that holds the very prompt read (SHP's `history`, copied to `prompt` by orientByWinner) is not lost.
  const promptValue = shape.prompt ? getPath(row, shape.prompt) : undefined;
  return PROMPT_CONTENT.filter(
    (c) => Object.hasOwn(row, c) && !used.has(c) && !isBlankValue(row[c]) && row[c] !== promptValue,
  );
}

function isBlankValue(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** detectShape, with errors naming the input they are about. */
export function detectShapeOf(source: string, first: unknown, options: ShapeOptions): Shape {
  try {
    return detectShape(first, options);
  } catch (err) {
    if (err instanceof RadpoError) throw new RadpoError(err.code, `${source}: ${err.message}`, err.hint);
    throw err;
  }
}

const SHAREGPT_ROLES: Record<string, string> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  system: 'system',
  observation: 'tool',
  function_call: 'assistant',
  tool: 'tool',
};

/** Normalize one message: `{role, content}` as is, or ShareGPT `{from, value}` mapped to roles. */
function toMessage(value: unknown, field: string): Message {
  const plain = plainMessage(value);
  if (plain !== null) return plain;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RowError('bad_field', 'a message must be an object', {
      field,
      expected: 'an object with role and content',
      found: preview(value),
    });
  }
  const m = value as Record<string, unknown>;
  if (typeof m.role === 'string' && 'content' in m) {
    // role first, then content, then anything else: the same bytes whatever order the source had
    // (Parquet from the Hub stores the struct as content, role).
    const { role, content, ...rest } = m;
    return { role, content: valueParts(content, `${field}.content`), ...rest };
  }
  if (typeof m.from === 'string' && 'value' in m) {
    const role = SHAREGPT_ROLES[m.from];
    if (!role) {
      throw new RowError('bad_field', `unknown ShareGPT role "${m.from}"`, {
        field: `${field}.from`,
        expected: Object.keys(SHAREGPT_ROLES).join('/'),
        found: JSON.stringify(m.from),
      });
    }
    const { from: _from, value: content, ...rest } = m;
    if (m.from === 'function_call') {
      const toolCalls = functionCalls(content);
      if (toolCalls) return { ...rest, role, content: '', tool_calls: toolCalls };
    }
    return { ...rest, role, content };
  }
  throw new RowError('bad_field', 'a message needs "role" and "content" (or ShareGPT "from" and "value")', {
    field,
    expected: 'an object with role and content',
    found: preview(value),
  });
}

/**
 * The common message, `{role, content}` in either order with text content and no other key, made as its
 * normal form without object rest and spread (which copy property by property, for every message of every
 * row); null for any other value, which toMessage reads in full.
 */
function plainMessage(value: unknown): Message | null {
  if (value === null || typeof value !== 'object') return null;
  let keys = 0;
  for (const key in value) {
    if ((key !== 'role' && key !== 'content') || ++keys > 2) return null;
  }
  const { role, content } = value as { role: unknown; content: unknown };
  return keys === 2 && typeof role === 'string' && typeof content === 'string' ? { role, content } : null;
}

/**
 * LLaMA-Factory v1's content parts (`[{type: "text", value}]`): text parts are the message's text, joined,
 * which every trainer layout reads (and the goal can be put into); a part of another type (reasoning, a
 * tool call, an image) is refused, naming it, rather than written in a form no trainer of radpo's layouts
 * reads. Any other content is left as it is.
 */
function valueParts(content: unknown, field: string): unknown {
  if (!Array.isArray(content) || content.length === 0) return content;
  const isPart = (p: unknown) => p !== null && typeof p === 'object' && 'type' in p && 'value' in p && !('text' in p);
  if (!content.every(isPart)) return content;
  const parts = content as Array<{ type: unknown; value: unknown }>;
  const other = parts.findIndex((p) => p.type !== 'text' || typeof p.value !== 'string');
  if (other >= 0)
    throw new RowError('bad_field', 'a content part radpo cannot write', {
      field: `${field}[${other}]`,
      expected: 'text parts ({"type": "text", "value": "…"}), read as the message\'s text',
      found: `a part of type ${preview(parts[other]!.type)}`,
      hint: 'radpo reads LLaMA-Factory v1 text parts only; remove such rows or set them aside with --on-error skip',
    });
  return parts.map((p) => p.value as string).join('');
}

/**
 * A ShareGPT function_call turn's value (`{"name", "arguments"}` as JSON text, or a list of them, as
 * LLaMA-Factory writes it) as OpenAI tool calls, the form chat templates render; null when it is not
 * one (the turn is then kept as assistant text).
 */
function functionCalls(value: unknown): Record<string, unknown>[] | null {
  if (typeof value !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  const calls = Array.isArray(parsed) ? parsed : [parsed];
  const isCall = (c: unknown): c is { name: string; arguments: unknown } =>
    c !== null && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string' && 'arguments' in c;
  if (calls.length === 0 || !calls.every(isCall)) return null;
  return calls.map((c) => ({ type: 'function', function: { name: c.name, arguments: c.arguments } }));
}

/**
 * A prompt or response column as messages, for rows that are not pairs: a string is one message of `role`, a list is
 * taken as it is.
 */
export function asMessages(value: unknown, role: string, field: string): Message[] {
  if (typeof value === 'string') return [{ role, content: value }];
  if (Array.isArray(value) && value.length > 0 && value.every((m) => m && typeof m === 'object' && !Array.isArray(m)))
    return value as Message[];
  throw new RowError(
    value === undefined ? 'missing_field' : 'bad_field',
    value === undefined ? 'the column is missing' : 'wrong type',
    {
      field,
      expected: 'a string or a list of messages',
      found: value === undefined ? 'no such column' : preview(value),
    },
  );
}

/**
 * The prompt a policy is asked (generate, eval): a string or a message list at `path`, not empty. A
 * missing column names the columns the row has, so the right one can be named (--prompt-col).
 */
export function policyPrompt(row: unknown, path: Path): Message[] {
  const field = pathText(path);
  const value = getPath(row, path);
  if (value === undefined) {
    const columns = row !== null && typeof row === 'object' && !Array.isArray(row) ? Object.keys(row) : [];
    const shown = columns.slice(0, 12).map((c) => JSON.stringify(c));
    throw new RowError('missing_field', 'the prompt column is missing', {
      field,
      expected: 'a string or a list of messages',
      found:
        columns.length === 0
          ? 'a row with no columns'
          : `the columns ${shown.join(', ')}${columns.length > 12 ? ', …' : ''}`,
      hint: hint('name_prompt'),
    });
  }
  const messages = asMessages(value, 'user', field);
  // An empty prompt asks the policy nothing: its answers would be judged against nothing.
  if (messages.every((m) => typeof m.content === 'string' && m.content.trim() === ''))
    throw new RowError('bad_field', 'the prompt is empty', {
      field,
      expected: 'a prompt with text',
      found: preview(value),
    });
  return messages;
}

/** A column as messages: a string becomes one message of `role`; a message or a list is normalized. */
function toMessages(value: unknown, field: string, role: string): Message[] {
  if (typeof value === 'string') return [{ role, content: value }];
  if (Array.isArray(value)) {
    if (value.length === 0)
      throw new RowError(role === 'assistant' ? 'empty_response' : 'bad_field', 'the message list is empty', {
        field,
        expected: 'at least one message',
        found: 'an empty list',
      });
    // The field of each message is named only when a message is not the common one (it names it in an error).
    // plainMessage is called here, not only inside toMessage: left to toMessage (too large to inline), it cost
    // relabel ~30 ms over 29,583 real rows (measured, cold, median of 7).
    const messages: Message[] = new Array(value.length);
    for (let i = 0; i < value.length; i++)
      messages[i] = plainMessage(value[i]) ?? toMessage(value[i], `${field}[${i}]`);
    return messages;
  }
  if (value !== null && typeof value === 'object') return [toMessage(value, field)];
  throw new RowError(
    value === undefined ? 'missing_field' : 'bad_field',
    value === undefined ? 'the column is missing' : 'wrong type',
    {
      field,
      expected: 'a string or a list of messages',
      found: preview(value),
      hint: value === undefined ? hint('check_column_names') : undefined,
    },
  );
}

/**
 * Split a Human:/Assistant: transcript (Anthropic hh-rlhf) into turns. The separators are
 * "\n\nHuman: " and "\n\nAssistant: "; text before the first separator is not allowed.
 */
export function parseTranscript(text: string, field: string): Message[] {
  const separator = /\n\n(Human|Assistant):[ ]?/g;
  const turns: Message[] = [];
  let match: RegExpExecArray | null;
  let last: { role: string; start: number } | null = null;
  let firstStart = -1;
  while ((match = separator.exec(text)) !== null) {
    if (firstStart < 0) firstStart = match.index;
    if (last) turns.push({ role: last.role, content: text.slice(last.start, match.index) });
    last = { role: match[1] === 'Human' ? 'user' : 'assistant', start: separator.lastIndex };
  }
  if (last) turns.push({ role: last.role, content: text.slice(last.start) });
  if (turns.length === 0 || text.slice(0, firstStart).trim() !== '') {
    throw new RowError('bad_field', 'not a Human:/Assistant: transcript', {
      field,
      expected: 'text of the form "\\n\\nHuman: …\\n\\nAssistant: …"',
      found: preview(text),
      hint: hint('plain_response_needs_prompt'),
    });
  }
  return turns;
}

/**
 * A prompt string that is a whole Human:/Assistant: transcript waiting for the answer ("\n\nHuman: …
 * \n\nAssistant:", Nectar's prompts): its turns without the empty last one, or null for any other text.
 */
export function transcriptPrompt(value: unknown): Message[] | null {
  if (typeof value !== 'string' || !value.startsWith('\n\nHuman:') || !/\n\nAssistant:\s*$/.test(value)) return null;
  let turns: Message[];
  try {
    turns = parseTranscript(value, 'prompt');
  } catch {
    return null;
  }
  const last = turns[turns.length - 1]!;
  if (turns.length < 2 || last.role !== 'assistant' || (last.content as string).trim() !== '') return null;
  return turns.slice(0, -1);
}

/** Split a whole conversation at its last assistant message: [prompt turns, answer turns]. */
function splitAtLastAnswer(conversation: Message[], field: string): [Message[], Message[]] {
  let index = -1;
  for (let i = conversation.length - 1; i >= 0; i--) {
    if (conversation[i]!.role === 'assistant') {
      index = i;
      break;
    }
  }
  if (index < 0) {
    throw new RowError('missing_field', 'the conversation has no assistant message to use as the response', {
      field,
      expected: 'a conversation ending in an assistant message',
      found: `roles ${JSON.stringify(conversation.map((m) => m.role))}`,
    });
  }
  return [conversation.slice(0, index), conversation.slice(index)];
}

function sameJson(a: unknown, b: unknown): boolean {
  // The common case, two plain {role, content} messages, compared without serializing them.
  if (isPlainMessage(a) && isPlainMessage(b)) return a.role === b.role && a.content === b.content;
  return JSON.stringify(a) === JSON.stringify(b);
}

function isPlainMessage(value: unknown): value is { role: unknown; content: string } {
  if (value === null || typeof value !== 'object') return false;
  let keys = 0;
  for (const key in value) {
    if ((keys === 0 && key !== 'role') || (keys === 1 && key !== 'content') || keys > 1) return false;
    keys++;
  }
  const v = value as { role: unknown; content: unknown };
  return keys === 2 && typeof v.role === 'string' && typeof v.content === 'string';
}

function messageText(message: Message): string {
  const c = message.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    return c
      .map((part) =>
        part && typeof part === 'object'
          ? String((part as Record<string, unknown>).text ?? (part as Record<string, unknown>).value ?? '')
          : '',
      )
      .join('');
  }
  return c === null || c === undefined ? '' : JSON.stringify(c);
}

/** A response with no text and no tool call: what relabel stops on unless --allow-empty (inspect counts them). */
export function isEmptyResponse(turns: Message[]): boolean {
  return turns.every((m) => messageText(m).trim() === '' && !('tool_calls' in m));
}

function requireNonEmpty(turns: Message[], field: string): void {
  if (isEmptyResponse(turns)) {
    throw new RowError('empty_response', 'the response is empty', {
      field,
      expected: 'a non-empty response',
      found: turns.length === 1 ? preview(turns[0]!.content) : `${turns.length} empty messages`,
      hint: hint('empty_response'),
    });
  }
}

/**
 * A prompt whose user turns hold nothing (blank text, or a list of no content parts: LLaMA-Factory v1's
 * `"content": []`) asks nothing, and is refused as an empty prompt string is.
 */
function requirePromptText(prompt: Message[], field: string): void {
  const empty = (c: unknown) => (typeof c === 'string' && c.trim() === '') || (Array.isArray(c) && c.length === 0);
  // Nearly every prompt has a user turn with text: found by a loop, before any list is made.
  for (const m of prompt) if (m.role === 'user' && !empty(m.content)) return;
  const users = prompt.filter((m) => m.role === 'user');
  if (users.length === 0) return;
  throw new RowError('bad_field', 'the prompt is empty', {
    field,
    expected: 'a prompt with text',
    found: users.length === 1 ? preview(users[0]!.content) : `${users.length} empty user turns`,
  });
}

interface PairOptions {
  /** Write pairs with an empty response instead of failing them (an empty answer judged 1/10 is a real signal). */
  allowEmpty?: boolean;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string');
}

/**
 * Conversations given as lists of turns (LMSYS Arena: `prompt` holds the user turns, each response
 * column the model's answer to each of them). The pair is the last answers; both sides must answer the
 * same conversation, so their earlier answers must be equal (they rarely are in the Arena: each model
 * answered its own history, and such a row is no valid pair).
 */
function turnListPair(
  turns: string[],
  chosenValue: unknown,
  rejectedValue: unknown,
  [promptField, chosenField, rejectedField]: [string, string, string],
): Pair {
  const side = (value: unknown, field: string): string[] => {
    if (typeof value === 'string' && turns.length === 1) return [value];
    if (isStringList(value) && value.length === turns.length) return value;
    throw new RowError('bad_field', 'the answers do not match the prompt turns', {
      field,
      expected: `a list of ${turns.length} answer${turns.length === 1 ? '' : 's'}, one per turn of "${promptField}"`,
      found: preview(value),
    });
  };
  const chosen = side(chosenValue, chosenField);
  const rejected = side(rejectedValue, rejectedField);
  for (let i = 0; i < turns.length - 1; i++) {
    if (chosen[i] !== rejected[i]) {
      throw new RowError(
        'prompt_mismatch',
        `the two answer lists differ before the last turn, first at ` +
          `turn ${i}: each response continues its own conversation`,
        {
          field: `${chosenField}[${i}] vs ${rejectedField}[${i}]`,
          expected: 'the same earlier answers in both lists',
          found: `${preview(chosen[i], 40)} vs ${preview(rejected[i], 40)}`,
          hint: hint('first_turn_only'),
        },
      );
    }
  }
  const prompt: Message[] = [];
  turns.forEach((turn, i) => {
    prompt.push({ role: 'user', content: turn });
    if (i < turns.length - 1) prompt.push({ role: 'assistant', content: chosen[i]! });
  });
  return {
    prompt,
    chosen: [{ role: 'assistant', content: chosen.at(-1)! }],
    rejected: [{ role: 'assistant', content: rejected.at(-1)! }],
  };
}

/** Every pair a pair reader reads: its first response is the chosen one (a winner was oriented so first). */
const CHOSEN_FIRST: Preference = Object.freeze({ kind: 'pair', chosen: 0, rejected: 1 });

/**
 * Read one row of a pair layout into the canonical record according to `shape`: the prompt's messages
 * (system turn, Alpaca input and history, transcripts read as turns), the two responses (chosen first)
 * and the tools. Throws RowError. The row's id and source are the caller's to set.
 */
export function readPair(row: unknown, shape: Shape, options: PairOptions = {}): PreferenceRecord<Message[]> {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw new RowError('bad_field', 'the record is not an object', {
      expected: 'an object with columns',
      found: preview(row),
    });
  }
  const sides: Sides = {
    chosen: getPath(row, shape.chosen),
    rejected: getPath(row, shape.rejected),
    chosenField: pathText(shape.chosen),
    rejectedField: pathText(shape.rejected),
  };
  for (const side of ['chosen', 'rejected'] as const) {
    const value = sides[side];
    const field = side === 'chosen' ? sides.chosenField : sides.rejectedField;
    if (value === undefined || value === null) {
      throw new RowError('missing_field', 'the column is missing', {
        field,
        expected: 'a response',
        found: value === null ? 'null' : 'no such column',
      });
    }
  }
  const { pair, turnList } =
    shape.prompt === null ? { pair: implicitPair(sides, shape), turnList: false } : explicitPair(row, shape, sides);
  requirePromptText(pair.prompt, shape.prompt === null ? sides.chosenField : pathText(shape.prompt));
  if (!options.allowEmpty) {
    requireNonEmpty(pair.chosen, sides.chosenField);
    requireNonEmpty(pair.rejected, sides.rejectedField);
  }
  // LMSYS Arena's turn lists carry no tools column the pair would keep.
  const tools = turnList ? undefined : toolsOf(row, shape);
  for (const setting of shape.settings) requireCarried(row, setting);
  return {
    prompt: pair.prompt,
    responses: [{ content: pair.chosen }, { content: pair.rejected }],
    preference: CHOSEN_FIRST,
    ...(tools === undefined ? {} : { tools }),
    id: null,
    source: null,
  };
}

/** A pair reader's record as its chosen/rejected pair (what relabel, the judge stage, audit and inspect use). */
export function pairOf(record: PreferenceRecord<Message[]>): Pair {
  const { preference, responses } = record;
  if (preference.kind !== 'pair') throw new Error(`a ${preference.kind} is no pair: pick its pairs first`);
  const pair: Pair = {
    prompt: record.prompt,
    chosen: responses[preference.chosen]!.content,
    rejected: responses[preference.rejected]!.content,
  };
  return record.tools === undefined ? pair : { ...pair, tools: record.tools };
}

/** A row's two response values and the fields they came from. */
interface Sides {
  chosen: unknown;
  rejected: unknown;
  chosenField: string;
  rejectedField: string;
}

/** Whole conversations in chosen and rejected (implicit prompt): the prompt is the turns both share. */
function implicitPair(sides: Sides, shape: Shape): Pair {
  const { chosenField, rejectedField } = sides;
  const toConversation = (value: unknown, field: string): Message[] =>
    shape.schema === 'implicit-string' && typeof value === 'string'
      ? parseTranscript(value, field)
      : toMessages(value, field, 'user');
  const [promptC, answerC] = splitAtLastAnswer(toConversation(sides.chosen, chosenField), chosenField);
  const [promptR, answerR] = splitAtLastAnswer(toConversation(sides.rejected, rejectedField), rejectedField);
  const n = Math.max(promptC.length, promptR.length);
  for (let i = 0; i < n; i++) {
    if (!sameJson(promptC[i], promptR[i])) {
      throw new RowError('prompt_mismatch', `chosen and rejected differ before the response, first at turn ${i}`, {
        field: `${chosenField}[${i}] vs ${rejectedField}[${i}]`,
        expected: 'the same prompt turns in both conversations',
        found: `${preview(promptC[i]?.content, 40)} vs ${preview(promptR[i]?.content, 40)}`,
        hint: 'the two responses must answer the same conversation; fix or remove the row',
      });
    }
  }
  if (promptC.length === 0) {
    throw new RowError('missing_field', 'the conversation has no prompt turns before the response', {
      field: chosenField,
      expected: 'a user turn before the assistant response',
      found: 'only the response',
    });
  }
  return { prompt: promptC, chosen: answerC, rejected: answerR };
}

/** A prompt column beside the two responses: the prompt with its history, Alpaca input and system turn. */
function explicitPair(row: object, shape: Shape, sides: Sides): { pair: Pair; turnList: boolean } {
  const promptPath = shape.prompt!;
  const promptField = pathText(promptPath);
  const promptValue = withInput(row, shape, getPath(row, promptPath));
  if (promptValue === undefined || promptValue === null) {
    throw new RowError('missing_field', 'the column is missing', {
      field: promptField,
      expected: 'a prompt',
      found: promptValue === null ? 'null' : 'no such column',
      hint: hint('check_prompt_column'),
    });
  }
  if (typeof promptValue === 'string' && promptValue.trim() === '') {
    throw new RowError('bad_field', 'the prompt is empty', {
      field: promptField,
      expected: 'a non-empty prompt',
      found: preview(promptValue),
    });
  }
  if (isStringList(promptValue)) {
    const fields: [string, string, string] = [promptField, sides.chosenField, sides.rejectedField];
    return { pair: turnListPair(promptValue, sides.chosen, sides.rejected, fields), turnList: true };
  }
  const prompt = [...historyTurns(row, shape), ...promptMessages(promptValue, promptField, shape)];
  withSystem(row, shape, prompt);
  const pair = {
    prompt,
    chosen: answerTurns(prompt, toMessages(sides.chosen, sides.chosenField, 'assistant'), sides.chosenField),
    rejected: answerTurns(prompt, toMessages(sides.rejected, sides.rejectedField, 'assistant'), sides.rejectedField),
  };
  return { pair, turnList: false };
}

/**
 * A response beside a prompt column is the answer only. A whole conversation there (a row written as
 * ultrafeedback_binarized is, in a file whose first row had strings) is read as its answer when the turns
 * before it are the prompt's, with or without the system turn; other turns are refused, naming the row:
 * written as they are, the user's turn would be trained as part of the answer.
 */
function answerTurns(prompt: Message[], turns: Message[], field: string): Message[] {
  if (!turns.some((m) => m.role === 'user' || m.role === 'system')) return turns;
  const [before, answer] = splitAtLastAnswer(turns, field);
  const withoutSystem = prompt[0]?.role === 'system' && before[0]?.role !== 'system' ? prompt.slice(1) : prompt;
  const same = before.length === withoutSystem.length && before.every((m, i) => sameJson(m, withoutSystem[i]));
  if (same && !answer.some((m) => m.role === 'user' || m.role === 'system')) return answer;
  throw new RowError('prompt_mismatch', 'the response holds other turns than the prompt and its answer', {
    field,
    expected: "the answer only, or the prompt's turns followed by the answer",
    found: `roles ${JSON.stringify(turns.map((m) => m.role))}`,
    hint: hint('fix_value_or_set_aside'),
  });
}

/** The row's system prompt (a non-blank string), put first unless the prompt already opens with one. */
function withSystem(row: object, shape: Shape, prompt: Message[]): void {
  if (shape.system === null) return;
  const systemValue = optionalText(row, shape.system, 'a string');
  if (typeof systemValue === 'string' && systemValue.trim() !== '' && prompt[0]?.role !== 'system') {
    prompt.unshift({ role: 'system', content: systemValue });
  }
}

/** The prompt's messages: a transcript's turns where the file's prompts are transcripts, else the value's. */
function promptMessages(value: unknown, field: string, shape: Shape): Message[] {
  if (!shape.promptTranscript || typeof value !== 'string') return toMessages(value, field, 'user');
  const turns = transcriptPrompt(value);
  if (turns === null) {
    throw new RowError('bad_field', 'not a Human:/Assistant: transcript ending in "Assistant:"', {
      field,
      expected: 'text of the form "\\n\\nHuman: …\\n\\nAssistant:", as the first row\'s prompt is',
      found: preview(value),
      hint: 'every prompt of a file is read the same way; fix the row or remove it',
    });
  }
  return turns;
}

/** The row's tools as JSON text (a list is written as JSON; an empty or blank value is none). */
function toolsOf(record: unknown, shape: Shape): string | undefined {
  if (shape.tools === null) return undefined;
  const value = getPath(record, shape.tools);
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  // A long value from the byte-level fast path stands for raw bytes (a NUL marks it): checked there.
  if (typeof value === 'string' && value.includes('\u0000')) return value;
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
    } catch {
      throw new RowError('bad_field', 'the tools are not JSON', {
        field: pathText(shape.tools),
        expected: 'a JSON list of tool schemas',
        found: preview(value),
      });
    }
    return value;
  }
  if (Array.isArray(value)) return value.length === 0 ? undefined : JSON.stringify(value);
  throw new RowError('bad_field', 'wrong type', {
    field: pathText(shape.tools),
    expected: 'a list of tool schemas (or its JSON text)',
    found: preview(value),
  });
}

/** A setting at a value no output layout writes (OpenAI's parallel_tool_calls: false) refuses the row, naming it. */
function requireCarried(row: object, setting: Setting): void {
  const value = getPath(row, setting.path);
  if (value === undefined || value === null || setting.carried.includes(value as never)) return;
  throw new RowError('bad_field', 'a setting the output cannot carry', {
    field: pathText(setting.path),
    expected: setting.expected,
    found: preview(value),
    hint: hint('fix_value_or_set_aside'),
  });
}

/** True when the two responses are the same text: such pairs carry no preference and break prompt extraction. */
export function identicalResponses(pair: Pair): boolean {
  const { chosen, rejected } = pair;
  if (chosen.length !== rejected.length) return false;
  // Nearly every pair differs in its (last) content string; compare that before serializing anything.
  for (let i = chosen.length - 1; i >= 0; i--) {
    const a = chosen[i]!.content;
    const b = rejected[i]!.content;
    if (typeof a === 'string' && typeof b === 'string' && a !== b) return false;
  }
  return sameJson(chosen, rejected);
}
