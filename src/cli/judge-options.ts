/**
 * Judge flags, shared by `radpo score` and `radpo relabel --judge`. The API key comes from the
 * environment only (RADPO_JUDGE_API_KEY, then OPENAI_API_KEY): never a flag, never logged or stored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import { parseScale } from '../core/goal.js';
import { BUILT_IN_RUBRICS, parseRubric, type Rubric } from '../judge/rubrics.js';
import { defaultLevels, type MappingKind } from '../judge/mapping.js';
import type { JudgeRunConfig } from '../commands/score.js';
import type { Io } from './io.js';
import { parseCount, parseNumber } from './options.js';

function loadRubric(spec: string): Rubric {
  const builtIn = BUILT_IN_RUBRICS[spec];
  if (builtIn) return builtIn;
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch {
    throw usageError(`--rubric ${spec}: neither a built-in rubric (${Object.keys(BUILT_IN_RUBRICS).join(', ')}) nor a readable file`);
  }
  return parseRubric(text, spec);
}

/** null when no --judge was given. `scale` is the goal scale the caller uses (relabel's --scale). */
export function judgeRunConfig(o: Record<string, unknown>, io: Io, scaleText: string | undefined): JudgeRunConfig | null {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  if (!o.judge) {
    for (const flag of ['judgeUrl', 'judgeModel', 'emitBatch', 'fromBatch']) {
      if (o[flag] !== undefined) throw usageError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --judge chat or --judge reward`);
    }
    return null;
  }
  const kind = o.judge as 'chat' | 'reward';
  const url = str('judgeUrl') ?? io.env.RADPO_JUDGE_URL ?? io.env.OPENAI_BASE_URL;
  if (!url) throw usageError('--judge needs a server: pass --judge-url (e.g. http://localhost:8000/v1) or set RADPO_JUDGE_URL');
  try {
    new URL(url);
  } catch {
    throw usageError(`--judge-url ${url} is not a URL`, 'for example http://localhost:8000/v1');
  }
  const model = str('judgeModel');
  if (!model) throw usageError('--judge needs --judge-model NAME (the model the server serves)');
  const rubric = loadRubric(str('rubric') ?? 'ultrafeedback');
  const scale = scaleText ? parseScale(scaleText) : kind === 'chat' ? { min: rubric.min, max: rubric.max } : { min: 1, max: 10 };
  if (kind === 'chat' && (scale.min !== rubric.min || scale.max !== rubric.max)) {
    throw usageError(`--scale ${scaleText} differs from the rubric's ${rubric.min}-${rubric.max}`, 'a chat judge scores on its rubric\'s scale; leave --scale out, or use a rubric with that range');
  }
  if (o.emitBatch && kind !== 'chat') throw usageError('--emit-batch works with --judge chat (batch APIs have no pooling route)');
  if (o.structured && o.logprobs) throw usageError('--structured and --logprobs do not go together (logprobs read the first token of a bare score)');
  if (rubric.attributes && (o.structured || o.logprobs)) throw usageError(`--rubric ${rubric.name} scores several attributes: --structured and --logprobs take one score`);
  let host = '';
  try {
    host = new URL(url).host;
  } catch {
    /* checked above */
  }
  const cache = o.cache === false ? null : (str('cache') ?? join(io.cwd, '.radpo-cache.sqlite'));
  return {
    judge: {
      kind,
      url,
      model,
      rubric,
      params: {
        model,
        seed: parseCount(str('seed') ?? '0', '--seed'),
        maxTokens: parseCount(str('judgeMaxTokens') ?? '1024', '--judge-max-tokens'),
        structured: o.structured === true,
        logprobs: o.logprobs === true,
        maxCompletionTokens: host === 'api.openai.com',
      },
      rewardEndpoint: (str('rewardEndpoint') ?? 'pooling') as 'pooling' | 'classify',
      parseRetries: parseCount(str('parseRetries') ?? '2', '--parse-retries'),
    },
    cachePath: cache,
    concurrency: Math.max(1, parseCount(str('concurrency') ?? '16', '--concurrency')),
    timeoutMs: parseNumber(str('timeout') ?? '60', '--timeout') * 1000,
    maxRetries: parseCount(str('maxRetries') ?? '5', '--max-retries'),
    apiKey: io.env.RADPO_JUDGE_API_KEY || io.env.OPENAI_API_KEY || undefined,
    map: (str('map') ?? 'minmax') as MappingKind,
    precision: parseCount(str('precision') ?? '0', '--precision'),
    levels: str('levels') ? parseCount(str('levels')!, '--levels') : defaultLevels(scale),
    scale,
    rescore: o.rescore === true,
    emitBatch: str('emitBatch'),
    fromBatch: str('fromBatch'),
  };
}

/** A reward mapping fitted on the data reads the inputs twice, which stdin cannot do. */
export function checkJudgeInputs(run: JudgeRunConfig | null, inputs: string[]): void {
  if (run && run.judge.kind === 'reward' && run.map !== 'identity' && !run.emitBatch && inputs.includes('-')) {
    throw usageError(`--map ${run.map} fits the mapping on all rewards first, so the input is read twice: pass a file, not stdin`, 'or use --map identity for rewards already on the goal scale');
  }
}
