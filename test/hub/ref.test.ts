/** Table tests: hf:// references, fsspec globs, dataset names, a card's configs and the environment. */
import { describe, expect, it } from 'vitest';
import { cardSplits } from '../../src/hub/card-configs.js';
import { hubEnv } from '../../src/hub/env.js';
import { globBase, globMatcher, isSafeRepoPath, looksLikeDatasetName, parseHubUrl } from '../../src/hub/ref.js';
import { hubRefOf } from '../../src/hub/resolve.js';
import { ROOT } from '../helpers.js';

describe('hf:// references', () => {
  it.each([
    [
      'hf://datasets/me/uf/data/train.jsonl',
      { repo: 'me/uf', revision: 'main', revisionGiven: false, path: 'data/train.jsonl' },
    ],
    ['hf://datasets/me/uf@v1.0/x.parquet', { repo: 'me/uf', revision: 'v1.0', revisionGiven: true, path: 'x.parquet' }],
    [
      'hf://datasets/me/uf@refs%2Fconvert%2Fparquet/default/train/0000.parquet',
      { repo: 'me/uf', revision: 'refs/convert/parquet', revisionGiven: true, path: 'default/train/0000.parquet' },
    ],
    [
      'hf://datasets/HuggingFaceH4/ultrafeedback_binarized',
      { repo: 'HuggingFaceH4/ultrafeedback_binarized', revision: 'main', revisionGiven: false, path: null },
    ],
  ])('%s', (input, ref) => {
    expect(parseHubUrl(input)).toEqual(ref);
  });

  it.each([
    ['hf://me/uf/x.jsonl', 'not models or spaces'],
    ['hf://datasets/uf', 'does not name a dataset'],
    ['hf://datasets/me/uf@/x', 'revision after @ is empty'],
    ['hf://datasets/me/uf/../x', "cannot hold '..'"],
  ])('%s is a usage error', (input, said) => {
    expect(() => parseHubUrl(input)).toThrow(said);
  });

  it.each([
    ['data/train_prefs-*.parquet', 'data/train_prefs-00000-of-00002.parquet', true],
    ['data/train_prefs-*.parquet', 'data/sub/train_prefs-0.parquet', false],
    ['data/**/*.parquet', 'data/a/b/c.parquet', true],
    ['data/**/*.parquet', 'data/c.parquet', true],
    ['data/train-?.jsonl', 'data/train-1.jsonl', true],
    ['data/train-[0-1].jsonl', 'data/train-2.jsonl', false],
    ['data/a.b', 'data/aXb', false],
    ['**/*.jsonl', 'a.jsonl', true],
    ['**/*.jsonl', 'x/y/a.jsonl', true],
    ['**', 'x/y/z', true],
    ['data/**/train-*', 'data/train-0', true],
    ['data/**/train-*', 'data/a/train-0/x', false],
    ['data/[!a]b', 'data/xb', true],
    ['data/[!a]b', 'data/ab', false],
    ['data/*', 'data/a/b', false],
    ['*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab', true],
  ])('glob %s against %s: %s', (glob, path, hit) => {
    expect(globMatcher(glob).test(path)).toBe(hit);
  });

  it("a hostile card's glob cannot block the run: linear in the name, whatever the stars", () => {
    // A backtracking regular expression takes for ever on this (the adversarial review's card); states do not.
    const glob = `**${'a*'.repeat(20)}b`;
    const name = `data/${'a'.repeat(60)}.jsonl`;
    expect(globMatcher(glob).test(name)).toBe(false);
    expect(globMatcher(glob).test(`${name}b`)).toBe(true);
  });

  it.each([
    ['data/train-*.parquet', 'data'],
    ['*.jsonl', ''],
    ['data/sub/x.jsonl', 'data/sub'],
  ])('the listing of %s starts at %j', (glob, base) => {
    expect(globBase(glob)).toBe(base);
  });

  it.each([
    ['HuggingFaceH4/ultrafeedback_binarized', true],
    ['argilla/distilabel-intel-orca-dpo-pairs', true],
    ['data/train.jsonl', false],
    ['a/b/c', false],
    ['-', false],
    ['file.jsonl', false],
  ])('%s looks like a dataset name: %s', (input, yes) => {
    expect(looksLikeDatasetName(input)).toBe(yes);
  });

  it('a local path that exists is never a Hub name', () => {
    expect(hubRefOf('test/data', ROOT)).toBeNull();
    expect(hubRefOf('fixtures/ultrafeedback_sample.jsonl', ROOT)).toBeNull();
    expect(hubRefOf('nobody/nothing', ROOT)).toMatchObject({ repo: 'nobody/nothing', path: null });
  });
});

describe("a card's configs", () => {
  const card = (yaml: string) => `---\n${yaml}\n---\n# Title\n`;
  it.each([
    [
      'list of split/path (ultrafeedback_binarized)',
      'configs:\n- config_name: default\n  data_files:\n' +
        '  - split: train_prefs\n    path: data/train_prefs-*\n  - split: test_prefs\n    path: data/test_prefs-*',
      [
        { config: 'default', split: 'train_prefs', paths: ['data/train_prefs-*'], isDefault: true },
        { config: 'default', split: 'test_prefs', paths: ['data/test_prefs-*'], isDefault: true },
      ],
    ],
    [
      'one pattern: the split train',
      'configs:\n- config_name: main\n  data_files: "*.jsonl"',
      [{ config: 'main', split: 'train', paths: ['*.jsonl'], isDefault: false }],
    ],
    [
      'a list of paths for one split, default: true',
      'configs:\n- config_name: a\n  default: true\n  data_files:\n' +
        '  - split: train\n    path: [x/1.parquet, x/2.parquet]',
      [{ config: 'a', split: 'train', paths: ['x/1.parquet', 'x/2.parquet'], isDefault: true }],
    ],
    ['no configs', 'license: mit', []],
  ])('%s', (_, yaml, splits) => {
    expect(cardSplits(card(yaml), 'me/x')).toEqual(splits);
  });

  it('YAML that does not parse names the card', () => {
    expect(() => cardSplits(card('configs: [unclosed'), 'me/x')).toThrow('the card of me/x');
  });
});

describe('the environment, read as huggingface_hub reads it', () => {
  it.each([
    [{}, { endpoint: 'https://huggingface.co', offline: false, cacheDir: '/h/.cache/huggingface/hub' }],
    [
      { HF_ENDPOINT: 'http://127.0.0.1:5/', HF_HUB_OFFLINE: 'yes' },
      { endpoint: 'http://127.0.0.1:5', offline: true },
    ],
    [{ HF_HOME: '/x' }, { cacheDir: '/x/hub' }],
    [{ XDG_CACHE_HOME: '/c' }, { cacheDir: '/c/huggingface/hub' }],
    [{ HF_HUB_CACHE: '~/hub', HF_HOME: '/x' }, { cacheDir: '/h/hub' }],
    [{ HF_HUB_OFFLINE: '0' }, { offline: false }],
    [{ HF_TOKEN: ' hf_abc \n' }, { token: 'hf_abc', tokenSource: 'HF_TOKEN' }],
  ])('%j', (env, expected) => {
    expect(hubEnv({ HOME: '/h', HF_TOKEN_PATH: '/nonexistent/token', ...env })).toMatchObject(expected);
  });
});

describe('a path inside a repository, as the cache takes it', () => {
  it.each([
    ['data/train-00000-of-00001.parquet', true],
    ['README.md', true],
    ['data/../../../.ssh/authorized_keys', false],
    ['../x', false],
    ['/etc/passwd', false],
    ['data//x', false],
    ['data/./x', false],
    ['data\\..\\x', false],
    ['a\0b', false],
    ['', false],
  ])('%j: %s', (path, safe) => {
    expect(isSafeRepoPath(path)).toBe(safe);
  });
});
