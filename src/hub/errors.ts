/**
 * The Hub's failures in words that say what to do. The Hub's own X-Error-Code (RepoNotFound, RevisionNotFound,
 * EntryNotFound, GatedRepo) and X-Error-Message are read as huggingface_hub's hf_raise_for_status reads them.
 * No message holds the token: it is never put in one, and the run's Redactor masks it anyway.
 */
import { RadpoError } from '../core/errors.js';
import { shellQuote } from '../core/terminal.js';
import type { HubEnv } from './env.js';
import { HubHttpError, HubNetworkError } from './http.js';
import { type HubRef, hubUrl } from './ref.js';

/** The command that puts one file in the cache, for a user who is offline or behind a proxy. */
export function fetchCommand(ref: Pick<HubRef, 'repo' | 'revision' | 'revisionGiven'>, path: string): string {
  const rev = ref.revisionGiven ? ` --revision ${ref.revision}` : '';
  return `hf download ${ref.repo} ${path} --repo-type dataset${rev}`;
}

/** The command that puts the files a glob names in the cache (huggingface-cli's --include takes the same glob). */
export function fetchGlobCommand(ref: Pick<HubRef, 'repo' | 'revision' | 'revisionGiven'>, glob: string): string {
  const rev = ref.revisionGiven ? ` --revision ${ref.revision}` : '';
  return `hf download ${ref.repo} --repo-type dataset --include ${shellQuote(glob)}${rev}`;
}

export function hubFailure(err: unknown, env: HubEnv, ref: HubRef, what: string): unknown {
  if (err instanceof RadpoError) return err;
  const name = hubUrl(ref, what);
  if (err instanceof HubNetworkError)
    return new RadpoError(
      'io',
      `cannot read ${name} from ${env.endpoint}: ${err.message}`,
      `check the connection (or HF_ENDPOINT); with the files already in the cache (${env.cacheDir}), ` +
        'HF_HUB_OFFLINE=1 reads them without the network',
    );
  if (!(err instanceof HubHttpError)) return err;
  const storage = storageHost(err.url, env.endpoint);
  if (storage !== null) {
    // The Hub sent the download to its storage (a CDN, S3): the Hub's token and the repository's access are not
    // what that host judged, so the Hub's words (log in, gated, check the name) would mislead.
    const said = xmlMessage(err.body) || serverMessage(err.body);
    return new RadpoError(
      'io',
      `cannot read ${name}: the file's storage host ${storage} answered ${err.status}${said ? ` (${said})` : ''}`,
      err.status === 401 || err.status === 403
        ? 'the signed download link was refused (it expires after a while, or a proxy or firewall rewrote or ' +
            `blocked it): run again for a fresh link; if it persists, check that this machine may reach ${storage}`
        : err.status === 429 || err.status >= 500
          ? 'the storage is busy or down: try again later'
          : 'run again; if it persists, report it with the dataset and file',
    );
  }
  const code = err.headers.get('x-error-code') ?? '';
  const said = err.headers.get('x-error-message') ?? serverMessage(err.body);
  const answer = `${env.endpoint} answered ${err.status}${code ? ` ${code}` : ''}${said ? ` (${said})` : ''}`;
  const page = `${env.endpoint}/datasets/${ref.repo}`;
  if (err.status === 401)
    return new RadpoError(
      'config',
      `cannot read ${name}: ${answer}`,
      env.token
        ? `the token from ${env.tokenSource} was refused, or it gives no access to ${ref.repo}: check it with ` +
            '`hf auth whoami`, replace it (`hf auth login`), or unset it for a public dataset'
        : `${ref.repo} does not exist or is private or gated: check the name at ${page}, or log in ` +
            '(`hf auth login`, or HF_TOKEN) with an account that can read it',
    );
  if (err.status === 403)
    return new RadpoError(
      'config',
      `cannot read ${name}: ${answer}`,
      code === 'GatedRepo'
        ? `${ref.repo} is gated: accept its conditions at ${page} with the account of your token`
        : `your token (${env.tokenSource ?? 'none'}) may not read ${ref.repo}: check its permissions`,
    );
  if (err.status === 404) {
    const hint =
      code === 'RevisionNotFound'
        ? `${ref.revision} is not a branch, tag or commit of ${ref.repo}: see ${page}/tree/main`
        : code === 'RepoNotFound'
          ? `check the dataset's name at ${page}`
          : `see the files of ${ref.repo} at ${page}/tree/${encodeURIComponent(ref.revision)}`;
    return new RadpoError('io', `cannot read ${name}: ${answer}`, hint);
  }
  return new RadpoError(
    'io',
    `cannot read ${name}: ${answer}`,
    err.status === 429 || err.status >= 500
      ? 'the Hub is busy or down: try again later (or HF_HUB_OFFLINE=1 to read what the cache holds)'
      : 'check the name and revision',
  );
}

function serverMessage(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const text = typeof json.error === 'string' ? json.error : typeof json.message === 'string' ? json.message : '';
    return text.slice(0, 300);
  } catch {
    return body.trim().slice(0, 200);
  }
}

/** The host of a failed answer when it is not the Hub's endpoint (a download redirected to storage), else null. */
function storageHost(url: string, endpoint: string): string | null {
  try {
    const at = new URL(url);
    return at.origin === new URL(endpoint).origin ? null : at.host;
  } catch {
    return null;
  }
}

/** S3's and CloudFront's XML error body: its Code and Message. */
function xmlMessage(body: string): string {
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]{1,200})<\/Message>/.exec(body)?.[1];
  return [code, message].filter(Boolean).join(': ');
}
