import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { wordHint } from '../../src/cli/hints.js';
import { type RadpoError, RowError } from '../../src/core/errors.js';
import {
  detectShape,
  identicalResponses,
  parseTranscript,
  pairOf,
  readPair,
  transcriptPrompt,
} from '../../src/core/pair.js';
import { getPath, parsePath } from '../../src/core/path.js';
import { orientByWinner } from '../../src/core/winner.js';
import { DATA } from '../helpers.js';

const realRows = {
  ultrafeedback: readFileSync(join(DATA, 'scored/ultrafeedback_gpt4_1000.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l)),
  sharegpt: JSON.parse(readFileSync(join(DATA, 'unscored/dpo_en_demo.json'), 'utf8')) as unknown[],
  sharegptZh: JSON.parse(readFileSync(join(DATA, 'unscored/dpo_zh_demo.json'), 'utf8')) as unknown[],
  hh: gunzipSync(readFileSync(join(DATA, 'unscored/hh-rlhf_harmless-base_test.jsonl.gz')))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l)),
  torchtune: JSON.parse(readFileSync(join(DATA, 'unscored/stack_exchange_paired_tiny.json'), 'utf8')) as unknown[],
};

function tally(rows: unknown[], options = {}) {
  const shape = detectShape(rows[0], options);
  const reasons: Record<string, number> = {};
  let ok = 0;
  for (const row of rows) {
    try {
      pairOf(readPair(row, shape));
      ok += 1;
    } catch (err) {
      const reason = (err as RowError).reason;
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
  }
  return { schema: shape.schema, ok, reasons };
}

describe('shape detection and reading on the real files in test/data', () => {
  it('UltraFeedback GPT-4 (prompt/chosen/rejected strings): standard; 2 empty responses found', () => {
    expect(tally(realRows.ultrafeedback)).toEqual({ schema: 'standard', ok: 998, reasons: { empty_response: 2 } });
  });
  it('LLaMA-Factory dpo_en_demo.json: sharegpt, all 300 rows', () => {
    expect(tally(realRows.sharegpt)).toEqual({ schema: 'sharegpt', ok: 300, reasons: {} });
  });
  it('LLaMA-Factory dpo_zh_demo.json: sharegpt, all 300 rows', () => {
    expect(tally(realRows.sharegptZh)).toEqual({ schema: 'sharegpt', ok: 300, reasons: {} });
  });
  it('hh-rlhf harmless-base test: implicit strings; its real defects are found', () => {
    expect(tally(realRows.hh)).toEqual({
      schema: 'implicit-string',
      ok: 2303,
      reasons: { empty_response: 4, prompt_mismatch: 5 },
    });
  });
  it('torchtune stack_exchange_paired_tiny: question/response_j/response_k columns', () => {
    const shape = detectShape(realRows.torchtune[0], {});
    expect(shape.prompt).toEqual(['question']);
    expect(shape.chosen).toEqual(['response_j']);
    expect(shape.rejected).toEqual(['response_k']);
    expect(tally(realRows.torchtune).ok).toBe(25);
  });

  it('ShareGPT: system turn kept, roles mapped, several context turns kept turn for turn', () => {
    const rows = realRows.sharegpt as Array<{
      conversations: Array<{ from: string; value: string }>;
      chosen: { value: string };
    }>;
    const shape = detectShape(rows[0], {});
    const withSystem = rows.find((r) => r.conversations[0]!.from === 'system')!;
    const multiTurn = rows.find((r) => r.conversations.length >= 5)!;
    for (const row of [withSystem, multiTurn]) {
      const pair = pairOf(readPair(row, shape));
      expect(pair.prompt.map((m) => m.role)).toEqual(
        row.conversations.map((m) => ({ system: 'system', human: 'user', gpt: 'assistant' })[m.from]),
      );
      expect(pair.prompt.map((m) => m.content)).toEqual(row.conversations.map((m) => m.value));
      expect(pair.chosen).toEqual([{ role: 'assistant', content: row.chosen.value }]);
    }
    expect(readPair(withSystem, shape).prompt[0]!.role).toBe('system');
  });

  it('hh-rlhf: the last Assistant turn is the response, earlier turns the prompt', () => {
    const row = realRows.hh[0] as { chosen: string };
    const pair = pairOf(readPair(row, detectShape(row, {})));
    const turns = parseTranscript(row.chosen, 'chosen');
    expect(pair.prompt).toEqual(turns.slice(0, -1));
    expect(pair.chosen).toEqual(turns.slice(-1));
    expect(pair.prompt[0]).toEqual({ role: 'user', content: 'what are some pranks with a pen i can do?' });
    expect(pair.prompt.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
  });
});

describe('detectShape', () => {
  const msg = (role: string, content: string) => ({ role, content });
  it.each([
    [
      'TRL conversational',
      { prompt: [msg('user', 'q')], chosen: [msg('assistant', 'a')], rejected: [msg('assistant', 'b')] },
      'conversational',
    ],
    ['standard strings', { prompt: 'q', chosen: 'a', rejected: 'b' }, 'standard'],
    [
      'ultrafeedback_binarized (string prompt + whole conversations)',
      {
        prompt: 'q',
        chosen: [msg('user', 'q'), msg('assistant', 'a')],
        rejected: [msg('user', 'q'), msg('assistant', 'b')],
      },
      'implicit-conversational',
    ],
    [
      'implicit conversations',
      { chosen: [msg('user', 'q'), msg('assistant', 'a')], rejected: [msg('user', 'q'), msg('assistant', 'b')] },
      'implicit-conversational',
    ],
    [
      'hh strings',
      { chosen: '\n\nHuman: q\n\nAssistant: a', rejected: '\n\nHuman: q\n\nAssistant: b' },
      'implicit-string',
    ],
    [
      'sharegpt',
      {
        conversations: [{ from: 'human', value: 'q' }],
        chosen: { from: 'gpt', value: 'a' },
        rejected: { from: 'gpt', value: 'b' },
      },
      'sharegpt',
    ],
  ])('%s', (_name, record, schema) => {
    expect(detectShape(record, {}).schema).toBe(schema);
  });

  it('honours column flags with dotted paths', () => {
    const shape = detectShape(
      { q: { text: 'x' }, good: 'a', bad: 'b', sys: 'be nice' },
      { prompt: ['q', 'text'], chosen: ['good'], rejected: ['bad'], system: ['sys'] },
    );
    expect(pairOf(readPair({ q: { text: 'x' }, good: 'a', bad: 'b', sys: 'be nice' }, shape))).toEqual({
      prompt: [
        { role: 'system', content: 'be nice' },
        { role: 'user', content: 'x' },
      ],
      chosen: [{ role: 'assistant', content: 'a' }],
      rejected: [{ role: 'assistant', content: 'b' }],
    });
  });

  it('says which columns it saw when it cannot find chosen/rejected', () => {
    try {
      detectShape({ text: 'x', label: [1] }, {});
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/first record has columns text, label/);
      expect(wordHint((err as RadpoError).hint!)).toMatch(/--chosen-col and --rejected-col/);
    }
  });
});

describe('readPair errors', () => {
  const shape = detectShape({ prompt: 'q', chosen: 'a', rejected: 'b' }, {});
  it.each([
    [{ prompt: 'q', rejected: 'b' }, 'missing_field', /field "chosen"/],
    [{ prompt: 'q', chosen: 5, rejected: 'b' }, 'bad_field', /expected a string or a list of messages, found number 5/],
    [{ prompt: 'q', chosen: '   ', rejected: 'b' }, 'empty_response', /response is empty/],
    [{ chosen: 'a', rejected: 'b' }, 'missing_field', /field "prompt"/],
  ])('%j -> %s', (record, reason, message) => {
    try {
      pairOf(readPair(record, shape));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RowError);
      expect((err as RowError).reason).toBe(reason);
      expect((err as RowError).describe(wordHint)).toMatch(message);
    }
  });

  it('implicit prompt mismatch names the first differing turn', () => {
    const implicit = detectShape(
      {
        chosen: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a' },
        ],
        rejected: [],
      },
      {},
    );
    const record = {
      chosen: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'x' },
        { role: 'user', content: 'more' },
        { role: 'assistant', content: 'a' },
      ],
      rejected: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'y' },
        { role: 'user', content: 'more' },
        { role: 'assistant', content: 'b' },
      ],
    };
    expect(() => pairOf(readPair(record, implicit))).toThrow(/first at turn 1/);
  });

  it('identical responses are detected', () => {
    expect(identicalResponses(pairOf(readPair({ prompt: 'q', chosen: 'negative', rejected: 'negative' }, shape)))).toBe(
      true,
    );
    expect(identicalResponses(pairOf(readPair({ prompt: 'q', chosen: 'a', rejected: 'b' }, shape)))).toBe(false);
  });

  it('--allow-empty writes empty responses', () => {
    expect(pairOf(readPair({ prompt: 'q', chosen: 'a', rejected: '' }, shape, { allowEmpty: true })).rejected).toEqual([
      { role: 'assistant', content: '' },
    ]);
  });
});

describe('prompts that are Human:/Assistant: transcripts (Nectar)', () => {
  const user = (content: string) => ({ role: 'user', content });
  const assistant = (content: string) => ({ role: 'assistant', content });
  it.each([
    ['Nectar single turn', '\n\nHuman: 0.002 = 1000 \n1 = x?\n\nAssistant:', [user('0.002 = 1000 \n1 = x?')]],
    ['trailing space', '\n\nHuman: hi\n\nAssistant: ', [user('hi')]],
    ['several turns', '\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:', [user('a'), assistant('b'), user('c')]],
    ['plain text', 'What is 2+2?', null],
    ['answered already', '\n\nHuman: a\n\nAssistant: b', null],
    ['no leading Human', 'Human: a\n\nAssistant:', null],
    ['text before the first turn', 'Note\n\nHuman: a\n\nAssistant:', null],
    ['not a string', [user('a')], null],
  ])('%s', (_name, value, turns) => {
    expect(transcriptPrompt(value)).toEqual(turns);
  });

  it('a file whose first prompt is a transcript reads every prompt as its turns; another text is a bad field', () => {
    const first = { prompt: '\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:', chosen: 'x', rejected: 'y' };
    const shape = detectShape(first, {});
    expect(shape.promptTranscript).toBe(true);
    expect(shape.description).toMatch(/prompts are Human:\/Assistant: transcripts/);
    expect(readPair(first, shape).prompt).toEqual([user('a'), assistant('b'), user('c')]);
    expect(() => pairOf(readPair({ prompt: 'plain', chosen: 'x', rejected: 'y' }, shape))).toThrow(
      /not a Human:\/Assistant:/,
    );
    // Plain prompts stay one user message.
    expect(detectShape({ prompt: 'q', chosen: 'a', rejected: 'b' }, {}).promptTranscript).toBe(false);
  });
});

describe('dotted paths never reach the prototype', () => {
  it.each(['__proto__', 'constructor', 'a.prototype', 'x.__proto__.polluted'])('parsePath refuses %j', (text) => {
    expect(() => parsePath(text)).toThrow(/not allowed/);
  });
  it('getPath follows own properties and array indexes only', () => {
    const record = JSON.parse('{"a": {"b": [10, 20]}, "__proto__": {"x": 1}}');
    expect(getPath(record, ['a', 'b', '1'])).toBe(20);
    expect(getPath(record, ['toString'])).toBeUndefined();
    expect(getPath(record, ['__proto__', 'x'])).toBeUndefined();
    expect(getPath(record, ['a', 'b', 'length'])).toBeUndefined();
  });
});

describe('readPair: a pair row into the canonical record (core/record.ts)', () => {
  const lines = (file: string) =>
    readFileSync(join(DATA, file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('a ShareGPT tool-call row (MedicalGPT): the prompt, the chosen response first, the tools on the record', () => {
    const row = lines('foreign/medicalgpt_toolcall_dpo_zh_demo.jsonl')[0]!;
    const record = readPair(row, detectShape(row, {}));
    expect(record.preference).toEqual({ kind: 'pair', chosen: 0, rejected: 1 });
    expect(record.prompt).toEqual([{ role: 'user', content: '北京今天天气怎么样？' }]);
    expect(record.responses.map((r) => r.content)).toEqual([
      [{ role: 'assistant', content: row.chosen }],
      [{ role: 'assistant', content: row.rejected }],
    ]);
    expect(record.tools).toBe(row.tools);
    // pairOf takes the chosen/rejected pair from it, tools included.
    expect(pairOf(record)).toEqual({
      prompt: record.prompt,
      chosen: record.responses[0]!.content,
      rejected: record.responses[1]!.content,
      tools: row.tools,
    });
  });

  it('an A/B row whose B won (PKU-SafeRLHF), oriented first: the winner is the record’s chosen response', () => {
    const row = lines('foreign/pku_saferlhf_alpaca7b_test_4.jsonl').find((r) => r.better_response_id === 1)!;
    const shape = detectShape(row, {});
    const record = readPair(orientByWinner(row, shape.winner!), shape);
    expect(pairOf(record).chosen).toEqual([{ role: 'assistant', content: row.response_1 }]);
    expect(pairOf(record).rejected).toEqual([{ role: 'assistant', content: row.response_0 }]);
  });
});

describe('LLaMA-Factory v1 DPO rows (chosen_messages, rejected_messages, content as {type, value} parts)', () => {
  const rows = readFileSync(join(DATA, 'unscored/v1_dpo_demo.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
  const text = (message: any) => message.content.map((p: any) => p.value).join('');

  it('read with no flag: the shared turns are the prompt, each text part list the message text', () => {
    for (const row of rows) {
      const shape = detectShape(row, {});
      expect(shape.schema).toBe('implicit-conversational');
      const pair = pairOf(readPair(row, shape));
      const turns = row.chosen_messages.length - 1;
      expect(pair.prompt.map((m) => [m.role, m.content])).toEqual(
        row.chosen_messages.slice(0, turns).map((m: any) => [m.role, text(m)]),
      );
      expect(pair.chosen[0]!.content).toBe(text(row.chosen_messages[turns]));
      expect(pair.rejected[0]!.content).toBe(text(row.rejected_messages.at(-1)));
      // The message's other keys are kept (the goal copies keep LLaMA-Factory's loss weights).
      expect(pair.chosen[0]!.loss_weight).toBe(row.chosen_messages[turns].loss_weight);
    }
  });

  it('a part that is not text is refused, naming it (never written as parts no layout reads)', () => {
    const row = structuredClone(rows[0]!);
    row.chosen_messages.at(-1).content.unshift({ type: 'reasoning', value: 'thinking…' });
    let error: unknown;
    try {
      readPair(row, detectShape(rows[0], {}));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RowError);
    const last = row.chosen_messages.length - 1;
    expect((error as RowError).details.field).toBe(`chosen_messages[${last}].content[0]`);
    expect((error as RowError).details.found).toContain('reasoning');
  });
});

describe('every row read by its own columns, not the first row’s (issue 26 review)', () => {
  const pair = { chosen: 'good', rejected: 'bad' };
  const read = (first: object, row: object) => pairOf(readPair(row, detectShape(first, {})));
  const refusal = (first: object, row: object) => {
    try {
      read(first, row);
    } catch (err) {
      return err instanceof RowError ? `${err.reason}: ${err.details.field}` : String(err);
    }
    return 'read';
  };
  const first = { instruction: 'Say hello', ...pair };

  it.each([
    [
      'an Alpaca input',
      { instruction: 'Translate', input: 'bonjour', ...pair },
      [{ role: 'user', content: 'Translate\nbonjour' }],
    ],
    [
      'a system prompt',
      { instruction: 'Answer', system: 'You are a pirate.', ...pair },
      [
        { role: 'system', content: 'You are a pirate.' },
        { role: 'user', content: 'Answer' },
      ],
    ],
    [
      'earlier turns (history)',
      { instruction: 'And now?', history: [['Hi', 'Hello']], ...pair },
      [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'And now?' },
      ],
    ],
  ])('a later row’s %s reaches its prompt', (_, row, prompt) => {
    expect(read(first, row).prompt).toEqual(prompt);
  });

  it('a later row’s tools reach its pair; a first row without them reads none', () => {
    expect(read(first, { ...first, tools: '[{"name":"f"}]' }).tools).toBe('[{"name":"f"}]');
    expect(read(first, first).tools).toBeUndefined();
  });

  it('a column the first row holds as something else stays unread (named by the unused-columns warning)', () => {
    const odd = { ...first, history: [{ role: 'user', content: 'x' }] };
    expect(detectShape(odd, {}).history).toBeNull();
    expect(read(odd, odd).prompt).toEqual([{ role: 'user', content: 'Say hello' }]);
  });

  const conversation = (user: string, answer: string) => [
    { role: 'user', content: user },
    { role: 'assistant', content: answer },
  ];
  it.each([
    ['the prompt’s turns, then the answer: the answer', conversation('Say hello', 'good'), 'read'],
    ['another prompt before the answer: refused', conversation('Something else', 'good'), 'prompt_mismatch: chosen'],
  ])('a later row whose chosen is a whole conversation, %s', (_, chosen, expected) => {
    const row = { ...first, chosen, rejected: conversation('Say hello', 'bad') };
    expect(refusal(first, row)).toBe(expected);
    if (expected === 'read') expect(read(first, row).chosen).toEqual([{ role: 'assistant', content: 'good' }]);
  });

  const openai = (extra: object) => ({
    input: { messages: [{ role: 'user', content: 'Weather?' }], ...extra },
    preferred_output: [{ role: 'assistant', content: 'Sunny.' }],
    non_preferred_output: [{ role: 'assistant', content: 'No idea.' }],
  });
  const tools = [{ type: 'function', function: { name: 'get_weather' } }];
  it.each([
    ['input.tools: kept as the pair’s tools', { tools }, 'read', JSON.stringify(tools)],
    [
      'parallel_tool_calls true (the default): read',
      { tools, parallel_tool_calls: true },
      'read',
      JSON.stringify(tools),
    ],
    [
      'parallel_tool_calls false: refused, naming it',
      { tools, parallel_tool_calls: false },
      'bad_field: input.parallel_tool_calls',
      undefined,
    ],
  ])('OpenAI DPO rows, %s', (_, extra, expected, kept) => {
    expect(refusal(openai({}), openai(extra))).toBe(expected);
    if (kept) expect(read(openai({}), openai(extra)).tools).toBe(kept);
  });

  it.each([
    ['no content parts', []],
    ['a blank text', '  '],
  ])('a prompt of %s is refused as an empty prompt string is', (_, content) => {
    const row = {
      chosen_messages: [
        { role: 'user', content },
        { role: 'assistant', content: 'good' },
      ],
      rejected_messages: [
        { role: 'user', content },
        { role: 'assistant', content: 'bad' },
      ],
    };
    expect(refusal(row, row)).toBe('bad_field: chosen_messages');
  });
});
