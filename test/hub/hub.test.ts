/**
 * hf:// inputs against a fake Hub on 127.0.0.1 (test/hub-server.ts): globs, the cache layout huggingface_hub
 * writes, offline reads, tokens, the Hub's errors and a misbehaving server.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, FIXTURES, parseJsonl, run, spawnRadpo, tempDir } from '../helpers.js';
import { commitOf, type FakeHub, sha1Blob, sha256, startFakeHub } from '../hub-server.js';

const sample = readFileSync(join(FIXTURES, 'ultrafeedback_sample.jsonl'));
const lines = sample.toString('utf8').trimEnd().split('\n');
const shards = [lines.slice(0, 30), lines.slice(30, 70), lines.slice(70)].map((l) => Buffer.from(`${l.join('\n')}\n`));
const MAIN = commitOf('main');
const CARD = [
  '---',
  'configs:',
  '- config_name: default',
  '  data_files:',
  '  - split: train_prefs',
  '    path: data/train_prefs-*',
  '  - split: test_prefs',
  '    path: data/test_prefs-*',
  '---',
  '# A dataset',
  '',
].join('\n');

let hub: FakeHub | null = null;
afterEach(async () => {
  await hub?.close();
  hub = null;
});

async function startHub(extra: Record<string, Buffer | string> = {}, token?: string) {
  const tree: Record<string, Buffer | string> = {
    'README.md': CARD,
    'data/train_prefs-00000-of-00003.jsonl': shards[0]!,
    'data/train_prefs-00001-of-00003.jsonl': shards[1]!,
    'data/train_prefs-00002-of-00003.jsonl': shards[2]!,
    'data/test_prefs-00000-of-00001.jsonl': shards[0]!,
    ...extra,
  };
  hub = await startFakeHub({
    'me/uf': { refs: { main: MAIN }, trees: { [MAIN]: tree } },
    'me/private': { refs: { main: MAIN }, trees: { [MAIN]: tree }, token },
  });
  return hub;
}

function hubEnvFor(h: FakeHub, cache: string, more: Record<string, string> = {}) {
  return { HF_ENDPOINT: h.url, HF_HUB_CACHE: cache, HF_HOME: join(cache, 'home'), ...more };
}

describe('hf:// inputs', () => {
  it('a glob over three shards reads their concatenation, into the cache layout huggingface_hub writes', async () => {
    const h = await startHub();
    const dir = tempDir();
    const cache = join(dir, 'cache');
    const local = shards.map((shard, i) => {
      const path = join(dir, `train_prefs-0000${i}-of-00003.jsonl`);
      writeFileSync(path, shard);
      return path;
    });
    const env = hubEnvFor(h, cache);
    const fromHub = await run(['relabel', 'hf://datasets/me/uf/data/train_prefs-*.jsonl', '-q'], { env });
    const fromFiles = await run(['relabel', ...local, '-q'], { env });
    expect(fromHub.stderr).toBe('');
    expect(fromHub.code).toBe(0);
    // The same rows in the same order; each names its shard (on the Hub, or on disk).
    const hubRows = parseJsonl(fromHub.stdout);
    const fileRows = parseJsonl(fromFiles.stdout);
    expect(hubRows).toHaveLength(200);
    expect(hubRows.map((r) => ({ ...r, source_file: undefined }))).toEqual(
      fileRows.map((r) => ({ ...r, source_file: undefined })),
    );
    expect(hubRows.map((r) => r.source_file.replace('hf://datasets/me/uf/data/', ''))).toEqual(
      fileRows.map((r) => r.source_file.replace(`${dir}/`, '')),
    );
    const repo = join(cache, 'datasets--me--uf');
    expect(readFileSync(join(repo, 'refs', 'main'), 'utf8')).toBe(MAIN);
    for (const [i, shard] of shards.entries()) {
      const pointer = join(repo, 'snapshots', MAIN, 'data', `train_prefs-0000${i}-of-00003.jsonl`);
      expect(lstatSync(pointer).isSymbolicLink()).toBe(true);
      expect(readlinkSync(pointer)).toBe(`../../../blobs/${sha1Blob(shard)}`);
      expect(sha1Blob(readFileSync(join(repo, 'blobs', sha1Blob(shard))))).toBe(sha1Blob(shard));
    }
    // The listing was paged (2 entries a page) and every page was read.
    expect(h.log.filter((r) => r.url.includes('/tree/')).length).toBeGreaterThan(1);
    expect(readdirSync(join(repo, 'blobs')).filter((f) => f.includes('incomplete'))).toEqual([]);
  });

  it('a file in the cache is not fetched again; offline with the server gone reads the same bytes', async () => {
    const h = await startHub();
    const cache = join(tempDir(), 'cache');
    const input = 'hf://datasets/me/uf/data/train_prefs-00001-of-00003.jsonl';
    const first = await run(['relabel', input, '-q'], { env: hubEnvFor(h, cache) });
    const gets = () => h.log.filter((r) => r.method === 'GET').length;
    expect(gets()).toBe(1);
    const second = await run(['relabel', input, '-q'], { env: hubEnvFor(h, cache) });
    expect(gets()).toBe(1);
    expect(second.stdout).toBe(first.stdout);
    const env = hubEnvFor(h, cache, { HF_HUB_OFFLINE: '1' });
    await h.close();
    hub = null;
    const offline = await run(['relabel', input, '-q'], { env });
    expect(offline.code).toBe(0);
    expect(offline.stdout).toBe(first.stdout);
  });

  it('progress goes to stderr on a terminal only (not with -q), and clears its line', async () => {
    const h = await startHub();
    const input = 'hf://datasets/me/uf/data/test_prefs-00000-of-00001.jsonl';
    const tty = await run(['relabel', input], { env: hubEnvFor(h, join(tempDir(), 'cache')), stderrTTY: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain(`downloading ${input}`);
    expect(tty.stderr).toMatch(/MB\r\x1b\[K/);
    const quiet = await run(['relabel', input, '-q'], { env: hubEnvFor(h, join(tempDir(), 'cache')), stderrTTY: true });
    expect(quiet.stderr).toBe('');
    const piped = await run(['relabel', input, '-q'], { env: hubEnvFor(h, join(tempDir(), 'cache')) });
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe(tty.stdout);
  });

  it('offline, a file the cache lacks is named with the command that fetches it', async () => {
    const cache = join(tempDir(), 'cache');
    const r = await run(['relabel', 'hf://datasets/me/uf@v1.0/data/train.jsonl'], {
      env: { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not in the cache');
    expect(r.stderr).toContain('hf download me/uf data/train.jsonl --repo-type dataset --revision v1.0');
    // A glob the cache has no match for: the command that caches what it names.
    const glob = await run(['relabel', 'hf://datasets/me/uf/data/test_prefs-*'], {
      env: { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expect(glob.code).toBe(1);
    expect(glob.stderr).toContain("hf download me/uf --repo-type dataset --include 'data/test_prefs-*'");
  });

  it('an LFS file comes from the CDN the Hub redirects to, which never sees the token', async () => {
    const dir = tempDir();
    const parquet = join(dir, 'rows.parquet');
    expect((await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '-o', parquet, '-q'])).code).toBe(0);
    const bytes = readFileSync(parquet);
    const token = 'hf_private_token_for_tests_0123456789';
    const h = await startHub({ 'data/rows.parquet': bytes }, token);
    const cache = join(dir, 'cache');
    const r = await run(['inspect', 'hf://datasets/me/private/data/rows.parquet', '--json'], {
      env: hubEnvFor(h, cache, { HF_TOKEN: token }),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const local = await run(['inspect', parquet, '--json']);
    const strip = (t: string) => ({ ...JSON.parse(t), inputs: undefined });
    expect(strip(r.stdout)).toEqual(strip(local.stdout));
    const blob = join(cache, 'datasets--me--private', 'blobs', sha256(bytes));
    expect(sha1Blob(readFileSync(blob))).toBe(sha1Blob(bytes));
    expect(h.log.some((q) => q.server === 'cdn')).toBe(true);
    expect(h.log.filter((q) => q.server === 'cdn').every((q) => q.authorization === undefined)).toBe(true);
    expect(h.log.filter((q) => q.server === 'hub').every((q) => q.authorization === `Bearer ${token}`)).toBe(true);
  });

  it('the token file huggingface_hub writes under HF_HOME is read when HF_TOKEN is not set', async () => {
    const token = 'hf_file_token_0123456789abcdef';
    const h = await startHub({}, token);
    const dir = tempDir();
    mkdirSync(join(dir, 'home'));
    writeFileSync(join(dir, 'home', 'token'), `${token}\n`);
    const r = await run(['relabel', 'hf://datasets/me/private/data/test_prefs-00000-of-00001.jsonl', '-q'], {
      env: { HF_ENDPOINT: h.url, HF_HUB_CACHE: join(dir, 'cache'), HF_HOME: join(dir, 'home') },
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(60);
  });

  it('a wrong token: exit 1, a message saying what to do, and the token in no output', async () => {
    const h = await startHub({}, 'hf_the_right_token_0123456789');
    const wrong = 'hf_wrong_token_abcdefghijklmnop';
    const dir = tempDir();
    const r = await run(['relabel', 'hf://datasets/me/private/data/train_prefs-*.jsonl', '-o', join(dir, 'o.jsonl')], {
      env: hubEnvFor(h, join(dir, 'cache'), { HF_TOKEN: wrong }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('401');
    expect(r.stderr).toContain('the token from HF_TOKEN was refused');
    for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(wrong.slice(3, 14));
    expect(readdirSync(dir).filter((f) => f !== 'cache')).toEqual([]);
  });

  it.each([
    ['an unknown repository, anonymous', 'hf://datasets/me/nothing/x.jsonl', '401 RepoNotFound', 'hf auth login'],
    ['an unknown file', 'hf://datasets/me/uf/data/nope.jsonl', '404 EntryNotFound', '/datasets/me/uf/tree/main'],
    ['an unknown revision', 'hf://datasets/me/uf@v9/data/x.jsonl', '404 RevisionNotFound', 'not a branch, tag'],
    ['a glob that matches nothing', 'hf://datasets/me/uf/data/*.csv', 'matches no file', 'files there: data/'],
  ])('%s: exit 1 with what to do', async (_, input, said, hint) => {
    const h = await startHub();
    const r = await run(['relabel', input], { env: hubEnvFor(h, join(tempDir(), 'cache')) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(said);
    expect(r.stderr).toContain(hint);
  });

  it('a glob over the whole repository reads its data files only, and says which others it skipped', async () => {
    const h = await startHub({ '.gitattributes': '*.parquet filter=lfs\n', 'data/notes.md': '# notes\n' });
    const env = hubEnvFor(h, join(tempDir(), 'cache'));
    const all = await run(['relabel', 'hf://datasets/me/uf/**', '-o', '-'], { env });
    expect(all.code, all.stderr).toBe(0);
    // The card and .gitattributes were read as data before (README.md: "line 1: not JSON").
    // The three train shards (all the sample's rows) and the test shard (a copy of the first: 30 rows).
    expect(parseJsonl(all.stdout)).toHaveLength(2 * (lines.length + 30));
    expect(all.stderr).toMatch(/warning: hf:\/\/datasets\/me\/uf\/\*\*: skipped 3 files that are not data/);
    expect(all.stderr).toMatch(/\.gitattributes/);
    const none = await run(['relabel', 'hf://datasets/me/uf/**/*.md'], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('matches no data file, only README.md, data/notes.md');
    expect(none.stdout).toBe('');
  });

  it('a listing naming a path outside the repository stops the run; nothing is linked outside the cache', async () => {
    // A hostile endpoint's tree listing: data/../../../../escape.jsonl would be linked (or, when a file is there,
    // read as the cached copy) outside HF_HUB_CACHE.
    const h = await startHub({ 'data/../../../../escape.jsonl': shards[0]! });
    const dir = tempDir();
    const cache = join(dir, 'a', 'b', 'cache');
    const r = await run(['relabel', 'hf://datasets/me/uf/data/**', '-q'], { env: hubEnvFor(h, cache) });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('names a file outside the repository');
    expect(existsSync(join(dir, 'escape.jsonl'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a download cut short keeps its .incomplete, and the next run resumes it with a Range request', async () => {
    const big = Buffer.from(`${lines.join('\n')}\n`.repeat(20));
    const h = await startHub({ 'big.jsonl': big });
    h.faults.set('big.jsonl', 'truncate');
    const cache = join(tempDir(), 'cache');
    const env = hubEnvFor(h, cache);
    const cut = await run(['inspect', 'hf://datasets/me/uf/big.jsonl'], { env });
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/ended after \d+ of \d+ bytes|cannot read/);
    const partial = join(cache, 'datasets--me--uf', 'blobs', `${sha1Blob(big)}.incomplete`);
    expect(existsSync(partial)).toBe(true);
    const kept = readFileSync(partial).length;
    expect(kept).toBeGreaterThan(0);
    h.faults.delete('big.jsonl');
    const resumed = await run(['inspect', 'hf://datasets/me/uf/big.jsonl'], { env });
    expect(resumed.code).toBe(0);
    expect(h.log.at(-1)!.range).toBe(`bytes=${kept}-${big.length - 1}`);
    expect(sha1Blob(readFileSync(join(cache, 'datasets--me--uf', 'blobs', sha1Blob(big))))).toBe(sha1Blob(big));
    expect(existsSync(partial)).toBe(false);
  });

  it('a server that ignores the range sends the whole file again: the download starts over, bytes intact', async () => {
    const big = Buffer.from(`${lines.join('\n')}\n`.repeat(20));
    const h = await startHub({ 'big.jsonl': big });
    const cache = join(tempDir(), 'cache');
    const blobs = join(cache, 'datasets--me--uf', 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha1Blob(big)}.incomplete`), big.subarray(0, 1000));
    h.faults.set('big.jsonl', 'ignore-range');
    const r = await run(['inspect', 'hf://datasets/me/uf/big.jsonl'], { env: hubEnvFor(h, cache) });
    expect(r.code).toBe(0);
    expect(sha1Blob(readFileSync(join(blobs, sha1Blob(big))))).toBe(sha1Blob(big));
  });

  it.each([
    ['stall', 'stalled'],
    ['oversized', 'longer than'],
  ] as const)('a %s answer fails the run with a message, and no blob is published', async (fault, said) => {
    const h = await startHub();
    const path = 'data/test_prefs-00000-of-00001.jsonl';
    h.faults.set(path, fault);
    const cache = join(tempDir(), 'cache');
    const r = await run(['inspect', `hf://datasets/me/uf/${path}`], {
      env: hubEnvFor(h, cache, { HF_HUB_DOWNLOAD_TIMEOUT: '1' }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(said);
    expect(existsSync(join(cache, 'datasets--me--uf', 'blobs', sha1Blob(shards[0]!)))).toBe(false);
  });
});

describe('a refusal from the storage a download is sent to', () => {
  it("is worded as the storage's (an expired link), not as the Hub's (log in, gated), and names its host", async () => {
    const dir = tempDir();
    const parquet = join(dir, 'rows.parquet');
    expect((await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '-o', parquet, '-q'])).code).toBe(0);
    const h = await startHub({ 'data/rows.parquet': readFileSync(parquet) });
    h.faults.set('data/rows.parquet', 'cdn-denied');
    const r = await run(['inspect', 'hf://datasets/me/uf/data/rows.parquet'], {
      env: hubEnvFor(h, join(dir, 'cache')),
    });
    expect(r.code).toBe(1);
    const cdnHost = new URL(h.cdnUrl).host;
    expect(r.stderr).toContain(`the file's storage host ${cdnHost} answered 403 (AccessDenied: Request has expired)`);
    expect(r.stderr).toContain('the signed download link was refused');
    // Before: "http://127.0.0.1:… answered 403 …; your token (none) may not read me/uf: check its permissions".
    expect(r.stderr).not.toMatch(/token|gated|log in/);
    expect(h.log.some((l) => l.server === 'cdn')).toBe(true);
  });
});

describe('a file shorter than the Hub announced', () => {
  it('the second run says so and removes the partial copy, instead of "run again to resume" forever', async () => {
    const dir = tempDir();
    const parquet = join(dir, 'rows.parquet');
    expect((await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '-o', parquet, '-q'])).code).toBe(0);
    const bytes = readFileSync(parquet);
    const h = await startHub({ 'data/rows.parquet': bytes });
    h.faults.set('data/rows.parquet', 'size-lie');
    const cache = join(dir, 'cache');
    const env = hubEnvFor(h, cache);
    const argv = ['inspect', 'hf://datasets/me/uf/data/rows.parquet'];
    // The first run cannot tell a short file from a cut connection: it keeps what came, to resume.
    const first = await run(argv, { env });
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`ended after ${bytes.length} of ${bytes.length + 100} bytes`);
    const blobs = join(cache, 'datasets--me--uf', 'blobs');
    expect(readdirSync(blobs).filter((f) => f.endsWith('.incomplete'))).toHaveLength(1);
    // The resume gets nothing (416): the file ends where the copy does.
    const second = await run(argv, { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `the Hub announced ${bytes.length + 100} bytes, but the file it serves ends at ${bytes.length}`,
    );
    expect(second.stderr).not.toContain('run again to resume');
    expect(readdirSync(blobs)).toEqual([]);
  });
});

describe('a slow or huge tree listing', () => {
  it.each([
    ['trickles a byte at a time', 'trickle', 'did not arrive whole within 3 s'],
    ['is past any real page', 'huge', 'longer than the 16777216 bytes expected'],
  ] as const)('a page that %s fails the run with a message', async (_, fault, said) => {
    const h = await startHub();
    h.faults.set('tree:data', fault);
    const r = await run(['relabel', 'hf://datasets/me/uf/data/train_prefs-*.jsonl'], {
      env: hubEnvFor(h, join(tempDir(), 'cache'), { HF_HUB_DOWNLOAD_TIMEOUT: '1' }),
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(said);
    expect(r.stdout).toBe('');
  });
});

describe('-o DIR/ from Hub inputs', () => {
  const card = (out: string) => readFileSync(join(out, 'README.md'), 'utf8');

  it('the split is the one the files name; the card records repository, revision and commit', async () => {
    const h = await startHub();
    const dir = tempDir();
    const out = join(dir, 'ds');
    const input = 'hf://datasets/me/uf/data/train_prefs-*.jsonl';
    const env = hubEnvFor(h, join(dir, 'cache'));
    const r = await run(['relabel', input, '-o', `${out}/`, '--output-format', 'jsonl', '-q'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(join(out, 'data'))).toEqual(['train_prefs-00000-of-00001.jsonl']);
    expect(card(out)).toContain('split: train_prefs');
    expect(card(out)).toContain(`- from the Hub: \`me/uf\`, revision \`main\`, commit \`${MAIN}\` (\`${input}\`)`);
    // A dataset by name: the split asked for, and the card says which commit the name stood for.
    const byName = await run(['relabel', 'me/uf', '--split', 'test_prefs', '-o', `${out}/`, '-q'], { env });
    expect(byName.code, byName.stderr).toBe(0);
    expect(readdirSync(join(out, 'data')).sort()).toEqual([
      'test_prefs-00000-of-00001.parquet',
      'train_prefs-00000-of-00001.jsonl',
    ]);
    expect(card(out)).toContain(
      `- from the Hub: \`me/uf\`, revision \`main\`, commit \`${MAIN}\` (\`hf://datasets/me/uf (split test_prefs)\`)`,
    );
  });

  it('--split names the split written from an hf:// path; files of several splits warn, write train', async () => {
    const h = await startHub();
    const dir = tempDir();
    const env = hubEnvFor(h, join(dir, 'cache'));
    const one = 'hf://datasets/me/uf/data/test_prefs-00000-of-00001.jsonl';
    const named = await run(['relabel', one, '--split', 'valid', '-o', `${dir}/a/`], { env });
    expect(named.code, named.stderr).toBe(0);
    expect(readdirSync(join(dir, 'a', 'data'))).toEqual(['valid-00000-of-00001.parquet']);
    // Written as asked, but said: the file names another split (train rows written as test would go unseen).
    expect(named.stderr).toContain('writes the split valid (--split), but the Hub files read name test_prefs');
    const mixed = await run(['relabel', 'hf://datasets/me/uf/data/*.jsonl', '-o', `${dir}/b/`], { env });
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(mixed.stderr).toContain('the Hub inputs name several splits');
    expect(readdirSync(join(dir, 'b', 'data'))).toEqual(['train-00000-of-00001.parquet']);
  });
});

describe('Ctrl-C during a download', () => {
  it('exits 130 as interrupted; no output, and the partial download stays resumable', async () => {
    const big = Buffer.from(`${lines.join('\n')}\n`.repeat(20));
    const h = await startHub({ 'big.jsonl': big });
    // One byte, then nothing: the run is surely inside the body's read when the signal comes.
    h.faults.set('big.jsonl', 'stall');
    const dir = tempDir();
    const cache = join(dir, 'cache');
    const blobs = join(cache, 'datasets--me--uf', 'blobs');
    const out = join(dir, 'out.jsonl');
    const child = spawn(process.execPath, [BIN, 'relabel', 'hf://datasets/me/uf/big.jsonl', '-o', out], {
      env: { ...process.env, ...hubEnvFor(h, cache, { HF_HUB_DOWNLOAD_TIMEOUT: '600' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const arrived = () =>
      existsSync(blobs) &&
      readdirSync(blobs).some((f) => statSync(join(blobs, f)).size > 0 && f.endsWith('incomplete'));
    while (!arrived() && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain('interrupted');
    expect(stderr).not.toMatch(/: 20\b|AbortError/);
    expect(readdirSync(dir).sort()).toEqual(['cache']);
    // The byte that came is kept under huggingface_hub's resumable name, and no claimed copy of radpo's remains.
    expect(readdirSync(blobs)).toEqual([`${sha1Blob(big)}.incomplete`]);
  });
});

describe('a dataset by name', () => {
  it('--split reads the files the card lists for it; no --split with two splits lists them', async () => {
    const h = await startHub();
    const cache = join(tempDir(), 'cache');
    const env = hubEnvFor(h, cache);
    const r = await run(['relabel', 'me/uf', '--split', 'train_prefs', '-q'], { env });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(200);
    const ambiguous = await run(['relabel', 'me/uf'], { env });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('name one with --split');
    expect(ambiguous.stderr).toContain('train_prefs (default): data/train_prefs-*');
    expect(ambiguous.stderr).toContain('test_prefs (default): data/test_prefs-*');
    const wrong = await run(['relabel', 'me/uf', '--split', 'validation'], { env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('has no split validation');
  });

  it('OWNER/NAME also a local path: with --split, refused naming both readings; ./ or hf:// picks', async () => {
    const h = await startHub();
    const dir = tempDir();
    mkdirSync(join(dir, 'me'));
    writeFileSync(join(dir, 'me', 'uf'), sample);
    const env = hubEnvFor(h, join(dir, 'cache'));
    const both = await run(['relabel', 'me/uf', '--split', 'train_prefs', '-q'], { env, cwd: dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(`me/uf names both a local path (${join(dir, 'me', 'uf')})`);
    expect(both.stderr).toContain('the Hub dataset me/uf');
    expect(both.stderr).toContain('write ./me/uf to read the local one, or hf://datasets/me/uf to read the Hub');
    expect(h.log).toEqual([]);
    const fromHub = await run(['relabel', 'hf://datasets/me/uf', '--split', 'train_prefs', '-q'], { env, cwd: dir });
    expect(fromHub.code, fromHub.stderr).toBe(0);
    expect(parseJsonl(fromHub.stdout)).toHaveLength(200);
    const asked = h.log.length;
    // A real process in that folder (readers take relative paths from the process's): the local file, no request.
    const child = { cwd: dir, env: { ...process.env, ...env }, timeout: 120_000 };
    const local = spawnRadpo(['relabel', './me/uf', '--split', 'train_prefs', '-q'], child);
    expect(local.status, local.stderr).toBe(0);
    expect(parseJsonl(local.stdout)).toHaveLength(200);
    // Without --split there is nothing to pick between: the local file is read, as any path is.
    const plain = spawnRadpo(['relabel', 'me/uf', '-q'], child);
    expect(plain.stdout).toBe(local.stdout);
    expect(h.log).toHaveLength(asked);
  });

  it('a local path that exists wins over a Hub name', async () => {
    const h = await startHub();
    const dir = tempDir();
    // A folder named like a dataset: read as a local path (an error about a folder), and the Hub never asked.
    mkdirSync(join(dir, 'me', 'uf'), { recursive: true });
    const rel = join(dir, 'me', 'uf');
    const r = await run(['relabel', rel], { env: hubEnvFor(h, join(dir, 'cache')) });
    expect(r.code).not.toBe(0);
    expect(h.log).toEqual([]);
  });
});
