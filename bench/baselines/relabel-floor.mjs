// The single-thread floor: a minimal hand-written Node script (split lines, JSON.parse, build the two
// rows, JSON.stringify), no validation, no error handling. radpo should be no slower than this.
import { createReadStream } from 'node:fs';

const HEADER =
  'You are an assistant that generates responses for the instruction while implicitly achieving the ' +
  'following target scores (on a scale of 1-10, where 1 is lowest and 10 is highest):\nOverall score: ';
let rest = '';
let n = 0;
let out = [];
let outLength = 0;
const flush = async () => {
  const text = out.join('');
  out = [];
  outLength = 0;
  if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
};
for await (const chunk of createReadStream(process.argv[2], { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const lines = (rest + chunk).split('\n');
  rest = lines.pop();
  for (const line of lines) {
    if (!line) continue;
    n += 1;
    const row = JSON.parse(line);
    const prompt = row.chosen.slice(0, -1);
    const c = row.chosen.slice(-1);
    const r = row.rejected.slice(-1);
    const a = JSON.stringify({
      prompt: [{ role: 'system', content: `${HEADER}${row.score_chosen}.` }, ...prompt],
      chosen: c,
      rejected: r,
      goal_score: row.score_chosen,
      score_chosen: row.score_chosen,
      score_rejected: row.score_rejected,
      copy: 'chosen_goal',
      source_id: row.prompt_id,
      source_line: n,
    });
    const b = JSON.stringify({
      prompt: [{ role: 'system', content: `${HEADER}${row.score_rejected}.` }, ...prompt],
      chosen: r,
      rejected: c,
      goal_score: row.score_rejected,
      score_chosen: row.score_rejected,
      score_rejected: row.score_chosen,
      copy: 'rejected_goal',
      source_id: row.prompt_id,
      source_line: n,
    });
    out.push(a, '\n', b, '\n');
    outLength += a.length + b.length;
    if (outLength > 1 << 20) await flush();
  }
}
await flush();
