/**
 * Rows that hold several responses to one prompt, read into the prompt, its responses and what orders
 * them (scores, or ranks): radpo's own `responses`/`scores`, openbmb/UltraFeedback's `completions`,
 * Nectar's `answers`, OASST message trees, any list a column holds, and long format (one response per
 * row, grouped by prompt), each into a PreferenceRecord (core/record.ts) whose responses carry their scores,
 * ranks and aspect ratings. `radpo pairs` reads them through here, and picks its pairs with core/pairs.ts.
 * Pure. Hints are keys (core/hints.ts) the CLI words with its flags.
 */
import { RowError, preview } from './errors.js';
import { hint } from './hints.js';
import { defaultIdColumn } from './ids.js';
import { isMessageList, scoreFieldOf, TEXT_FIELDS, toNumber } from './input-layouts.js';
import { unpackJudgePrompt } from './judge-prompt.js';
import { pickPairs, type PickOptions } from './pairs.js';
import { checkScoreGap } from './relabel.js';
import { getPath, type Path } from './path.js';
import type { Preference, PreferenceRecord, RecordResponse, RowId, RowSource } from './record.js';
import { orderScores } from './record.js';
import { parseScore } from './scores.js';
import { mean } from './stats.js';

/**
 * A response's score, by relabel's rule (core/scores.ts parseScore): none (NaN: the response takes no part)
 * where the data gives none; a value that is no number ("0x10", "Infinity", "good") refuses the row.
 */
function scoreOf(value: unknown, field: string): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return Number.NaN;
  return parseScore(value, field, { min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY });
}

/**
 * An openbmb/UltraFeedback aspect rating: {"Rating": "4"} (or a list of them, in some releases); "N/A" is no rating.
 */
function rating(annotation: unknown): number {
  const a = Array.isArray(annotation) ? annotation[0] : annotation;
  return a && typeof a === 'object' ? toNumber((a as { Rating?: unknown }).Rating) : Number.NaN;
}

/** Where the responses are and which of their fields say what (as the user named them, or found). */
interface ListColumns {
  /** The row's id (--id-col), carried into every pair under its name; default: core/ids.ts's candidates. */
  idCol?: Path;
  /** OASST trees: pair the first prompt's replies, or every prompter turn's (the conversation before it). */
  tree?: 'first' | 'all';
  promptCol?: Path;
  responsesCol?: Path;
  textField?: string;
  scoreField?: string;
  rankField?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An OASST message tree's root: `prompt` is a prompter message with its `replies`. */
function oasstRoot(row: Record<string, unknown>): Record<string, unknown> | null {
  const root = row.prompt;
  return isObject(root) && typeof root.text === 'string' && Array.isArray(root.replies) ? root : null;
}

/**
 * A list of response objects (or strings) with their text and a score or rank field: Nectar's `answers`
 * ({answer, rank}), OASST's replies ({text, rank}), or any list named by the flags. Strings take their
 * scores from the row's `scores` list.
 */
function listRecord(
  row: Record<string, unknown>,
  prompt: unknown,
  items: unknown[],
  field: string,
  columns: ListColumns,
  source: RowSource | null,
): PreferenceRecord {
  const objects = items.filter(isObject);
  const textField =
    columns.textField ?? TEXT_FIELDS.find((f) => objects.length > 0 && objects.every((o) => f in o)) ?? null;
  const texts = items.map((item, i) => {
    if (!isObject(item)) return item;
    if (textField === null || !(textField in item))
      throw new RowError('missing_field', 'a response has no text field', {
        field: `${field}[${i}]${textField ? `.${textField}` : ''}`,
        expected: textField ? `a "${textField}" field` : `one of the fields ${TEXT_FIELDS.join(', ')}`,
        found: `fields ${Object.keys(item).join(', ')}`,
        hint: hint('name_text_field'),
      });
    return item[textField];
  });
  const foundRank = objects.length > 0 && objects.some((o) => 'rank' in o) ? 'rank' : undefined;
  const rankField = columns.rankField ?? foundRank;
  const scoreField = columns.scoreField ?? (rankField === undefined ? scoreFieldOf(objects) : undefined);
  const fieldValue = (item: unknown, name: string) => (isObject(item) ? toNumber(item[name]) : Number.NaN);
  const record = (responses: RecordResponse[], preference: Preference): PreferenceRecord => ({
    prompt,
    responses,
    preference,
    id: idOf(row, columns.idCol),
    source,
  });
  // A score named by the user orders the pairs; ranks beside it are the label its pairs are checked against.
  if (rankField !== undefined && columns.scoreField === undefined)
    return record(
      items.map((item, i) => ({ content: texts[i], rank: fieldValue(item, rankField) })),
      { kind: 'ranking', by: 'rank' },
    );
  if (scoreField !== undefined)
    return record(
      items.map((item, i) => ({
        content: texts[i],
        score: isObject(item) ? scoreOf(item[scoreField], `${field}[${i}].${scoreField}`) : Number.NaN,
        ...(rankField === undefined ? {} : { rank: fieldValue(item, rankField) }),
      })),
      { kind: 'ranking', by: 'score', field: scoreField },
    );
  const scores = row.scores;
  if (Array.isArray(scores) && scores.length === items.length)
    return record(
      texts.map((content, i) => ({ content, score: scoreOf(scores[i], `scores[${i}]`) })),
      { kind: 'ranking', by: 'score' },
    );
  throw new RowError('bad_score', 'the responses have neither scores nor ranks', {
    field,
    expected: 'a score or rank field in each response, or a scores list beside them',
    found: objects.length > 0 ? `fields ${Object.keys(objects[0]!).join(', ')}` : preview(items),
    hint: hint('name_score_field'),
  });
}

/**
 * Every prompter turn of an OASST tree whose replies hold at least two ranks, with the conversation
 * before it (user and assistant turns along the path) as the prompt.
 */
function treeTurns(root: Record<string, unknown>, rankField: string) {
  const turns: Array<{ prompt: Array<{ role: string; content: string }>; replies: unknown[]; field: string }> = [];
  const walk = (node: Record<string, unknown>, before: Array<{ role: string; content: string }>, field: string) => {
    const conversation = [...before, { role: 'user', content: String(node.text) }];
    const replies = Array.isArray(node.replies) ? node.replies.filter(isObject) : [];
    if (replies.filter((r) => Number.isFinite(toNumber(r[rankField]))).length >= 2)
      turns.push({ prompt: conversation, replies, field: `${field}.replies` });
    for (const [i, reply] of replies.entries()) {
      if (typeof reply.text !== 'string' || !Array.isArray(reply.replies)) continue;
      const answered = [...conversation, { role: 'assistant', content: reply.text }];
      for (const [j, next] of reply.replies.entries())
        if (isObject(next) && typeof next.text === 'string')
          walk(next, answered, `${field}.replies[${i}].replies[${j}]`);
    }
  };
  walk(root, [], 'prompt');
  return turns;
}

/**
 * Read one row into records, from any of the layouts; `score` names what ranks the responses. One per
 * row, but for OASST trees with `tree: 'all'`: one per ranked prompter turn.
 */
export function listRecords(
  row: Record<string, unknown>,
  score: string,
  columns: ListColumns,
  source: RowSource | null,
): PreferenceRecord[] {
  const tree = columns.promptCol === undefined && columns.responsesCol === undefined ? oasstRoot(row) : null;
  if (!tree) return [rowRecord(row, score, columns, source)];
  // OASST: the prompter's message and its replies, ranked by the human labellers (0 best).
  const ranked = {
    ...columns,
    ...(columns.scoreField === undefined ? { rankField: columns.rankField ?? 'rank' } : {}),
  };
  const turns = columns.tree === 'all' ? treeTurns(tree, ranked.rankField ?? ranked.scoreField!) : [];
  // A tree nobody ranked (or --tree first) pairs its first prompt, which sets it aside as no_preference.
  if (turns.length === 0)
    return [listRecord(row, tree.text, tree.replies as unknown[], 'prompt.replies', ranked, source)];
  return turns.map((t) => listRecord(row, t.prompt, t.replies, t.field, ranked, source));
}

function rowRecord(
  row: Record<string, unknown>,
  score: string,
  columns: ListColumns,
  source: RowSource | null,
): PreferenceRecord {
  const { promptCol } = columns;
  const listFlags = columns.textField ?? columns.scoreField ?? columns.rankField;
  if (columns.responsesCol !== undefined || (Array.isArray(row.answers) && !Array.isArray(row.responses))) {
    const path = columns.responsesCol ?? ['answers'];
    const prompt = promptCol ? getPath(row, promptCol) : row.prompt;
    const items = getPath(row, path);
    if (!Array.isArray(items))
      throw new RowError('missing_field', 'the row has no list of responses', {
        field: path.join('.'),
        expected: 'a list of responses',
        found: preview(items),
        hint: hint('name_responses_column'),
      });
    return listRecord(row, promptText(prompt, promptCol), items, path.join('.'), columns, source);
  }
  if (Array.isArray(row.completions) && promptCol === undefined && typeof row.instruction === 'string')
    return completionsRecord(row, row.completions as Array<Record<string, unknown>>, score, columns, source);
  const prompt = promptText(promptCol ? getPath(row, promptCol) : row.prompt, promptCol);
  if (Array.isArray(row.responses) && (listFlags !== undefined || row.responses.some(isObject)))
    return listRecord(row, prompt, row.responses, 'responses', columns, source);
  if (!Array.isArray(row.responses))
    throw new RowError('missing_field', 'the row has no list of responses', {
      field: 'responses',
      expected: 'a list of responses (radpo generate writes it)',
      found: preview(row.responses),
    });
  if (!Array.isArray(row.scores) || row.scores.length !== row.responses.length) {
    throw new RowError('bad_score', 'the responses have no list of scores of the same length', {
      field: 'scores',
      expected: `${row.responses.length} scores (radpo score writes them)`,
      found: preview(row.scores),
      hint: 'score the responses first: radpo score FILE --judge chat|reward …',
    });
  }
  const objects = row.scores.every((s) => s !== null && typeof s === 'object');
  const scores = row.scores as unknown[];
  return {
    prompt,
    responses: row.responses.map((content, i) =>
      objects
        ? {
            content,
            score: scoreOf((scores[i] as Record<string, unknown>)[score], `scores[${i}].${score}`),
            aspects: scores[i] as Record<string, number>,
          }
        : { content, score: scoreOf(scores[i], `scores[${i}]`) },
    ),
    preference: { kind: 'ranking', by: 'score' },
    id: idOf(row, columns.idCol),
    source,
  };
}

/**
 * openbmb/UltraFeedback: `completions`, each with its overall and fine-grained scores and its aspect ratings
 * (`annotations`); `score` names the one that orders them (overall, fine-grained, or an aspect).
 */
function completionsRecord(
  row: Record<string, unknown>,
  completions: Array<Record<string, unknown>>,
  score: string,
  columns: ListColumns,
  source: RowSource | null,
): PreferenceRecord {
  const aspects = completions.map(
    (c) =>
      Object.fromEntries(
        Object.entries((c.annotations as Record<string, unknown>) ?? {})
          .map(([name, a]) => [name, rating(a)])
          .filter(([, r]) => Number.isFinite(r)),
      ) as Record<string, number>,
  );
  const scores = completions.map((c, i) =>
    score === 'overall'
      ? toNumber(c.overall_score)
      : score === 'fine-grained'
        ? toNumber(c['fine-grained_score'])
        : (aspects[i]![score] ?? Number.NaN),
  );
  return {
    prompt: row.instruction,
    responses: completions.map((c, i) => ({ content: c.response, score: scores[i]!, aspects: aspects[i]! })),
    preference: { kind: 'ranking', by: 'score' },
    id: idOf(row, columns.idCol),
    source,
  };
}

/**
 * The prompt a row's responses answer: text or a message list. A number or an id (`--prompt-col
 * question_id`) would be written as the prompt of every pair and refused by every trainer: refused here,
 * naming the column, never written.
 */
function promptText(prompt: unknown, promptCol: Path | undefined): unknown {
  if (prompt === undefined) throw noPrompt(promptCol);
  if (typeof prompt === 'string' || isMessageList(prompt)) return prompt;
  throw new RowError('bad_field', 'the prompt is not text', {
    field: promptCol?.join('.') ?? 'prompt',
    expected: 'a prompt string or message list',
    found: preview(prompt),
    hint: hint(promptCol === undefined ? 'name_prompt' : 'check_prompt_column'),
  });
}

function noPrompt(promptCol: Path | undefined): RowError {
  return new RowError('missing_field', 'the row has no prompt', {
    field: promptCol?.join('.') ?? 'prompt',
    expected: 'a prompt string or message list',
    found: 'no such column',
    // A column the user named and the row lacks: check the name; none named: name one.
    hint: hint(promptCol === undefined ? 'name_prompt' : 'check_prompt_column'),
  });
}

/** A row's id in the column the user named: a string or a number, or the row is set aside. */
export function requireId(value: unknown, column: Path): void {
  if (typeof value === 'string' || typeof value === 'number') return;
  throw new RowError(value === undefined ? 'missing_field' : 'bad_field', 'the row has no usable id', {
    field: column.join('.'),
    expected: 'a string or a number that identifies the row',
    found: preview(value),
    hint: 'check the id column name',
  });
}

/** The row's id column and value (the one named, else id, prompt_id, uid, …), or null. */
function idOf(row: Record<string, unknown>, named: Path | undefined): RowId | null {
  const column = named ?? defaultIdColumn(row);
  const value = column ? getPath(row, column) : undefined;
  if (named) requireId(value, named);
  return column && (typeof value === 'string' || typeof value === 'number') ? { name: column.join('.'), value } : null;
}

/** One row's pairs, and how many of them a label (ranks beside the scores) judged, and contradicted. */
interface RowPairs {
  rows: Array<Record<string, unknown>>;
  labelled: number;
  contradicting: number;
}

/**
 * The pairs of one record, as output rows. Responses without a usable score take no part. A pair whose two
 * responses carry different label ranks is labelled; it contradicts its label when the chosen (higher
 * scored) response has the worse rank.
 */
export function pairRows(given: PreferenceRecord, options: PickOptions): RowPairs {
  const record = oneResponsePerText(given);
  const scores = orderScores(record);
  const byRank = record.preference.kind === 'ranking' && record.preference.by === 'rank';
  const usable = scores.map((s, i) => [s, i] as const).filter(([s]) => Number.isFinite(s));
  // Unscored responses are a data problem; unranked ones (an OASST tree nobody ranked) are no preference.
  if (usable.length === 0 && scores.length > 0 && !byRank) {
    throw new RowError('bad_score', 'no response has a usable score', {
      field: 'scores',
      expected: 'a number for at least two of the responses',
      found: preview(scores),
      hint: 'score the responses first: radpo score FILE --judge chat|reward …',
    });
  }
  const picked = pickPairs(
    usable.map(([s]) => s),
    { ...options, ranks: byRank },
  );
  // Each pair's two scores are checked as a pair (core/relabel.ts): 1e308 against -1e308 is no usable gap.
  for (const [a, b] of picked)
    checkScoreGap({ chosen: [usable[a]![0]], rejected: [usable[b]![0]] }, { chosen: 'scores', rejected: 'scores' });
  let labelled = 0;
  let contradicting = 0;
  const rows = picked.map(([a, b]) => {
    const [chosen, rejected] = [record.responses[usable[a]![1]]!, record.responses[usable[b]![1]]!];
    const labels = !byRank && chosen.rank !== undefined ? [chosen.rank, rejected.rank!] : null;
    if (labels && Number.isFinite(labels[0]) && Number.isFinite(labels[1]) && labels[0] !== labels[1]) {
      labelled += 1;
      if (labels[0]! > labels[1]!) contradicting += 1;
    }
    return pairRow(record, chosen, rejected, byRank);
  });
  return { rows, labelled, contradicting };
}

/**
 * A text given twice (two models answered alike; a long-format text scored in two rows) is one response:
 * with the same score (and rank, aspects) it is kept once; with two, which one it deserves cannot be told,
 * and the row is refused, naming both, rather than paired with itself or ranked by a guess.
 */
function oneResponsePerText(record: PreferenceRecord): PreferenceRecord {
  const first = new Map<string, number>();
  const kept: RecordResponse[] = [];
  const { responses } = record;
  for (const [i, response] of responses.entries()) {
    const key = typeof response.content === 'string' ? response.content : JSON.stringify(response.content);
    const j = first.get(key);
    if (j === undefined) {
      first.set(key, i);
      kept.push(response);
      continue;
    }
    const said = (r: RecordResponse) =>
      JSON.stringify([r.score, r.rank, r.aspects], (_, v) => (Number.isNaN(v) ? 'NaN' : v));
    if (said(responses[j]!) === said(response)) continue;
    const what = (r: RecordResponse) =>
      r.rank !== undefined && r.score === undefined ? `rank ${r.rank}` : `score ${r.score}`;
    throw new RowError('bad_score', 'one response text is given twice with different scores', {
      field: `responses ${j} and ${i}`,
      expected: 'one score (or rank) per response text',
      found: `${preview(response.content, 40)} with ${what(responses[j]!)} and ${what(response)}`,
      hint: 'deduplicate the responses (keep the score that is right for the text), or set the row aside',
    });
  }
  return kept.length === responses.length ? record : { ...record, responses: kept };
}

/** One picked pair as an output row: the two responses with what the data said of each. */
export function pairRow(
  record: PreferenceRecord,
  chosen: RecordResponse,
  rejected: RecordResponse,
  byRank: boolean,
): Record<string, unknown> {
  const row: Record<string, unknown> = {
    prompt: record.prompt,
    chosen: chosen.content,
    rejected: rejected.content,
    // Ranks order the pair but are not scores: such pairs go to radpo score (or relabel --judge).
    ...(byRank
      ? { rank_chosen: chosen.rank, rank_rejected: rejected.rank }
      : { score_chosen: chosen.score, score_rejected: rejected.score }),
    // The label travels with the pair, beside the scores that picked it.
    ...(!byRank && chosen.rank !== undefined ? { rank_chosen: chosen.rank, rank_rejected: rejected.rank } : {}),
  };
  if (chosen.aspects) {
    row.chosen_aspects = chosen.aspects;
    row.rejected_aspects = rejected.aspects;
  }
  carryId(row, record.id);
  row.source_line = record.source?.line;
  return row;
}

/**
 * The row's id on a pair: under its own name, and as `source_id` beside `source_line` (where the pair came
 * from, as relabel names it), which relabel and score find by default whatever the id column was called.
 */
function carryId(row: Record<string, unknown>, id: RowId | null): void {
  if (!id) return;
  row[id.name] = id.value;
  row.source_id = id.value;
}

/** One long-format row, as it waits for the rest of its group. */
export interface LongItem {
  prompt: unknown;
  response: unknown;
  value: number;
  /** Which input (index) and line the row came from. */
  input: number;
  line: number;
  id: RowId | null;
}

/** Long format's columns: the response, and a score or a rank (a prompt and a group where named). */
interface LongColumns {
  idCol?: Path;
  responseCol: Path;
  promptCol?: Path;
  groupCol?: Path;
  scoreCol?: Path;
  rankCol?: Path;
}

/** The group key, prompt, response and score (or rank) of one long-format row. */
export function longItem(
  row: Record<string, unknown>,
  columns: LongColumns,
  input: number,
  line: number,
): { key: string; item: LongItem } {
  const need = (path: Path, what: string) => {
    const value = getPath(row, path);
    if (value === undefined || value === null)
      throw new RowError('missing_field', `the row has no ${what}`, {
        field: path.join('.'),
        expected: what,
        found: `no such column (the row has ${Object.keys(row).join(', ')})`,
        hint: hint('name_long_column', { column: what }),
      });
    return value;
  };
  // A response kept inside its judge's grading prompt (prometheus-eval's benchmark files): the response and
  // the instruction it answers are taken out of it; the instruction is the prompt unless one is named.
  const responseValue = need(columns.responseCol, 'response');
  const unpacked = unpackJudgePrompt(responseValue);
  const prompt =
    unpacked && columns.promptCol === undefined
      ? unpacked.instruction
      : promptText(need(columns.promptCol ?? ['prompt'], 'prompt'), columns.promptCol);
  const group = columns.groupCol ? need(columns.groupCol, 'group value') : prompt;
  const valuePath = (columns.scoreCol ?? columns.rankCol)!;
  const cell = need(valuePath, columns.scoreCol ? 'score' : 'rank');
  // NeMo-Aligner's label lists hold -100 for the attributes a row does not rate: averaged in, it would
  // pull every mean far below the scale. Refused, naming the column; one attribute can be named by index.
  const rated = Array.isArray(cell) ? cell.findIndex((x) => toNumber(x) !== -100) : -1;
  if (Array.isArray(cell) && cell.some((x) => toNumber(x) === -100))
    throw new RowError('bad_score', "the score list holds -100, NeMo-Aligner's placeholder for an unrated attribute", {
      field: valuePath.join('.'),
      expected: 'a number, or a list of ratings of this response',
      found: preview(cell),
      hint:
        rated < 0
          ? 'every entry is -100: this row rates no attribute'
          : `name one attribute by its index, e.g. ${[...valuePath, rated].join('.')}`,
    });
  const value = meanOf(cell);
  if (!Number.isFinite(value))
    throw new RowError('bad_score', `the row's ${columns.scoreCol ? 'score' : 'rank'} is not a number`, {
      field: valuePath.join('.'),
      expected: 'a number',
      found: preview(getPath(row, valuePath)),
    });
  // The group is the prompt's id (a row's own `id` in long format is usually the response's).
  const id = columns.groupCol ? { name: columns.groupCol.join('.'), value: group } : idOf(row, columns.idCol);
  const item = { prompt, response: unpacked ? unpacked.response : responseValue, value, input, line, id };
  return { key: typeof group === 'string' ? `s${group}` : `j${JSON.stringify(group)}`, item };
}

/** A score cell: a number, or several ratings of the one response (a judge sampled thrice) as their mean. */
function meanOf(value: unknown): number {
  if (!Array.isArray(value)) return toNumber(value);
  const values = value.map(toNumber);
  return values.every(Number.isFinite) ? (mean(values) ?? Number.NaN) : Number.NaN;
}
