/**
 * The fast path's TRL rows as a splice of bytes: each row is written straight into a buffer from the
 * byte ranges the input already holds (the responses and the prompt, which the byte-level parser kept
 * as raw slices in the form JSON.stringify writes), the goal's JSON made once per goal text, and the
 * keys, roles and numbers between them. No row text is made as a JavaScript string, escaped by
 * JSON.stringify, searched for placeholders and encoded back to UTF-8, which is what the other path
 * does (trlRowTexts, then expandRaw). The bytes are the same: the plain path is the oracle
 * (test/cli/fastpath.test.ts, test/cli/fastpath-nasty.test.ts).
 *
 * Only the common case is spliced: messages of a role and a string content, one score per response, no
 * tools. Anything else returns null and takes trlRowTexts.
 */
import { floatText, type RowOrigin } from '../../core/layouts.js';
import type { Message } from '../../core/pair.js';
import type { RelabeledPair } from '../../core/relabel.js';
import { expandRaw, type RawTable } from '../../io/rawjson.js';

/**
 * Rows are written into an arena and handed out as views of it: one large allocation for many rows, not
 * one per row (each a separate ArrayBuffer the garbage collector tracks). A row that does not fit moves,
 * with what it has written so far, to a fresh arena; views already handed out keep the old one alive.
 */
const ARENA_BYTES = 4 << 20;
let arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
let rowStart = 0;
let at = 0;

function room(bytes: number): void {
  if (at + bytes <= arena.length) return;
  const fresh = Buffer.allocUnsafeSlow(Math.max(ARENA_BYTES, (at - rowStart + bytes) * 2));
  arena.copy(fresh, 0, rowStart, at);
  at -= rowStart;
  rowStart = 0;
  arena = fresh;
}

function putBytes(bytes: Buffer): void {
  room(bytes.length);
  arena.set(bytes, at);
  at += bytes.length;
}

/** Text (keys, numbers, short strings) encoded as UTF-8: at most three bytes per UTF-16 unit. */
function putText(text: string): void {
  room(text.length * 3);
  at += arena.write(text, at, 'utf8');
}

/** The JSON of texts that repeat in every row (`{"role":"user","content":"`), encoded once. */
const constants = new Map<string, Buffer>();
function constant(text: string): Buffer {
  let bytes = constants.get(text);
  if (bytes === undefined) {
    if (constants.size >= 1024) constants.clear();
    bytes = Buffer.from(text, 'utf8');
    constants.set(text, bytes);
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

/** `{"role":"user","content":"` (with a comma before it after the first message), encoded once per role. */
const heads = [new Map<string, Buffer>(), new Map<string, Buffer>()] as const;
function messageHead(role: string, first: boolean): Buffer {
  const map = heads[first ? 0 : 1];
  let bytes = map.get(role);
  if (bytes === undefined) {
    if (map.size >= 1024) map.clear();
    bytes = Buffer.from(`${first ? '' : ','}{"role":${JSON.stringify(role)},"content":"`, 'utf8');
    map.set(role, bytes);
  }
  return bytes;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** A message whose only keys are role and content, in that order (as toPair makes them). */
function isPlain(m: Message): boolean {
  let n = 0;
  for (const key in m) {
    if ((n === 0 && key !== 'role') || (n === 1 && key !== 'content') || n === 2) return false;
    n++;
  }
  return n === 2 && typeof m.content === 'string';
}

/** A string's JSON content (no quotes): its raw slice if it is a placeholder, else its JSON, placeholders put back. */
function putStringContent(text: string, table: RawTable): void {
  const slice = table.sliceOf(text);
  if (slice !== null) putBytes(slice);
  else {
    const json = JSON.stringify(text);
    const expanded = expandRaw(json.slice(1, -1), table);
    if (typeof expanded === 'string') putText(expanded);
    else for (const part of expanded) typeof part === 'string' ? putText(part) : putBytes(part);
  }
}

/** `key` then the message list's JSON; false when a message is not one this splices. */
function putMessages(key: string, list: readonly Message[], copy: RelabeledPair, table: RawTable): boolean {
  putBytes(constant(`${key}[`));
  const goal = copy.goal;
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!;
    if (!isPlain(m)) return false;
    const content = m.content as string;
    putBytes(messageHead(m.role, i === 0));
    // The goal is the whole message (a system message the goal made) or starts it (--placement user; not
    // split after half a surrogate pair, which JSON.stringify writes as an escape only when it is alone).
    if (content === goal) putBytes(goalBytes(goal, copy.goalScores[0]!));
    else if (goal !== '' && content.startsWith(goal) && !isHighSurrogate(goal.charCodeAt(goal.length - 1))) {
      putBytes(goalBytes(goal, copy.goalScores[0]!));
      putStringContent(content.slice(goal.length), table);
    } else putStringContent(content, table);
    putBytes(constant('"}'));
  }
  putBytes(constant(']'));
  return true;
}

/**
 * The two copies' TRL rows, byte for byte what trlRowTexts and expandRaw give, as two views of one
 * buffer; null for a pair this does not splice (the caller takes trlRowTexts).
 */
export function spliceTrlRows(
  copies: readonly [RelabeledPair, RelabeledPair],
  attributes: readonly string[] | null,
  origin: RowOrigin,
  table: RawTable,
): [Buffer, Buffer] | null {
  if (attributes !== null || copies[0].tools !== undefined) return null;
  rowStart = at;
  let middle = 0;
  const sourceTail =
    (origin.id === undefined ? '' : `,"source_id":${JSON.stringify(origin.id)}`) +
    (origin.file === undefined ? '' : `,"source_file":${JSON.stringify(origin.file)}`) +
    `,"source_line":${origin.line}}`;
  for (const copy of copies) {
    if (
      !putMessages('{"prompt":', copy.prompt, copy, table) ||
      !putMessages(',"chosen":', copy.chosen, copy, table) ||
      !putMessages(',"rejected":', copy.rejected, copy, table)
    ) {
      at = rowStart; // not spliced: the arena's space goes to the next row
      return null;
    }
    putText(
      `,"goal_score":${floatText(copy.goalScores[0]!)},"score_chosen":${floatText(copy.scoreChosen[0]!)}` +
        `,"score_rejected":${floatText(copy.scoreRejected[0]!)},"copy":"${copy.copy}"${sourceTail}`,
    );
    if (middle === 0) middle = at - rowStart;
  }
  return [arena.subarray(rowStart, rowStart + middle), arena.subarray(rowStart + middle, at)];
}
