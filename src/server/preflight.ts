/**
 * Which server a judge or policy is, and whether it is there at all, before the first row. Each server names
 * itself at a route of its own at the server root (not under /v1):
 * - vLLM      GET /version        {"version": "0.11.2"}                      (vllm/entrypoints/openai/api_server.py)
 * - SGLang    GET /get_model_info {"model_path", "is_generation", …}         (sglang/srt/entrypoints/http_server.py)
 * - TGI GET /info {"model_id", "router", "version", …} (text-generation-inference router/src/lib.rs, struct Info)
 * - Ollama    GET /api/version    {"version": "0.12.3"}                      (ollama server/routes.go)
 * - llama.cpp GET /props          {"default_generation_settings", …}         (llama.cpp tools/server/server.cpp)
 * Anything else is a plain OpenAI-compatible server (api.openai.com is recognised by its host).
 */
import { RadpoError } from '../core/errors.js';
import type { ServerKind } from './choices.js';
import { Unreachable, type ServerHttp } from './http.js';
import type { ServerProfile } from './profile.js';
import type { ServerRole } from './role.js';

/** The server root: the base URL without its /v1. */
function serverRoot(base: string): string {
  return base.replace(/\/+$/, '').replace(/\/v1$/, '');
}

const PROBE_TIMEOUT_MS = 5000;

/** A server's profile before anything is known of its version (also for runs that send no request). */
export function plainProfile(kind: ServerKind, version: string | null = null): ServerProfile {
  return { kind, version, maxTopLogprobs: kind === 'tgi' ? 5 : 20, activationField: 'use_activation' };
}

/** Compare dotted versions: is `version` at least `min`? (Unparseable versions count as new.) */
function versionAtLeast(version: string | null, min: string): boolean {
  if (!version) return true;
  const a = version
    .replace(/^v/, '')
    .split(/[.+-]/)
    .map((p) => Number.parseInt(p, 10));
  const b = min.split('.').map(Number);
  if (a.slice(0, 3).some((n) => Number.isNaN(n))) return true;
  for (let i = 0; i < b.length; i++) {
    const x = a[i] ?? 0;
    if (x !== b[i]) return x > b[i]!;
  }
  return true;
}

function vllmProfile(version: string | null): ServerProfile {
  const activationField = versionAtLeast(version, '0.11.1')
    ? 'use_activation'
    : versionAtLeast(version, '0.10.0')
      ? 'legacy'
      : 'none';
  return { ...plainProfile('vllm', version), activationField };
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** Each server's identity route, and how to read it: a profile, or null when the answer is not that server's. */
const PROBES: Array<{
  kind: ServerKind;
  route: string;
  read: (json: Record<string, unknown>) => ServerProfile | null;
}> = [
  {
    kind: 'sglang',
    route: '/get_model_info',
    read: (j) => ('is_generation' in j && 'model_path' in j ? plainProfile('sglang', str(j.version)) : null),
  },
  {
    kind: 'tgi',
    route: '/info',
    read: (j) =>
      typeof j.model_id === 'string' && ('router' in j || 'max_total_tokens' in j)
        ? {
            ...plainProfile('tgi', str(j.version)),
            maxTopLogprobs: typeof j.max_top_n_tokens === 'number' ? j.max_top_n_tokens : 5,
          }
        : null,
  },
  {
    kind: 'llamacpp',
    route: '/props',
    read: (j) => ('default_generation_settings' in j ? plainProfile('llamacpp', str(j.build_info)) : null),
  },
  {
    kind: 'ollama',
    route: '/api/version',
    read: (j) => (typeof j.version === 'string' ? plainProfile('ollama', j.version) : null),
  },
  { kind: 'vllm', route: '/version', read: (j) => (typeof j.version === 'string' ? vllmProfile(j.version) : null) },
];

async function probe(http: ServerHttp, root: string, entry: (typeof PROBES)[number]): Promise<ServerProfile | null> {
  let answer: Awaited<ReturnType<ServerHttp['getJson']>>;
  try {
    answer = await http.getJson(`${root}${entry.route}`, PROBE_TIMEOUT_MS);
  } catch (err) {
    // The server answered GET /models already: an identity route that stalls or drops the connection
    // only says the server is not that kind.
    if (err instanceof Unreachable) return null;
    throw err;
  }
  if (answer?.status !== 200 || answer.json === null || typeof answer.json !== 'object') return null;
  return entry.read(answer.json as Record<string, unknown>);
}

/**
 * The server's profile: identified from its identity routes (`auto`), or the one named, with the
 * version its identity route reports when it has one.
 */
async function identifyServer(http: ServerHttp, base: string, named: ServerKind | 'auto'): Promise<ServerProfile> {
  const root = serverRoot(base);
  if (named === 'openai' || (named === 'auto' && /(^|\.)openai\.com$/.test(new URL(base).hostname)))
    return plainProfile('openai');
  const candidates = named === 'auto' ? PROBES : PROBES.filter((p) => p.kind === named);
  // All at once (a server that stalls them costs one probe timeout, not five), the first in PROBES order wins.
  const found = (await Promise.all(candidates.map((entry) => probe(http, root, entry)))).find((p) => p !== null);
  if (found) return found;
  return named === 'auto' ? plainProfile('openai') : named === 'vllm' ? vllmProfile(null) : plainProfile(named);
}

/** Servers that serve one model and answer whatever name a request gives. */
const SINGLE_MODEL = new Set<ServerKind>(['tgi', 'llamacpp', 'sglang']);

/**
 * Before the first row: the server answers, and serves the model. A server that cannot be reached
 * fails the run in seconds; an unknown model fails it listing what is served.
 */
export async function preflight(
  http: ServerHttp,
  base: string,
  model: string,
  named: ServerKind | 'auto',
  role: ServerRole,
  warn: (message: string) => void,
): Promise<ServerProfile> {
  const modelsUrl = `${base.replace(/\/+$/, '')}/models`;
  let models: { status: number; json: unknown } | null;
  try {
    models = await http.getJson(modelsUrl, PROBE_TIMEOUT_MS);
  } catch (err) {
    if (!(err instanceof Unreachable)) throw err;
    throw new RadpoError(
      'io',
      `cannot reach the ${role.noun} at ${base}: ${err.message}`,
      `start the server, or check ${role.urlFlag} (an OpenAI-compatible base URL with /v1, e.g. ` +
        'http://localhost:8000/v1)',
    );
  }
  if (models && (models.status === 401 || models.status === 403)) {
    throw new RadpoError(
      'io',
      `the ${role.noun} at ${base} refused the API key (HTTP ${models.status} on GET /models)`,
      role.keyHint,
    );
  }
  const profile = await identifyServer(http, base, named);
  const served = servedModels(models?.json);
  if (served === null) {
    warn(
      `GET ${modelsUrl} lists no models, so ${role.modelFlag} ${model} is not checked (a gateway may hide the ` +
        `list; ${role.noPreflightFlag} skips this check)`,
    );
    return profile;
  }
  if (served.includes(model)) return profile;
  if (SINGLE_MODEL.has(profile.kind)) {
    warn(
      `the ${profile.kind} server serves one model, ${served.join(', ') || '(unnamed)'}, whatever ` +
        `${role.modelFlag} says (${model})`,
    );
    return profile;
  }
  throw new RadpoError(
    'io',
    `the ${role.noun} at ${base} does not serve ${role.modelFlag} ${model}; it serves: ` +
      `${served.join(', ') || '(no models)'}`,
    `pass one of those names as ${role.modelFlag}`,
  );
}

function servedModels(json: unknown): string[] | null {
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return null;
  return data
    .map((m) => (m && typeof m === 'object' ? str((m as { id?: unknown }).id) : null))
    .filter((id): id is string => id !== null);
}
