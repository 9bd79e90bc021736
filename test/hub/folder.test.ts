/** -o DIR/: a Hub-ready dataset folder (data/<split>-0000K-of-0000N.<ext> and a card), atomic like every output. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateRows } from '../../bench/generate.mjs';
import { BIN, FIXTURES, run, spawnRadpo, tempDir, UF1000 } from '../helpers.js';

const SAMPLE = join(FIXTURES, 'ultrafeedback_sample.jsonl');
const cardMeta = (dir: string) =>
  parse(/^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, 'README.md'), 'utf8'))![1]!) as {
    configs: Array<{ config_name: string; data_files: Array<{ split: string; path: string }> }>;
  };

describe('-o DIR/', () => {
  it('JSONL shards by size whose concatenation is the plain output, and a card naming the split', async () => {
    const dir = tempDir();
    const out = join(dir, 'ds');
    const r = await run([
      'relabel',
      SAMPLE,
      '-o',
      `${out}/`,
      '--output-format',
      'jsonl',
      '--max-shard-size',
      '64K',
      '-q',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const shards = readdirSync(join(out, 'data')).sort();
    expect(shards.length).toBeGreaterThan(2);
    const pad = (k: number) => String(k).padStart(5, '0');
    expect(shards).toEqual(shards.map((_, i) => `train-${pad(i)}-of-${pad(shards.length)}.jsonl`));
    const plain = await run(['relabel', SAMPLE, '-q']);
    const joined = shards.map((s) => readFileSync(join(out, 'data', s), 'utf8')).join('');
    // A folder's rows always name their file (its splits must share their columns): else the plain output.
    const named = `"source_file":${JSON.stringify(SAMPLE)},`;
    expect(joined.split(named).length - 1).toBe(200);
    expect(joined.replaceAll(named, '')).toBe(plain.stdout);
    // Every shard but the last passed the size, and each ends at a row.
    for (const s of shards.slice(0, -1))
      expect(readFileSync(join(out, 'data', s)).length).toBeGreaterThanOrEqual(64 << 10);
    expect(cardMeta(out).configs).toEqual([
      { config_name: 'default', data_files: [{ split: 'train', path: 'data/train-*-of-*.jsonl' }] },
    ]);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toContain('rows read: 100; rows written: 200; set aside: 0');
    expect(card).toContain(`radpo relabel ${SAMPLE} -o ${out}/ --output-format jsonl --max-shard-size 64K -q`);
    expect(readdirSync(out).sort()).toEqual(['README.md', 'data']);
  });

  it('Parquet by default; a second split joins the card, a split written again replaces its shards', async () => {
    const out = `${join(tempDir(), 'ds')}/`;
    // A Parquet shard grows by row groups of 1000 rows: 1000 pairs make 1992 rows (4 pairs set aside), two shards.
    const uf = [
      UF1000,
      '--chosen-score-col',
      'metadata.score_chosen',
      '--rejected-score-col',
      'metadata.score_rejected',
      '--allow-empty',
    ];
    const big = await run(['relabel', ...uf, '-o', out, '--split', 'train_prefs', '--max-shard-size', '32K', '-q']);
    expect(big.code).toBe(0);
    const first = readdirSync(join(out, 'data'));
    expect(first.length).toBe(2);
    expect(first.every((f) => /^train_prefs-\d{5}-of-\d{5}\.parquet$/.test(f))).toBe(true);
    let rows = 0;
    for (const f of first) rows += JSON.parse((await run(['inspect', join(out, 'data', f), '--json'])).stdout).rows;
    expect(rows).toBe(1992);
    expect((await run(['relabel', SAMPLE, '-o', out, '--split', 'test_prefs', '-q'])).code).toBe(0);
    expect((await run(['relabel', SAMPLE, '-o', out, '--split', 'train_prefs', '-q'])).code).toBe(0);
    expect(readdirSync(join(out, 'data')).sort()).toEqual([
      'test_prefs-00000-of-00001.parquet',
      'train_prefs-00000-of-00001.parquet',
    ]);
    expect(cardMeta(out).configs[0]!.data_files.map((f) => f.split)).toEqual(['test_prefs', 'train_prefs']);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card.match(/<!-- radpo:split train_prefs -->/g)).toHaveLength(1);
    expect(card).toContain('<!-- radpo:split test_prefs -->');
  });

  it('two splits from one file and from two share their columns, as load_dataset needs', async () => {
    const dir = tempDir();
    const out = `${join(dir, 'ds')}/`;
    const lines = readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean);
    const [a, b] = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')];
    writeFileSync(a, `${lines.slice(0, 50).join('\n')}\n`);
    writeFileSync(b, `${lines.slice(50).join('\n')}\n`);
    const flags = ['--output-format', 'jsonl', '-q'];
    expect((await run(['relabel', a, b, '-o', out, '--split', 'train', ...flags])).code).toBe(0);
    expect((await run(['relabel', SAMPLE, '-o', out, '--split', 'test', ...flags])).code).toBe(0);
    const columns = (split: string) => {
      const [file] = readdirSync(join(out, 'data')).filter((f) => f.startsWith(`${split}-`));
      return Object.keys(JSON.parse(readFileSync(join(out, 'data', file!), 'utf8').split('\n')[0]!)).sort();
    };
    expect(columns('test')).toEqual(columns('train'));
    expect(columns('test')).toContain('source_file');
  });

  it("a card already there keeps its text and other configs; radpo's section is added", async () => {
    const out = join(tempDir(), 'ds');
    mkdirSync(out);
    writeFileSync(join(out, 'README.md'), '---\nlicense: mit\n---\n\n# My data\n\nWritten by hand.\n');
    expect((await run(['relabel', SAMPLE, '-o', `${out}/`, '-q'])).code).toBe(0);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toContain('# My data\n\nWritten by hand.');
    expect(card).toContain('license: mit');
    expect(cardMeta(out).configs[0]!.data_files).toEqual([{ split: 'train', path: 'data/train-*-of-*.parquet' }]);
  });

  it('a failed run leaves no folder, no shard and no staging behind', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${readFileSync(SAMPLE, 'utf8').split('\n').slice(0, 3).join('\n')}\n{"prompt": 1}\n`);
    const r = await run(['relabel', bad, '-o', `${join(dir, 'ds')}/`, '--max-shard-size', '1K']);
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'ds'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['bad.jsonl']);
  });

  it('JSON shards are refused (exit 2); a folder named without its slash stays an error', async () => {
    const dir = tempDir();
    const csv = await run(['relabel', SAMPLE, '-o', `${dir}/ds/`, '--output-format', 'json']);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain('Parquet or JSONL shards');
    const plain = await run(['relabel', SAMPLE, '-o', dir]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(`or -o ${dir}/ for a dataset folder`);
  });
});

describe('-o DIR/ --audit FILE', () => {
  it("the audit's headline figures go into the card; a file of another kind, or no -o DIR/, is refused", async () => {
    const dir = tempDir();
    const audit = await run(['audit', SAMPLE, '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    const json = JSON.parse(audit.stdout);
    writeFileSync(join(dir, 'audit.json'), audit.stdout);
    const out = join(dir, 'ds');
    const r = await run(['relabel', SAMPLE, '-o', `${out}/`, '--audit', join(dir, 'audit.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('warning');
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toContain(`Audit of the scores (\`radpo audit\` of \`${SAMPLE}\`: ${json.pairs} pairs over`);
    const agreement = json.label_agreement.ties_dropped;
    const [value, lo, hi] = [agreement.value, ...agreement.ci].map((x: number) => x.toFixed(3));
    expect(card).toContain(
      `| agreement of the scores with the labels (ties dropped) | ${value} | ${lo}–${hi} | ${agreement.n} |`,
    );
    expect(card).toContain(`| conflicts (the chosen response scored lower) | ${json.conflicts.rate.toFixed(3)} (`);
    // An audit of other data is still shown under the names it audited, with a warning.
    const other = await run([
      'relabel',
      UF1000,
      '--allow-empty',
      '-o',
      `${join(dir, 'b')}/`,
      '--audit',
      join(dir, 'audit.json'),
    ]);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toContain('--audit: the audit read');
    writeFileSync(join(dir, 'x.json'), '{"schema": "something else"}');
    const foreign = await run(['relabel', SAMPLE, '-o', `${join(dir, 'c')}/`, '--audit', join(dir, 'x.json')]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain(`--audit ${join(dir, 'x.json')}: at "schema": expected "radpo.audit/v1"`);
    const plain = await run(['relabel', SAMPLE, '-o', join(dir, 'o.jsonl'), '--audit', join(dir, 'audit.json')]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('--audit goes with -o DIR/');
    expect(readdirSync(dir).sort()).toEqual(['audit.json', 'b', 'ds', 'x.json']);
  });
});

/** Every file under a folder with its bytes, to compare a folder before and after a run. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

describe('-o DIR/ changes the folder whole or not at all', () => {
  it('a failure after the first shard is in place leaves the previous folder, and no temporary', async () => {
    const dir = tempDir();
    const out = join(dir, 'ds');
    const jsonl = ['--output-format', 'jsonl', '-q'];
    expect((await run(['relabel', SAMPLE, '-o', `${out}/`, ...jsonl])).code).toBe(0);
    writeFileSync(join(out, 'notes.txt'), 'kept\n');
    // How many shards the next run writes: the second of them has a folder in its way (a real rename failure).
    const probe = join(dir, 'probe');
    expect((await run(['relabel', SAMPLE, '-o', `${probe}/`, '--max-shard-size', '64K', ...jsonl])).code).toBe(0);
    const n = readdirSync(join(probe, 'data')).length;
    expect(n).toBeGreaterThan(2);
    const pad = (k: number) => String(k).padStart(5, '0');
    const blocker = join(out, 'data', `train-${pad(1)}-of-${pad(n)}.jsonl`);
    mkdirSync(blocker);
    writeFileSync(join(blocker, 'mine.txt'), 'a file of the user\n');
    const before = snapshot(out);
    const r = await run(['relabel', SAMPLE, '-o', `${out}/`, '--max-shard-size', '64K', ...jsonl]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the folder is as it was');
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['ds', 'probe']);
    // With the folder moved away, the same run replaces the split whole and keeps the other files.
    spawnSync('rm', ['-r', blocker]);
    expect((await run(['relabel', SAMPLE, '-o', `${out}/`, '--max-shard-size', '64K', ...jsonl])).code).toBe(0);
    const after = snapshot(out);
    const fresh = snapshot(probe);
    expect(Object.keys(after).sort()).toEqual([...Object.keys(fresh), 'notes.txt'].sort());
    for (const k of Object.keys(fresh).filter((f) => f.startsWith('data/'))) expect(after[k]).toBe(fresh[k]);
    expect(readdirSync(dir).sort()).toEqual(['ds', 'probe']);
  });

  it('Ctrl-C mid-run (a real SIGINT): exit 130, neither the folder nor its staging beside it is left', async () => {
    const dir = tempDir();
    // The rows come through stdin and stop half way: the run is surely still going when the signals come.
    const child = spawn(process.execPath, [BIN, 'relabel', '-', '-o', `${join(dir, 'ds')}/`, '-q'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write([...generateRows(3_000_000, 5)].join(''));
    while (readdirSync(dir).length === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(dir)[0]).toMatch(/^\.ds\.radpo-/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    child.stdin.destroy();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never the working folder or one holding it (-o ./, -o ../): refused, nothing touched', () => {
    const dir = tempDir();
    const work = join(dir, 'project');
    mkdirSync(work);
    writeFileSync(join(work, 'README.md'), '# my project\n');
    for (const target of ['./', '../', `${work}/`]) {
      const r = spawnRadpo(['relabel', SAMPLE, '-o', target, '-q'], { cwd: work });
      expect(r.status, `${target}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('holds the working folder');
    }
    expect(readdirSync(dir)).toEqual(['project']);
    expect(readdirSync(work)).toEqual(['README.md']);
    expect(readFileSync(join(work, 'README.md'), 'utf8')).toBe('# my project\n');
  });

  it('a split name load_dataset would refuse (a dash, a dot alone) is refused before any work', async () => {
    for (const split of ['train-prefs', '.', '..', '.hidden']) {
      const r = await run(['relabel', SAMPLE, '-o', `${join(tempDir(), 'ds')}/`, '--split', split]);
      expect(r.code, split).toBe(2);
      expect(r.stderr).toContain('is not one load_dataset accepts');
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    'a mount point inside DIR: refused, the folder and the mount as they were',
    () => {
      const dir = tempDir();
      const out = join(dir, 'ds');
      expect(spawnRadpo(['relabel', SAMPLE, '-o', `${out}/`, '-q']).status).toBe(0);
      const mnt = join(out, 'mnt');
      mkdirSync(mnt);
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { encoding: 'utf8' });
      if (mounted.status !== 0) {
        console.log(`skipped: cannot mount a tmpfs (${mounted.stderr.trim()})`);
        return;
      }
      try {
        writeFileSync(join(mnt, 'f'), 'x');
        const before = snapshot(out);
        const r = spawnRadpo(['relabel', SAMPLE, '-o', `${out}/`, '--split', 'test', '-q']);
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toContain('is a mount point inside the dataset folder');
        expect(snapshot(out)).toEqual(before);
        expect(readdirSync(dir)).toEqual(['ds']);
      } finally {
        spawnSync('umount', [mnt]);
      }
    },
  );

  it.skipIf(process.getuid?.() !== 0)('a full disk (a real 2 MB tmpfs): the previous folder, no temporary', () => {
    const dir = tempDir();
    const disk = join(dir, 'small');
    mkdirSync(disk);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      console.log(`skipped: cannot mount a tmpfs (${mounted.stderr.trim()})`);
      return;
    }
    try {
      const out = join(disk, 'ds');
      const scores = [
        '--chosen-score-col',
        'metadata.score_chosen',
        '--rejected-score-col',
        'metadata.score_rejected',
        '--allow-empty',
      ];
      const first = spawnRadpo(['relabel', SAMPLE, '-o', `${out}/`, '--output-format', 'jsonl', '-q']);
      expect(first.status, first.stderr).toBe(0);
      const before = snapshot(out);
      const r = spawnRadpo(['relabel', UF1000, ...scores, '-o', `${out}/`, '--output-format', 'jsonl', '-q']);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/no space left on device/);
      expect(snapshot(out)).toEqual(before);
      expect(readdirSync(disk)).toEqual(['ds']);
    } finally {
      spawnSync('umount', [disk]);
    }
  });
});
