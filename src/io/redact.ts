/**
 * Secrets never leave radpo: one redactor, filled with every API key and URL password a run uses, is
 * applied to every string that leaves it (stderr and logs, the rejects file, the report, cached answers,
 * error messages). It removes each secret whole, and any piece of one 8 characters or longer — so a key
 * cut by a truncation, or echoed in part by a server, is gone too. Redaction runs before any truncation.
 */

import type { Writable } from 'node:stream';

/** Pieces shorter than this are not matched (too many false hits; too little of a key to use). */
const MIN_PIECE = 8;
const MASK = '***';

export class Redactor {
  private readonly secrets: string[] = [];
  /** Every 8-character piece of every secret, to the secrets and offsets where it starts. */
  private readonly pieces = new Map<string, Array<{ secret: string; at: number }>>();

  /**
   * Add a secret (empty and very short values are ignored: masking them would mangle any text), with the
   * simple encodings a server may echo it in: base64 and base64url (at each of the three alignments it can
   * take inside a longer encoded text, such as `Bearer KEY` encoded whole), hex, and URL-encoding.
   */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 4 || this.secrets.includes(secret)) return;
    this.addOne(secret);
    for (const encoded of encodings(secret)) if (encoded.length >= MIN_PIECE) this.addOne(encoded);
  }

  private addOne(secret: string): void {
    if (this.secrets.includes(secret)) return;
    this.secrets.push(secret);
    this.secrets.sort((a, b) => b.length - a.length);
    for (let at = 0; at + MIN_PIECE <= secret.length; at++) {
      const piece = secret.slice(at, at + MIN_PIECE);
      const list = this.pieces.get(piece) ?? [];
      list.push({ secret, at });
      this.pieces.set(piece, list);
    }
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  redact(text: string): string {
    if (this.secrets.length === 0 || text.length === 0) return text;
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    if (this.pieces.size === 0 || out.length < MIN_PIECE) return out;
    let result = '';
    let from = 0;
    for (let i = 0; i + MIN_PIECE <= out.length; ) {
      const starts = this.pieces.get(out.slice(i, i + MIN_PIECE));
      if (!starts) {
        i += 1;
        continue;
      }
      // The longest run of the text that is a piece of a secret.
      let length = MIN_PIECE;
      for (const { secret, at } of starts) {
        let k = MIN_PIECE;
        while (i + k < out.length && at + k < secret.length && out[i + k] === secret[at + k]) k += 1;
        length = Math.max(length, k);
      }
      result += out.slice(from, i) + MASK;
      i += length;
      from = i;
    }
    return result + out.slice(from);
  }
}

/**
 * A secret as base64 (standard and URL-safe) at each of the three byte alignments it can have inside a
 * longer encoded text — only the groups of 4 characters that encode secret bytes alone, since the others
 * depend on the bytes around it — and whole; as hex; URL-encoded.
 */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const urlSafe = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const out: string[] = [];
  const whole = bytes.toString('base64');
  out.push(whole, urlSafe(whole));
  for (let shift = 0; shift < 3; shift++) {
    const text = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const core = text.slice(shift === 0 ? 0 : 4, Math.floor((shift + bytes.length) / 3) * 4);
    out.push(core, urlSafe(core));
  }
  out.push(bytes.toString('hex'), bytes.toString('hex').toUpperCase(), encodeURIComponent(secret));
  return [...new Set(out)].filter((form) => form !== secret);
}

/** The URL as it may be shown: a password in it masked (http://user:***@host/v1). */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = MASK;
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * stderr as every run sees it: each string written is redacted first, synchronously (the stream itself
 * is used for everything else, so a terminal stays a terminal and writes keep their order).
 */
export function redactingStream<T extends Writable & { isTTY?: boolean }>(target: T, secrets: Redactor): T {
  return new Proxy(target, {
    get(stream, property) {
      if (property === 'write')
        return (chunk: string | Uint8Array, ...rest: unknown[]) =>
          (stream.write as (...args: unknown[]) => boolean)(
            secrets.redact(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')),
            ...rest,
          );
      const value = Reflect.get(stream, property, stream);
      return typeof value === 'function' ? value.bind(stream) : value;
    },
  });
}
