/**
 * Data that reaches users only inside a judge's prompt: prometheus-eval's benchmark files keep each
 * response embedded in its Prometheus grading prompt ("###The instruction to evaluate:", "###Response to
 * evaluate:", a reference answer, the rubric). The instruction and the response are taken back out here,
 * verbatim, so such a file can be paired and relabeled like any other. Pure.
 */

const INSTRUCTION = '###The instruction to evaluate:\n';
const RESPONSE = '\n\n###Response to evaluate:\n';
/** What may follow the response, in the order Prometheus' absolute and relative prompts write them. */
const AFTER_RESPONSE = ['\n\n###Reference Answer (Score 5):\n', '\n\n###Reference Answer:\n', '\n\n###Score Rubric'];

export interface UnpackedJudgePrompt {
  instruction: string;
  response: string;
}

/** The instruction and response of a Prometheus grading prompt, or null for any other text. */
export function unpackJudgePrompt(text: unknown): UnpackedJudgePrompt | null {
  if (typeof text !== 'string' || !text.startsWith('###Task Description:')) return null;
  const start = text.indexOf(INSTRUCTION);
  if (start < 0) return null;
  const middle = text.indexOf(RESPONSE, start);
  if (middle < 0) return null;
  const from = middle + RESPONSE.length;
  let end = -1;
  for (const marker of AFTER_RESPONSE) {
    end = text.indexOf(marker, from);
    if (end >= 0) break;
  }
  if (end < 0) return null;
  return { instruction: text.slice(start + INSTRUCTION.length, middle), response: text.slice(from, end) };
}

/** The first column of a record that holds a grading prompt with its response inside, if any. */
export function judgePromptColumn(record: Record<string, unknown>): string | undefined {
  return Object.keys(record).find((name) => unpackJudgePrompt(record[name]) !== null);
}

/*
 * FastChat's MT-Bench pairwise judge prompts (fastchat/llm_judge/data/judge_prompts.jsonl, `pair-v2` and
 * `pair-math-v1`): the question, an optional reference answer (math), and assistant A's and B's answers
 * between fixed markers. A marker that appears twice (an answer quoting one) makes the split ambiguous:
 * such a prompt is refused, never cut at a guess.
 */
const FC_QUESTION = '[User Question]\n';
const FC_REFERENCE = '\n\n[The Start of Reference Answer]\n';
const FC_REFERENCE_END = '\n[The End of Reference Answer]';
const FC_A = "\n\n[The Start of Assistant A's Answer]\n";
const FC_A_TO_B = "\n[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n";
const FC_END = "\n[The End of Assistant B's Answer]";
const FC_MULTI_TURN = "<|The Start of Assistant A's Conversation with User|>";

export interface FastChatPair {
  question: string;
  /** Assistant A's and B's answers, as the prompt orders them. */
  a: string;
  b: string;
}

const occurrences = (text: string, marker: string) => text.split(marker).length - 1;

/** The question and the two answers of a FastChat pairwise judge prompt, or why they cannot be taken out exactly. */
export function unpackFastChatPair(text: unknown): FastChatPair | { why: string } {
  if (typeof text !== 'string') return { why: 'not a text' };
  if (text.includes(FC_MULTI_TURN))
    return {
      why:
        'a multi-turn judge prompt (two conversations, "### User:" turns): radpo reads single-turn FastChat ' +
        'prompts only, since an answer may itself hold a "### User:" line',
    };
  if (!text.startsWith(FC_QUESTION) || !text.endsWith(FC_END))
    return { why: `not a FastChat pairwise prompt ("${FC_QUESTION.trim()}" … "${FC_END.trim()}")` };
  for (const marker of [FC_A, FC_A_TO_B, FC_END, FC_REFERENCE, FC_REFERENCE_END]) {
    if (occurrences(text, marker) > 1)
      return { why: `the marker ${JSON.stringify(marker.trim())} appears more than once: the split is ambiguous` };
  }
  const a = text.indexOf(FC_A);
  const b = text.indexOf(FC_A_TO_B);
  if (a < 0 || b < a) return { why: "no assistant A's and B's answers in order" };
  let question = text.slice(FC_QUESTION.length, a);
  const reference = question.indexOf(FC_REFERENCE);
  if (reference >= 0) {
    // pair-math-v1: the reference answer is the judge's, no response; it must close right before A's answer.
    if (!question.endsWith(FC_REFERENCE_END)) return { why: 'a reference answer that does not close before A' };
    question = question.slice(0, reference);
  } else if (question.includes(FC_REFERENCE_END.trim())) return { why: 'a reference answer that never opens' };
  return {
    question,
    a: text.slice(a + FC_A.length, b),
    b: text.slice(b + FC_A_TO_B.length, text.length - FC_END.length),
  };
}
