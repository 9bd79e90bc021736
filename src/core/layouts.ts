/**
 * The row layouts radpo writes, one per trainer family, and the reading back of each: a relabeled pair
 * in, a plain object out; any row radpo wrote in, its prompt, answers and scores out (for check, inspect
 * and the already-relabeled test). Pure. See docs/FORMATS.md.
 */
import { hint } from './hints.js';
import { RowError } from './errors.js';
import { detectShapeOf, type Message, type Shape, pairOf, readPair } from './pair.js';
import type { Path } from './path.js';
import type { RelabeledPair } from './relabel.js';

export const OUTPUT_FORMATS = ['trl', 'handbook', 'llamafactory', 'axolotl', 'nemo', 'text'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where the row came from, so a trainer's bad row can be traced back. */
export interface RowOrigin {
  line: number;
  /** Only set when several inputs are read, so single-file output does not depend on the path given. */
  file?: string;
  /** The source row's own id (`id`, `prompt_id` or --id-col), when it has one. */
  id?: unknown;
}

/** The columns that hold scores: always written as floats, so a column has one type in every file. */
export const SCORE_COLUMNS: ReadonlySet<string> = new Set([
  'goal_score',
  'goal_scores',
  'score_chosen',
  'score_rejected',
]);

/**
 * A score key and a whole number after it (`"goal_score":9,`), or a score key and a flat object of
 * attribute scores (`"score_chosen":{"a":4}`): one pass over the row's text, in place of one pass for
 * each (the oracle test in test/core/layouts.test.ts holds the two to the same output).
 */
const SCORE_VALUE = new RegExp(
  String.raw`"(goal_score|score_chosen|score_rejected)":(-?\d+)(?=[,}])|` +
    String.raw`"(goal_scores|score_chosen|score_rejected)":\{([^{}]*)\}`,
  'g',
);

/**
 * A row's JSON with every score written as a float (`9.0`, not `9`). Hugging Face `datasets` reads JSON
 * Lines in chunks and fixes a column's type from the first: whole scores first and a `7.5` later fail
 * with "Float value 7.500000 was truncated converting to int64". The goal text keeps the paper's `9`.
 * Only keys can match: inside JSON strings a quote is always escaped.
 */
export function floatScores(json: string): string {
  return json.replace(SCORE_VALUE, (_match, key: string, whole: string, objectKey: string, body: string) =>
    key !== undefined ? `"${key}":${whole}.0` : `"${objectKey}":{${body.replace(/":(-?\d+)(?=[,}]|$)/g, '":$1.0')}}`,
  );
}

/**
 * A score as text in the same form (CSV cells): the number's JSON, with ".0" after whole digits only, as
 * floatScores writes it (1e21 stays "1e+21": "1e+21.0" would be no number at all).
 */
export function floatText(value: number): string {
  const json = JSON.stringify(value);
  return WHOLE_NUMBER.test(json) ? `${json}.0` : json;
}

function scoresValue(attributes: readonly string[] | null, values: readonly number[]): number | Record<string, number> {
  if (attributes === null) return values[0]!;
  const out: Record<string, number> = {};
  for (const [i, name] of attributes.entries()) out[name] = values[i]!;
  return out;
}

function metadata(
  pair: RelabeledPair,
  attributes: readonly string[] | null,
  origin: RowOrigin,
): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  meta[attributes === null ? 'goal_score' : 'goal_scores'] = scoresValue(attributes, pair.goalScores);
  meta.score_chosen = scoresValue(attributes, pair.scoreChosen);
  meta.score_rejected = scoresValue(attributes, pair.scoreRejected);
  meta.copy = pair.copy;
  if (origin.id !== undefined) meta.source_id = origin.id;
  if (origin.file !== undefined) meta.source_file = origin.file;
  meta.source_line = origin.line;
  return meta;
}

const WHOLE_NUMBER = /^-?\d+$/;

/** A score value's JSON as floatScores leaves it: 9 becomes 9.0, an object of attribute scores each so. */
function floatScoreJson(value: number | Record<string, number>): string {
  if (typeof value === 'number') return floatText(value);
  let out = '';
  for (const name in value) out += `${out === '' ? '' : ','}${JSON.stringify(name)}:${floatScoreJson(value[name]!)}`;
  return `{${out}}`;
}

/** Could floatScores find a score key in this JSON (a message with such a key)? Then the whole row takes it. */
const mayHoldScoreKey = (json: string) => json.includes('score_') || json.includes('goal_score');

/**
 * The two copies' TRL rows as text, byte for byte floatScores(JSON.stringify(toTrlRow(copy))): each
 * response's JSON made once for both copies, the metadata written with its floats, no object built per
 * row and no pass of regular expressions over it. Null when a part holds a score key of its own (a
 * message with a score_chosen field): the caller serializes that pair the whole way.
 */
export function trlRowTexts(
  copies: readonly [RelabeledPair, RelabeledPair],
  attributes: readonly string[] | null,
  origin: RowOrigin,
): [string, string] | null {
  const chosen = JSON.stringify(copies[0].chosen);
  const rejected = JSON.stringify(copies[0].rejected);
  if (mayHoldScoreKey(chosen) || mayHoldScoreKey(rejected)) return null;
  const sourceTail =
    (origin.id === undefined ? '' : `,"source_id":${JSON.stringify(origin.id)}`) +
    (origin.file === undefined ? '' : `,"source_file":${JSON.stringify(origin.file)}`) +
    `,"source_line":${JSON.stringify(origin.line)}}`;
  const goalKey = attributes === null ? 'goal_score' : 'goal_scores';
  const texts: string[] = [];
  for (const copy of copies) {
    const prompt = JSON.stringify(copy.prompt);
    if (mayHoldScoreKey(prompt)) return null;
    const [first, second] = copy === copies[0] ? [chosen, rejected] : [rejected, chosen];
    texts.push(
      `{"prompt":${prompt},"chosen":${first},"rejected":${second}` +
        (copy.tools === undefined ? '' : `,"tools":${JSON.stringify(copy.tools)}`) +
        `,"${goalKey}":${floatScoreJson(scoresValue(attributes, copy.goalScores))}` +
        `,"score_chosen":${floatScoreJson(scoresValue(attributes, copy.scoreChosen))}` +
        `,"score_rejected":${floatScoreJson(scoresValue(attributes, copy.scoreRejected))}` +
        `,"copy":"${copy.copy}"${sourceTail}`,
    );
  }
  return [texts[0]!, texts[1]!];
}

/** TRL conversational with explicit prompt: the layout TRL, Unsloth and OpenRLHF read. */
export function toTrlRow(
  pair: RelabeledPair,
  attributes: readonly string[] | null,
  origin: RowOrigin,
): Record<string, unknown> {
  const tools = pair.tools === undefined ? {} : { tools: pair.tools };
  return {
    prompt: pair.prompt,
    chosen: pair.chosen,
    rejected: pair.rejected,
    ...tools,
    ...metadata(pair, attributes, origin),
  };
}

/**
 * The reference's (alignment-handbook) shape: chosen and rejected are whole conversations, goal first.
 * Other input columns are kept as they were, except those that would carry the goal-less pair into a
 * trainer: the source prompt/response columns, `messages` (TRL reserved), `conversations` and `system`; and
 * the scores the input held (`scorePaths`: a `chosen-rating` column, UltraFeedback's `metadata.score_chosen`, taken
 * out of its object), which name the input's sides: in the swapped copy they would score the wrong response. The
 * row's own score_chosen/score_rejected say which response has which score.
 */
export function toHandbookRow(
  pair: RelabeledPair,
  attributes: readonly string[] | null,
  origin: RowOrigin,
  record: Record<string, unknown>,
  shape: Shape,
  scorePaths: readonly Path[] = [],
): Record<string, unknown> {
  const dropped = new Set(['prompt', 'messages', 'completion', 'label', 'conversations', 'system']);
  for (const path of [shape.prompt, shape.chosen, shape.rejected, shape.system]) if (path) dropped.add(path[0]!);
  const meta = metadata(pair, attributes, origin);
  // A score column the row writes anew (score_chosen) is overwritten where it stands, as it always was. A score
  // inside an object (UltraFeedback's metadata.score_chosen) leaves the object without it: the rest of it (the
  // label-flip study's metadata.noise) describes the row, not one of its responses.
  const trimmed = new Map<string, unknown>();
  for (const path of scorePaths) {
    const column = path[0]!;
    if (Object.hasOwn(meta, column)) continue;
    const rest = path.length > 1 ? withoutLeaf(trimmed.get(column) ?? record[column], path.slice(1)) : DROP;
    if (rest === DROP) dropped.add(column);
    else trimmed.set(column, rest);
  }
  const chosen: Message[] = [...pair.prompt, ...pair.chosen];
  const rejected: Message[] = [...pair.prompt, ...pair.rejected];
  const row: Record<string, unknown> = {};
  let placed = false;
  for (const key of Object.keys(record)) {
    if (key === shape.chosen[0] || key === 'chosen') {
      if (!placed) {
        row.chosen = chosen;
        row.rejected = rejected;
        placed = true;
      }
      continue;
    }
    if (dropped.has(key)) continue;
    // The tools as JSON text in every row, whatever the source held (TRL parses a string; a column's
    // type must not change from row to row).
    const value =
      shape.tools && key === shape.tools[0] && pair.tools !== undefined
        ? pair.tools
        : trimmed.has(key)
          ? trimmed.get(key)
          : record[key];
    // A column named __proto__ is kept like any other, as an own property: assigning it would set the
    // row's prototype instead, and the column would vanish from the output without a word.
    Object.defineProperty(row, key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (!placed) {
    row.chosen = chosen;
    row.rejected = rejected;
  }
  return Object.assign(row, meta);
}

const DROP: unique symbol = Symbol('drop the column');

/**
 * An object column without the leaf at `path` (copied, the input untouched), or DROP when nothing else is left or
 * the path goes through something else than objects (a score in a list cannot be taken out alone).
 */
function withoutLeaf(value: unknown, path: readonly string[]): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return DROP;
  const key = path[0]!;
  if (!Object.hasOwn(value, key)) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const rest = path.length > 1 ? withoutLeaf(copy[key], path.slice(1)) : DROP;
  if (rest === DROP) delete copy[key];
  else copy[key] = rest;
  return Object.keys(copy).length === 0 ? DROP : copy;
}

function textOf(message: Message, field: string): string {
  if (typeof message.content !== 'string') {
    throw new RowError('bad_field', 'this output format needs text content', {
      field,
      expected: 'a string',
      found: Array.isArray(message.content) ? 'a list of content parts' : typeof message.content,
      hint: hint('keep_structured_content'),
    });
  }
  return message.content;
}

/** The single assistant answer a format with one response object needs. */
function singleAnswer(turns: Message[], field: string, format: string): Message {
  if (turns.length !== 1 || turns[0]!.role !== 'assistant') {
    throw new RowError('bad_field', `${format} needs one assistant message as the response`, {
      field,
      expected: 'one assistant message',
      found: `roles ${JSON.stringify(turns.map((m) => m.role))}`,
      hint: hint('multi_message_responses'),
    });
  }
  return turns[0]!;
}

const SHAREGPT_TAG: Record<string, string> = { system: 'system', user: 'human', assistant: 'gpt', tool: 'observation' };

/**
 * One message as a ShareGPT turn. An assistant turn that only calls tools is LLaMA-Factory's
 * `function_call` turn, its value the calls as `{"name", "arguments"}` JSON (a list for several).
 */
function sharegptTurn(m: Message, field: string): { from: string; value: string } {
  const calls = m.role === 'assistant' && Array.isArray(m.tool_calls) ? m.tool_calls : null;
  if (calls && calls.length > 0 && (m.content === '' || m.content === null || m.content === undefined)) {
    const named = calls.map((c: { function?: { name?: unknown; arguments?: unknown } }, k: number) => {
      if (typeof c?.function?.name !== 'string')
        throw new RowError('bad_field', 'a tool call has no function name', {
          field: `${field}.tool_calls[${k}]`,
          expected: '{"type": "function", "function": {"name", "arguments"}}',
          found: JSON.stringify(c).slice(0, 80),
        });
      return { name: c.function.name, arguments: c.function.arguments };
    });
    return { from: 'function_call', value: JSON.stringify(named.length === 1 ? named[0] : named) };
  }
  const tag = SHAREGPT_TAG[m.role];
  if (!tag)
    throw new RowError('bad_field', `LLaMA-Factory has no tag for role "${m.role}"`, {
      field: `${field}.role`,
      expected: 'system, user, assistant or tool',
      found: JSON.stringify(m.role),
    });
  return { from: tag, value: textOf(m, `${field}.content`) };
}

/**
 * LLaMA-Factory ShareGPT ranking: `conversations` ending on a human (or observation) turn,
 * `chosen`/`rejected` gpt (or function_call) objects. LLaMA-Factory skips rows whose turns do not
 * alternate human-or-observation / gpt-or-function_call after an optional leading system message, so
 * such rows are refused here, with the reason, instead of vanishing in training.
 */
export function toLlamaFactoryRow(
  pair: RelabeledPair,
  attributes: readonly string[] | null,
  origin: RowOrigin,
): Record<string, unknown> {
  const conversations = pair.prompt.map((m, i) => sharegptTurn(m, `prompt[${i}]`));
  const turns = conversations[0]?.from === 'system' ? conversations.slice(1) : conversations;
  turns.forEach((t, i) => {
    const allowed = i % 2 === 0 ? ['human', 'observation'] : ['gpt', 'function_call'];
    if (!allowed.includes(t.from)) {
      throw new RowError(
        'bad_field',
        'LLaMA-Factory needs prompt turns that alternate human/gpt and end on a human turn',
        {
          field: 'prompt',
          expected: 'system?, human, gpt, …, human (observation and function_call in the places of human and gpt)',
          found: JSON.stringify(conversations.map((c) => c.from)),
        },
      );
    }
  });
  if (turns.length % 2 === 0) {
    throw new RowError('bad_field', 'LLaMA-Factory needs the prompt to end on a human turn', {
      field: 'prompt',
      expected: 'an odd number of turns after the system message',
      found: JSON.stringify(conversations.map((c) => c.from)),
    });
  }
  const answer = (turns: Message[], field: string) =>
    sharegptTurn(singleAnswer(turns, field, 'LLaMA-Factory'), `${field}[0]`);
  return {
    conversations,
    chosen: answer(pair.chosen, 'chosen'),
    rejected: answer(pair.rejected, 'rejected'),
    ...(pair.tools === undefined ? {} : { tools: pair.tools }),
    ...metadata(pair, attributes, origin),
  };
}

/**
 * Axolotl `type: chat_template.default` for `rl: dpo`: `messages` (the prompt, system first), and the
 * responses as single message objects. No metadata columns: extra columns broke this loader (axolotl#2415).
 */
export function toAxolotlRow(pair: RelabeledPair): Record<string, unknown> {
  return {
    messages: pair.prompt,
    chosen: singleAnswer(pair.chosen, 'chosen', 'Axolotl'),
    rejected: singleAnswer(pair.rejected, 'rejected', 'Axolotl'),
  };
}

/**
 * NeMo RL PreferenceDataset: `context` and two ranked `completions`. Rank 0 is the response preferred
 * under this row's goal and rank 1 the other, also for ties (NeMo RL raises on equal ranks).
 */
export function toNemoRow(pair: RelabeledPair): Record<string, unknown> {
  return {
    context: pair.prompt,
    completions: [
      { rank: 0, completion: pair.chosen },
      { rank: 1, completion: pair.rejected },
    ],
  };
}

/**
 * Standard string format for trainers that take plain text: the goal first in the prompt string, then
 * the conversation as a Human:/Assistant: transcript ending in "\n\nAssistant:", and the responses
 * starting with a space (the hh-rlhf convention), single- and multi-turn alike.
 */
export function toTextRow(
  pair: RelabeledPair,
  attributes: readonly string[] | null,
  origin: RowOrigin,
): Record<string, unknown> {
  const system = pair.prompt[0]?.role === 'system' ? textOf(pair.prompt[0], 'prompt[0].content') : null;
  const turns = system === null ? pair.prompt : pair.prompt.slice(1);
  // Always the Human:/Assistant: transcript ending in "Assistant:", the response after a space: trainers
  // concatenate prompt and response as they are, and a prompt ending mid-sentence (or in a space) would
  // merge tokens across the join (TRL then cuts the response's first token and warns).
  const transcript = turns
    .map((m, i) => `\n\n${m.role === 'user' ? 'Human' : 'Assistant'}: ${textOf(m, `prompt[${i}].content`)}`)
    .join('');
  const prompt = `${system === null ? '' : system}${transcript}\n\nAssistant:`;
  const lead = ' ';
  const answer = (t: Message[], field: string) =>
    lead + textOf(singleAnswer(t, field, 'the text format'), `${field}[0].content`);
  return {
    prompt,
    chosen: answer(pair.chosen, 'chosen'),
    rejected: answer(pair.rejected, 'rejected'),
    ...metadata(pair, attributes, origin),
  };
}

/** A row of any layout radpo writes, read back. */
export interface LayoutRow {
  /** The layout, as far as the row's columns tell (trl, handbook and llamafactory rows look alike once read). */
  layout: 'nemo' | 'text' | 'axolotl' | 'messages';
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  /** Whole conversations whose prompts differ before the answer: the rejected side's prompt, and why. */
  otherPrompt: Message[] | null;
  mismatch: string | null;
  /** goal_score(s) and score_chosen/score_rejected as written (null where the layout keeps none). */
  goalScores: unknown;
  chosenScores: unknown;
  rejectedScores: unknown;
  copy: 'chosen_goal' | 'rejected_goal' | null;
  sourceLine: number | null;
}

/** What every layout keeps beside the turns: goal and scores as written, the copy, the source line. */
function rowMeta(row: Record<string, unknown>) {
  return {
    otherPrompt: null,
    mismatch: null,
    goalScores: row.goal_scores ?? row.goal_score ?? null,
    chosenScores: row.score_chosen ?? null,
    rejectedScores: row.score_rejected ?? null,
    copy: row.copy === 'chosen_goal' || row.copy === 'rejected_goal' ? row.copy : null,
    sourceLine: typeof row.source_line === 'number' ? row.source_line : null,
  } as const;
}

/** NeMo's context and ranked completions: rank 0 is chosen. null when the row is not one. */
export function readNemoRow(row: Record<string, unknown>): LayoutRow | null {
  if (!Array.isArray(row.context) || !Array.isArray(row.completions)) return null;
  const ranked = [...(row.completions as Array<{ rank: number; completion: Message[] }>)].sort(
    (a, b) => a.rank - b.rank,
  );
  const [chosen, rejected] = [ranked[0]?.completion ?? [], ranked[1]?.completion ?? []];
  return { ...rowMeta(row), layout: 'nemo', prompt: row.context as Message[], chosen, rejected };
}

/** --format text: the prompt string is one user message. null when the row is not one. */
export function readTextRow(row: Record<string, unknown>): LayoutRow | null {
  if (typeof row.prompt !== 'string' || typeof row.chosen !== 'string') return null;
  const text = (content: unknown): Message[] => [{ role: 'assistant', content: content as string }];
  return {
    ...rowMeta(row),
    layout: 'text',
    prompt: [{ role: 'user', content: row.prompt }],
    chosen: text(row.chosen),
    rejected: text(row.rejected),
  };
}

/** axolotl's messages with chosen and rejected message objects. null when the row is not one. */
export function readAxolotlRow(row: Record<string, unknown>, source: string): LayoutRow | null {
  const axolotl =
    Array.isArray(row.messages) && row.chosen !== null && typeof row.chosen === 'object' && !Array.isArray(row.chosen);
  return axolotl ? readMessages(row, source, 'axolotl') : null;
}

/** Message lists (TRL, the handbook, LLaMA-Factory's ShareGPT): read as any pair is. */
export function readMessagesRow(row: Record<string, unknown>, source: string): LayoutRow {
  return readMessages(row, source, 'messages');
}

function readMessages(row: Record<string, unknown>, source: string, layout: 'axolotl' | 'messages'): LayoutRow {
  const meta = rowMeta(row);
  const shape = detectShapeOf(source, row, layout === 'axolotl' ? { prompt: ['messages'] } : {});
  try {
    return { ...meta, layout, ...pairOf(readPair(row, shape, { allowEmpty: true })) };
  } catch (err) {
    if (!(err instanceof RowError) || err.reason !== 'prompt_mismatch') throw err;
    // Whole conversations whose prompts differ (the reference nosys script writes such rows): each side
    // with its own prompt, and the mismatch said.
    const split = (conversation: Message[]) => {
      const at = conversation.map((m) => m.role).lastIndexOf('assistant');
      return [conversation.slice(0, at), conversation.slice(at)] as const;
    };
    const [prompt, chosen] = split(row.chosen as Message[]);
    const [otherPrompt, rejected] = split(row.rejected as Message[]);
    return { ...meta, layout, prompt, chosen, rejected, otherPrompt, mismatch: err.message };
  }
}

/** Does this CSV header belong to a file radpo wrote (any layout)? Then its cells are read back as written. */
export function isOwnHeader(fields: readonly string[]): boolean {
  const has = (name: string) => fields.includes(name);
  return (
    (has('copy') && (has('goal_score') || has('goal_scores'))) ||
    (fields.length === 2 && has('context') && has('completions'))
  );
}
