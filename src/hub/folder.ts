/**
 * `-o DIR/`: a folder the Hub and `datasets.load_dataset(DIR)` take as is. The rows go into
 * `data/<split>-0000K-of-0000N.<ext>` (a new shard past a size, at a row boundary: datasets' push_to_hub naming), and
 * `README.md` is a dataset card whose YAML `configs` name each split's files, with how the data was made. Shards are
 * written in a hidden staging folder inside DIR and renamed into `data/` at publish, the card last; a failed run
 * leaves DIR as it was. A split written again replaces its shards (stale ones removed) and keeps the other splits.
 */
import { promises as fsp, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RadpoError, usageError } from '../core/errors.js';
import type { OutputFileFormat } from '../io/choices.js';
import { fileSink, type Sink } from '../io/output.js';
import { ParquetOutput } from '../io/parquet.js';

/** datasets' push_to_hub default (max_shard_size "500MB"). */
const SHARD_BYTES = 500 * 1000 * 1000;

/**
 * `-o DIR/`: the trailing slash says it. An existing folder named without one stays an error, so that a mistyped
 * -o never writes a card into a folder that holds something else.
 */
export function isFolderOutput(output: string): boolean {
  return output !== '-' && /[/\\]$/.test(output);
}

/** What the card says about the run (the report every command writes, and the command line). */
interface CardFacts {
  version: string;
  commandLine: string;
  report: {
    rows_read?: number;
    rows_written?: number;
    set_aside?: { total: number; by_reason: Record<string, number> };
    goal?: { template?: string };
    inputs?: Array<{ source: string }>;
    format?: string;
  };
}

type Shard = { kind: 'text'; sink: Sink } | { kind: 'parquet'; out: ParquetOutput };

const SPLIT = /^[\w.-]+$/;

export class HubFolder implements Sink {
  private readonly shards: Shard[] = [];
  private current: Shard | null = null;
  private currentBytes = 0;
  private card: Sink | null = null;
  private prepared = false;

  private constructor(
    readonly dir: string,
    readonly split: string,
    readonly format: 'jsonl' | 'parquet',
    private readonly staging: string,
    private readonly maxBytes: number,
  ) {}

  static async open(dir: string, split: string, format: OutputFileFormat, maxBytes = SHARD_BYTES): Promise<HubFolder> {
    if (format !== 'jsonl' && format !== 'parquet')
      throw usageError(
        `-o ${dir} writes a dataset folder of Parquet or JSONL shards, not ${format}`,
        'leave --output-format out (Parquet), or --output-format jsonl',
      );
    if (!SPLIT.test(split))
      throw usageError(`the split name ${JSON.stringify(split)} cannot name files`, 'letters, digits, _ - . only');
    try {
      await fsp.mkdir(join(dir, 'data'), { recursive: true });
    } catch (err) {
      throw new RadpoError('io', `cannot make the folder ${dir}: ${(err as Error).message}`, 'check the output path');
    }
    const staging = await fsp.mkdtemp(join(dir, '.radpo-staging-'));
    return new HubFolder(dir, split, format, staging, maxBytes);
  }

  private shardPath(i: number, n: number): string {
    const pad = (k: number) => String(k).padStart(5, '0');
    return join(this.dir, 'data', `${this.split}-${pad(i)}-of-${pad(n)}.${this.format}`);
  }

  private async next(): Promise<Shard> {
    const staged = join(this.staging, `${this.shards.length}.${this.format}`);
    const shard: Shard =
      this.format === 'parquet'
        ? { kind: 'parquet', out: await ParquetOutput.create(staged) }
        : { kind: 'text', sink: await fileSink(staged) };
    this.shards.push(shard);
    this.currentBytes = 0;
    return shard;
  }

  /** JSONL text; a new shard starts only after a row's newline (JSON text has no raw newline inside a row). */
  write(data: string | Buffer): Promise<void> | void {
    // The serializer's closing text ('' for JSONL) opens no shard.
    if (data.length === 0) return;
    if (this.current === null || this.current.kind !== 'text') return this.next().then((s) => this.writeTo(s, data));
    return this.writeTo(this.current, data);
  }

  private writeTo(shard: Shard, data: string | Buffer): Promise<void> | void {
    this.current = shard;
    if (shard.kind !== 'text') throw new Error('a Parquet dataset folder takes rows, not text');
    this.currentBytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const last = typeof data === 'string' ? data.charCodeAt(data.length - 1) : data[data.length - 1];
    if (this.currentBytes >= this.maxBytes && last === 0x0a) this.current = null;
    return shard.sink.write(data);
  }

  /** A Parquet row; a new shard starts once the current one's row groups pass the size. */
  async add(row: Record<string, unknown>): Promise<void> {
    const shard = this.current ?? (this.current = await this.next());
    if (shard.kind !== 'parquet') throw new Error('a JSONL dataset folder takes text, not rows');
    await shard.out.add(row);
    if (shard.out.bytesWritten >= this.maxBytes) this.current = null;
  }

  /** The card, from the run's report: written with the shards, published after them. */
  async writeCard(facts: CardFacts): Promise<void> {
    const path = join(this.dir, 'README.md');
    let existing = '';
    try {
      existing = readFileSync(path, 'utf8');
    } catch {
      /* a new folder */
    }
    this.card = await fileSink(path);
    // The YAML library loads only here: every other run that reads and writes rows starts without it (~50 ms).
    const yaml = await import('yaml');
    await this.card.write(cardText(yaml, existing, this.split, this.shardFiles(), facts, basename(this.dir)));
  }

  private shardFiles(): string[] {
    const n = Math.max(1, this.shards.length);
    return Array.from({ length: n }, (_, i) => `data/${basename(this.shardPath(i, n))}`);
  }

  async prepare(): Promise<void> {
    if (this.shards.length === 0) await this.next();
    for (const s of this.shards) await (s.kind === 'text' ? s.sink.prepare() : s.out.prepare());
    await this.card?.prepare();
    this.prepared = true;
  }

  async publish(): Promise<void> {
    if (!this.prepared) await this.prepare();
    const n = this.shards.length;
    const finals = new Set<string>();
    for (const [i, s] of this.shards.entries()) {
      await (s.kind === 'text' ? s.sink.publish() : s.out.publish());
      const final = this.shardPath(i, n);
      await fsp.rename(join(this.staging, `${i}.${this.format}`), final);
      finals.add(basename(final));
    }
    // An earlier run's shards of this split (another count, another format) would be read with these: gone.
    const stale = new RegExp(`^${this.split.replace(/[.]/g, '\\.')}-\\d{5}-of-\\d{5}\\.(jsonl|parquet)$`);
    for (const name of await fsp.readdir(join(this.dir, 'data')))
      if (stale.test(name) && !finals.has(name)) await fsp.rm(join(this.dir, 'data', name), { force: true });
    await this.card?.publish();
    await fsp.rm(this.staging, { recursive: true, force: true });
  }

  async commit(): Promise<void> {
    await this.prepare();
    await this.publish();
  }

  async abort(): Promise<void> {
    for (const s of this.shards) await (s.kind === 'text' ? s.sink.abort() : s.out.abort());
    await this.card?.abort();
    await fsp.rm(this.staging, { recursive: true, force: true });
    // Folders this run made and left empty go too.
    for (const d of [join(this.dir, 'data'), this.dir]) await fsp.rmdir(d).catch(() => undefined);
  }
}

const SECTION = (split: string) => [`<!-- radpo:split ${split} -->`, `<!-- /radpo:split ${split} -->`] as const;

/** The card: the configs of the splits already there and this one, the title, and one section per split. */
function cardText(
  yaml: Pick<typeof import('yaml'), 'parse' | 'stringify'>,
  existing: string,
  split: string,
  files: string[],
  facts: CardFacts,
  title: string,
): string {
  const front = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(existing);
  let meta: Record<string, unknown> = {};
  try {
    meta = (front ? (yaml.parse(front[1]!) as Record<string, unknown>) : null) ?? {};
  } catch {
    meta = {};
  }
  const body = front ? existing.slice(front[0].length) : existing;
  type Entry = { split: string; path: string };
  const configs = Array.isArray(meta.configs) ? (meta.configs as Array<Record<string, unknown>>) : [];
  const def = configs.find((c) => (c.config_name ?? 'default') === 'default');
  const kept = (Array.isArray(def?.data_files) ? (def.data_files as Entry[]) : []).filter(
    (e) => e && typeof e === 'object' && e.split !== split,
  );
  const ext = files[0]!.split('.').pop();
  const entry: Entry = { split, path: `data/${split}-*-of-*.${ext}` };
  meta.configs = [
    ...configs.filter((c) => c !== def),
    { config_name: 'default', data_files: [...kept, entry].sort((a, b) => a.split.localeCompare(b.split)) },
  ];
  const tags = Array.isArray(meta.tags) ? (meta.tags as unknown[]) : [];
  meta.tags = [...new Set([...tags, 'dpo', 'radpo'])];
  const [open, close] = SECTION(split);
  const section = `${open}\n${splitSection(split, files, facts)}\n${close}`;
  const at = body.indexOf(open);
  const end = body.indexOf(close);
  const rest =
    at >= 0 && end > at
      ? `${body.slice(0, at)}${section}${body.slice(end + close.length)}`
      : `${body.trim() === '' ? header(title) : body.trimEnd()}\n\n${section}\n`;
  return `---\n${yaml.stringify(meta, { lineWidth: 0 })}---\n${rest.startsWith('\n') ? rest : `\n${rest}`}`;
}

function header(title: string): string {
  return (
    `# ${title}\n\nPreference pairs relabeled with goal scores by radpo (reward-augmented preference data for DPO, ` +
    'Zhang et al., arXiv 2410.08067): each pair appears twice, conditioned on the chosen and on the rejected ' +
    "response's score. Load it with `datasets.load_dataset` on this folder, or on its Hub name once uploaded."
  );
}

function splitSection(split: string, files: string[], f: CardFacts): string {
  const r = f.report;
  const aside = r.set_aside;
  const reasons = aside
    ? Object.entries(aside.by_reason)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')
    : '';
  const lines = [
    `## Split \`${split}\``,
    '',
    `Made by radpo ${f.version} with:`,
    '',
    '```sh',
    f.commandLine,
    '```',
    '',
    `- rows read: ${r.rows_read ?? 'n/a'}; rows written: ${r.rows_written ?? 'n/a'}; set aside: ${aside?.total ?? 0}` +
      (reasons ? ` (${reasons})` : ''),
    ...(r.format ? [`- layout: ${r.format}`] : []),
    ...(r.inputs?.length ? [`- inputs: ${r.inputs.map((i) => `\`${i.source}\``).join(', ')}`] : []),
    `- files: ${files.map((p) => `\`${p}\``).join(', ')}`,
  ];
  const template = r.goal?.template;
  // A template's name (the paper's) is shown with the command that prints its text; a custom one as it is.
  if (template === 'paper')
    lines.push('', "Goal template: the paper's, byte for byte (`radpo goal --score 10` prints it for inference)");
  else if (template && /^[\w-]+$/.test(template)) lines.push('', `Goal template: \`${template}\``);
  else if (template) lines.push('', 'Goal template:', '', '```text', template, '```');
  return lines.join('\n');
}
