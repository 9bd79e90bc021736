/**
 * The answer cache: every judge answer and policy sample in SQLite (better-sqlite3, WAL), keyed by a hash of the judge
 * configuration and the exact prompt and response. The raw answer is stored with the parsed score, so a
 * parser fix re-reads it without paying again. Each answer is committed as it arrives, so a run killed
 * at any point loses at most the requests that were in flight. Failures are never cached.
 */
import { createHash } from 'node:crypto';
import type { Database as DatabaseType, Statement } from 'better-sqlite3';
import { RadpoError } from '../core/errors.js';
import { hint } from '../core/hints.js';
import type { Redactor } from '../io/redact.js';
import { writeError } from '../io/write-errors.js';

interface CachedAnswer {
  /** The server's JSON answer as text (chat completion or pooling response). */
  raw: string;
}

export function answerKey(configHash: string, prompt: unknown, response: unknown): string {
  return createHash('sha256')
    .update(configHash)
    .update('\u0000')
    .update(JSON.stringify(prompt))
    .update('\u0000')
    .update(JSON.stringify(response))
    .digest('hex');
}

export function configHash(config: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 32);
}

export interface AnswerCache {
  get(key: string): CachedAnswer | undefined;
  put(key: string, config: string, raw: string): void;
  close(): void;
  readonly path: string | null;
}

/**
 * No cache file (--no-cache). `retain` keeps answers for the run itself (a reward mapping's second pass
 * reads them back); otherwise nothing is kept, so memory does not grow with the input.
 */
export function memoryCache(retain: boolean): AnswerCache {
  const map = new Map<string, CachedAnswer>();
  return {
    path: null,
    get: (key) => map.get(key),
    put: (key, _config, raw) => void (retain && map.set(key, { raw })),
    close: () => undefined,
  };
}

export async function sqliteCache(path: string): Promise<AnswerCache> {
  // An optional dependency: where its native build failed, relabeling still works and judges say what to do.
  let Database: typeof import('better-sqlite3');
  try {
    Database = (await import('better-sqlite3')).default;
  } catch (err) {
    throw new RadpoError(
      'io',
      `the judgement cache needs better-sqlite3, which is not installed (${(err as Error).message.split('\n')[0]})`,
      hint('cache_not_installed'),
    );
  }
  let db: DatabaseType;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed answer survives a killed process (not a power cut), at no fsync per row.
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE IF NOT EXISTS judgements (
      key TEXT PRIMARY KEY,
      config TEXT NOT NULL,
      raw TEXT NOT NULL,
      created_at TEXT NOT NULL DEFAULT (datetime('now'))
    )`);
  } catch (err) {
    throw new RadpoError(
      'io',
      `cannot open the judgement cache ${path}: ${(err as Error).message}`,
      hint('cache_elsewhere'),
    );
  }
  const get: Statement = db.prepare('SELECT raw FROM judgements WHERE key = ?');
  const put: Statement = db.prepare('INSERT OR REPLACE INTO judgements (key, config, raw) VALUES (?, ?, ?)');
  return {
    path,
    get: (key) => get.get(key) as CachedAnswer | undefined,
    put: (key, config, raw) => {
      try {
        put.run(key, config, raw);
      } catch (err) {
        throw cacheWriteError(err, path);
      }
    },
    close: () => db.close(),
  };
}

/** SQLite's write failures (a full disk, a failing disk) in the words every other output uses. */
function cacheWriteError(err: unknown, path: string): RadpoError {
  const code = String((err as { code?: unknown }).code ?? '');
  const errno = code === 'SQLITE_FULL' ? 'ENOSPC' : code.startsWith('SQLITE_IOERR') ? 'EIO' : code;
  return writeError(Object.assign(new Error((err as Error).message), { code: errno }), `the judgement cache ${path}`);
}

/** Answers stored with every secret removed (a server that echoes the API key does not get it cached). */
export function redactingCache(cache: AnswerCache, secrets: Redactor): AnswerCache {
  return {
    path: cache.path,
    get: (key) => cache.get(key),
    put: (key, config, raw) => cache.put(key, config, secrets.redact(raw)),
    close: () => cache.close(),
  };
}
