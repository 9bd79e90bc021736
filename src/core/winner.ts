/**
 * Human-labelled preference data says who won, not which column is chosen: two responses (A and B) and a
 * winner column (LMSYS arena `winner`, alpaca_eval `preference`, Auto-J `label`, PKU-SafeRLHF
 * `better_response_id`, SHP `labels`), flags (Kaggle arena `winner_model_a`/`_b`/`winner_tie`), a signed
 * strength (HelpSteer2-Preference) or several annotators' votes (PandaLM). Each row is oriented here:
 * the winner becomes `chosen`, the other `rejected` (with their scores), and a tie or "both bad" is no
 * preference — set aside, never a guessed side. Pure.
 */
import { RowError, ValueError, preview } from './errors.js';
import { type UnpackedJudgePrompt, unpackFastChatPair, unpackJudgePrompt } from './judge-prompt.js';
import { getPath, pathText, type Path } from './path.js';

type Side = 'a' | 'b' | 'tie';

export interface WinnerSpec {
  responseA: Path;
  responseB: Path;
  /**
   * How the winner is read: one or several vote columns whose values map to a side (majority; a split
   * vote is a tie), three 0/1 flag columns, or the sign of a strength (negative: A, positive: B).
   */
  rule:
    | { kind: 'votes'; columns: Path[]; values: Map<string, Side> }
    | { kind: 'flags'; a: Path; b: Path; tie: Path }
    | { kind: 'sign'; column: Path }
    | { kind: 'fixed' };
  scoreA?: Path;
  scoreB?: Path;
  /** The layout's prompt column where its name says nothing (SHP's post is `history`). */
  prompt?: Path;
  /**
   * The responses are inside judge prompts: A and B are whole Prometheus prompts (the instruction and each
   * response taken out of each), or A's column holds one FastChat pairwise prompt with both answers (B's
   * column names the same prompt with the answers swapped, the second judging order, which must agree).
   */
  unpack?: 'judge-prompt' | 'fastchat-pair';
  /** For the summary: "winner from winner (LMSYS arena)". */
  description: string;
}

const SIDE_NAMES: Record<Side, string> = { a: 'A', b: 'B', tie: 'tie' };

/** --winner-values "A=model_a|1,B=model_b|2,tie=tie|tie (bothbad)": each side's values, | between several. */
export function parseWinnerValues(text: string): Map<string, Side> {
  const values = new Map<string, Side>();
  for (const part of text.split(',')) {
    const match = /^\s*(A|B|tie)\s*=(.*)$/i.exec(part);
    if (!match) throw new ValueError(text, 'A=VALUE[|VALUE…],B=VALUE[|VALUE…],tie=VALUE[|VALUE…]');
    const side = match[1]!.toLowerCase() as Side;
    for (const raw of match[2]!.split('|')) {
      const value = raw.trim();
      // An empty value would match an empty cell; a value named for two sides would go to whichever came
      // last (a tie read as an A win): both are refused, naming them.
      if (value === '')
        throw new ValueError(
          text,
          undefined,
          `${match[1]}= names an empty value`,
          'give each side at least one value, e.g. A=model_a,B=model_b,tie=tie',
        );
      const named = values.get(value);
      if (named !== undefined && named !== side)
        throw new ValueError(
          text,
          undefined,
          `the value ${JSON.stringify(value)} is named for two sides, ${SIDE_NAMES[named]} and ${SIDE_NAMES[side]}`,
          'name each value for one side only',
        );
      values.set(value, side);
    }
  }
  if (![...values.values()].includes('a') || ![...values.values()].includes('b'))
    throw new ValueError(text, undefined, 'name the values of both sides, A= and B=');
  return values;
}

const cell = (value: unknown) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value);

/** The side a row's label picks. */
export function winnerSide(row: unknown, spec: WinnerSpec): Side {
  const { rule } = spec;
  if (rule.kind === 'fixed') return 'a';
  if (rule.kind === 'flags') {
    const on = (p: Path) => {
      const v = getPath(row, p);
      return v === 1 || v === true || v === '1' || v === 'true';
    };
    const [a, b, tie] = [on(rule.a), on(rule.b), on(rule.tie)];
    if (a && !b && !tie) return 'a';
    if (b && !a && !tie) return 'b';
    if (tie && !a && !b) return 'tie';
    throw new RowError('bad_field', 'the winner flags do not name one side', {
      field: [rule.a, rule.b, rule.tie].map((p) => p.join('.')).join('/'),
      expected: 'exactly one of the three flags set to 1',
      found: [rule.a, rule.b, rule.tie].map((p) => preview(getPath(row, p), 12)).join(', '),
    });
  }
  if (rule.kind === 'sign') {
    const v = Number(getPath(row, rule.column));
    if (!Number.isFinite(v)) {
      throw new RowError('bad_field', 'the preference strength is not a number', {
        field: rule.column.join('.'),
        expected: 'a number (negative: the first response, positive: the second, 0: a tie)',
        found: preview(getPath(row, rule.column)),
      });
    }
    return v < 0 ? 'a' : v > 0 ? 'b' : 'tie';
  }
  const votes = { a: 0, b: 0, tie: 0 };
  for (const column of rule.columns) {
    const raw = getPath(row, column);
    // A label left empty (alpaca_eval's null preference: not annotated) records no preference; a missing
    // column stays an error (a wrong column name must not set every row aside quietly).
    if (raw === null)
      throw new RowError('no_preference', 'the label is empty: no side is preferred', {
        field: column.join('.'),
        expected: [...rule.values.keys()].map((v) => JSON.stringify(v)).join(', '),
        found: 'null',
      });
    const side = rule.values.get(String(cell(raw)));
    if (side === undefined) {
      throw new RowError('bad_field', 'the label is none of the winner values', {
        field: column.join('.'),
        expected: [...rule.values.keys()].map((v) => JSON.stringify(v)).join(', '),
        found: preview(raw),
      });
    }
    votes[side] += 1;
  }
  if (votes.a > votes.b && votes.a > votes.tie) return 'a';
  if (votes.b > votes.a && votes.b > votes.tie) return 'b';
  return 'tie';
}

/** The row as if A won: for finding the shape and the score columns on a first row that may be a tie. */
export function probeOrientation(row: unknown, spec: WinnerSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  out.chosen = getPath(row, spec.responseA);
  out.rejected = getPath(row, spec.responseB);
  if (spec.scoreA && spec.scoreB) {
    out.score_chosen = getPath(row, spec.scoreA);
    out.score_rejected = getPath(row, spec.scoreB);
  }
  if (spec.unpack === 'fastchat-pair') {
    // A prompt that cannot be unpacked still gives the shape of every other row; orientByWinner refuses it.
    const pair = unpackFastChatPair(out.chosen);
    Object.assign(out, 'why' in pair ? { prompt: '', chosen: '', rejected: '' } : pairOfFastChat(pair, 'a'));
  } else if (spec.unpack) {
    const [a, b] = [unpackJudgePrompt(out.chosen), unpackJudgePrompt(out.rejected)];
    if (a && b) Object.assign(out, { prompt: a.instruction, chosen: a.response, rejected: b.response });
  }
  return out;
}

const pairOfFastChat = (pair: { question: string; a: string; b: string }, side: 'a' | 'b') => ({
  prompt: pair.question,
  chosen: side === 'a' ? pair.a : pair.b,
  rejected: side === 'a' ? pair.b : pair.a,
});

/**
 * The question and the two answers out of a FastChat pairwise judgment: the first order's prompt (A is
 * model_1), checked against the second order's (A is model_2) when the row has it, so an answer is never
 * attributed to the wrong model.
 */
function unpackFastChat(row: unknown, spec: WinnerSpec, side: 'a' | 'b') {
  const refuse = (path: Path, why: string) =>
    new RowError('bad_field', `the FastChat judge prompt cannot be unpacked: ${why}`, {
      field: path.join('.'),
      expected: "a single-turn pairwise prompt: [User Question], Assistant A's and B's answers",
      found: preview(getPath(row, path)),
    });
  const first = unpackFastChatPair(getPath(row, spec.responseA));
  if ('why' in first) throw refuse(spec.responseA, first.why);
  const swapped = getPath(row, spec.responseB);
  if (typeof swapped === 'string') {
    const second = unpackFastChatPair(swapped);
    if ('why' in second) throw refuse(spec.responseB, second.why);
    if (second.question !== first.question || second.a !== first.b || second.b !== first.a)
      throw new RowError('prompt_mismatch', 'the two judging orders do not hold the same question and answers', {
        field: `${spec.responseA.join('.')} vs ${spec.responseB.join('.')}`,
        expected: "the second prompt with the first one's answers swapped",
        found: `${preview(first.question, 40)} vs ${preview(second.question, 40)}`,
      });
  }
  return pairOfFastChat(first, side);
}

/** The instruction and the two responses out of A's and B's judge prompts (one instruction for both). */
function unpackPair(row: unknown, win: Path, lose: Path): { prompt: string; chosen: string; rejected: string } {
  const [w, l] = [win, lose].map((path) => {
    const unpacked = unpackJudgePrompt(getPath(row, path));
    if (unpacked === null) {
      throw new RowError('bad_field', 'not a Prometheus grading prompt', {
        field: path.join('.'),
        expected: 'a judge prompt with "###The instruction to evaluate:" and "###Response to evaluate:"',
        found: preview(getPath(row, path)),
      });
    }
    return unpacked;
  }) as [UnpackedJudgePrompt, UnpackedJudgePrompt];
  if (w.instruction !== l.instruction) {
    throw new RowError('prompt_mismatch', 'the two judge prompts grade different instructions', {
      field: `${win.join('.')} vs ${lose.join('.')}`,
      expected: 'the same instruction in both',
      found: `${preview(w.instruction, 40)} vs ${preview(l.instruction, 40)}`,
    });
  }
  return { prompt: w.instruction, chosen: w.response, rejected: l.response };
}

/**
 * The row with `chosen`/`rejected` (and `score_chosen`/`score_rejected` from the A/B score columns) set
 * from its winner; a tie throws `no_preference`.
 */
export function orientByWinner(row: unknown, spec: WinnerSpec): Record<string, unknown> {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return row as Record<string, unknown>;
  const side = winnerSide(row, spec);
  if (side === 'tie') {
    const { rule } = spec;
    // Several votes: their values, so a split (FastChat's two judging orders disagreeing) reads as one.
    const found =
      rule.kind === 'votes' && rule.columns.length > 1
        ? rule.columns.map((c) => `${c.join('.')}=${preview(getPath(row, c), 20)}`).join(', ')
        : 'a tie';
    throw new RowError('no_preference', 'the label is a tie (or both bad, or the votes disagree): no side to prefer', {
      field: spec.description,
      expected: 'a label that prefers one response',
      found,
    });
  }
  const [win, lose] = side === 'a' ? [spec.responseA, spec.responseB] : [spec.responseB, spec.responseA];
  const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  out.chosen = getPath(row, win);
  out.rejected = getPath(row, lose);
  if (spec.unpack === 'fastchat-pair') Object.assign(out, unpackFastChat(row, spec, side));
  else if (spec.unpack) Object.assign(out, unpackPair(row, win, lose));
  // The layout's prompt under the name every reader knows, so the oriented row (`radpo score` output) is a
  // plain prompt/chosen/rejected pair when read again.
  if (spec.prompt && !Object.hasOwn(out, 'prompt')) out.prompt = getPath(row, spec.prompt);
  if (spec.scoreA && spec.scoreB) {
    const [sw, sl] = side === 'a' ? [spec.scoreA, spec.scoreB] : [spec.scoreB, spec.scoreA];
    out.score_chosen = getPath(row, sw);
    out.score_rejected = getPath(row, sl);
  }
  return out;
}

const votes = (columns: string[], values: Array<[string, Side]>): WinnerSpec['rule'] => ({
  kind: 'votes',
  columns: columns.map((c) => [c]),
  values: new Map(values),
});

/**
 * The known layouts, found by their column names when no winner flag is given. Each names its columns
 * exactly, so a row that has them all is that layout.
 */
const PRESETS: Array<{ name: string; needs: string[]; spec: () => Omit<WinnerSpec, 'description'> }> = [
  {
    name: 'Kaggle LMSYS arena flags',
    needs: ['response_a', 'response_b', 'winner_model_a', 'winner_model_b', 'winner_tie'],
    spec: () => ({
      responseA: ['response_a'],
      responseB: ['response_b'],
      rule: { kind: 'flags', a: ['winner_model_a'], b: ['winner_model_b'], tie: ['winner_tie'] },
    }),
  },
  {
    name: 'alpaca_eval (preference 1, 2; 1.5 a tie)',
    needs: ['output_1', 'output_2', 'preference'],
    spec: () => ({
      responseA: ['output_1'],
      responseB: ['output_2'],
      rule: votes(
        ['preference'],
        [
          ['1', 'a'],
          ['1.0', 'a'],
          ['2', 'b'],
          ['2.0', 'b'],
          ['1.5', 'tie'],
        ],
      ),
    }),
  },
  {
    name: 'Auto-J pairwise (label 0: response 1, 1: response 2, 2: a tie)',
    needs: ['response 1', 'response 2', 'label'],
    spec: () => ({
      responseA: ['response 1'],
      responseB: ['response 2'],
      rule: votes(
        ['label'],
        [
          ['0', 'a'],
          ['1', 'b'],
          ['2', 'tie'],
        ],
      ),
    }),
  },
  {
    name: 'PandaLM (three annotators: 1, 2, or 0 for a tie; the majority)',
    needs: ['response1', 'response2', 'annotator1', 'annotator2', 'annotator3'],
    spec: () => ({
      responseA: ['response1'],
      responseB: ['response2'],
      rule: votes(
        ['annotator1', 'annotator2', 'annotator3'],
        [
          ['1', 'a'],
          ['2', 'b'],
          ['0', 'tie'],
        ],
      ),
    }),
  },
  {
    name: 'PKU-SafeRLHF (better_response_id)',
    needs: ['response_0', 'response_1', 'better_response_id'],
    spec: () => ({
      responseA: ['response_0'],
      responseB: ['response_1'],
      rule: votes(
        ['better_response_id'],
        [
          ['0', 'a'],
          ['1', 'b'],
        ],
      ),
    }),
  },
  {
    name: 'SHP (labels: 1 = human_ref_A)',
    needs: ['human_ref_A', 'human_ref_B', 'labels'],
    spec: () => ({
      responseA: ['human_ref_A'],
      responseB: ['human_ref_B'],
      prompt: ['history'],
      rule: votes(
        ['labels'],
        [
          ['1', 'a'],
          ['0', 'b'],
        ],
      ),
    }),
  },
  {
    name: 'HelpSteer2-Preference (the sign of preference_strength)',
    needs: ['response_1', 'response_2', 'preference_strength'],
    spec: () => ({
      responseA: ['response_1'],
      responseB: ['response_2'],
      rule: { kind: 'sign', column: ['preference_strength'] },
    }),
  },
  {
    // prometheus-eval's HHH alignment benchmark: the chosen and rejected responses inside their judge prompts.
    name: 'Prometheus judge prompts (chosen_instruction over rejected_instruction, unpacked)',
    needs: ['chosen_instruction', 'rejected_instruction'],
    spec: () => ({
      responseA: ['chosen_instruction'],
      responseB: ['rejected_instruction'],
      rule: { kind: 'fixed' },
      unpack: 'judge-prompt',
    }),
  },
  {
    // fastchat/llm_judge/common.py play_a_match_pair judges each pair in both orders and maps each order's
    // A/B back to model_1/model_2: both winners are in model terms. The preference is the one both orders
    // agree on; a tie, an "error" or disagreeing orders (position bias) is no preference.
    name: 'FastChat MT-Bench pair judgments (g1_winner and g2_winner agree; answers from g1_user_prompt)',
    needs: ['model_1', 'model_2', 'g1_winner', 'g2_winner', 'g1_user_prompt'],
    spec: () => ({
      responseA: ['g1_user_prompt'],
      responseB: ['g2_user_prompt'],
      rule: votes(
        ['g1_winner', 'g2_winner'],
        [
          ['model_1', 'a'],
          ['model_2', 'b'],
          ['tie', 'tie'],
          ['error', 'tie'],
        ],
      ),
      unpack: 'fastchat-pair',
    }),
  },
  {
    name: 'LMSYS arena (winner: model_a, model_b, tie, tie (bothbad))',
    needs: ['conversation_a', 'conversation_b', 'winner'],
    spec: () => ({
      responseA: ['conversation_a'],
      responseB: ['conversation_b'],
      rule: votes(
        ['winner'],
        [
          ['model_a', 'a'],
          ['model_b', 'b'],
          ['tie', 'tie'],
          ['tie (bothbad)', 'tie'],
        ],
      ),
    }),
  },
];

/**
 * The known layouts' response columns whose both columns a record has (a ratings file carries the two
 * responses it scores without the label): [A, B], or null.
 */
export function knownResponseColumns(record: Record<string, unknown>): [Path, Path] | null {
  for (const preset of PRESETS) {
    const { responseA, responseB } = preset.spec();
    if (Object.hasOwn(record, responseA[0]!) && Object.hasOwn(record, responseB[0]!)) return [responseA, responseB];
  }
  return null;
}

/** The known winner layout whose columns a record has, by name and columns (the layout registry's reason). */
export function winnerPresetOf(record: Record<string, unknown>): { name: string; columns: string[] } | null {
  if ('chosen' in record || 'rejected' in record) return null;
  const preset = PRESETS.find((p) => p.needs.every((c) => Object.hasOwn(record, c)));
  return preset ? { name: preset.name, columns: preset.needs } : null;
}

/** The known layout a record is in (by its columns), or null: no winner columns to read. */
export function detectWinnerLayout(record: unknown): WinnerSpec | null {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return null;
  if ('chosen' in record || 'rejected' in record) return null;
  for (const preset of PRESETS) {
    if (preset.needs.every((c) => Object.hasOwn(record, c))) {
      return { ...preset.spec(), description: `winner from ${preset.name}` };
    }
  }
  return null;
}

/**
 * Read a pair from a row oriented by its winner: an error about the chosen or rejected response names the column
 * the file holds it in (PandaLM's response1), not the oriented name the file does not have.
 */
export function readOriented<T>(value: unknown, spec: WinnerSpec | null | undefined, read: () => T): T {
  if (!spec) return read();
  try {
    return read();
  } catch (err) {
    const field = err instanceof RowError ? err.details.field : undefined;
    const side = field === undefined ? null : /^(chosen|rejected)(?=$|[.[])/.exec(field)?.[1];
    if (err instanceof RowError && field !== undefined && side) {
      const won = winnerSide(value, spec);
      if (won !== 'tie') {
        const path = (side === 'chosen') === (won === 'a') ? spec.responseA : spec.responseB;
        err.details.field = pathText(path) + field.slice(side.length);
      }
    }
    throw err;
  }
}
