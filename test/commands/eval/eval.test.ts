/**
 * radpo eval against two fake policies on 127.0.0.1 — one whose answers follow the goal in its system
 * message, one that ignores it — and a fake judge that reads the quality each answer states. Prompts are
 * real UltraFeedback instructions.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, DATA, parseJsonl, readJsonl, run, tempDir, ufPrompts } from '../../helpers.js';
import { type FakeJudge, type FakeJudgeOptions, fakeServers } from '../../judge-server.js';

const server = fakeServers();

const prompts = (dir: string, n: number) => ufPrompts(n, dir);

interface Servers {
  policy: FakeJudge;
  judge: FakeJudge;
  flags: string[];
}

async function servers(policy: FakeJudgeOptions['policy'], kind: FakeJudgeOptions['kind'] = 'vllm'): Promise<Servers> {
  const p = await server({ policy, models: ['policy'], kind });
  const j = await server({ models: ['judge'] });
  return {
    policy: p,
    judge: j,
    flags: ['--policy-url', p.url, '--policy-model', 'policy', '--judge', 'chat', '--judge-url', j.url],
  };
}

const judgeModel = ['--judge-model', 'judge'];

describe('radpo eval: does the policy follow its goal?', () => {
  it('a policy that follows the goal: Spearman near 1, the top goal beats no goal, no warning', async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const r = await run([
      'eval',
      prompts(dir, 12),
      ...s.flags,
      ...judgeModel,
      '--goals',
      '1,4,7,10',
      '-n',
      '4',
      '--json',
      '--no-cache',
    ]);
    expect(r.code, r.stderr).toBe(0);
    if (process.env.SHOW) console.log(r.stderr, r.stdout);
    const report = JSON.parse(r.stdout);
    expect(report.schema).toBe('radpo.eval/v1');
    expect(report.goals.map((g: { goal: number }) => g.goal)).toEqual([1, 4, 7, 10]);
    expect(new Set(report.goals.map((g: { answers: number }) => g.answers)), 'answers per goal').toEqual(new Set([48]));
    expect(report.goal_score_spearman.value).toBeGreaterThan(0.9);
    expect(report.goal_score_spearman.ci[0]).toBeGreaterThan(0.85);
    expect(report.top_vs_baseline.win_rate).toBeGreaterThan(0.9);
    expect(report.baseline.answers).toBe(48);
    // Means rise with the goal: the policy answers at the goal's quality, give or take one.
    const means = report.goals.map((g: { mean_score: { value: number } }) => g.mean_score.value);
    expect([...means].sort((a, b) => a - b)).toEqual(means);
    expect(means[0]).toBeLessThan(2.5);
    expect(means[3]).toBeGreaterThan(8.5);
    expect(report.warnings).toEqual([]);
    // 12 prompts × 5 conditions, one request each (vLLM takes n); every answer judged once.
    expect(s.policy.requests).toHaveLength(60);
    expect(s.judge.requests).toHaveLength(240);
    // The table on stderr: at most 100 columns.
    expect(r.stderr).toMatch(/goal–score Spearman, within prompts\s+0\.9\d\d/);
    for (const line of r.stderr.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('a policy that ignores the goal: goal_ignored; --fail-on warnings makes it exit 1', async () => {
    const dir = tempDir();
    const s = await servers('ignores-goal');
    const input = prompts(dir, 12);
    const r = await run(['eval', input, ...s.flags, ...judgeModel, '--goals', '1,4,7,10', '--json', '--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.goal_score_spearman.ci[0]).toBeLessThanOrEqual(0);
    expect(report.warnings.map((w: { code: string }) => w.code)).toContain('goal_ignored');
    expect(r.stderr).toMatch(/goal_ignored: the judged score does not rise with the goal/);
    const gated = await run(['eval', input, ...s.flags, ...judgeModel, '--fail-on', 'warnings', '--no-cache']);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/--fail-on warnings: \d+ warnings? \(goal_ignored/);
  });

  it.each([
    ['system', []],
    ['user', []],
    ['system', ['--scale', '0-4', '--attr', 'Helpfulness', '--attr', 'Correctness']],
    ['user', ['--goal-template', 'GOAL']],
  ] as const)(
    'the goal text the policy receives is radpo goal --score G byte for byte (--placement %s %j)',
    async (placement, extra) => {
      const dir = tempDir();
      const template = join(dir, 'goal.txt');
      writeFileSync(template, 'Aim for {score} out of {max}; be {{exact}}.\n');
      const flags = extra.map((f) => (f === 'GOAL' ? template : f));
      const s = await servers('follows-goal');
      const input = join(dir, 'p.jsonl');
      // A prompt with its own system message: the goal goes first in it (system) or folds it in (user).
      const question = 'Name a prime number.';
      writeFileSync(
        input,
        `${JSON.stringify({
          prompt: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: question },
          ],
        })}\n`,
      );
      const attrs = flags.includes('--attr');
      const goals = attrs ? ['0', '2.5', '4'] : ['1', '7.5', '10'];
      const r = await run([
        'eval',
        input,
        ...s.flags,
        ...judgeModel,
        '--placement',
        placement,
        '--goals',
        goals.join(','),
        '-n',
        '1',
        '--no-baseline',
        '--no-cache',
        ...flags,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const goalFlags = flags.filter((f) => f !== '--attr' && !['Helpfulness', 'Correctness'].includes(f));
      for (const g of goals) {
        const scoreFlags = attrs
          ? ['--attr-score', `Helpfulness=${g}`, '--attr-score', `Correctness=${g}`]
          : ['--score', g];
        const printed = await run(['goal', ...scoreFlags, '--placement', placement, ...goalFlags]);
        expect(printed.code, printed.stderr).toBe(0);
        const goal = printed.stdout.replace(/\n$/, '');
        const asked = s.policy.requests.filter((q) =>
          JSON.stringify(q.body.messages).includes(JSON.stringify(goal).slice(1, -1)),
        );
        expect(asked, `goal ${g}`).toHaveLength(1);
        const messages = asked[0]!.body.messages as Array<{ role: string; content: string }>;
        if (placement === 'system') {
          expect(messages[0]).toEqual({ role: 'system', content: `${goal}\n\nBe brief.` });
          expect(messages[1]).toEqual({ role: 'user', content: question });
        } else {
          expect(messages).toEqual([{ role: 'user', content: `${goal}\n\nBe brief.\n\n${question}` }]);
        }
      }
      expect(s.policy.requests).toHaveLength(goals.length);
    },
  );

  it('--chat-template that drops the system message: goal_not_rendered, exit 1 with --fail-on warnings', async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const input = prompts(dir, 6);
    const dropping = join(dir, 'drops-system.jinja');
    writeFileSync(
      dropping,
      "{% for m in messages %}{% if m.role != 'system' %}<|{{ m.role }}|>\n{{ m.content }}\n{% endif %}{% endfor %}" +
        '{% if add_generation_prompt %}<|assistant|>\n{% endif %}',
    );
    const common = [input, ...s.flags, ...judgeModel, '--json', '--cache', join(dir, 'c.sqlite')];
    const r = await run(['eval', ...common, '--chat-template', dropping, '--fail-on', 'warnings']);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const warning = report.warnings.find((w: { code: string }) => w.code === 'goal_not_rendered');
    expect(warning.message).toMatch(
      /loses the goal in 6 prompts of 6 .*prompts\.jsonl:1: the rendered prompt does not/,
    );
    // Gemma-2's real template refuses the system role outright.
    const gemma = join(DATA, 'chat_templates', 'google__gemma-2-9b-it.jinja');
    const g = await run(['eval', ...common, '--chat-template', gemma]);
    expect(g.code, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout).warnings[0].message).toMatch(/the template raised: System role not supported/);
    // Qwen2's keeps it: no warning, and the answers come from the cache (no new request).
    const before = s.policy.requests.length;
    const qwen = join(DATA, 'chat_templates', 'Qwen__Qwen2-7B-Instruct.jinja');
    const q = await run(['eval', ...common, '--chat-template', qwen, '--fail-on', 'warnings']);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).warnings).toEqual([]);
    expect(s.policy.requests.length).toBe(before);
  });

  it('-o writes every answer as radpo score does; radpo pairs and radpo audit read it (round two)', async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const answers = join(dir, 'answers.jsonl');
    const html = join(dir, 'eval.html');
    const common = ['eval', prompts(dir, 8), ...s.flags, ...judgeModel, '-n', '2', '--cache', join(dir, 'c.sqlite')];
    const r = await run([...common, '-o', answers, '--html', html, '--report', join(dir, 'report.json')]);
    expect(r.code, r.stderr).toBe(0);
    const rows = readJsonl(answers) as Array<Record<string, any>>;
    expect(rows).toHaveLength(8);
    // Default goals: 1,4,7,10 on the judge's 1-10, then the baseline; the prompt is kept without any goal.
    expect(rows[0]!.goals).toEqual([1, 1, 4, 4, 7, 7, 10, 10, null, null]);
    expect(rows[0]!.responses).toHaveLength(10);
    expect(rows[0]!.scores).toEqual(rows[0]!.responses.map((a: string) => Number(/\[quality (\d+)\]$/.exec(a)![1])));
    expect(typeof rows[0]!.prompt).toBe('string');
    expect(rows[0]!.prompt).not.toMatch(/target scores/);
    const pairsFile = join(dir, 'pairs.jsonl');
    const pairs = await run(['pairs', answers, '-o', pairsFile]);
    expect(pairs.code, pairs.stderr).toBe(0);
    const paired = readJsonl(pairsFile) as Array<Record<string, any>>;
    expect(paired).toHaveLength(8);
    expect(paired[0]!.score_chosen).toBeGreaterThan(paired[0]!.score_rejected);
    const audit = await run(['audit', pairsFile, '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout).pairs).toBe(8);
    // The page: self-contained, numbers held to the report, text escaped.
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.eval.schema).toBe('radpo.eval/v1');
    expect(page).toContain(`data-key="goal_score_spearman">${report.eval.goal_score_spearman.value.toFixed(3)}<`);
    // A rerun asks the policy and the judge nothing: every answer and verdict is cached.
    const policyBefore = s.policy.requests.length;
    const judgeBefore = s.judge.requests.length;
    const again = await run([...common, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(s.policy.requests.length).toBe(policyBefore);
    expect(s.judge.requests.length).toBe(judgeBefore);
    expect(JSON.parse(again.stdout).goal_score_spearman).toEqual(report.eval.goal_score_spearman);
  });

  it('-o from a pairs dataset with --prompt-col: only its id, prompt and the answers go on', async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const input = join(dir, 'pairs-in.jsonl');
    const old = (i: number) => ({
      id: `q${i}`,
      instruction: readJsonl(prompts(dir, 6))[i]!.prompt,
      chosen: 'an old chosen answer',
      rejected: 'an old rejected answer',
      score_chosen: 9,
      score_rejected: 2,
      metadata: { score_chosen: 9 },
    });
    writeFileSync(input, [0, 1, 2, 3, 4, 5].map((i) => `${JSON.stringify(old(i))}\n`).join(''));
    const answers = join(dir, 'answers.jsonl');
    const args = ['eval', input, ...s.flags, ...judgeModel, '--prompt-col', 'instruction', '-n', '1', '--no-cache'];
    const r = await run([...args, '-o', answers]);
    expect(r.code, r.stderr).toBe(0);
    const rows = readJsonl(answers) as Array<Record<string, any>>;
    expect(Object.keys(rows[0]!)).toEqual(['id', 'prompt', 'responses', 'scores', 'goals', 'sampling']);
    expect(rows[0]!.prompt).toBe(old(0).instruction);
    const pairsFile = join(dir, 'pairs.jsonl');
    const pairs = await run(['pairs', answers, '-o', pairsFile]);
    expect(pairs.code, pairs.stderr).toBe(0);
    const paired = readJsonl(pairsFile) as Array<Record<string, any>>;
    expect(paired.length).toBeGreaterThan(0);
    expect(JSON.stringify(paired)).not.toMatch(/an old (chosen|rejected) answer/);
    const audit = await run(['audit', pairsFile, '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    // CSV cannot hold the lists pairs reads: refused before anything is asked.
    const requests = s.policy.requests.length;
    const csv = await run([...args, '-o', join(dir, 'answers.csv')]);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toMatch(/which CSV cannot hold for radpo pairs/);
    expect(csv.stderr).toMatch(/answers\.jsonl/);
    expect(s.policy.requests.length).toBe(requests);
  });

  it('a reward model as the judge: rewards fitted onto the scale (two passes, the second from the cache)', async () => {
    const dir = tempDir();
    const p = await server({ policy: 'follows-goal', models: ['policy'] });
    const rm = await server({ models: ['rm'] });
    const answers = join(dir, 'answers.jsonl');
    const flags = ['--policy-url', p.url, '--policy-model', 'policy', '--judge', 'reward', '--judge-url', rm.url];
    const cache = ['--cache', join(dir, 'c.sqlite')];
    const r = await run([
      'eval',
      prompts(dir, 6),
      ...flags,
      '--judge-model',
      'rm',
      '-n',
      '2',
      '--json',
      '-o',
      answers,
      ...cache,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.goal_score_spearman.value).toBeGreaterThan(0.9);
    expect(report.warnings).toEqual([]);
    // 6 prompts × 5 conditions × 2 answers, each rewarded once (the second pass reads the cache).
    expect(rm.requests.filter((q) => q.path === '/pooling')).toHaveLength(60);
    expect(p.requests).toHaveLength(30);
    // minmax onto 1-10: the lowest reward is 1, the highest 10, whole numbers (--precision 0).
    const scores = (readJsonl(answers) as Array<{ scores: number[] }>).flatMap((row) => row.scores);
    expect(Math.min(...scores)).toBe(1);
    expect(Math.max(...scores)).toBe(10);
    expect(
      scores.filter((x) => !Number.isInteger(x)),
      'scores that are not whole',
    ).toEqual([]);
  });

  it('offline, stage by stage: the policy batch, then the judge batch, then the figures', async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const input = prompts(dir, 2);
    const cache = ['--cache', join(dir, 'c.sqlite')];
    const base = [input, ...s.flags, ...judgeModel, '-n', '1', ...cache];
    const policyLines = join(dir, 'policy-requests.jsonl');
    const first = await run(['eval', ...base, '--policy-emit-batch', policyLines]);
    expect(first.code, first.stderr).toBe(0);
    // The judge is not even asked whether it is there: nothing is judged yet.
    expect(s.judge.gets).toEqual([]);
    // Each server answers its batch (as OpenAI's Batch API or vLLM run_batch would), outside radpo.
    const answerBatch = async (fake: FakeJudge, requests: string, results: string) => {
      const lines = await Promise.all(
        (readJsonl(requests) as Array<Record<string, any>>).map(async (line) => {
          const init = { method: 'POST', body: JSON.stringify(line.body) };
          const body = await (await fetch(`${fake.url}/chat/completions`, init)).json();
          return JSON.stringify({ custom_id: line.custom_id, response: { status_code: 200, body } });
        }),
      );
      writeFileSync(results, `${lines.join('\n')}\n`);
    };
    await answerBatch(s.policy, policyLines, join(dir, 'policy-results.jsonl'));
    const judgeLines = join(dir, 'judge-requests.jsonl');
    const fromPolicy = ['--policy-from-batch', join(dir, 'policy-results.jsonl')];
    const second = await run(['eval', ...base, ...fromPolicy, '--emit-batch', judgeLines]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/10 judge requests written to .*--from-batch RESULTS\.jsonl/);
    const judged = readJsonl(judgeLines) as Array<Record<string, any>>;
    expect(judged).toHaveLength(10);
    expect(judged[0]!.body.model).toBe('judge');
    await answerBatch(s.judge, judgeLines, join(dir, 'judge-results.jsonl'));
    const policyBefore = s.policy.requests.length;
    const judgeBefore = s.judge.requests.length;
    const third = await run([
      'eval',
      ...base,
      ...fromPolicy,
      '--from-batch',
      join(dir, 'judge-results.jsonl'),
      '--json',
    ]);
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout).prompts).toBe(2);
    // Offline: no live request to either server.
    expect(s.policy.requests.length).toBe(policyBefore);
    expect(s.judge.requests.length).toBe(judgeBefore);
  });

  it('each key goes to its own server only, and no key reaches stderr, the answers or the report', async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const env = {
      RADPO_POLICY_API_KEY: 'sk-policy-0123456789abcdef',
      RADPO_JUDGE_API_KEY: 'sk-judge-0123456789abcdef',
    };
    const out = join(dir, 'answers.jsonl');
    const report = join(dir, 'report.json');
    const r = await run(
      ['eval', prompts(dir, 2), ...s.flags, ...judgeModel, '-n', '1', '-o', out, '--report', report, '--no-cache'],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(s.policy.requests.map((q) => q.headers.authorization))).toEqual(
      new Set([`Bearer ${env.RADPO_POLICY_API_KEY}`]),
    );
    expect(new Set(s.judge.requests.map((q) => q.headers.authorization))).toEqual(
      new Set([`Bearer ${env.RADPO_JUDGE_API_KEY}`]),
    );
    const written = `${r.stderr}${r.stdout}${readFileSync(out, 'utf8')}${readFileSync(report, 'utf8')}`;
    expect(written).not.toMatch(/0123456789abcdef/);
  });

  it.each(['eval', 'generate'])(
    '%s: a policy that echoes the key in its answers: -o holds the masked answer, the same on a rerun',
    async (command) => {
      const dir = tempDir();
      const p = await server({ policy: 'follows-goal', models: ['policy'], echoKeyInAnswers: true });
      const j = await server({ models: ['judge'] });
      const env = { RADPO_POLICY_API_KEY: 'sk-policy-0123456789abcdef' };
      const input = prompts(dir, 2);
      const cache = join(dir, 'cache.sqlite');
      const flags = command === 'eval' ? ['--judge', 'chat', '--judge-url', j.url, ...judgeModel] : [];
      const once = async (out: string) => {
        const args = [command, input, '--policy-url', p.url, '--policy-model', 'policy', ...flags, '-n', '1'];
        const r = await run([...args, '--cache', cache, '-o', out], { env });
        expect(r.code, r.stderr).toBe(0);
        return readFileSync(out, 'utf8');
      };
      const first = await once(join(dir, 'a.jsonl'));
      expect(first).toMatch(/You sent Bearer /);
      expect(first).not.toMatch(/0123456789abcdef/);
      expect(await once(join(dir, 'b.jsonl'))).toBe(first);
    },
  );

  it('the page escapes what the data holds: a prompt of markup is shown, never run', async () => {
    const dir = tempDir();
    const s = await servers('ignores-goal');
    const input = join(dir, 'p.jsonl');
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"';
    writeFileSync(
      input,
      `${[hostile, 'Name a prime.', 'Say hi.'].map((p) => JSON.stringify({ prompt: p })).join('\n')}\n`,
    );
    const html = join(dir, 'eval.html');
    const r = await run(['eval', input, ...s.flags, ...judgeModel, '--html', html, '--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    // The policy ignores the goal: prompts break the order and are listed, the hostile one escaped.
    expect(page).toMatch(/Answers that broke the order/);
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp;');
    expect(page).not.toMatch(/<script|<img/);
  });

  it('a real SIGINT: exit 130, nothing published; the rerun resumes from the cache', async () => {
    const dir = tempDir();
    const p = await server({ policy: 'follows-goal', models: ['policy'], latencyMs: 20 });
    const j = await server({ models: ['judge'], latencyMs: 20 });
    const out = join(dir, 'answers.jsonl');
    const args = [
      BIN,
      'eval',
      prompts(dir, 20),
      '--policy-url',
      p.url,
      '--policy-model',
      'policy',
      '--judge',
      'chat',
      '--judge-url',
      j.url,
      '--judge-model',
      'judge',
      '-n',
      '2',
      '--concurrency',
      '4',
      '-o',
      out,
      '--cache',
      join(dir, 'c.sqlite'),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (j.requests.length < 10) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    // Nothing but the input and the cache: no output, no temporary file.
    expect(readdirSync(dir).filter((f) => !f.startsWith('c.sqlite') && f !== 'prompts.jsonl')).toEqual([]);
    expect(existsSync(out)).toBe(false);
    // The rerun asks again at most what was in flight: every sample and verdict that arrived was kept.
    const asked = { policy: p.requests.length, judge: j.requests.length };
    const again = await run(args.slice(1));
    expect(again.code, again.stderr).toBe(0);
    expect(readJsonl(out)).toHaveLength(20);
    const policyAgain = p.requests.length - asked.policy;
    // Uninterrupted: 20 prompts × 5 conditions (vLLM takes n), 200 answers judged; --concurrency 4 in flight.
    expect(policyAgain).toBeLessThan(100);
    expect(p.requests.length).toBeLessThanOrEqual(100 + 4);
    expect(j.requests.length).toBeLessThanOrEqual(200 + 4);
  });

  it('a judge that scores aspects: the goal names each, as relabel --judge wrote it; scores per aspect', async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const out = join(dir, 'answers.jsonl');
    const r = await run([
      'eval',
      prompts(dir, 3),
      ...s.flags,
      ...judgeModel,
      '--rubric',
      'ultrafeedback-aspects',
      // As training relabeled by this judge named it (relabel --judge names the judge's scale).
      '--scale',
      '1-5',
      '-n',
      '1',
      '-o',
      out,
      '--json',
      '--no-cache',
    ]);
    expect(r.code, r.stderr).toBe(0);
    // The rubric's 1-5 scale: goals 1,2,4,5; the top goal asks every aspect for a 5.
    const report = JSON.parse(r.stdout);
    expect(report.goals.map((g: { goal: number }) => g.goal)).toEqual([1, 2, 4, 5]);
    const aspects = ['Helpfulness', 'Honesty', 'Instruction following', 'Truthfulness'];
    const printed = await run(['goal', '--scale', '1-5', ...aspects.flatMap((a) => ['--attr-score', `${a}=5`])]);
    const top = printed.stdout.replace(/\n$/, '');
    expect(s.policy.requests.filter((q) => q.body.messages[0].content === top)).toHaveLength(3);
    const row = readJsonl(out)[0] as Record<string, any>;
    expect(Object.keys(row.scores[0]).sort()).toEqual([...aspects].sort());
  });

  it("the goal names the paper's 1-10 by default, whatever the judge's scale; a notice names --scale", async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const r = await run([
      'eval',
      prompts(dir, 2),
      ...s.flags,
      ...judgeModel,
      '--rubric',
      'prometheus',
      '-n',
      '1',
      '--json',
      '--no-cache',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ scale: { min: 1, max: 10 } });
    expect(JSON.parse(r.stdout).goals.map((g: { goal: number }) => g.goal)).toEqual([1, 4, 7, 10]);
    const top = (await run(['goal', '--score', '10'])).stdout.replace(/\n$/, '');
    expect(s.policy.requests.filter((q) => q.body.messages[0].content === top)).toHaveLength(2);
    expect(r.stderr).toMatch(/the goal text names the scale 1-10 .*the judge scores on 1-5.*pass --scale/s);
    expect(r.stderr).toMatch(/1 answer per prompt and goal/);
    expect(r.stderr).not.toMatch(/\b1 (prompts|answers|requests)\b/);
    const help = await run(['eval', '--help']);
    // One default in the help of --scale (it said two: the judge's and 1-10).
    const flat = help.stdout.replace(/\s+/g, ' ');
    const scaleHelp = flat.slice(flat.indexOf('--scale <min-max>'), flat.indexOf('--chat-template'));
    expect(scaleHelp).toMatch(/\(default: 1-10\)/);
    expect(scaleHelp.split('default').length - 1).toBe(1);
  });

  it('a prompt the policy fails is set aside with its reason; the others are evaluated', async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const input = join(dir, 'p.jsonl');
    writeFileSync(input, `${JSON.stringify({ prompt: 'Hi' })}\n${JSON.stringify({ question: 'no prompt' })}\n`);
    const rejects = join(dir, 'rej.jsonl');
    const r = await run([
      'eval',
      input,
      ...s.flags,
      ...judgeModel,
      '--on-error',
      'skip',
      '--rejects',
      rejects,
      '--json',
      '--no-cache',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).prompts).toBe(1);
    expect(parseJsonl(readFileSync(rejects, 'utf8'))).toMatchObject([{ line: 2, reason: 'missing_field' }]);
  });

  it.each([[[]], [['-o', 'answers.jsonl']]])(
    'every prompt set aside: the rejects and the report are published, then exit 1 (%j)',
    async (extra) => {
      const dir = tempDir();
      const p = await server({ policy: 'follows-goal', models: ['policy'], faults: new Array(40).fill('500') });
      const j = await server({ models: ['judge'] });
      const rejects = join(dir, 'rej.jsonl');
      const report = join(dir, 'report.json');
      const r = await run([
        'eval',
        prompts(dir, 2),
        '--policy-url',
        p.url,
        '--policy-model',
        'policy',
        '--judge',
        'chat',
        '--judge-url',
        j.url,
        ...judgeModel,
        '-n',
        '1',
        '--no-cache',
        '--max-retries',
        '0',
        '--on-error',
        'skip',
        '--rejects',
        rejects,
        '--report',
        report,
        ...extra.map((f) => (f === 'answers.jsonl' ? join(dir, f) : f)),
      ]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/no prompt was evaluated: all 2 prompts were set aside/);
      expect(r.stderr).not.toMatch(/--shard/);
      expect(parseJsonl(readFileSync(rejects, 'utf8'))).toHaveLength(2);
      expect(JSON.parse(readFileSync(report, 'utf8')).set_aside.total).toBe(2);
      expect(existsSync(join(dir, 'answers.jsonl'))).toBe(false);
    },
  );

  it('generate with every prompt set aside: the rejects are published; the hint names no --shard', async () => {
    const dir = tempDir();
    const p = await server({ policy: 'follows-goal', models: ['policy'], faults: new Array(10).fill('500') });
    const rejects = join(dir, 'rej.jsonl');
    const out = join(dir, 'out.jsonl');
    const args = ['--policy-url', p.url, '--policy-model', 'policy', '-n', '1', '--no-cache', '--max-retries', '0'];
    const r = await run(['generate', prompts(dir, 2), ...args, '--on-error', 'skip', '--rejects', rejects, '-o', out]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/--allow-empty-output/);
    expect(r.stderr).not.toMatch(/--shard/);
    expect(parseJsonl(readFileSync(rejects, 'utf8'))).toHaveLength(2);
  });

  it('one prompt, an ignoring policy: no interval, too_few_prompts; --fail-on warnings exits 1', async () => {
    const dir = tempDir();
    const s = await servers('ignores-goal');
    const input = join(dir, 'p.jsonl');
    // A prompt where the ignoring policy's draws happen to rise with the goal: one prompt proves nothing.
    writeFileSync(input, `${JSON.stringify({ prompt: 'Name a prime number.' })}\n`);
    const args = ['eval', input, ...s.flags, ...judgeModel, '--no-cache', '--fail-on', 'warnings'];
    const r = await run([...args, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.goal_score_spearman.ci).toBeNull();
    expect(report.goals.every((g: { mean_score: { ci: unknown } }) => g.mean_score.ci === null)).toBe(true);
    expect(report.warnings.map((w: { code: string }) => w.code)).toContain('too_few_prompts');
    expect(r.stderr).not.toMatch(/(\d\.\d+)–\1/);
    expect(r.stderr).toMatch(/\(1 prompt; intervals/);
    expect(r.stderr).not.toMatch(/\b1 prompts\b/);
    // -q: the gate still says what the warning is, not only its code.
    const quiet = await run([...args, '-q']);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toMatch(/too_few_prompts: one prompt evaluated: too few for an interval/);
  });

  it.each([
    // About a third of the lowest goal's answers (quality 2): a few; about a third of two conditions': many.
    ['[quality 2]', []],
    ['[quality 6]', ['answers_set_aside']],
  ])('a verdict the judge garbles (%s) sets that answer aside, not its prompt; counted', async (marker, codes) => {
    const dir = tempDir();
    const p = await server({ policy: 'follows-goal', models: ['policy'] });
    const j = await server({ models: ['judge'], faultsByContent: [{ marker, fault: 'unparseable' }] });
    const rejects = join(dir, 'rej.jsonl');
    const r = await run([
      'eval',
      prompts(dir, 12),
      '--policy-url',
      p.url,
      '--policy-model',
      'policy',
      '--judge',
      'chat',
      '--judge-url',
      j.url,
      ...judgeModel,
      '--no-cache',
      '--max-retries',
      '0',
      '--on-error',
      'skip',
      '--rejects',
      rejects,
      '--json',
      '-o',
      join(dir, 'answers.jsonl'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.prompts).toBe(12);
    const rejected = parseJsonl(readFileSync(rejects, 'utf8'));
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((x) => x.reason === 'judge_unparseable' && typeof x.answer === 'number')).toBe(true);
    expect(report.answers_set_aside).toEqual({
      total: rejected.length,
      by_reason: { judge_unparseable: rejected.length },
    });
    // Counts add up: 12 prompts × 5 conditions × 4 answers, judged or set aside.
    const kept = [...report.goals, report.baseline].reduce((a: number, g: { answers: number }) => a + g.answers, 0);
    expect(kept + rejected.length).toBe(240);
    const rows = readJsonl(join(dir, 'answers.jsonl'));
    expect(rows).toHaveLength(12);
    expect(rows.reduce((a, row) => a + (row.responses as unknown[]).length, 0)).toBe(kept);
    expect(rows.every((row) => (row.responses as string[]).every((x) => !x.includes(marker)))).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`${rejected.length} answers? set aside: ${rejected.length} judge_unparseable`));
    expect(report.warnings.map((w: { code: string }) => w.code)).toEqual(codes);
  });

  it.each(['eval', 'generate'])(
    '%s: a 401 stops the run at once; the requests in flight are abandoned, not retried',
    async (command) => {
      const dir = tempDir();
      // The first request is refused, the others hang: they are in flight when the 401 fails the run.
      const p = await server({
        policy: 'follows-goal',
        models: ['policy'],
        faults: ['401', ...new Array(40).fill('hang')],
      });
      const j = await server({ models: ['judge'] });
      const flags =
        command === 'eval'
          ? ['--judge', 'chat', '--judge-url', j.url, ...judgeModel]
          : ['-o', join(dir, 'samples.jsonl')];
      const r = await run([
        command,
        prompts(dir, 8),
        '--policy-url',
        p.url,
        '--policy-model',
        'policy',
        ...flags,
        '-n',
        '1',
        '--no-cache',
        '--timeout',
        '1',
        '--max-retries',
        '2',
        '--log-level',
        'debug',
      ]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/answered HTTP 401/);
      expect(p.requests.length).toBeGreaterThan(1);
      // Before, each hanging request timed out and was retried against the closed connection, backoff and all.
      expect(r.stderr).not.toMatch(/retrying a policy server request/);
    },
  );

  it.each(['eval', 'generate'])(
    '%s: a missing prompt column names --prompt-col and the columns found; an empty prompt is set aside',
    async (command) => {
      const dir = tempDir();
      const s = await servers('follows-goal');
      const flags = command === 'eval' ? s.flags.slice(4).concat(judgeModel) : ['-o', join(dir, 'out.jsonl')];
      const policy = ['--policy-url', s.policy.url, '--policy-model', 'policy', '--no-cache', '-n', '1'];
      const input = join(dir, 'p.jsonl');
      writeFileSync(input, `${JSON.stringify({ instruction: 'Name a prime.', id: 7 })}\n`);
      const r = await run([command, input, ...policy, ...flags]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/prompt/);
      expect(r.stderr).toMatch(/the columns "instruction", "id"/);
      expect(r.stderr).toMatch(/--prompt-col/);
      const rows = [{ prompt: 'Name a prime.' }, { prompt: '  ' }, { prompt: [{ role: 'user', content: '' }] }];
      writeFileSync(input, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
      const rejects = join(dir, 'rej.jsonl');
      const skipped = await run([command, input, ...policy, ...flags, '--on-error', 'skip', '--rejects', rejects]);
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(parseJsonl(readFileSync(rejects, 'utf8'))).toMatchObject([
        { line: 2, reason: 'bad_field', message: expect.stringMatching(/the prompt is empty/) },
        { line: 3, reason: 'bad_field', message: expect.stringMatching(/the prompt is empty/) },
      ]);
    },
  );

  it('--policy-emit-batch writes the samples as batch lines and nothing else; Ctrl-C leaves no output', async () => {
    const dir = tempDir();
    const s = await servers('follows-goal');
    const input = prompts(dir, 3);
    const batch = join(dir, 'policy-requests.jsonl');
    const r = await run([
      'eval',
      input,
      '--policy-model',
      'policy',
      '--judge',
      'chat',
      '--judge-url',
      s.judge.url,
      ...judgeModel,
      '--policy-emit-batch',
      batch,
      '-n',
      '2',
      '--no-cache',
    ]);
    expect(r.code, r.stderr).toBe(0);
    // 3 prompts × 5 conditions × 2 samples, one line each; the judge is not asked anything.
    const lines = readJsonl(batch) as Array<Record<string, any>>;
    expect(lines).toHaveLength(30);
    expect(lines[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions', body: { model: 'policy' } });
    expect(r.stderr).toMatch(/30 policy requests written to .*run them, then: radpo eval … --policy-from-batch/);
    expect(s.judge.requests).toHaveLength(0);

    const controller = new AbortController();
    controller.abort();
    const out = join(dir, 'answers.jsonl');
    const stopped = await run(['eval', input, ...s.flags, ...judgeModel, '-o', out, '--no-cache'], {
      signal: controller.signal,
    });
    expect(stopped.code).toBe(130);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
