/**
 * radpo and Python's huggingface_hub on one cache, and datasets.load_dataset on radpo's Hub-ready folder.
 * Run by test/interop/hub.mjs with $PYTHON set; the Hub is the fake one of test/hub-server.ts on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, run, tempDir } from '../helpers.js';
import { commitOf, type FakeHub, sha256, startFakeHub } from '../hub-server.js';

const PYTHON = process.env.PYTHON ?? 'python3';
const MAIN = commitOf('interop');
let hub: FakeHub | null = null;
afterEach(async () => {
  await hub?.close();
  hub = null;
});

/** Asynchronous: the fake Hub answers from this same process while Python runs. */
async function python(code: string, env: Record<string, string>): Promise<string> {
  try {
    const r = await promisify(execFile)(PYTHON, ['-c', code], { encoding: 'utf8', env: { ...process.env, ...env } });
    return r.stdout.trim();
  } catch (err) {
    throw new Error(`python failed: ${(err as { stderr?: string }).stderr}`);
  }
}

async function parquetOf(dir: string): Promise<Buffer> {
  const path = join(dir, 'rows.parquet');
  expect((await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '-o', path, '-q'])).code).toBe(0);
  return readFileSync(path);
}

describe('one cache for huggingface_hub and radpo', () => {
  it('a cache hf_hub_download filled is read by radpo offline, the server stopped: the same bytes', async () => {
    const dir = tempDir();
    const parquet = await parquetOf(dir);
    const jsonl = readFileSync(join(FIXTURES, 'ultrafeedback_sample.jsonl'));
    hub = await startFakeHub({
      'me/uf': { refs: { main: MAIN }, trees: { [MAIN]: { 'data/rows.parquet': parquet, 'data/rows.jsonl': jsonl } } },
    });
    const cache = join(dir, 'cache');
    const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_HUB_DISABLE_TELEMETRY: '1' };
    const paths = (
      await python(
        'from huggingface_hub import hf_hub_download\n' +
          "for f in ['data/rows.parquet', 'data/rows.jsonl']:\n" +
          "    print(hf_hub_download('me/uf', f, repo_type='dataset'))",
        env,
      )
    ).split('\n');
    expect(paths).toHaveLength(2);
    await hub.close();
    hub = null;
    const offline = { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' };
    const fromCache = await run(['relabel', 'hf://datasets/me/uf/data/rows.jsonl', '-q'], { env: offline });
    const fromFile = await run(['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '-q']);
    expect(fromCache.stderr).toBe('');
    expect(fromCache.stdout).toBe(fromFile.stdout);
    const inspected = await run(['inspect', 'hf://datasets/me/uf/data/rows.parquet', '--json'], { env: offline });
    expect(inspected.code).toBe(0);
    expect(JSON.parse(inspected.stdout).rows).toBe(200);
    expect(sha256(readFileSync(paths[0]!))).toBe(sha256(parquet));
  });

  it("a file radpo downloaded is found by huggingface_hub's try_to_load_from_cache", async () => {
    const dir = tempDir();
    const parquet = await parquetOf(dir);
    const jsonl = readFileSync(join(FIXTURES, 'ultrafeedback_sample.jsonl'));
    hub = await startFakeHub({
      'me/uf': { refs: { main: MAIN }, trees: { [MAIN]: { 'data/rows.parquet': parquet, 'data/rows.jsonl': jsonl } } },
    });
    const cache = join(dir, 'cache');
    for (const f of ['data/rows.parquet', 'data/rows.jsonl'])
      expect(
        (await run(['inspect', `hf://datasets/me/uf/${f}`], { env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache } }))
          .code,
      ).toBe(0);
    const found = (
      await python(
        'import hashlib\nfrom huggingface_hub import try_to_load_from_cache\n' +
          "for f in ['data/rows.parquet', 'data/rows.jsonl']:\n" +
          "    p = try_to_load_from_cache('me/uf', f, repo_type='dataset')\n" +
          "    print(hashlib.sha256(open(p, 'rb').read()).hexdigest() if isinstance(p, str) else repr(p))",
        { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' },
      )
    ).split('\n');
    expect(found).toEqual([sha256(parquet), sha256(jsonl)]);
    // And hf_hub_download, offline, returns radpo's file without a request.
    const again = await python(
      'from huggingface_hub import hf_hub_download\n' +
        "print(hf_hub_download('me/uf', 'data/rows.parquet', repo_type='dataset'))",
      { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' },
    );
    expect(sha256(readFileSync(again))).toBe(sha256(parquet));
  });
});

describe('a Hub-ready folder', () => {
  it('datasets.load_dataset(DIR) gives the split, every row and the columns DPOTrainer reads', async () => {
    const dir = tempDir();
    const out = join(dir, 'ds');
    const args = ['relabel', join(FIXTURES, 'ultrafeedback_sample.jsonl'), '--split', 'train_prefs'];
    // Several Parquet shards would need a larger input; JSONL shards show the naming and the glob across them.
    expect((await run([...args, '-o', `${out}/`, '-q'])).code).toBe(0);
    expect(
      (await run([...args, '-o', `${out}-jsonl/`, '--output-format', 'jsonl', '--max-shard-size', '64K', '-q'])).code,
    ).toBe(0);
    const code =
      'import json, sys, datasets\n' +
      'out = {}\n' +
      'for d in sys.argv[1:]:\n' +
      '    ds = datasets.load_dataset(d)\n' +
      "    out[d] = {s: {'rows': ds[s].num_rows, 'columns': ds[s].column_names} for s in ds}\n" +
      'print(json.dumps(out))';
    const r = await promisify(execFile)(PYTHON, ['-c', code, out, `${out}-jsonl`], {
      encoding: 'utf8',
      env: { ...process.env, HF_DATASETS_CACHE: join(dir, 'ds-cache'), HF_HUB_OFFLINE: '1' },
    });
    const loaded = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<
      string,
      Record<string, { rows: number; columns: string[] }>
    >;
    for (const d of [out, `${out}-jsonl`]) {
      expect(Object.keys(loaded[d]!)).toEqual(['train_prefs']);
      expect(loaded[d]!.train_prefs!.rows).toBe(200);
      expect(loaded[d]!.train_prefs!.columns).toEqual(expect.arrayContaining(['prompt', 'chosen', 'rejected']));
    }
  });
});
