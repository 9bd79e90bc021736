/**
 * From the network flags (and the environment, which flags override) to a server session's
 * configuration, for a judge (score, relabel --judge) and a policy (generate) alike. API keys come from
 * the environment only: never a flag, never logged or stored.
 */
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import type { Io } from '../io/io.js';
import type { ServerChoice } from '../server/choices.js';
import type { ServerRole } from '../server/role.js';
import type { ServerSessionConfig } from '../server/session.js';
import type { FlagValues } from './flags.js';
import type { networkFlags } from './tables.js';

type NetworkValues = FlagValues<ReturnType<typeof networkFlags>>;

/** A server's role: how messages name it, and where its URL and key come from. */
interface ServerSpec {
  role: ServerRole;
  /** Environment variables that give the URL when the flag does not, in order. */
  urlVariables: string[];
  /** Environment variables that give the API key, in order. */
  keyVariables: string[];
}

export const JUDGE_SERVER: ServerSpec = {
  role: {
    noun: 'judge',
    urlFlag: '--judge-url',
    modelFlag: '--judge-model',
    serverFlag: '--judge-server',
    keyHint: 'check RADPO_JUDGE_API_KEY (or OPENAI_API_KEY)',
  },
  urlVariables: ['RADPO_JUDGE_URL', 'OPENAI_BASE_URL'],
  keyVariables: ['RADPO_JUDGE_API_KEY', 'OPENAI_API_KEY'],
};

export const POLICY_SERVER: ServerSpec = {
  role: {
    noun: 'policy server',
    urlFlag: '--policy-url',
    modelFlag: '--policy-model',
    serverFlag: '--policy-server',
    keyHint: 'check RADPO_POLICY_API_KEY (or OPENAI_API_KEY)',
  },
  urlVariables: ['RADPO_POLICY_URL'],
  keyVariables: ['RADPO_POLICY_API_KEY', 'OPENAI_API_KEY'],
};

/** Where the server is and which model it serves, as the command's own flags name them. */
interface ServerTarget {
  url: string | undefined;
  model: string | undefined;
  server: ServerChoice;
}

/** The session configuration; `needs` words what lacks a server ("--judge", "radpo generate"). */
export function serverSessionConfig(
  spec: ServerSpec,
  target: ServerTarget,
  flags: NetworkValues,
  io: Io,
  needs: string,
): ServerSessionConfig {
  const { role } = spec;
  // --emit-batch sends nothing: the batch lines only need the route, so no server is required.
  const url =
    target.url ??
    spec.urlVariables.map((name) => io.env[name]).find((v) => v) ??
    (flags.emitBatch ? 'http://localhost/v1' : undefined);
  if (!url) {
    throw usageError(
      `${needs} needs a server: pass ${role.urlFlag} (e.g. http://localhost:8000/v1) or set ${spec.urlVariables[0]}`,
    );
  }
  try {
    new URL(url);
  } catch {
    throw usageError(`${role.urlFlag} ${url} is not a URL`, 'for example http://localhost:8000/v1');
  }
  if (!target.model) throw usageError(`${needs} needs ${role.modelFlag} NAME (the model the server serves)`);
  if (flags.liveFallback && flags.fromBatch.length === 0) throw usageError('--live-fallback goes with --from-batch');
  return {
    role,
    url,
    model: target.model,
    server: target.server,
    preflight: flags.preflight,
    cachePath: flags.cache === null ? null : (flags.cache ?? join(io.cwd, '.radpo-cache.sqlite')),
    concurrency: Math.max(1, flags.concurrency),
    timeoutMs: flags.timeout * 1000,
    maxRetries: flags.maxRetries,
    apiKey: spec.keyVariables.map((name) => io.env[name]).find((v) => v) || undefined,
    emitBatch: flags.emitBatch,
    fromBatch: flags.fromBatch,
    liveFallback: flags.liveFallback,
  };
}

/** The files a session reads (--from-batch) and writes (--emit-batch, --cache), for the output identity checks. */
export function serverFiles(config: ServerSessionConfig | null | undefined): {
  inputs: string[];
  outputs: Array<[string, string | undefined]>;
} {
  if (!config) return { inputs: [], outputs: [] };
  return {
    inputs: config.fromBatch,
    outputs: [
      ['--emit-batch', config.emitBatch],
      ['--cache', config.cachePath ?? undefined],
    ],
  };
}
