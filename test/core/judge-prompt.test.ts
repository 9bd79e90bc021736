import { describe, expect, it } from 'vitest';
import { unpackJudgePrompt } from '../../src/core/judge-prompt.js';

const prompt = (after: string) =>
  '###Task Description:\nAn instruction, a response to evaluate…\n\n###The instruction to evaluate:\nName a prime.' +
  `\n\n###Response to evaluate:\n7, or 11.\n\n${after}`;

describe('unpackJudgePrompt: the instruction and the response out of a Prometheus grading prompt', () => {
  it.each([
    [
      'absolute, with a reference',
      prompt('###Reference Answer (Score 5):\n2\n\n###Score Rubrics:\n[…]\n\n###Feedback: '),
    ],
    ['relative, with a reference', prompt('###Reference Answer:\n2\n\n###Score Rubric:\n[…]\n\n###Feedback: ')],
    ['no reference', prompt('###Score Rubrics:\n[…]\n\n###Feedback: ')],
  ])('%s', (_name, text) => {
    expect(unpackJudgePrompt(text)).toEqual({ instruction: 'Name a prime.', response: '7, or 11.' });
  });

  it.each([
    ['plain text', 'Name a prime.'],
    ['not a string', { instruction: 'x' }],
    ['no response section', '###Task Description:\n…\n\n###The instruction to evaluate:\nq\n\n###Score Rubrics:\n'],
    [
      'nothing after the response',
      '###Task Description:\n###The instruction to evaluate:\nq\n\n###Response to evaluate:\na',
    ],
    ['another judge', '[Instruction]\nPlease act as an impartial judge…'],
  ])('%s: null', (_name, value) => {
    expect(unpackJudgePrompt(value)).toBeNull();
  });
});
