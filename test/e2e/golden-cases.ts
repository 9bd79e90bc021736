/**
 * The golden cases, in one list (golden.test.ts compares the bytes, threads.test.ts runs each through
 * worker threads), and an oracle that checks every golden row against its source row with code written
 * here from the paper's goal template and each input's layout — none of radpo's readers or writers. A
 * golden regenerated with UPDATE_GOLDEN=1 cannot bless a wrong row: the oracle still reads it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Papa from 'papaparse';
import { FIXTURES } from '../helpers.js';

export interface GoldenCase {
  name: string;
  /** The fixture, then the flags. */
  args: string[];
  /** What the summary says of the input's shape. */
  shape: RegExp;
  /** The row layout (--format), the goal's placement and the copies' order. */
  format: 'trl' | 'handbook' | 'llamafactory' | 'axolotl' | 'nemo' | 'text';
  placement: 'system' | 'user';
  order: 'interleave' | 'concat';
  scale: [number, number];
}

const ATTRIBUTES = ['helpfulness', 'correctness', 'coherence', 'complexity', 'verbosity'];

const golden = (
  name: string,
  args: string[],
  shape: RegExp,
  options: Partial<Pick<GoldenCase, 'format' | 'placement' | 'order' | 'scale'>> = {},
): GoldenCase => ({
  name,
  args,
  shape,
  format: 'trl',
  placement: 'system',
  order: 'interleave',
  scale: [1, 10],
  ...options,
});

export const GOLDEN_CASES: GoldenCase[] = [
  golden('llamafactory_sharegpt', ['llamafactory_sharegpt_scored.json'], /LLaMA-Factory ShareGPT ranking/),
  golden('hh_rlhf_gz', ['hh_rlhf_scored.jsonl.gz'], /implicit prompt, strings/),
  golden('orca_csv', ['orca_pairs_scored.csv'], /columns question\/chosen\/rejected, system from system/),
  golden(
    'torchtune_stack_exchange_user',
    ['stack_exchange_scored.json', '--placement', 'user'],
    /columns question\/response_j\/response_k/,
    { placement: 'user' },
  ),
  golden(
    'helpsteer2_attributes',
    [
      'helpsteer2_pairs.jsonl',
      '--scale',
      '0-4',
      ...ATTRIBUTES.flatMap((a) => ['--attr', `${a}=chosen_attributes.${a},rejected_attributes.${a}`]),
    ],
    /conversational with explicit prompt/,
    { scale: [0, 4] },
  ),
  golden(
    'ultrafeedback_binarized_handbook',
    ['ultrafeedback_binarized_shape.jsonl', '--format', 'handbook'],
    /implicit prompt, conversational/,
    { format: 'handbook' },
  ),
  golden(
    'trl_conversational_concat',
    ['trl_conversational.jsonl', '--order', 'concat'],
    /conversational with explicit prompt/,
    { order: 'concat' },
  ),
  golden('format_llamafactory', ['llamafactory_sharegpt_scored.json', '--format', 'llamafactory'], /ShareGPT/, {
    format: 'llamafactory',
  }),
  golden(
    'format_llamafactory_user',
    ['orca_pairs_scored.csv', '--format', 'llamafactory', '--placement', 'user'],
    /system from system/,
    { format: 'llamafactory', placement: 'user' },
  ),
  golden(
    'format_axolotl',
    ['ultrafeedback_binarized_shape.jsonl', '--format', 'axolotl'],
    /implicit prompt, conversational/,
    { format: 'axolotl' },
  ),
  golden('format_nemo', ['hh_rlhf_scored.jsonl.gz', '--format', 'nemo'], /implicit prompt, strings/, {
    format: 'nemo',
  }),
  golden('format_text_multiturn', ['hh_rlhf_scored.jsonl.gz', '--format', 'text'], /implicit prompt, strings/, {
    format: 'text',
  }),
  golden('format_text_single', ['stack_exchange_scored.json', '--format', 'text'], /question\/response_j\/response_k/, {
    format: 'text',
  }),
];

type Scores = number | Record<string, number>;

/** One source pair as the oracle reads it: the last user turn, the two final answers, the two scores. */
interface SourcePair {
  index: number;
  prompt: string;
  system: string | null;
  chosen: string;
  rejected: string;
  scoreChosen: Scores;
  scoreRejected: Scores;
}

/** The paper's goal text (METHOD.md), typed here: the header, then one line per score. */
export function paperGoalText(scores: Scores, [min, max]: [number, number]): string {
  const header =
    'You are an assistant that generates responses for the instruction while implicitly achieving the ' +
    `following target scores (on a scale of ${min}-${max}, where ${min} is lowest and ${max} is highest):`;
  const lines =
    typeof scores === 'number'
      ? [`Overall score: ${scores}.`]
      : Object.entries(scores).map(([name, score]) => `${name}: ${score}.`);
  return [header, ...lines].join('\n');
}

/** The text after the last "\n\nAssistant: " / "\n\nHuman: " of an Anthropic HH transcript. */
function lastTurn(transcript: string, who: 'Human' | 'Assistant'): string {
  const marker = `\n\n${who}: `;
  const at = transcript.lastIndexOf(marker);
  const text = transcript.slice(at + marker.length);
  return who === 'Human' ? text.slice(0, text.indexOf('\n\nAssistant:')) : text;
}

const lastOf = (messages: Array<{ role?: string; from?: string; content?: string; value?: string }>, role: string) =>
  [...messages].reverse().find((m) => (m.role ?? m.from) === role);
const textOf = (m: { content?: string; value?: string } | undefined) => m?.content ?? m?.value ?? '';

/** The fixture's pairs, read with plain code for each input layout. */
export function sourcePairs(file: string): SourcePair[] {
  const path = join(FIXTURES, file);
  const jsonl = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  let rows: any[];
  if (file.endsWith('.jsonl.gz')) rows = jsonl(gunzipSync(readFileSync(path)).toString('utf8'));
  else if (file.endsWith('.jsonl')) rows = jsonl(readFileSync(path, 'utf8'));
  else if (file.endsWith('.json')) rows = JSON.parse(readFileSync(path, 'utf8'));
  else rows = Papa.parse(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true }).data as object[];
  return rows.map((r, index) => {
    const pair = { index, system: null as string | null };
    if (file.startsWith('llamafactory'))
      return {
        ...pair,
        prompt: textOf(lastOf(r.conversations, 'human')),
        system: textOf(lastOf(r.conversations, 'system')) || r.system || null,
        chosen: r.chosen.value,
        rejected: r.rejected.value,
        scoreChosen: r.score_chosen,
        scoreRejected: r.score_rejected,
      };
    if (file.startsWith('hh_rlhf'))
      return {
        ...pair,
        prompt: lastTurn(r.chosen, 'Human'),
        chosen: lastTurn(r.chosen, 'Assistant'),
        rejected: lastTurn(r.rejected, 'Assistant'),
        scoreChosen: r.score_chosen,
        scoreRejected: r.score_rejected,
      };
    if (file.startsWith('orca'))
      return {
        ...pair,
        prompt: r.question,
        system: r.system || null,
        chosen: r.chosen,
        rejected: r.rejected,
        scoreChosen: Number(r.chosen_score),
        scoreRejected: Number(r.rejected_score),
      };
    if (file.startsWith('stack_exchange'))
      return {
        ...pair,
        prompt: r.question,
        chosen: r.response_j,
        rejected: r.response_k,
        scoreChosen: r.score_chosen,
        scoreRejected: r.score_rejected,
      };
    if (file.startsWith('helpsteer2'))
      return {
        ...pair,
        prompt: textOf(lastOf(r.prompt, 'user')),
        system: textOf(lastOf(r.prompt, 'system')) || null,
        chosen: textOf(lastOf(r.chosen, 'assistant')),
        rejected: textOf(lastOf(r.rejected, 'assistant')),
        scoreChosen: Object.fromEntries(ATTRIBUTES.map((a) => [a, r.chosen_attributes[a]])),
        scoreRejected: Object.fromEntries(ATTRIBUTES.map((a) => [a, r.rejected_attributes[a]])),
      };
    // ultrafeedback_binarized_shape (implicit conversations) and trl_conversational (explicit prompt)
    const prompt = Array.isArray(r.prompt) ? r.prompt : r.chosen;
    return {
      ...pair,
      prompt: textOf(lastOf(prompt, 'user')),
      chosen: textOf(lastOf(r.chosen, 'assistant')),
      rejected: textOf(lastOf(r.rejected, 'assistant')),
      scoreChosen: r.score_chosen,
      scoreRejected: r.score_rejected,
    };
  });
}

/** One output row as the oracle reads it, by layout: the goal, the prompt's last user turn, the two answers. */
interface OutputCopy {
  goal: string;
  /** What follows the goal in the message that carries it (a merged system prompt; the user's text). */
  afterGoal: string;
  /** The last user turn (null where it is the one that carries the goal: see afterGoal). */
  prompt: string | null;
  chosen: string;
  rejected: string;
  scores: { chosen: Scores; rejected: Scores; goal: Scores } | null;
}

type Message = { role?: string; from?: string; content?: string; value?: string };

/** Take the goal off the front of a text: "GOAL", "GOAL\n\nREST" (a merged system prompt or the user turn). */
function splitGoal(text: string, goal: string): { goal: string; rest: string } {
  if (!text.startsWith(goal)) return { goal: text.split('\n\n')[0]!, rest: text };
  return { goal, rest: text.slice(goal.length).replace(/^\n\n/, '') };
}

export function readCopy(golden: GoldenCase, row: any, expectedGoal: string): OutputCopy {
  const scores =
    row.score_chosen === undefined
      ? null
      : { chosen: row.score_chosen, rejected: row.score_rejected, goal: row.goal_scores ?? row.goal_score };
  if (golden.format === 'text') {
    const { goal, rest } = splitGoal(row.prompt, expectedGoal);
    const prompt = lastTurn(`\n\n${rest}`, 'Human');
    // The transcript ends "Assistant:"; each response joins it after one space.
    const answer = (text: string) => text.replace(/^ /, '');
    return { goal, afterGoal: '', prompt, chosen: answer(row.chosen), rejected: answer(row.rejected), scores };
  }
  let prompt: Message[];
  let chosen: string;
  let rejected: string;
  if (golden.format === 'handbook') {
    prompt = row.chosen.slice(0, -1);
    chosen = textOf(row.chosen.at(-1));
    rejected = textOf(row.rejected.at(-1));
  } else if (golden.format === 'llamafactory') {
    prompt = row.conversations;
    chosen = row.chosen.value;
    rejected = row.rejected.value;
  } else if (golden.format === 'axolotl') {
    prompt = row.messages;
    chosen = row.chosen.content;
    rejected = row.rejected.content;
  } else if (golden.format === 'nemo') {
    prompt = row.context;
    const byRank = [...row.completions].sort((a, b) => a.rank - b.rank);
    chosen = textOf(byRank[0].completion.at(-1));
    rejected = textOf(byRank[1].completion.at(-1));
  } else {
    prompt = row.prompt;
    chosen = textOf(lastOf(row.chosen, 'assistant'));
    rejected = textOf(lastOf(row.rejected, 'assistant'));
  }
  const roleOf = (m: Message) => m.role ?? (m.from === 'human' ? 'user' : m.from);
  const users = prompt.filter((m) => roleOf(m) === 'user');
  if (golden.placement === 'system') {
    const system = prompt[0]!;
    if (roleOf(system) !== 'system')
      return { goal: '(no system message)', afterGoal: '', prompt: '', chosen, rejected, scores };
    const { goal, rest } = splitGoal(textOf(system), expectedGoal);
    return { goal, afterGoal: rest, prompt: textOf(users.at(-1)), chosen, rejected, scores };
  }
  // user placement: the goal leads the first user turn (a system prompt, if any, follows it there).
  const first = splitGoal(textOf(users[0]), expectedGoal);
  // One user turn: it is the goal, the system prompt, then the prompt (checked whole as afterGoal).
  const lastUser = users.length === 1 ? null : textOf(users.at(-1));
  return { goal: first.goal, afterGoal: first.rest, prompt: lastUser, chosen, rejected, scores };
}
