import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, paperGoal, parseJsonl, run, tempDir } from '../../helpers.js';
import { readFileSync } from 'node:fs';

// A real row from the bundled sample, given a top chosen score, so its chosen-goal copy holds the
// training text for score 10.
const source = JSON.parse(readFileSync(join(FIXTURES, 'ultrafeedback_sample.jsonl'), 'utf8').split('\n')[0]!);

async function trainingPrompt(placement: 'system' | 'user', extra: string[] = []) {
  const dir = tempDir();
  const path = join(dir, 'top.jsonl');
  writeFileSync(path, JSON.stringify({ ...source, metadata: { score_chosen: 10, score_rejected: 4 } }));
  const r = await run(['relabel', path, '--placement', placement, ...extra]);
  expect(r.code).toBe(0);
  return parseJsonl(r.stdout)[0]!.prompt as Array<{ role: string; content: string }>;
}

describe('radpo goal (acceptance 5)', () => {
  it('--score 10 prints the paper text exactly, one trailing newline', async () => {
    const r = await run(['goal', '--score', '10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${paperGoal('10')}\n`);
  });

  it('system placement: the text is the training system message', async () => {
    const prompt = await trainingPrompt('system');
    const r = await run(['goal', '--score', '10']);
    expect(prompt[0]).toEqual({ role: 'system', content: r.stdout.slice(0, -1) });
    const json = await run(['goal', '--score', '10', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([prompt[0]]);
  });

  it('user placement: goal + blank line + question is the training user message', async () => {
    const prompt = await trainingPrompt('user');
    const r = await run(['goal', '--score', '10', '--placement', 'user', '--json', '--prompt', source.prompt]);
    expect(JSON.parse(r.stdout)).toEqual(prompt);
    const text = await run(['goal', '--score', '10', '--placement', 'user']);
    expect(prompt[0]!.content).toBe(`${text.stdout.slice(0, -1)}\n\n${source.prompt}`);
  });

  it('uses the same template file and scale as training', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'g.txt'), 'Target quality: {score}/{max}.\n');
    const prompt = await trainingPrompt('system', ['--goal-template', join(dir, 'g.txt')]);
    const r = await run(['goal', '--score', '10', '--goal-template', join(dir, 'g.txt')]);
    expect(r.stdout).toBe('Target quality: 10/10.\n');
    expect(prompt[0]!.content).toBe('Target quality: 10/10.');
  });

  it('attributes, in training order', async () => {
    const r = await run(['goal', '--scale', '0-4', '--attr-score', 'helpfulness=4', '--attr-score', 'correctness=4']);
    expect(r.stdout).toBe(
      'You are an assistant that generates responses for the instruction while implicitly achieving the ' +
        'following target scores (on a scale of 0-4, where 0 is lowest and 4 is highest):\nhelpfulness: ' +
        '4.\ncorrectness: 4.\n',
    );
  });

  it.each([
    [['goal'], /--score is required/],
    [['goal', '--score', 'ten'], /--score expects a decimal number/],
    [['goal', '--score', '11'], /outside the scale 1-10/],
  ])('%j is a usage error', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
