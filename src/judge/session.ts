/**
 * One judged run's shared state: the judge, its server session (client, profile, cache, batch mode),
 * and the reward mapping fitted on the first pass. Used by `radpo score` and `radpo relabel --judge`.
 */
import type { Logger } from '../io/log.js';
import { usageError } from '../core/errors.js';
import type { Scale } from '../core/goal.js';
import type { Io } from '../io/io.js';
import type { ServerProfile } from '../server/profile.js';
import { ServerSession, type ServerSessionConfig } from '../server/session.js';
import { Judge, type JudgeConfig } from './judge.js';
import { applyMapping, fitMapping, type Mapping, type MappingKind } from './mapping.js';

export interface JudgeRunConfig {
  judge: JudgeConfig;
  server: ServerSessionConfig;
  /** Reward judges: how raw rewards become goal scores. */
  map: MappingKind;
  precision: number;
  levels: number;
  scale: Scale;
  rescore: boolean;
}

/** Shared state of one judged run: the judge, its server session, and the fitted mapping. */
export class JudgeSession {
  mapping: Mapping | null = null;
  readonly rawRewards: number[] = [];
  private constructor(
    readonly judge: Judge,
    readonly server: ServerSession,
    readonly config: JudgeRunConfig,
  ) {}

  static async open(config: JudgeRunConfig, io: Io, logger: Logger): Promise<JudgeSession> {
    const twoPasses = config.judge.kind === 'reward' && config.map !== 'identity';
    const server = await ServerSession.open(config.server, io, logger, twoPasses);
    try {
      checkProfile(server.profile, config.judge, logger);
      const judge = new Judge(config.judge, server, logger);
      server.readBatches((text) => judge.importBatch(text), logger);
      return new JudgeSession(judge, server, config);
    } catch (err) {
      await server.close();
      throw err;
    }
  }

  /** Reward judges map raw rewards; chat judges already score on the rubric's scale. */
  get needsFit(): boolean {
    return this.config.judge.kind === 'reward' && this.config.map !== 'identity';
  }

  fit(): void {
    const { map, scale, precision, levels } = this.config;
    this.mapping = fitMapping(map, scale, Float64Array.from(this.rawRewards), precision, levels);
  }

  /** The goal-scale score for a verdict's raw score. */
  toGoal(raw: number): number {
    const { judge, scale, precision, levels } = this.config;
    if (judge.kind === 'chat') return raw;
    return applyMapping(this.mapping ?? fitMapping('identity', scale, new Float64Array(0), precision, levels), raw);
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  report(): Record<string, unknown> {
    const { judge, config, server } = this;
    const { rubric } = config.judge;
    return {
      kind: config.judge.kind,
      server: { kind: server.profile.kind, version: server.profile.version },
      model: config.judge.model,
      rubric: config.judge.kind === 'chat' ? { name: rubric.name, min: rubric.min, max: rubric.max } : null,
      http_requests: server.http.requests,
      judged: judge.stats.judged,
      cache_hits: judge.stats.cacheHits,
      shared_in_flight: judge.stats.shared,
      failures: judge.stats.failures,
      prompt_tokens: judge.stats.promptTokens,
      completion_tokens: judge.stats.completionTokens,
      cache: server.cache.path,
      mapping:
        config.judge.kind === 'reward'
          ? (this.mapping ?? { kind: config.map, scale: config.scale, precision: config.precision })
          : null,
    };
  }
}

/** What the server can do with this judge, said before any request. */
function checkProfile(profile: ServerProfile, judge: JudgeConfig, logger: Logger): void {
  if (judge.kind !== 'reward') return;
  // Flags this server cannot serve: a usage error (exit 2), as a wrong flag would be.
  if (profile.kind === 'tgi' || profile.kind === 'ollama' || profile.kind === 'llamacpp') {
    throw usageError(
      `--judge reward needs a vLLM or SGLang server; this is ${profile.kind}, which serves no reward-model route`,
      'serve the reward model with vLLM (--runner pooling) or SGLang (--is-embedding), or use --judge chat',
    );
  }
  const needsText =
    profile.kind === 'sglang' ||
    (profile.kind === 'vllm' && profile.activationField !== 'use_activation' && judge.rewardEndpoint === 'classify');
  if (needsText && !judge.renderText) {
    const version = profile.version ? ` ${profile.version}` : '';
    throw usageError(
      `the ${profile.kind}${version} reward route takes rendered text, not messages: --judge-chat-template ` +
        'FILE is required',
      "pass the reward model's chat template (its tokenizer_config.json or a .jinja file)",
    );
  }
  if (profile.kind === 'vllm' && profile.activationField === 'none') {
    logger.warn(
      `vLLM ${profile.version} takes no per-request activation switch: unless it was started with ` +
        `--override-pooler-config '{"softmax": false, "activation": false}', its rewards come back through ` +
        'a sigmoid or softmax',
    );
  }
}
