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
