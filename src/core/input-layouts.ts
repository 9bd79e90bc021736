/**
 * The registry of input layouts: for each shape of preference data, how it is recognised from a record's
 * columns (with the reason, shown to the user), the column vocabulary that gives it away, and which
 * command reads it with which columns named. `radpo inspect` recognises files through it and prints the
 * command for each reading. A pair layout's entry also says which columns its rows are read by
 * (`pairColumns`): core/pair.ts's detectShape folds them over the registry and readPair reads each row
 * into the canonical record (core/record.ts) with them; A/B with a winner through core/winner.ts's presets,
 * several responses per prompt through core/response-lists.ts. A new layout is one entry here (and its
 * reader, when no existing one reads it). Pure; names no flag: the CLI words each column role
 * (`ColumnRole`) as its flag.
 */
import { judgePromptColumn } from './judge-prompt.js';
import { getPath, type Path } from './path.js';
import { winnerPresetOf } from './winner.js';

/** What a column is for, in a reading: the CLI names the flag of each. */
export type ColumnRole =
  | 'prompt'
  | 'chosen'
  | 'rejected'
  | 'responseA'
  | 'responseB'
  | 'winner'
  | 'scoreA'
  | 'scoreB'
  | 'responses'
  | 'textField'
  | 'group'
  | 'response'
  | 'score';

/**
 * The command that reads a layout: relabel (scored pairs), score (pairs or lists without scores), pairs;
 * none for data that is no pairs and that no command reads as it is (the reading's `unpaired` says more).
 */
type Command = 'relabel' | 'score' | 'pairs' | 'none';

/**
 * Data that is no pairs: what inspect counts over the whole file to say whether anything in it could be
 * paired — each row's prompt (unpaired feedback: two responses to one prompt could pair) or its model
 * (single-answer grading: two models' answers to one question could), or nothing (a format to convert).
 */
export interface Unpaired {
  count: 'prompts' | 'models' | 'nothing';
  /** The row's prompt or model as text to compare; undefined when the row has none. */
  keyOf(record: Record<string, unknown>): string | undefined;
  /** Unpaired feedback: whether the row's response was liked (true), disliked (false), or neither said. */
  liked?(record: Record<string, unknown>): boolean | undefined;
}

/** One way to read a record: the layout, why it fits, and the command with the columns to name. */
export interface Reading {
  layout: string;
  reason: string;
  command: Command;
  /** Columns to name, in the order they are printed; empty for a layout found with no flag. */
  columns: Array<[ColumnRole, string]>;
  /** The label column's values are needed to map them to A and B (a winner column not known by name). */
  winnerColumn?: string;
  /** Read with no flag at all: radpo finds this layout by itself. */
  known: boolean;
  /** Data that is no pairs (command `none`): what to count to say whether it could be paired. */
  unpaired?: Unpaired;
  /** A known layout's columns, named to pick this reading where another known one fits the record too. */
  picks?: Array<[ColumnRole, string]>;
}

/** The columns a pair layout's rows are read by (core/pair.ts readPair), as far as they are known. */
export interface PairColumns {
  schema?: 'standard' | 'conversational' | 'implicit-conversational' | 'implicit-string' | 'sharegpt';
  prompt?: Path;
  chosen?: Path;
  rejected?: Path;
  /** A format known by name, said before the shape in the summary ("OpenAI/Azure DPO fine-tuning format, "). */
  format?: string;
  /** The tools the prompt offers, where the layout keeps them elsewhere than a `tools` column. */
  tools?: Path;
  /** The layout's settings no output layout carries: a row is read only where the value needs no carrying. */
  settings?: Setting[];
}

/** A setting of a row (OpenAI's parallel_tool_calls), the values at which leaving it out loses nothing. */
export interface Setting {
  path: Path;
  carried: ReadonlyArray<string | number | boolean>;
  expected: string;
}

interface InputLayout {
  name: string;
  /** The column names (or patterns) that give the layout away, for the registry's table. */
  vocabulary: string;
  /** This layout's reading of a record (`name` is the entry's own, for the reading), or null. */
  recognise(record: Record<string, unknown>, name: string): Reading | null;
  /**
   * A pair layout's reader: from the first record (as if A won, for a winner layout), the columns its rows
   * are read by, completing `named` (the user's flags and what the entries before found) and never
   * overriding it; null (or nothing new) when the record is not this layout.
   */
  pairColumns?(record: Record<string, unknown>, named: PairColumns): PairColumns | null;
}

/** A score written as text: decimal digits only ("0x10", "0b111", "Infinity" are no score, as JSON has none). */
export const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number, or a string holding one in decimal as relabel reads a score (core/scores.ts); NaN for anything else. */
export const toNumber = (v: unknown) =>
  typeof v === 'number' ? v : typeof v === 'string' && NUMERIC.test(v.trim()) ? Number(v.trim()) : Number.NaN;

/** The fields of a list's response objects that hold the response's text, first found first. */
export const TEXT_FIELDS = ['text', 'answer', 'response', 'content', 'output', 'completion'];
/** The fields of a response object that hold its score (higher is better), first found first. */
const SCORE_FIELDS = ['score', 'rating', 'reward', 'overall_score'];

/**
 * The score field of a list's response objects: the first every object holds as a number, else the first
 * any object has (its responses without a usable score take no part); undefined for none. inspect and
 * pairs (core/response-lists.ts) both read a list through this, so the command inspect prints reads what inspect saw.
 */
export function scoreFieldOf(objects: ReadonlyArray<Record<string, unknown>>): string | undefined {
  if (objects.length === 0) return undefined;
  return (
    SCORE_FIELDS.find((f) => objects.every((o) => Number.isFinite(toNumber(o[f])))) ??
    SCORE_FIELDS.find((f) => objects.some((o) => f in o))
  );
}

const PROMPT_NAMES = ['prompt', 'question', 'instruction'];
export const CHOSEN_NAMES = ['chosen', 'response_j', 'chosen_response'];
export const REJECTED_NAMES = ['rejected', 'response_k', 'rejected_response'];

/** A non-empty list of objects: messages ({role, content} or ShareGPT's {from, value}). */
export function isMessageList(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0 && value.every(isObject);
}

/** OpenAI's (and Azure OpenAI's) DPO fine-tuning rows: {input: {messages}, preferred_output, non_preferred_output}. */
function isOpenAiDpo(record: Record<string, unknown>): boolean {
  return (
    isObject(record.input) &&
    isMessageList(record.input.messages) &&
    isMessageList(record.preferred_output) &&
    isMessageList(record.non_preferred_output)
  );
}

/**
 * The prompt column by its name, unless the responses are whole conversations: HuggingFaceH4's
 * ultrafeedback_binarized has a string `prompt` *and* conversations in chosen, and the conversation is
 * authoritative (it may hold several turns and a system message).
 */
function promptByName(record: Record<string, unknown>, named: PairColumns): Path | undefined {
  const implicit = named.schema === 'implicit-conversational' || named.schema === 'implicit-string';
  if (implicit || named.prompt !== undefined) return named.prompt;
  const candidate = firstOf(record, PROMPT_NAMES);
  const chosenValue = named.chosen === undefined ? undefined : getPath(record, named.chosen);
  const chosenIsConversation =
    isMessageList(chosenValue) &&
    chosenValue.some((m) => {
      const message = m as Record<string, unknown>;
      return message.role === 'user' || message.role === 'system' || message.from === 'human';
    });
  return candidate && !(chosenIsConversation && named.schema === undefined) ? [candidate] : undefined;
}

const isText = (v: unknown) => typeof v === 'string';
function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
const has = (record: Record<string, unknown>, name: string) =>
  Object.hasOwn(record, name) && record[name] !== undefined;
const firstOf = (record: Record<string, unknown>, names: readonly string[]) => names.find((n) => has(record, n));

/** Names of two responses side by side: output_1/output_2, response_a/response_b, completion_a/_b, answer1/2. */
const SIDE = /^(.*?(?:output|response|completion|answer|generation|text|model))[ _-]?(1|a|0)$/i;
const OTHER_SIDE: Record<string, string[]> = { '1': ['2'], a: ['b'], A: ['B'], '0': ['1'] };
/** A column that says which response won (not a score). */
const LABEL = /^(label|labels|winner|preference|preferred|choice|better|better_response(_id)?|human_label|gold)$/i;
/** A score of one side: score_1, score_a, rating_1, reward_a. */
const SIDE_SCORE = /^(.*(?:score|rating|reward)[ _-]?)(1|a|0)$/i;

/** Two response columns of one record that name their sides (output_1 and output_2), or null. */
function sideColumns(record: Record<string, unknown>): [string, string] | null {
  for (const name of Object.keys(record)) {
    const m = SIDE.exec(name);
    if (!m || !isText(record[name])) continue;
    for (const other of OTHER_SIDE[m[2]!] ?? []) {
      const separator = name.slice(m[1]!.length, name.length - m[2]!.length);
      const b = `${m[1]}${separator}${other}`;
      if (isText(record[b])) return [name, b];
    }
  }
  return null;
}

/** A column that says which response won (label, winner, preference, …), or undefined. */
export function labelColumnOf(record: Record<string, unknown>): string | undefined {
  return Object.keys(record).find((n) => LABEL.test(n) && record[n] !== undefined && !isObject(record[n]));
}

/** The A and B score columns beside two responses (score_1, score_2), or null. */
function sideScores(record: Record<string, unknown>): [string, string] | null {
  for (const name of Object.keys(record)) {
    const m = SIDE_SCORE.exec(name);
    if (!m || typeof record[name] !== 'number') continue;
    const b = `${m[1]}${OTHER_SIDE[m[2]!]?.[0]}`;
    if (typeof record[b] === 'number') return [name, b];
  }
  return null;
}

/** A column holding several responses (strings, or objects with a text field), and the text field. */
function responseList(record: Record<string, unknown>): { column: string; textField?: string; scored: boolean } | null {
  for (const [name, value] of Object.entries(record)) {
    // A judge's feedback texts, scores or model names are lists too, and no responses.
    if (!Array.isArray(value) || value.length < 2 || NOT_A_RESPONSE.test(name)) continue;
    if (value.every(isText)) {
      const scores = record.scores;
      return { column: name, scored: Array.isArray(scores) && scores.length === value.length };
    }
    if (!value.every(isObject)) continue;
    // Messages ({role, content}) are one conversation, not several responses.
    if (value.some((o) => 'role' in o || 'from' in o)) continue;
    const textField = TEXT_FIELDS.find((f) => value.every((o) => isText(o[f])));
    if (textField === undefined) continue;
    const scored = value.every((o) => typeof o.rank === 'number') || scoreFieldOf(value) !== undefined;
    // pairs reads a list the same way (core/response-lists.ts scoreFieldOf): what is printed is what runs.
    return { column: name, textField, scored };
  }
  return null;
}

/** The columns a prompt is found in. */
const promptOf = (record: Record<string, unknown>) =>
  firstOf(record, PROMPT_NAMES) ?? Object.keys(record).find((n) => PROMPT_GUESS.test(n) && isText(record[n]));

const PROMPT_GUESS = /^(prompt|question|instruction|input|query|context|messages|conversations?|history|post)$/i;
const CHOSEN_GUESS = /(chosen|preferred|better|accepted|good|winner|response_j|completion_a)/i;
const REJECTED_GUESS = /(rejected|non_preferred|worse|bad|loser|response_k|completion_b)/i;
/** Long format: the one response of a row, its score, and the id its prompt's rows share. */
const LONG_RESPONSE = /(response|answer|output|completion|generation|reply)/i;
const LONG_SCORE = new RegExp(`(${SCORE_FIELDS.join('|')})`, 'i');
const PROMPT_ID = /^(prompt_?id|question_?id|qid|pid|instruction_?id|idx|group|group_?id)$/i;
/** Columns whose name starts like a response but that hold a judge prompt, a score, a model name, an id. */
const NOT_A_RESPONSE = /(instruction|prompt|judg|feedback|score|rating|rank|model|label|id$)/i;

/**
 * What an OpenAI DPO row's input holds beside its messages: the tools (TRL's `tools` column), and
 * parallel_tool_calls — true is OpenAI's default and a chat template renders several calls anyway; false
 * is a limit no trainer layout can say.
 */
const OPENAI_EXTRAS: Pick<PairColumns, 'tools' | 'settings'> = {
  tools: ['input', 'tools'],
  settings: [
    {
      path: ['input', 'parallel_tool_calls'],
      carried: [true],
      expected: 'true or absent (no trainer layout carries a limit on parallel tool calls)',
    },
  ],
};

/** The layouts, most specific first: the first that recognises a record is the reading radpo would use. */
export const INPUT_LAYOUTS: readonly InputLayout[] = [
  {
    name: 'LLaMA-Factory ShareGPT ranking',
    vocabulary: 'conversations ([{from, value}, …]) with chosen and rejected ({from, value} each)',
    recognise: (record, name) => {
      const [chosen, rejected] = [firstOf(record, CHOSEN_NAMES), firstOf(record, REJECTED_NAMES)];
      if (!Array.isArray(record.conversations) || !chosen || !rejected) return null;
      return {
        layout: name,
        reason: `columns conversations, ${chosen} and ${rejected}`,
        command: 'relabel',
        columns: [],
        known: true,
      };
    },
    pairColumns: (record, named) =>
      named.schema === 'sharegpt' ||
      (named.schema === undefined && named.prompt === undefined && Array.isArray(record.conversations))
        ? { schema: 'sharegpt', prompt: named.prompt ?? ['conversations'] }
        : null,
  },
  {
    name: 'OpenAI/Azure DPO fine-tuning format',
    vocabulary: 'input.messages, preferred_output, non_preferred_output (message lists)',
    recognise: (record, name) =>
      isOpenAiDpo(record)
        ? {
            layout: name,
            reason: 'columns input.messages, preferred_output and non_preferred_output',
            command: 'relabel',
            columns: [],
            known: true,
          }
        : null,
    pairColumns: (record, named) => {
      const format = 'OpenAI/Azure DPO fine-tuning format, ';
      if (named.prompt === undefined && named.chosen === undefined && isOpenAiDpo(record))
        return {
          schema: named.schema ?? 'conversational',
          prompt: ['input', 'messages'],
          chosen: ['preferred_output'],
          rejected: named.rejected ?? ['non_preferred_output'],
          format,
          ...OPENAI_EXTRAS,
        };
      // Named by hand as the format names them: still the format, for the summary.
      const byHand = named.prompt?.join('.') === 'input.messages' && named.chosen?.join('.') === 'preferred_output';
      return byHand ? { format, ...OPENAI_EXTRAS } : null;
    },
  },
  {
    name: 'LLaMA-Factory v1 DPO (chosen_messages, rejected_messages)',
    vocabulary: 'chosen_messages, rejected_messages: whole conversations, content as [{type, value}] parts',
    recognise: (record, name) =>
      isMessageList(record.chosen_messages) && isMessageList(record.rejected_messages)
        ? {
            layout: name,
            reason: 'columns chosen_messages and rejected_messages (whole conversations)',
            command: 'relabel',
            columns: [],
            known: true,
            picks: [
              ['chosen', 'chosen_messages'],
              ['rejected', 'rejected_messages'],
            ],
          }
        : null,
    // Implicit prompt: the turns both conversations share before their last answer.
    pairColumns: (record, named) =>
      named.chosen === undefined &&
      named.prompt === undefined &&
      isMessageList(record.chosen_messages) &&
      isMessageList(record.rejected_messages)
        ? {
            schema: named.schema ?? 'implicit-conversational',
            chosen: ['chosen_messages'],
            rejected: named.rejected ?? ['rejected_messages'],
          }
        : null,
  },
  {
    name: 'pairs: prompt, chosen, rejected',
    vocabulary: `${PROMPT_NAMES.join('/')}, ${CHOSEN_NAMES.join('/')}, ${REJECTED_NAMES.join('/')}`,
    recognise: (record, name) => {
      const [chosen, rejected] = [firstOf(record, CHOSEN_NAMES), firstOf(record, REJECTED_NAMES)];
      if (!chosen || !rejected || Array.isArray(record.conversations)) return null;
      const prompt = firstOf(record, PROMPT_NAMES);
      return {
        layout: name,
        reason: `columns ${chosen} and ${rejected}`,
        command: 'relabel',
        columns: [],
        known: true,
        picks: [
          ...(prompt ? [['prompt', prompt] as [ColumnRole, string]] : []),
          ['chosen', chosen],
          ['rejected', rejected],
        ],
      };
    },
    // Also the names every pair layout falls back on for what it leaves unnamed (ShareGPT's chosen/rejected).
    pairColumns: (record, named) => {
      const pick = (names: readonly string[]): Path | undefined => {
        const found = firstOf(record, names);
        return found === undefined ? undefined : [found];
      };
      const columns = {
        ...named,
        chosen: named.chosen ?? pick(CHOSEN_NAMES),
        rejected: named.rejected ?? pick(REJECTED_NAMES),
      };
      return { ...columns, prompt: promptByName(record, columns) };
    },
  },
  {
    name: 'A/B responses and a winner, a known dataset',
    vocabulary:
      'alpaca_eval, Auto-J, PandaLM, PKU-SafeRLHF, SHP, HelpSteer2-Preference, LMSYS arena, Kaggle arena, ' +
      'Prometheus, FastChat MT-Bench pair judgments',
    recognise: (record, name) => {
      const preset = winnerPresetOf(record);
      if (!preset) return null;
      return {
        layout: `${name}: ${preset.name}`,
        reason: `columns ${preset.columns.join(', ')}`,
        command: 'relabel',
        columns: [],
        known: true,
      };
    },
  },
  {
    name: 'unpaired feedback (KTO): one response per row, liked or not',
    vocabulary: 'messages (the last an answer) or conversations, with a boolean label or kto_tag (LLaMA-Factory KTO)',
    recognise: (record, name) => {
      const turns = firstOf(record, ['messages', 'conversations']);
      const flag = firstOf(record, ['label', 'kto_tag']);
      if (!turns || !flag || !isMessageList(record[turns]) || typeof record[flag] !== 'boolean') return null;
      const flagColumn = flag;
      const turnsColumn = turns;
      return {
        layout: name,
        reason:
          `columns ${turns} and ${flag} (true or false): each row is one response with a thumbs up or down, ` +
          'no pair; DPO pairs need two responses to one prompt',
        command: 'none',
        columns: [],
        known: true,
        unpaired: {
          count: 'prompts',
          // The prompt is every turn before the answer: rows whose turns before it are equal answer one prompt.
          keyOf: (r) => (isMessageList(r[turnsColumn]) ? JSON.stringify(r[turnsColumn].slice(0, -1)) : undefined),
          liked: (r) => (typeof r[flagColumn] === 'boolean' ? r[flagColumn] : undefined),
        },
      };
    },
  },
  {
    name: 'NeMo-Aligner reward-model data',
    vocabulary: 'text (one conversation templated with <extra_id_0>/<extra_id_1> markers) and label',
    recognise: (record, name) =>
      typeof record.text === 'string' && /<extra_id_\d+>/.test(record.text) && has(record, 'label')
        ? {
            layout: name,
            reason:
              'column text holds whole templated conversations (<extra_id_…> markers), a pair is two consecutive ' +
              'rows, and label is a list of attribute ratings with -100 for the unrated ones: radpo does not read ' +
              'this format; convert it first to one row per pair (prompt, chosen, rejected, and their scores ' +
              'without the -100 placeholders)',
            command: 'none',
            columns: [],
            known: true,
            unpaired: { count: 'nothing', keyOf: () => undefined },
          }
        : null,
  },
  {
    name: 'FastChat single-answer judgments',
    vocabulary: 'question_id, model, judge, user_prompt (the answer inside the judge prompt), judgment, score',
    recognise: (record, name) =>
      ['question_id', 'model', 'user_prompt', 'judgment', 'score'].every((c) => has(record, c)) &&
      typeof record.user_prompt === 'string'
        ? {
            layout: name,
            reason:
              "each row grades one model's answer (column model), kept inside the judge prompt user_prompt, with " +
              'its score: two models answering one question (question_id, turn) would make a pair',
            command: 'none',
            columns: [],
            known: true,
            unpaired: { count: 'models', keyOf: (r) => (r.model === undefined ? undefined : String(r.model)) },
          }
        : null,
  },
  {
    name: 'several responses per prompt, a known layout',
    vocabulary:
      'responses + scores (radpo generate, score), completions (openbmb/UltraFeedback), answers (Nectar), ' +
      'prompt.replies (OASST trees)',
    recognise: (record, name) => {
      const which = Array.isArray(record.responses)
        ? 'responses'
        : Array.isArray(record.completions) && isText(record.instruction)
          ? 'completions'
          : Array.isArray(record.answers)
            ? 'answers'
            : isObject(record.prompt) && Array.isArray(record.prompt.replies)
              ? 'prompt.replies'
              : null;
      if (!which) return null;
      const scored = which !== 'responses' || Array.isArray(record.scores) || responseList(record)?.scored === true;
      return {
        layout: name,
        reason: `column ${which}${which === 'responses' && !scored ? ' (no scores yet)' : ''}`,
        command: scored ? 'pairs' : 'score',
        columns: [],
        known: true,
      };
    },
  },
  {
    name: 'one response per row inside a judge grading prompt (long format)',
    vocabulary: 'a column holding a Prometheus grading prompt, beside a score and a group id',
    recognise: (record, name) => {
      const column = judgePromptColumn(record);
      if (column === undefined) return null;
      const isScore = (v: unknown) =>
        typeof v === 'number' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number'));
      const score = Object.keys(record).find((name) => /score|rating/i.test(name) && isScore(record[name]));
      const group = Object.keys(record).find((name) => /^(idx|id|question_id|prompt_id|uid)$/i.test(name));
      return {
        layout: name,
        reason: `column ${column} holds Prometheus grading prompts (the instruction and one response each)`,
        command: 'pairs',
        columns: [
          ...(group ? [['group', group] as [ColumnRole, string]] : []),
          ['response', column],
          ['score', score ?? 'SCORE'],
        ],
        known: false,
      };
    },
  },
  {
    name: 'A/B responses with a label column',
    vocabulary:
      'output_1/output_2, response_a/response_b, completion_1/completion_2 …, with label/winner/preference/choice …',
    recognise: (record, name) => {
      const sides = sideColumns(record);
      const label = labelColumnOf(record);
      if (!sides || label === undefined) return null;
      const prompt = promptOf(record);
      const scores = sideScores(record);
      return {
        layout: name,
        reason: `columns ${sides.join(' and ')} side by side, and ${label} says which won`,
        command: scores ? 'relabel' : 'score',
        columns: [
          ...(prompt && !PROMPT_NAMES.includes(prompt) ? [['prompt', prompt] as [ColumnRole, string]] : []),
          ['responseA', sides[0]],
          ['responseB', sides[1]],
          ['winner', label],
          ...(scores
            ? ([
                ['scoreA', scores[0]],
                ['scoreB', scores[1]],
              ] as Array<[ColumnRole, string]>)
            : []),
        ],
        winnerColumn: label,
        known: false,
      };
    },
  },
  {
    name: 'a list of responses in a column',
    vocabulary: `any column holding a list of strings, or of objects with a ${TEXT_FIELDS.join('/')} field`,
    recognise: (record, name) => {
      const list = responseList(record);
      if (!list) return null;
      const prompt = promptOf(record);
      return {
        layout: name,
        reason:
          `column ${list.column} holds ${(record[list.column] as unknown[]).length} responses` +
          (list.textField ? ` (their text in ${list.textField})` : ''),
        command: list.scored ? 'pairs' : 'score',
        columns: [
          ...(prompt && prompt !== 'prompt' ? [['prompt', prompt] as [ColumnRole, string]] : []),
          ['responses', list.column],
          ...(list.textField ? [['textField', list.textField] as [ColumnRole, string]] : []),
        ],
        known: false,
      };
    },
  },
  {
    name: 'one response per row, with its score (long format)',
    vocabulary:
      'a prompt (prompt/question/query/…), one response (response/answer/output/completion/generation…), a ' +
      'score (score/rating/reward…) and a prompt id (prompt_id/question_id/qid/…)',
    recognise: (record, name) => {
      const names = Object.keys(record);
      const prompt = promptOf(record);
      const responses = names.filter(
        (n) => n !== prompt && LONG_RESPONSE.test(n) && !NOT_A_RESPONSE.test(n) && isText(record[n]),
      );
      // A rank is lower-is-better: it is no score (rating_rank, score_rank).
      const score = names.find(
        (n) => LONG_SCORE.test(n) && !/rank/i.test(n) && Number.isFinite(Number(record[n])) && record[n] !== '',
      );
      // A second response under a pair's name (rejected, worse, …) makes the row a pair, not long format.
      const paired = names.some(
        (n) =>
          n !== prompt && n !== responses[0] && isText(record[n]) && (CHOSEN_GUESS.test(n) || REJECTED_GUESS.test(n)),
      );
      // Exactly one response: two are a pair (the layouts above), none is no long format.
      if (prompt === undefined || responses.length !== 1 || score === undefined || paired) return null;
      const group = names.find((n) => n !== prompt && PROMPT_ID.test(n));
      return {
        layout: name,
        reason: `one response per row in ${responses[0]}, scored in ${score}, the prompt in ${prompt}`,
        command: 'pairs',
        columns: [
          ...(group ? [['group', group] as [ColumnRole, string]] : []),
          ...(prompt !== 'prompt' ? [['prompt', prompt] as [ColumnRole, string]] : []),
          ['response', responses[0]!],
          ['score', score],
        ],
        known: false,
      };
    },
  },
  {
    name: 'pairs under other names',
    vocabulary:
      'prompt: question/instruction/input/query/…; chosen: preferred/better/accepted/good…; rejected: worse/bad…',
    recognise: (record, name) => {
      const columns = Object.keys(record).filter((n) => isText(record[n]) || Array.isArray(record[n]));
      const prompt = columns.find((n) => PROMPT_GUESS.test(n));
      const response = (pattern: RegExp, not: string[]) =>
        columns.find((n) => pattern.test(n) && !NOT_A_RESPONSE.test(n) && !not.includes(n));
      const chosen = response(CHOSEN_GUESS, prompt ? [prompt] : []);
      let rejected = response(REJECTED_GUESS, [prompt ?? '', chosen ?? '']);
      // A chosen column and one other text column (a translated file's "rejected": 거부됨): that one is the other side.
      const rest = columns.filter((n) => n !== prompt && n !== chosen && isText(record[n]));
      if (chosen && !rejected && rest.length === 1) rejected = rest[0];
      if (!chosen || !rejected) return null;
      return {
        layout: name,
        reason: `${chosen} and ${rejected} look like the two responses${prompt ? `, ${prompt} like the prompt` : ''}`,
        command: 'relabel',
        columns: [
          ...(prompt ? [['prompt', prompt] as [ColumnRole, string]] : []),
          ['chosen', chosen],
          ['rejected', rejected],
        ],
        known: false,
      };
    },
  },
];

/**
 * The columns a pair layout's rows are read by: each entry's `pairColumns` in the registry's order, each
 * completing what the user named and the entries before it found (ShareGPT's prompt, then the names of
 * chosen and rejected).
 */
export function pairColumnsOf(record: Record<string, unknown>, named: PairColumns): PairColumns {
  let columns = named;
  for (const layout of INPUT_LAYOUTS) {
    const found = layout.pairColumns?.(record, columns);
    if (found) columns = { ...columns, ...found };
  }
  return columns;
}

/**
 * Every reading of a record, in the registry's order (the first is the one radpo would pick). A layout
 * radpo finds by itself stands alone: the guesses by column names are for the records no known one fits.
 */
export function readingsOf(record: unknown): Reading[] {
  if (!isObject(record)) return [];
  const readings = INPUT_LAYOUTS.flatMap((layout) => {
    const reading = layout.recognise(record, layout.name);
    return reading ? [reading] : [];
  });
  const known = readings.filter((r) => r.known);
  return known.length > 0 ? known : readings;
}
