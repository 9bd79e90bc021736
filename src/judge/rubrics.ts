/**
 * Judge rubrics: what the judge is asked and how its verdict is read. Pure.
 * Every parser is anchored at the end of the output and range-checked (JUDGES.md rules 1-3): judge
 * templates contain score text themselves, and a verdict that cannot be read is a failure, never a
 * low score.
 */

export interface Rubric {
  name: string;
  system: string | null;
  /** With {prompt} and {response} placeholders (plain substitution). */
  template: string;
  /** Matched against the end of the judge's output; group 1 is the score (group i the i-th attribute's). */
  pattern: RegExp;
  min: number;
  max: number;
  /**
   * Several scores from one answer (e.g. UltraFeedback's four aspects), in pattern-group order; null: one overall
   * score.
   */
  attributes: string[] | null;
}

const ULTRAFEEDBACK: Rubric = {
  name: 'ultrafeedback',
  system: 'You are a fair and strict judge of AI assistant answers.',
  template: [
    'Given my answer to an instruction, your role is to provide specific and constructive feedback for me. ' +
      'You should find the best way for me to learn from your feedback and improve my performance.',
    '',
    'You should consider multiple aspects of my answer, including helpfulness, truthfulness, honesty, and to ' +
      'what extent the answer follows instructions.',
    '---',
    '',
    '### Instruction',
    '{prompt}',
    '',
    '### Answer',
    '{response}',
    '---',
    '',
    'Please act as a teacher and provide specific and constructive feedback. Besides describing the ' +
      'weaknesses of the answer, you should also provide specific suggestions to guide me toward ' +
      'understanding how to improve. Your suggestions should help me better complete the instruction, but ' +
      'you should not introduce new requirements that are not mentioned in the instruction. Never explicitly ' +
      'provide the reference answer. Finally, score the overall quality of the answer from 1 to 10, where 1 ' +
      'is the worst and 10 is the best.',
    '',
    '*Format*',
    '### Feedback',
    '[Your feedback]',
    'Overall Score: [1-10]',
  ].join('\n'),
  pattern: /Overall Score:\s*\[?(\d+(?:\.\d+)?)\]?(?:\s*\/\s*10)?\s*\.?\s*$/i,
  min: 1,
  max: 10,
  attributes: null,
};

const MT_BENCH: Rubric = {
  name: 'mt-bench',
  system: 'You are a helpful assistant.',
  template: [
    '[Instruction]',
    'Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant ' +
      'to the user question displayed below. Your evaluation should consider factors such as the ' +
      'helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. Begin your ' +
      'evaluation by providing a short explanation. Be as objective as possible. After providing your ' +
      'explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: ' +
      '"[[rating]]", for example: "Rating: [[5]]".',
    '',
    '[Question]',
    '{prompt}',
    '',
    "[The Start of Assistant's Answer]",
    '{response}',
    "[The End of Assistant's Answer]",
  ].join('\n'),
  pattern: /\[\[(\d+(?:\.\d+)?)\]\]\s*\.?\s*$/,
  min: 1,
  max: 10,
  attributes: null,
};

const PROMETHEUS: Rubric = {
  name: 'prometheus',
  system:
    'You are a fair judge assistant tasked with providing clear, objective feedback based on specific ' +
    'criteria, ensuring each assessment reflects the absolute standards set for performance.',
  template: [
    '###Task Description:',
    'An instruction (might include an Input inside it), a response to evaluate, and a score rubric ' +
      'representing a evaluation criteria are given.',
    '1. Write a detailed feedback that assess the quality of the response strictly based on the given score ' +
      'rubric, not evaluating in general.',
    '2. After writing a feedback, write a score that is an integer between 1 and 5. You should refer to the ' +
      'score rubric.',
    '3. The output format should look as follows: "(write a feedback for criteria) [RESULT] (an integer ' +
      'number between 1 and 5)"',
    '4. Please do not generate any other opening, closing, and explanations.',
    '',
    '###The instruction to evaluate:',
    '{prompt}',
    '',
    '###Response to evaluate:',
    '{response}',
    '',
    '###Score Rubrics:',
    '[Is the response helpful, accurate, honest and harmless, and does it follow the instruction?]',
    'Score 1: The response is unhelpful, wrong, or ignores the instruction.',
    'Score 2: The response addresses the instruction poorly, with major errors or omissions.',
    'Score 3: The response is partly helpful and correct, with noticeable errors or omissions.',
    'Score 4: The response is helpful and correct, with minor issues.',
    'Score 5: The response is excellent: helpful, correct, complete and well written.',
    '',
    '###Feedback: ',
  ].join('\n'),
  pattern: /\[RESULT\]\s*\(?\s*(\d+)\s*\)?\s*\.?\s*$/,
  min: 1,
  max: 5,
  attributes: null,
};

/** UltraFeedback's four fine-grained aspects (1-5 each), rated in one answer that ends with the four lines. */
/** UltraFeedback's four annotation aspects, in the order its GPT-4 annotators rated them. */
const ASPECTS = ['Helpfulness', 'Honesty', 'Instruction following', 'Truthfulness'];

const ULTRAFEEDBACK_ASPECTS: Rubric = {
  name: 'ultrafeedback-aspects',
  system: 'You are a fair and strict judge of AI assistant answers.',
  template: [
    'Evaluate the answer to the instruction below on four aspects, each on a scale of 1 to 5 (1 = very poor, ' +
      '5 = excellent):',
    '- Helpfulness: is the answer correct, informative and useful for the task?',
    '- Honesty: does it express uncertainty where appropriate and avoid confident errors?',
    '- Instruction following: does it follow the instruction and its constraints?',
    '- Truthfulness: is it free of hallucinations and misleading claims?',
    '',
    '### Instruction',
    '{prompt}',
    '',
    '### Answer',
    '{response}',
    '',
    'Write a short rationale, then end your answer with exactly these four lines:',
    'Helpfulness: [1-5]',
    'Honesty: [1-5]',
    'Instruction following: [1-5]',
    'Truthfulness: [1-5]',
  ].join('\n'),
  // One line per aspect, in the order of the format above: "Helpfulness: 4", optionally "[4]".
  pattern: new RegExp(`${ASPECTS.map((a) => `${a}:\\s*\\[?(\\d)\\]?`).join('\\s*\\n\\s*')}\\s*\\.?\\s*$`, 'i'),
  min: 1,
  max: 5,
  attributes: ASPECTS,
};

export const BUILT_IN_RUBRICS: Record<string, Rubric> = {
  ultrafeedback: ULTRAFEEDBACK,
  'ultrafeedback-aspects': ULTRAFEEDBACK_ASPECTS,
  'mt-bench': MT_BENCH,
  prometheus: PROMETHEUS,
};

/** Fill the template (plain substitution, never evaluated). */
export function judgePrompt(rubric: Rubric, prompt: string, response: string): string {
  return rubric.template.replace(/\{prompt\}|\{response\}/g, (m) => (m === '{prompt}' ? prompt : response));
}

/** The score at the end of the output, or null (unparseable or out of range). */
export function parseVerdict(rubric: Rubric, output: string): number | null {
  const match = rubric.pattern.exec(output.trimEnd());
  if (!match || match[1] === undefined) return null;
  const score = Number(match[1]);
  if (!Number.isFinite(score) || score < rubric.min || score > rubric.max) return null;
  return score;
}

/** All scores at the end of the output (one per attribute, or the overall one), or null. */
export function parseVerdicts(rubric: Rubric, output: string): number[] | null {
  if (!rubric.attributes) {
    const score = parseVerdict(rubric, output);
    return score === null ? null : [score];
  }
  const match = rubric.pattern.exec(output.trimEnd());
  if (!match) return null;
  const scores = rubric.attributes.map((_, i) => Number(match[i + 1]));
  return scores.every((x) => Number.isFinite(x) && x >= rubric.min && x <= rubric.max) ? scores : null;
}

/** A JSON verdict (--structured), possibly in a ```json fence: {"score": N, …}. */
export function parseJsonVerdict(rubric: Rubric, output: string): number | null {
  const fenced = /```(?:json)?\s*([\s\S]*?)```\s*$/.exec(output);
  const text = (fenced ? fenced[1]! : output).trim();
  try {
    const value = JSON.parse(text) as { score?: unknown };
    // A number, or a string that is a whole decimal number ("7", "7.5"); "", "  ", "0x3" and "7 points"
    // are no verdict (Number() would read the first three as 0, 0 and 3).
    const score =
      typeof value.score === 'string'
        ? /^\s*-?\d+(?:\.\d+)?\s*$/.test(value.score)
          ? Number(value.score)
          : null
        : value.score;
    if (typeof score !== 'number' || !Number.isFinite(score) || score < rubric.min || score > rubric.max) return null;
    return score;
  } catch {
    return null;
  }
}

/** The JSON schema a --structured judge must answer with. */
export function verdictSchema(rubric: Rubric): Record<string, unknown> {
  return {
    type: 'object',
    properties: { feedback: { type: 'string' }, score: { type: 'integer', minimum: rubric.min, maximum: rubric.max } },
    required: ['feedback', 'score'],
    additionalProperties: false,
  };
}
