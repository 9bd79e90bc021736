#!/usr/bin/env node
// Deterministic generator of realistic preference pairs shaped like HuggingFaceH4/ultrafeedback_binarized:
// prompt, prompt_id, chosen/rejected/messages as message lists, score_chosen/score_rejected (float64, 1-10).
// Rows are ~8-11 KB with non-ASCII text, quotes, backslashes and newlines.
// Usage: node bench/generate.mjs --mb 200 -o bench/.data/pairs.jsonl [--seed 42]
import { createWriteStream } from 'node:fs';

function args() {
  const a = process.argv.slice(2);
  const get = (flag, fallback) => {
    const i = a.indexOf(flag);
    return i >= 0 ? a[i + 1] : fallback;
  };
  return { mb: Number(get('--mb', '200')), out: get('-o', '-'), seed: Number(get('--seed', '42')) };
}

function mulberry32(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the model should answer carefully with a clear explanation of each step and cite the relevant ' +
  'detail where possible while keeping the tone polite and helpful for the user who asked about ' +
  'cooking physics history programming poetry translation summary analysis data étude café naïve ' +
  'résumé Zürich straße 日本語 中文 한국어 русский العربية emoji 🙂 🚀 “quoted” ‘single’ — – …'
).split(' ');

export function* generateRows(totalBytes, seed = 42) {
  const rand = mulberry32(seed);
  const pick = () => WORDS[Math.floor(rand() * WORDS.length)];
  const sentence = (n) => {
    const words = [];
    for (let i = 0; i < n; i++) words.push(pick());
    const s = words.join(' ');
    return s[0].toUpperCase() + s.slice(1) + (rand() < 0.1 ? '?' : '.');
  };
  const paragraph = (sentences) =>
    Array.from({ length: sentences }, () => sentence(8 + Math.floor(rand() * 14))).join(' ');
  const answer = (target) => {
    const parts = [];
    let size = 0;
    while (size < target) {
      const r = rand();
      let p;
      if (r < 0.15) p = '```python\ndef f(x):\n    return "value: \\"%s\\"" % x\n```';
      else if (r < 0.3) p = Array.from({ length: 4 }, (_, i) => `${i + 1}. ${sentence(10)}`).join('\n');
      else p = paragraph(3 + Math.floor(rand() * 4));
      parts.push(p);
      size += Buffer.byteLength(p) + 2;
    }
    return parts.join('\n\n');
  };
  let written = 0;
  let i = 0;
  while (written < totalBytes) {
    const prompt = paragraph(1 + Math.floor(rand() * 3)) + (rand() < 0.3 ? `\n\n"${sentence(6)}"` : '');
    const chosen = answer(1800 + Math.floor(rand() * 900));
    const rejected = answer(1500 + Math.floor(rand() * 900));
    const scoreChosen = 1 + Math.floor(rand() * 19) / 2;
    const scoreRejected = Math.max(1, scoreChosen - Math.floor(rand() * 8) / 2);
    const user = { content: prompt, role: 'user' };
    const row = {
      prompt,
      prompt_id: `${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`,
      chosen: [user, { content: chosen, role: 'assistant' }],
      rejected: [user, { content: rejected, role: 'assistant' }],
      messages: [user, { content: chosen, role: 'assistant' }],
      score_chosen: scoreChosen,
      score_rejected: scoreRejected,
    };
    const line = `${JSON.stringify(row)}\n`;
    written += Buffer.byteLength(line);
    i += 1;
    yield line;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mb, out, seed } = args();
  const stream = out === '-' ? process.stdout : createWriteStream(out);
  let buffer = '';
  for (const line of generateRows(mb * 1024 * 1024, seed)) {
    buffer += line;
    if (buffer.length > 1 << 20) {
      if (!stream.write(buffer)) await new Promise((r) => stream.once('drain', r));
      buffer = '';
    }
  }
  stream.end(buffer);
}
