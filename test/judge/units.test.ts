import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/io/redact.js';
import { backoffMs, errorMessage, retryAfterMs } from '../../src/server/http.js';
import { applyMapping, fitMapping } from '../../src/judge/mapping.js';
import {
  BUILT_IN_RUBRICS,
  judgePrompt,
  parseJsonVerdict,
  parseVerdict,
  parseVerdicts,
} from '../../src/judge/rubrics.js';
import { parseRubric } from '../../src/judge/rubric-file.js';
import { readBatchResults } from '../../src/server/batch.js';
import { expectedScore, parseChatReply, parseRewardReply, promptText } from '../../src/judge/wire.js';
import { rewardUrl } from '../../src/judge/judge.js';

const uf = BUILT_IN_RUBRICS.ultrafeedback!;
const mt = BUILT_IN_RUBRICS['mt-bench']!;
const pr = BUILT_IN_RUBRICS.prometheus!;

describe('verdict parsers are end-anchored and range-checked', () => {
  it.each([
    [uf, '### Feedback\nGood.\nOverall Score: 7', 7],
    [uf, 'Overall Score: [1-10] is the format.\nOverall Score: 8.5', 8.5],
    [uf, 'Overall Score: 9/10', 9],
    [uf, 'Overall Score: 10.\n', 10],
    [uf, 'Overall Score: 11', null],
    [uf, 'Overall Score: 0', null],
    [uf, 'Overall Score: 7\nBut on reflection it is weak.', null],
    [mt, 'Fine. Rating: [[5]]', 5],
    [mt, 'Rating: [[5]] then more text', null],
    [mt, 'Rating: [[10]].', 10],
    // prometheus-eval#58: the template's own "[RESULT]" must not be read as the verdict.
    [pr, 'The output format is "[RESULT] (an integer)". My feedback... [RESULT] 4', 4],
    [pr, '[RESULT] 5 and some trailing words', null],
    [pr, '[RESULT] 6', null],
    [pr, 'No verdict', null],
  ])('%#: %j', (rubric, output, expected) => {
    expect(parseVerdict(rubric, output)).toBe(expected);
  });

  it('attribute verdicts: all four lines at the end, each in range', () => {
    const aspects = BUILT_IN_RUBRICS['ultrafeedback-aspects']!;
    expect(
      parseVerdicts(aspects, 'Good.\nHelpfulness: 4\nHonesty: 5\nInstruction following: 3\nTruthfulness: [4]\n'),
    ).toEqual([4, 5, 3, 4]);
    expect(parseVerdicts(aspects, 'Helpfulness: 4\nHonesty: 6\nInstruction following: 3\nTruthfulness: 4')).toBeNull();
    expect(parseVerdicts(aspects, 'Helpfulness: 4\nHonesty: 5\nTruthfulness: 4')).toBeNull();
    expect(parseVerdicts(uf, 'Overall Score: 7')).toEqual([7]);
    const file = parseRubric(
      JSON.stringify({
        template: '{prompt} {response}',
        pattern: 'A=(\\d) B=(\\d)',
        min: 1,
        max: 5,
        attributes: ['A', 'B'],
      }),
      'r.json',
    );
    expect(parseVerdicts(file, 'x A=2 B=5')).toEqual([2, 5]);
    expect(() =>
      parseRubric(
        JSON.stringify({ template: '{prompt} {response}', pattern: 'A=(\\d)', min: 1, max: 5, attributes: ['A', 'B'] }),
        'r.json',
      ),
    ).toThrow('--rubric r.json: at "pattern": expected 2 groups, one per attribute (it has 1 groups for 2 attributes)');
  });

  it('JSON verdicts, fenced or not, range-checked', () => {
    expect(parseJsonVerdict(pr, '```json\n{"feedback": "ok", "score": 4}\n```')).toBe(4);
    expect(parseJsonVerdict(pr, '{"feedback": "ok", "score": "3"}')).toBe(3);
    expect(parseJsonVerdict(pr, '{"score": 9}')).toBeNull();
    expect(parseJsonVerdict(pr, 'not json')).toBeNull();
  });

  it('templates are filled literally', () => {
    expect(judgePrompt(mt, 'Q {response}', 'A {prompt}')).toContain('[Question]\nQ {response}\n');
  });

  it('rubric files are checked', () => {
    const r = parseRubric(
      JSON.stringify({ template: 'Rate {response} for {prompt}', pattern: 'Score: (\\d)', min: 1, max: 5 }),
      'r.json',
    );
    expect(parseVerdict(r, 'blah Score: 4')).toBe(4);
    expect(parseVerdict(r, 'Score: 4 more')).toBeNull();
    expect(() =>
      parseRubric('{"template": "no placeholders", "pattern": "(\\\\d)", "min": 1, "max": 5}', 'r.json'),
    ).toThrow(
      '--rubric r.json: at "template": expected a string with {prompt} and {response}, ' +
        'found a string "no placeholders"',
    );
    expect(() =>
      parseRubric('{"template": "{prompt} {response}", "pattern": "(\\\\d)", "min": "1", "max": 5}', 'r.json'),
    ).toThrow('--rubric r.json: at "min": expected a number, found a string "1"');
    expect(() =>
      parseRubric('{"template": "{prompt} {response}", "pattern": "(", "min": 1, "max": 5}', 'r.json'),
    ).toThrow(/^--rubric r\.json: at "pattern": expected a valid regular expression \(.*\), found a string "\("$/);
    expect(() => parseRubric('{', 'r.json')).toThrow(/not valid JSON/);
    // YAML by name: a multi-line template as a block scalar, the pattern unescaped; checked by the same schema.
    const yaml = parseRubric(
      'system: You grade answers.\ntemplate: |\n  Question: {prompt}\n  Answer: {response}\n' +
        'pattern: "Score: (\\\\d)"\nmin: 1\nmax: 5\n',
      'r.yaml',
    );
    expect(yaml.template).toBe('Question: {prompt}\nAnswer: {response}\n');
    expect(yaml.system).toBe('You grade answers.');
    expect(parseVerdict(yaml, 'fine. Score: 4')).toBe(4);
    expect(() => parseRubric('template: "{prompt} {response}"\npattern: "(\\\\d)"\nmin: 1\n', 'r.yml')).toThrow(
      '--rubric r.yml: at "max": expected a number, found nothing',
    );
    expect(() => parseRubric('template: [unclosed', 'r.yaml')).toThrow(/--rubric r\.yaml: not valid YAML/);
    // No group around the score: every verdict would be unparseable, after the judge wrote it.
    expect(() =>
      parseRubric('{"template": "{prompt} {response}", "pattern": "Score: \\\\d+", "min": 1, "max": 5}', 'r.json'),
    ).toThrow('--rubric r.json: at "pattern": expected a regular expression with a group around the score');
    // Several problems: all named in one error, so the file is fixed in one go.
    expect(() =>
      parseRubric('{"template": "no placeholders", "pattern": "(\\\\d)", "min": "1", "max": "5"}', 'r.json'),
    ).toThrow(
      '--rubric r.json: at "template": expected a string with {prompt} and {response}, found a string ' +
        '"no placeholders"; at "min": expected a number, found a string "1"; at "max": expected a number, ' +
        'found a string "5"',
    );
  });
});

describe('wire', () => {
  it('G-Eval: renormalized over valid score tokens; -9999 and words ignored', () => {
    const top = [
      { token: '8', logprob: Math.log(0.5) },
      { token: ' 9', logprob: Math.log(0.3) },
      { token: 'The', logprob: Math.log(0.15) },
      { token: '7', logprob: -9999 },
      { token: '42', logprob: Math.log(0.05) },
    ];
    expect(expectedScore(top, uf)).toBeCloseTo((0.5 * 8 + 0.3 * 9) / 0.8, 12);
    expect(expectedScore([{ token: 'The', logprob: 0 }], uf)).toBeNull();
  });

  it('reads chat replies, reward replies and every server error shape', () => {
    expect(
      parseChatReply({
        choices: [{ message: { content: 'x' }, finish_reason: 'length', logprobs: null }],
        usage: { prompt_tokens: 3, completion_tokens: 1 },
      }),
    ).toEqual({ text: 'x', finishReason: 'length', firstTokenLogprobs: null, promptTokens: 3, completionTokens: 1 });
    expect(() => parseChatReply({ id: 'x' })).toThrow(/no choices/);
    expect(parseRewardReply({ data: [{ index: 0, object: 'pooling', data: [1.5] }] })).toBe(1.5);
    expect(parseRewardReply({ data: [{ index: 0, object: 'pooling', data: [[0.1], [0.2], [-3.25]] }] })).toBe(-3.25);
    expect(parseRewardReply({ data: [{ index: 0, label: 'x', probs: [0.7] }] })).toBe(0.7);
    expect(errorMessage({ error: { message: 'openai' } }, 'f')).toBe('openai');
    expect(errorMessage({ object: 'error', message: 'vllm old', code: 400 }, 'f')).toBe('vllm old');
    expect(errorMessage({ error: 'ollama native' }, 'f')).toBe('ollama native');
    expect(errorMessage({ error: 'Overloaded', error_type: 'Overloaded' }, 'f')).toBe('Overloaded');
    expect(errorMessage(undefined, 'fallback')).toBe('fallback');
  });

  it('prompt text: single turn as is, system first, multi-turn as a transcript', () => {
    expect(promptText([{ role: 'user', content: 'Hi' }])).toBe('Hi');
    expect(
      promptText([
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Hi' },
      ]),
    ).toBe('S\n\nHi');
    expect(
      promptText([
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ]),
    ).toBe('User: a\n\nAssistant: b\n\nUser: c');
    // A turn that only calls a tool shows the call, not an empty line.
    expect(
      promptText([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
        },
        { role: 'tool', content: '{"temp": 21}' },
      ]),
    ).toBe('User: Weather in Paris?\n\nAssistant: [calls get_weather({"city":"Paris"})]\n\ntool: {"temp": 21}');
  });

  it('pooling routes sit at the server root', () => {
    expect(rewardUrl('http://h:8000/v1', 'pooling')).toBe('http://h:8000/pooling');
    expect(rewardUrl('http://h:8000/v1/', 'classify')).toBe('http://h:8000/classify');
    expect(rewardUrl('http://h:8000', 'pooling')).toBe('http://h:8000/pooling');
  });
});

describe('retry timing (openai-node rules)', () => {
  it.each([
    [{ 'retry-after-ms': '250' }, 250],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after': '120' }, null],
    [{ 'retry-after': '-1' }, null],
    [{ 'retry-after': new Date(Date.UTC(2026, 0, 1, 0, 0, 2)).toUTCString() }, 2000],
    [{}, null],
  ])('%j -> %s', (headers, expected) => {
    expect(retryAfterMs(headers, Date.UTC(2026, 0, 1))).toBe(expected);
  });

  it('backoff doubles from 0.5 s to at most 8 s, with up to 25% jitter', () => {
    expect(backoffMs(0, () => 0)).toBe(500);
    expect(backoffMs(3, () => 0)).toBe(4000);
    expect(backoffMs(10, () => 0)).toBe(8000);
    expect(backoffMs(10, () => 1)).toBe(6000);
  });

  it('redacts the key everywhere in a message, and every piece of it of 8 characters or more', () => {
    const secrets = new Redactor();
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    secrets.add(key);
    expect(secrets.redact(`bad key ${key} (${key})`)).toBe('bad key *** (***)');
    // Cut by a truncation, or echoed in part: the piece goes too, the text around it stays.
    expect(secrets.redact(`key: ${key.slice(0, 18)}`)).toBe('key: ***');
    expect(secrets.redact(`…${key.slice(20, 30)}…`)).toBe('…***…');
    expect(secrets.redact(`short ${key.slice(0, 7)} stays`)).toBe(`short ${key.slice(0, 7)} stays`);
    expect(new Redactor().redact(key)).toBe(key);
  });
});

describe('mapping rewards onto the goal scale', () => {
  const raw = Float64Array.from([-10, -5, 0, 5, 10]);
  it('minmax, rounded to --precision', () => {
    const m = fitMapping('minmax', { min: 1, max: 10 }, raw, 0, 10);
    expect([...raw].map((x) => applyMapping(m, x))).toEqual([1, 3, 6, 8, 10]);
    const p = fitMapping('minmax', { min: 1, max: 10 }, raw, 1, 10);
    expect(applyMapping(p, -5)).toBe(3.3);
  });
  it('quantile levels spread over the scale', () => {
    const m = fitMapping('quantile', { min: 1, max: 5 }, raw, 0, 5);
    expect([...raw].map((x) => applyMapping(m, x))).toEqual([1, 2, 3, 4, 5]);
  });
  it('identity refuses rewards outside the scale', () => {
    const m = fitMapping('identity', { min: 1, max: 10 }, raw, 0, 10);
    expect(applyMapping(m, 7)).toBe(7);
    expect(() => applyMapping(m, 11)).toThrow(/outside the goal scale/);
  });
});

describe('reward mapping and stdin', () => {
  it('a fitted mapping needs a file (the input is read twice)', async () => {
    const { run } = await import('../helpers.js');
    const r = await run(
      ['score', '--judge', 'reward', '--judge-url', 'http://127.0.0.1:9/v1', '--judge-model', 'rm', '--no-cache'],
      { stdin: '{"prompt":"q","chosen":"a","rejected":"b"}\n' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--map minmax fits the mapping on all rewards first, so the input is read twice: pass a file, not stdin/,
    );
  });
});

describe('batch results files', () => {
  it('count malformed lines and name the first: its line, the path inside it, expected and found', () => {
    const answered: string[] = [];
    const failed: string[] = [];
    const text = [
      JSON.stringify({ custom_id: 'a', response: { status_code: 200, body: { choices: [] } } }),
      '{"custom_id": ',
      JSON.stringify({ id: 'batch_req_1', response: { status_code: 200, body: {} } }),
      JSON.stringify({ custom_id: 'b', response: { status_code: 500, body: { error: { message: 'boom' } } } }),
      JSON.stringify({ custom_id: 'c', response: { status_code: '200', body: {} } }),
    ].join('\n');
    const counts = readBatchResults(
      text,
      (id) => answered.push(id),
      (id, message) => failed.push(`${id}: ${message}`),
    );
    expect([answered, failed]).toEqual([['a'], ['b: HTTP 500: boom']]);
    expect({ ...counts, firstMalformed: undefined }).toEqual({
      stored: 1,
      errors: 1,
      malformed: 3,
      firstMalformed: undefined,
    });
    expect(counts.firstMalformed!.line).toBe(2);
    expect(counts.firstMalformed!.problem('out.jsonl:2')).toMatch(/^out\.jsonl:2: not JSON \(/);
    const [, , third, , fifth] = text.split('\n');
    const one = (line: string) =>
      readBatchResults(
        line,
        () => {},
        () => {},
      ).firstMalformed!.problem('f.jsonl:1');
    expect(one(third!)).toBe('f.jsonl:1: at "custom_id": expected a string, found nothing');
    expect(one(fifth!)).toBe('f.jsonl:1: at "response.status_code": expected a number, found a string "200"');
  });
});
