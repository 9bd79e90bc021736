/**
 * From the judge flags (and the environment, which flags override) to the judge run configuration.
 * The API key comes from the environment only (RADPO_JUDGE_API_KEY, then OPENAI_API_KEY).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import type { Scale } from '../core/goal.js';
import type { Message } from '../core/pair.js';
import type { Io } from '../io/io.js';
import { loadChatTemplate, Renderer } from '../templates/chat-template.js';
import { defaultLevels } from '../judge/mapping.js';
import { BUILT_IN_RUBRICS, parseRubric, type Rubric } from '../judge/rubrics.js';
import type { JudgeRunConfig } from '../judge/session.js';
import type { FlagValues } from './flags.js';
import type { judgeFlags } from './tables.js';

type JudgeValues = FlagValues<typeof judgeFlags>;

function loadRubric(spec: string): Rubric {
  const builtIn = BUILT_IN_RUBRICS[spec];
  if (builtIn) return builtIn;
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch {
    throw usageError(
      `--rubric ${spec}: neither a built-in rubric (${Object.keys(BUILT_IN_RUBRICS).join(', ')}) nor a readable file`,
    );
  }
  return parseRubric(text, spec);
}

/**
 * null when no --judge was given. `goalScale` is the caller's --scale when it was given; `precisionGiven`
 * says whether --precision was (logprob scores keep 2 digits unless it was).
 */
export function judgeRunConfig(
  o: JudgeValues,
  io: Io,
  goalScale: Scale | undefined,
  precisionGiven = false,
): JudgeRunConfig | null {
  if (!o.judge) {
    const orphans: Array<[string, unknown]> = [
      ['--judge-url', o.judgeUrl],
      ['--judge-model', o.judgeModel],
      ['--emit-batch', o.emitBatch],
      ['--from-batch', o.fromBatch.length > 0 ? o.fromBatch : undefined],
    ];
    for (const [flag, value] of orphans)
      if (value !== undefined) throw usageError(`${flag} needs --judge chat or --judge reward`);
    return null;
  }
  const kind = o.judge;
  // --emit-batch sends nothing: the batch lines only need the route, so no server is required.
  const url =
    o.judgeUrl ?? io.env.RADPO_JUDGE_URL ?? io.env.OPENAI_BASE_URL ?? (o.emitBatch ? 'http://localhost/v1' : undefined);
  if (!url)
    throw usageError('--judge needs a server: pass --judge-url (e.g. http://localhost:8000/v1) or set RADPO_JUDGE_URL');
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    throw usageError(`--judge-url ${url} is not a URL`, 'for example http://localhost:8000/v1');
  }
  const model = o.judgeModel;
  if (!model) throw usageError('--judge needs --judge-model NAME (the model the server serves)');
  const rubric = loadRubric(o.rubric);
  const scale = goalScale ?? (kind === 'chat' ? { min: rubric.min, max: rubric.max } : { min: 1, max: 10 });
  if (kind === 'chat' && (scale.min !== rubric.min || scale.max !== rubric.max)) {
    throw usageError(
      `--scale ${scale.min}-${scale.max} differs from the rubric's ${rubric.min}-${rubric.max}`,
      "a chat judge scores on its rubric's scale; leave --scale out, or use a rubric with that range",
    );
  }
  if (o.emitBatch && kind !== 'chat')
    throw usageError('--emit-batch works with --judge chat (batch APIs have no pooling route)');
  if (o.structured && o.logprobs)
    throw usageError('--structured and --logprobs do not go together (logprobs read the first token of a bare score)');
  if (rubric.attributes && (o.structured || o.logprobs))
    throw usageError(`--rubric ${rubric.name} scores several attributes: --structured and --logprobs take one score`);
  if (o.logprobs && (rubric.min < 0 || rubric.max > 9)) {
    // "10" is two tokens for many tokenizers (Qwen, Llama-3 split digits): the first token's
    // probabilities would read a 10 as mostly "1".
    const singleDigit = Object.values(BUILT_IN_RUBRICS)
      .filter((r) => !r.attributes && r.min >= 0 && r.max <= 9)
      .map((r) => r.name);
    throw usageError(
      `--logprobs reads the score from the first answer token, and ` +
        `--rubric ${rubric.name} scores up to ${rubric.max}, which takes two tokens`,
      `use a rubric whose scores are single digits (${singleDigit.join(', ')}, or a rubric file with a scale ` +
        `within 0-9), or leave --logprobs out`,
    );
  }
  if (o.liveFallback && o.fromBatch.length === 0) throw usageError('--live-fallback goes with --from-batch');
  return {
    judge: {
      kind,
      url,
      model,
      rubric,
      params: {
        model,
        seed: o.seed,
        maxTokens: o.judgeMaxTokens,
        structured: o.structured,
        logprobs: o.logprobs,
        maxCompletionTokens: host === 'api.openai.com',
        logprobDigits: precisionGiven ? o.precision : 2,
      },
      rewardEndpoint: o.rewardEndpoint,
      parseRetries: o.parseRetries,
      server: o.judgeServer,
      preflight: o.preflight,
      renderText: o.judgeChatTemplate ? rewardRenderer(o.judgeChatTemplate) : undefined,
    },
    cachePath: o.cache === null ? null : (o.cache ?? join(io.cwd, '.radpo-cache.sqlite')),
    concurrency: Math.max(1, o.concurrency),
    timeoutMs: o.timeout * 1000,
    maxRetries: o.maxRetries,
    apiKey: io.env.RADPO_JUDGE_API_KEY || io.env.OPENAI_API_KEY || undefined,
    map: o.map,
    precision: o.precision,
    levels: o.levels ?? defaultLevels(scale),
    scale,
    rescore: o.rescore,
    emitBatch: o.emitBatch,
    fromBatch: o.fromBatch,
    liveFallback: o.liveFallback,
  };
}

/** The reward model's template, rendering a whole conversation (no generation prompt) as its tokenizer would. */
function rewardRenderer(path: string): (messages: Message[]) => string {
  const renderer = new Renderer(loadChatTemplate(path));
  return (messages) => renderer.render(messages, false);
}

/** A reward mapping fitted on the data reads the inputs twice, which stdin cannot do. */
export function checkJudgeInputs(run: JudgeRunConfig | null, inputs: string[]): void {
  if (run && run.judge.kind === 'reward' && run.map !== 'identity' && !run.emitBatch && inputs.includes('-')) {
    throw usageError(
      `--map ${run.map} fits the mapping on all rewards first, so the input is read twice: pass a file, not stdin`,
      'or use --map identity for rewards already on the goal scale',
    );
  }
}
