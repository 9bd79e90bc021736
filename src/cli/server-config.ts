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
import { maskUrl } from '../io/redact.js';
import type { FlagValues } from './flags.js';
import type { networkFlags } from './tables.js';

type NetworkValues = FlagValues<ReturnType<typeof networkFlags>>;

/** A server's role: how messages name it, and where its URL and key come from. */
interface ServerSpec {
  role: ServerRole;
  /** Environment variables that give the URL when the flag does not, in order. */
  urlVariables: string[];
  /** The variable that holds radpo's own key for this server (sent to any URL). */
  keyVariable: string;
  /** The flag that names another variable instead. */
  keyEnvFlag: string;
}

export const JUDGE_SERVER: ServerSpec = {
  role: {
    noun: 'judge',
    urlFlag: '--judge-url',
    modelFlag: '--judge-model',
    serverFlag: '--judge-server',
    keyHint: 'check RADPO_JUDGE_API_KEY (or OPENAI_API_KEY)',
    noPreflightFlag: '--no-preflight',
    fromBatchFlag: '--from-batch',
  },
  urlVariables: ['RADPO_JUDGE_URL', 'OPENAI_BASE_URL'],
  keyVariable: 'RADPO_JUDGE_API_KEY',
  keyEnvFlag: '--judge-api-key-env',
};

export const POLICY_SERVER: ServerSpec = {
  role: {
    noun: 'policy server',
    urlFlag: '--policy-url',
    modelFlag: '--policy-model',
    serverFlag: '--policy-server',
    keyHint: 'check RADPO_POLICY_API_KEY (or OPENAI_API_KEY)',
    noPreflightFlag: '--no-preflight',
    fromBatchFlag: '--from-batch',
  },
  urlVariables: ['RADPO_POLICY_URL'],
  keyVariable: 'RADPO_POLICY_API_KEY',
  keyEnvFlag: '--policy-api-key-env',
};

/** Where the server is and which model it serves, as the command's own flags name them. */
interface ServerTarget {
  url: string | undefined;
  model: string | undefined;
  server: ServerChoice;
  /** The environment variable that holds the key (--judge-api-key-env), when given. */
  keyEnv?: string;
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
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`${role.urlFlag} ${maskUrl(url)} is not a URL`, 'for example http://localhost:8000/v1');
  }
  io.secrets?.add(decodeURIComponent(parsed.password));
  if (!target.model) throw usageError(`${needs} needs ${role.modelFlag} NAME (the model the server serves)`);
  if (flags.liveFallback && flags.fromBatch.length === 0) throw usageError('--live-fallback goes with --from-batch');
  return {
    url,
    model: target.model,
    server: target.server,
    preflight: flags.preflight,
    cachePath: flags.cache === null ? null : (flags.cache ?? join(io.cwd, '.radpo-cache.sqlite')),
    concurrency: Math.max(1, flags.concurrency),
    timeoutMs: flags.timeout * 1000,
    maxRetries: flags.maxRetries,
    maxResponseBytes: flags.maxResponseBytes,
    ...apiKeyFor(spec, target, parsed, io),
    emitBatch: flags.emitBatch,
    fromBatch: flags.fromBatch,
    liveFallback: flags.liveFallback,
  };
}

/**
 * The key for this server, and what to say when the server refuses the request without it. radpo's own
 * variable (or the one --judge-api-key-env names) goes to any URL; OPENAI_API_KEY only to OpenAI and to
 * the host of OPENAI_BASE_URL, so a user's OpenAI key never reaches a third-party or local server.
 */
function apiKeyFor(
  spec: ServerSpec,
  target: ServerTarget,
  url: URL,
  io: Io,
): { apiKey: string | undefined; role: ServerRole } {
  const ownVariable = target.keyEnv ?? spec.keyVariable;
  if (target.keyEnv !== undefined && !io.env[target.keyEnv])
    throw usageError(`${spec.keyEnvFlag} ${target.keyEnv}: that environment variable is not set`);
  let openaiHost: string | null = null;
  try {
    openaiHost = io.env.OPENAI_BASE_URL ? new URL(io.env.OPENAI_BASE_URL).host : null;
  } catch {
    openaiHost = null;
  }
  const openaiServer = url.hostname === 'api.openai.com' || (openaiHost !== null && url.host === openaiHost);
  const [variable, apiKey] = io.env[ownVariable]
    ? [ownVariable, io.env[ownVariable]]
    : openaiServer && io.env.OPENAI_API_KEY
      ? ['OPENAI_API_KEY', io.env.OPENAI_API_KEY]
      : [ownVariable, undefined];
  if (apiKey) {
    const bad = /[^\t\x20-\x7e\x80-\xff]/.exec(apiKey);
    if (bad) {
      const shown = JSON.stringify(bad[0]).slice(1, -1);
      throw usageError(
        `${variable} holds a character that cannot go in an HTTP header (${shown} at position ${bad.index})`,
        'set the variable to the key alone (a trailing newline or carriage return is a common cause)',
      );
    }
    io.secrets?.add(apiKey);
  }
  const keyHint = apiKey
    ? `check ${variable}: the server refused the key radpo sent`
    : `set ${spec.keyVariable} (or name another variable with ${spec.keyEnvFlag})` +
      (openaiServer ? '' : '; OPENAI_API_KEY is sent only to api.openai.com and to the host of OPENAI_BASE_URL');
  return { apiKey: apiKey || undefined, role: { ...spec.role, keyHint } };
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
