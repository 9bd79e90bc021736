/**
 * From the judge flags (and the environment, which flags override) to the judge run configuration.
 * The API key comes from the environment only (RADPO_JUDGE_API_KEY, then OPENAI_API_KEY).
 */
import { existsSync } from 'node:fs';
import { readFlagFile } from '../io/files.js';
import { usageError } from '../core/errors.js';
import type { Scale } from '../core/goal.js';
import type { Message } from '../core/pair.js';
import type { Io } from '../io/io.js';
import { defaultLevels } from '../judge/mapping.js';
import type { JudgeKind } from '../judge/choices.js';
import { BUILT_IN_RUBRICS, type Rubric } from '../judge/rubrics.js';
import type { JudgeRunConfig } from '../judge/session.js';
import { hostOf } from '../server/host.js';
import type { FlagValues } from './flags.js';
import { JUDGE_SERVER, serverSessionConfig } from './server-config.js';
import type { judgeFlags } from './tables.js';

type JudgeValues = FlagValues<typeof judgeFlags>;

async function loadRubric(spec: string): Promise<Rubric> {
  const builtIn = BUILT_IN_RUBRICS[spec];
  if (builtIn) return builtIn;
  if (!existsSync(spec))
    throw usageError(
      `--rubric ${spec}: neither a built-in rubric (${Object.keys(BUILT_IN_RUBRICS).join(', ')}) nor a file`,
    );
  const text = readFlagFile('--rubric', spec);
  // zod loads only for a rubric file.
  return (await import('../judge/rubric-file.js')).parseRubric(text, spec);
}

/**
 * null when no --judge was given. `goalScale` is the caller's --scale when it was given; `precisionGiven`
 * says whether --precision was (logprob scores keep 2 digits unless it was).
 */
export async function judgeRunConfig(
  flags: JudgeValues,
  io: Io,
  goalScale: Scale | undefined,
  precisionGiven = false,
): Promise<JudgeRunConfig | null> {
  if (!flags.judge) {
    refuseJudgeFlagsWithoutJudge(flags);
    return null;
  }
  const target = {
    url: flags.judgeUrl,
    model: flags.judgeModel,
    server: flags.judgeServer,
    keyEnv: flags.judgeApiKeyEnv,
  };
  const server = serverSessionConfig(JUDGE_SERVER, target, flags, io, '--judge');
  const rubric = await loadRubric(flags.rubric);
  const scale = judgeScale(flags.judge, rubric, goalScale);
  checkVerdictFlags(flags, rubric);
  return {
    judge: {
      kind: flags.judge,
      model: server.model,
      rubric,
      params: {
        model: server.model,
        seed: flags.seed,
        maxTokens: flags.judgeMaxTokens,
        structured: flags.structured,
        logprobs: flags.logprobs,
        maxCompletionTokens: hostOf(server.url) === 'api.openai.com',
        logprobDigits: precisionGiven ? flags.precision : 2,
      },
      rewardEndpoint: flags.rewardEndpoint,
      parseRetries: flags.parseRetries,
      renderText: flags.judgeChatTemplate ? await rewardRenderer(flags.judgeChatTemplate) : undefined,
    },
    server,
    map: flags.map,
    precision: flags.precision,
    levels: flags.levels ?? defaultLevels(scale),
    scale,
    rescore: flags.rescore,
  };
}

/** Judge flags given without --judge would be ignored in silence: say so instead. */
function refuseJudgeFlagsWithoutJudge(flags: JudgeValues): void {
  const orphans: Array<[string, unknown]> = [
    ['--judge-url', flags.judgeUrl],
    ['--judge-model', flags.judgeModel],
    ['--emit-batch', flags.emitBatch],
    ['--from-batch', flags.fromBatch.length > 0 ? flags.fromBatch : undefined],
  ];
  for (const [flag, value] of orphans)
    if (value !== undefined) throw usageError(`${flag} needs --judge chat or --judge reward`);
}

/** The goal scale of judge scores: a chat judge scores on its rubric's, a reward model is mapped onto --scale. */
function judgeScale(kind: JudgeKind, rubric: Rubric, goalScale: Scale | undefined): Scale {
  const scale = goalScale ?? (kind === 'chat' ? { min: rubric.min, max: rubric.max } : { min: 1, max: 10 });
  if (kind === 'chat' && (scale.min !== rubric.min || scale.max !== rubric.max)) {
    throw usageError(
      `--scale ${scale.min}-${scale.max} differs from the rubric's ${rubric.min}-${rubric.max}`,
      "a chat judge scores on its rubric's scale; leave --scale out, or use a rubric with that range",
    );
  }
  return scale;
}

/** How a verdict is asked for and read: the combinations that cannot work. */
function checkVerdictFlags(flags: JudgeValues, rubric: Rubric): void {
  if (flags.emitBatch && flags.judge !== 'chat')
    throw usageError('--emit-batch works with --judge chat (batch APIs have no pooling route)');
  if (flags.structured && flags.logprobs)
    throw usageError('--structured and --logprobs do not go together (logprobs read the first token of a bare score)');
  if (rubric.attributes && (flags.structured || flags.logprobs))
    throw usageError(`--rubric ${rubric.name} scores several attributes: --structured and --logprobs take one score`);
  if (flags.logprobs && (rubric.min < 0 || rubric.max > 9)) {
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
}

/** The reward model's template, rendering a whole conversation (no generation prompt) as its tokenizer would. */
async function rewardRenderer(path: string): Promise<(messages: Message[], tools?: readonly unknown[]) => string> {
  // The template engine loads only when a reward model's template is given.
  const { loadChatTemplate, Renderer } = await import('../templates/chat-template.js');
  const renderer = new Renderer(loadChatTemplate(path));
  return (messages, tools) => renderer.render(messages, false, tools);
}
