/**
 * The fast path's TRL rows as a splice of bytes: each row is a list of byte ranges the input already
 * holds (the responses and the prompt, which the byte-level parser kept as raw slices in the form
 * JSON.stringify writes), the goal's JSON made once per goal text, and the keys and roles between them,
 * encoded once per run; the writer copies them into its output buffer once. No row text is made as a
 * JavaScript string, escaped by JSON.stringify, searched for placeholders and encoded back to UTF-8,
 * which is what the other path does (trlRowTexts, then expandRaw). The bytes are the same: the plain
 * path is the oracle (test/cli/fastpath.test.ts, test/cli/fastpath-nasty.test.ts).
 *
 * Only the common case is spliced: messages of a role and a string content, one score per response, no
 * tools. Anything else returns null and takes trlRowTexts.
 */
import { floatText, type RowOrigin } from '../../core/layouts.js';
import type { Message } from '../../core/pair.js';
import type { RelabeledPair } from '../../core/relabel.js';
import { expandRaw, type RawTable } from '../../io/rawjson.js';

/**
 * The JSON structure between two slices (`"}],"chosen":[{"role":"assistant","content":"`) as bytes, encoded once:
 * a trie of the pieces a row's structure is made of (every piece is a string made once: a literal, a message
 * head), each node holding the bytes of the pieces on its path. A piece takes one lookup by a string whose hash
 * is cached; the joined text is never made.
 */
class Structure {
  private readonly next = new Map<string, Structure>();
  constructor(readonly bytes: Buffer) {}
  /** The structure with `piece` after this one's. */
  followedBy(piece: string): Structure {
    let node = this.next.get(piece);
    if (node === undefined) {
      if (this.next.size >= 1024) this.next.clear();
      node = new Structure(Buffer.concat([this.bytes, Buffer.from(piece, 'utf8')]));
      this.next.set(piece, node);
    }
    return node;
  }
}
const NO_STRUCTURE = new Structure(Buffer.alloc(0));

/** One row's parts as they are made: the structure since the last slice is held back, as a node of the trie. */
class Row {
  readonly parts: Array<string | Buffer> = [];
  private pending = NO_STRUCTURE;
  /** JSON text of the row's structure, a string made once (it repeats in every row: encoded once). */
  structure(text: string): void {
    this.pending = this.pending.followedBy(text);
  }
  /** Bytes the input holds, or JSON text made for this row (which the writer encodes straight into its buffer). */
  bytes(slice: Buffer | string): void {
    if (this.pending !== NO_STRUCTURE) this.parts.push(this.pending.bytes);
    this.pending = NO_STRUCTURE;
    this.parts.push(slice);
  }
  /** The row's scores and copy (bytes made once per scores), then its source (text, which the writer encodes). */
  end(scores: Buffer | string, source: string): Array<string | Buffer> {
    if (this.pending !== NO_STRUCTURE) this.parts.push(this.pending.bytes);
    this.parts.push(scores, source);
    return this.parts;
  }
}

/** A score's JSON as floatScores writes it, made once per value (a run has a few dozen). */
const floats = new Map<number, string>();
function floatJson(value: number): string {
  let text = floats.get(value);
  if (text === undefined) {
    if (floats.size >= 4096) floats.clear();
    text = floatText(value);
    floats.set(value, text);
  }
  return text;
}

const scoreText = (copy: RelabeledPair) =>
  `,"goal_score":${floatJson(copy.goalScores[0]!)},"score_chosen":${floatJson(copy.scoreChosen[0]!)}` +
  `,"score_rejected":${floatJson(copy.scoreRejected[0]!)},"copy":"${copy.copy}"`;

/**
 * `,"goal_score":…,"score_chosen":…,"score_rejected":…,"copy":"…"` as bytes, made once per pair of scores
 * and copy: a run has a few dozen such pairs, and the text is the same in every row that has them.
 */
const scoreTails = new Map<number, Map<number, [Buffer | undefined, Buffer | undefined]>>();
function scoreTail(copy: RelabeledPair): Buffer | string {
  const chosen = copy.scoreChosen[0]!;
  const rejected = copy.scoreRejected[0]!;
  // The goal's scores are the chosen response's: the same array, so the goal score is the chosen score.
  if (copy.goalScores !== copy.scoreChosen) return scoreText(copy);
  let byRejected = scoreTails.get(chosen);
  if (byRejected === undefined) {
    if (scoreTails.size >= 1024) scoreTails.clear();
    byRejected = new Map();
    scoreTails.set(chosen, byRejected);
  }
  let tails = byRejected.get(rejected);
  if (tails === undefined) {
    tails = [undefined, undefined];
    byRejected.set(rejected, tails);
  }
  const at = copy.copy === 'chosen_goal' ? 0 : 1;
  let bytes = tails[at];
  if (bytes === undefined) {
    bytes = Buffer.from(scoreText(copy), 'utf8');
    tails[at] = bytes;
  }
  return bytes;
}

/**
 * The goal's content as JSON string content (escaped, no quotes), made once per goal text. Found by the
 * goal score and then compared: looking the ~230 characters up by text would hash them twice per pair.
 */
const goalJson = new Map<number, { goal: string; bytes: Buffer }>();
function goalBytes(goal: string, score: number): Buffer {
  const cached = goalJson.get(score);
  if (cached !== undefined && cached.goal === goal) return cached.bytes;
  if (goalJson.size >= 256) goalJson.clear();
  const bytes = Buffer.from(JSON.stringify(goal).slice(1, -1), 'utf8');
  goalJson.set(score, { goal, bytes });
  return bytes;
}

/** `{"role":"user","content":"` (a comma before it after the first message), made once per role. */
const heads = [new Map<string, string>(), new Map<string, string>()] as const;
function messageHead(role: string, first: boolean): string {
  const map = heads[first ? 0 : 1];
  let text = map.get(role);
  if (text === undefined) {
    if (map.size >= 1024) map.clear();
    text = `${first ? '' : ','}{"role":${JSON.stringify(role)},"content":"`;
    map.set(role, text);
  }
  return text;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** A message whose only keys are role and content, in that order (as readPair makes them). */
function isPlain(m: Message): boolean {
  let n = 0;
  for (const key in m) {
    if ((n === 0 && key !== 'role') || (n === 1 && key !== 'content') || n === 2) return false;
    n++;
  }
  // A role of 128 bytes or more is a placeholder of the byte-level parser (messageHead writes roles as text).
  return n === 2 && typeof m.content === 'string' && typeof m.role === 'string' && !m.role.includes('\u0000');
}

/**
 * The last short text made JSON, and its JSON: a prompt too short to be kept as bytes is in both copies of
 * a pair (the parser hands out one string for its repeats), so it is escaped once, not once per copy.
 * Only text without a NUL: one with a NUL may hold a placeholder, whose bytes belong to its own record.
 */
let lastText = '';
let lastJson = '';

/** A string's JSON content (no quotes): its raw slice if it is a placeholder, else its JSON, placeholders put back. */
function stringContent(row: Row, text: string, table: RawTable): void {
  const slice = table.sliceOf(text);
  if (slice !== null) row.bytes(slice);
  else if (text === lastText && text !== '') row.bytes(lastJson);
  else {
    const json = JSON.stringify(text).slice(1, -1);
    if (!text.includes('\u0000')) {
      lastText = text;
      lastJson = json;
      row.bytes(json);
    } else {
      const expanded = expandRaw(json, table);
      if (typeof expanded === 'string') row.bytes(expanded);
      else for (const part of expanded) row.bytes(part);
    }
  }
}

/**
 * `open` (a key and "[") then the message list's JSON; false when a message is not one this splices. The goal
 * is looked for in the prompt only (placeGoal puts it nowhere else; a response that starts with the goal's
 * text would be written with the same bytes either way).
 */
function messages(
  row: Row,
  open: string,
  list: readonly Message[],
  copy: RelabeledPair,
  table: RawTable,
  prompt: boolean,
): boolean {
  row.structure(open);
  const goal = prompt ? copy.goal : '';
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!;
    if (!isPlain(m)) return false;
    const content = m.content as string;
    row.structure(messageHead(m.role, i === 0));
    // The goal is the whole message (a system message the goal made) or starts it (--placement user; not
    // split after half a surrogate pair, which JSON.stringify writes as an escape only when it is alone).
    if (goal === '') stringContent(row, content, table);
    else if (content === goal) row.bytes(goalBytes(goal, copy.goalScores[0]!));
    else if (content.startsWith(goal) && !isHighSurrogate(goal.charCodeAt(goal.length - 1))) {
      row.bytes(goalBytes(goal, copy.goalScores[0]!));
      stringContent(row, content.slice(goal.length), table);
    } else stringContent(row, content, table);
    row.structure('"}');
  }
  row.structure(']');
  return true;
}

/**
 * The two copies' TRL rows, byte for byte what trlRowTexts and expandRaw give, as parts; null for a
 * pair this does not splice (the caller takes trlRowTexts).
 */
export function spliceTrlRows(
  copies: readonly [RelabeledPair, RelabeledPair],
  attributes: readonly string[] | null,
  origin: RowOrigin,
  table: RawTable,
): [Array<string | Buffer>, Array<string | Buffer>] | null {
  if (attributes !== null || copies[0].tools !== undefined) return null;
  const sourceTail =
    (origin.id === undefined ? '' : `,"source_id":${JSON.stringify(origin.id)}`) +
    (origin.file === undefined ? '' : `,"source_file":${JSON.stringify(origin.file)}`) +
    `,"source_line":${origin.line}}`;
  const rows: Array<Array<string | Buffer>> = [];
  for (const copy of copies) {
    const row = new Row();
    if (
      !messages(row, '{"prompt":[', copy.prompt, copy, table, true) ||
      !messages(row, ',"chosen":[', copy.chosen, copy, table, false) ||
      !messages(row, ',"rejected":[', copy.rejected, copy, table, false)
    )
      return null;
    rows.push(row.end(scoreTail(copy), sourceTail));
  }
  return [rows[0]!, rows[1]!];
}
