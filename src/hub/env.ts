/**
 * The Hugging Face ecosystem's environment, read as huggingface_hub reads it (constants.py, utils/_auth.py), so one
 * setup serves Python and radpo alike: HF_ENDPOINT, HF_HUB_OFFLINE, HF_HUB_CACHE / HF_HOME, the token from HF_TOKEN
 * or the file `hf auth login` writes, and the two timeouts.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

export interface HubEnv {
  /** The Hub's root URL, without a trailing slash. */
  endpoint: string;
  /** Never printed: the run's Redactor holds it from the moment it is read. */
  token: string | undefined;
  /** Where the token came from, for messages (never the token itself). */
  tokenSource: string | undefined;
  offline: boolean;
  /** The hub cache: `datasets--OWNER--NAME/{blobs,snapshots,refs}` folders. */
  cacheDir: string;
  /** Seconds to wait for a file's metadata (HF_HUB_ETAG_TIMEOUT) and for each read of a download. */
  etagTimeoutS: number;
  downloadTimeoutS: number;
}

/** huggingface_hub's ENV_VARS_TRUE_VALUES. */
const TRUE_VALUES = new Set(['1', 'ON', 'YES', 'TRUE']);

function positiveInt(value: string | undefined, fallback: number): number {
  const n = value === undefined ? Number.NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** `~` and `$VAR` in a path, as Python's expanduser/expandvars do for these variables. */
function expand(path: string, env: Env): string {
  const home = env.HOME ?? homedir();
  return path.replace(/^~(?=$|\/)/, home).replace(/\$(\w+)|\$\{(\w+)\}/g, (all, a, b) => env[a ?? b] ?? all);
}

function hfHome(env: Env): string {
  const xdg = env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), '.cache');
  return expand(env.HF_HOME ?? join(xdg, 'huggingface'), env);
}

export function hubEnv(env: Env): HubEnv {
  const home = hfHome(env);
  let token = clean(env.HF_TOKEN) ?? clean(env.HUGGING_FACE_HUB_TOKEN);
  let tokenSource = token === undefined ? undefined : env.HF_TOKEN ? 'HF_TOKEN' : 'HUGGING_FACE_HUB_TOKEN';
  if (token === undefined) {
    const file = expand(env.HF_TOKEN_PATH ?? join(home, 'token'), env);
    try {
      token = clean(readFileSync(file, 'utf8'));
      if (token !== undefined) tokenSource = `the token file ${file}`;
    } catch {
      /* no token file: anonymous, as huggingface_hub */
    }
  }
  return {
    endpoint: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    token,
    tokenSource,
    offline: TRUE_VALUES.has((env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE || '').toUpperCase()),
    cacheDir: expand(env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(home, 'hub'), env),
    etagTimeoutS: positiveInt(env.HF_HUB_ETAG_TIMEOUT, 10),
    downloadTimeoutS: positiveInt(env.HF_HUB_DOWNLOAD_TIMEOUT, 10),
  };
}

/** huggingface_hub's _clean_token: surrounding whitespace removed, empty means none. */
function clean(token: string | undefined): string | undefined {
  const t = token?.replace(/\r?\n/g, '').trim();
  return t ? t : undefined;
}
