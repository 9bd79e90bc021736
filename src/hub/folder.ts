/**
 * `-o DIR/`: a folder the Hub and `datasets.load_dataset(DIR)` take as is. The rows go into
 * `data/<split>-0000K-of-0000N.<ext>` (a new shard past a size, at a row boundary: datasets' push_to_hub naming), and
 * `README.md` is a dataset card whose YAML `configs` name each split's files, with how the data was made (and which
 * commit of each Hub input was read). A split written again replaces its shards (stale ones removed) and keeps the
 * other splits and every other file of DIR.
 *
 * The folder changes as a whole or not at all: the new folder is built in a hidden staging folder beside DIR (in its
 * parent, so renames stay on one filesystem) — the new shards and card, and every other file of DIR hard-linked in,
 * no byte copied — and swapped in with two renames (DIR aside, staging in, and back if the second fails). A failure
 * before the swap (a full disk, Ctrl-C, a file in the way) leaves DIR as it was and removes the staging folder.
 */
import { constants, type Dirent, promises as fsp, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { RadpoError, usageError } from '../core/errors.js';
import type { OutputFileFormat } from '../io/choices.js';
import { type Io, warn } from '../io/io.js';
import { fileSink, type Sink } from '../io/output.js';
import { registerTemporary, releaseTemporary } from '../io/temp-files.js';
import { ParquetOutput } from '../io/parquet.js';
import type { AuditFacts } from './audit-card.js';
import { type HubSource, hubSourcesOf } from './sources.js';

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
  /** The Hub inputs read (repository, revision asked for, commit read). */
  hub?: readonly HubSource[];
  /** --audit: the card's lines of the figures of `radpo audit --json`. */
  audit?: readonly string[] | null;
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

/** A split name `datasets` accepts (its NamedSplit: words joined by dots; no dash, no leading dot). */
const SPLIT = /^\w+(\.\w+)*$/;

export class HubFolder implements Sink {
  private readonly shards: Shard[] = [];
  private current: Shard | null = null;
  private currentBytes = 0;
  private card: Sink | null = null;
  private prepared = false;
  /** The split written: --split, else the one the Hub inputs' files name, else train (decided with the card). */
  private split = 'train';

  private constructor(
    readonly dir: string,
    /** DIR's real path (a link to a folder is followed: the folder is replaced, the link stays). */
    private readonly target: string,
    /** The first folder above DIR this run made (removed again if the run fails), if any. */
    private readonly made: string | undefined,
    private readonly splitGiven: string | undefined,
    readonly format: 'jsonl' | 'parquet',
    private readonly staging: string,
    private readonly maxBytes: number,
    private readonly io: Io,
    private readonly audit: AuditFacts | null,
  ) {}

  static async open(
    dir: string,
    split: string | undefined,
    format: OutputFileFormat,
    io: Io,
    maxBytes = SHARD_BYTES,
    auditFile?: string,
  ): Promise<HubFolder> {
    if (format !== 'jsonl' && format !== 'parquet')
      throw usageError(
        `-o ${dir} writes a dataset folder of Parquet or JSONL shards, not ${format}`,
        'leave --output-format out (Parquet), or --output-format jsonl',
      );
    if (split !== undefined && !SPLIT.test(split))
      throw usageError(
        `the split name ${JSON.stringify(split)} is not one load_dataset accepts`,
        'letters, digits and _, in words joined by dots (train_prefs, test.v2)',
      );
    // The audit's reader (and its schema library) loads only for --audit: a run without it starts without them.
    const audit = auditFile === undefined ? null : (await import('./audit-card.js')).readAuditFacts(auditFile);
    let target = dir.replace(/[/\\]+$/, '') || '/';
    try {
      target = await fsp.realpath(target);
    } catch {
      /* not there yet */
    }
    const parent = dirname(target);
    // The folder is replaced whole, by renames: never the working folder or one that holds it (-o ./, -o ~/),
    // which a shell, an editor or this very run would go on using after the swap.
    const here = resolve(io.cwd ?? process.cwd());
    if (here === target || here.startsWith(`${target}${sep}`) || target === '/')
      throw usageError(
        `-o ${dir} holds the working folder: radpo replaces a dataset folder as a whole`,
        'name a folder of its own, e.g. -o ./dataset/',
      );
    let made: string | undefined;
    try {
      made = await fsp.mkdir(parent, { recursive: true });
      const [here, above] = await Promise.all([fsp.stat(target).catch(() => null), fsp.stat(parent)]);
      if (here && !here.isDirectory())
        throw usageError(`-o ${dir}: ${target} is a file, not a folder`, 'name a folder, or remove the file');
      if (here && here.dev !== above.dev)
        throw new RadpoError(
          'io',
          `-o ${dir} is a mount point: radpo replaces a dataset folder as a whole, by a rename in its parent`,
          'name a folder inside it',
        );
      const staging = await fsp.mkdtemp(join(parent, `.${basename(target)}.radpo-`));
      // Removed on any way out Node still sees (a second Ctrl-C exits at once), as every temporary file is.
      registerTemporary(staging);
      await fsp.mkdir(join(staging, 'data'));
      return new HubFolder(dir, target, made, split, format, staging, maxBytes, io, audit);
    } catch (err) {
      await removeMade(parent, made);
      if (err instanceof RadpoError) throw err;
      throw new RadpoError(
        'io',
        `cannot write the folder ${dir}: ${(err as Error).message}`,
        `radpo builds it beside itself, in ${parent}, and swaps it in whole: that folder must be writable`,
      );
    }
  }

  private shardName(i: number, n: number): string {
    const pad = (k: number) => String(k).padStart(5, '0');
    return `${this.split}-${pad(i)}-of-${pad(n)}.${this.format}`;
  }

  private staged(i: number): string {
    return join(this.staging, 'data', `${i}.${this.format}`);
  }

  private async next(): Promise<Shard> {
    const staged = this.staged(this.shards.length);
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

  /** The card, from the run's report: written with the shards, published with them. */
  async writeCard(facts: CardFacts): Promise<void> {
    const hub = hubSourcesOf(this.io);
    this.split = this.splitGiven ?? this.splitOfInputs(hub);
    if (this.splitGiven) this.warnIfFilesNameElse(hub, this.splitGiven);
    let existing = '';
    try {
      existing = readFileSync(join(this.target, 'README.md'), 'utf8');
    } catch {
      /* a new folder */
    }
    this.card = await fileSink(join(this.staging, 'README.md'));
    const files = this.shardFiles();
    if (this.audit) this.warnIfAuditedElse(this.audit, facts.report.inputs ?? []);
    const audit = this.audit ? (await import('./audit-card.js')).auditSection(this.audit) : null;
    const all = { ...facts, hub, audit };
    // The YAML library loads only here: every other run that reads and writes rows starts without it (~50 ms).
    const yaml = await import('yaml');
    await this.card.write(cardText(yaml, existing, this.split, files, all, basename(this.target)));
  }

  /** Without --split: the split every Hub input's files name (one, and a valid name), else train. */
  private splitOfInputs(hub: readonly HubSource[]): string {
    const named = [...new Set(hub.flatMap((h) => h.splits))];
    if (named.length === 1 && named[0] && SPLIT.test(named[0])) return named[0];
    if (named.length > 1) {
      const found = named.map((n) => n ?? '(none)').join(', ');
      warn(
        this.io,
        `the Hub inputs name several splits (${found}): -o ${this.dir} writes the split train; --split names it`,
      );
    }
    return 'train';
  }

  /** --split names the split written: say so when the Hub files read name another (train rows as test_prefs). */
  private warnIfFilesNameElse(hub: readonly HubSource[], split: string): void {
    const named = [...new Set(hub.flatMap((h) => h.splits))].filter((n): n is string => n !== null);
    if (named.length === 0 || named.includes(split)) return;
    warn(
      this.io,
      `-o ${this.dir} writes the split ${split} (--split), but the Hub files read name ${named.join(', ')}: ` +
        'check that these rows belong in that split',
    );
  }

  /** An audit of other inputs (radpo's own output, another file) is still shown, under the names it audited. */
  private warnIfAuditedElse(audit: AuditFacts, inputs: ReadonlyArray<{ source: string }>): void {
    const audited = audit.inputs.map((i) => i.source).sort();
    const read = inputs.map((i) => i.source).sort();
    if (audited.join('\n') === read.join('\n')) return;
    warn(
      this.io,
      `--audit: the audit read ${audited.join(', ')}, not this run's inputs (${read.join(', ')}); the card says so`,
    );
  }

  private shardFiles(): string[] {
    const n = Math.max(1, this.shards.length);
    return Array.from({ length: n }, (_, i) => `data/${this.shardName(i, n)}`);
  }

  async prepare(): Promise<void> {
    if (this.shards.length === 0) await this.next();
    for (const s of this.shards) await (s.kind === 'text' ? s.sink.prepare() : s.out.prepare());
    await this.card?.prepare();
    this.prepared = true;
  }

  async publish(): Promise<void> {
    if (!this.prepared) await this.prepare();
    try {
      await this.assemble();
    } catch (err) {
      if (err instanceof RadpoError) throw err;
      throw new RadpoError(
        'io',
        `cannot write the folder ${this.dir}: ${(err as Error).message}`,
        'the folder is as it was; move away what is in the way (or free space) and run again',
      );
    }
    try {
      await this.swap();
    } catch (err) {
      // EBUSY: DIR is a mount point of the same filesystem (a bind mount), which no rename can move.
      throw new RadpoError(
        'io',
        `cannot put the new folder in place of ${this.dir}: ${(err as Error).message}`,
        (err as NodeJS.ErrnoException).code === 'EBUSY'
          ? 'the folder is as it was; it is a mount point: write the dataset to a folder of its own'
          : 'the folder is as it was; run again',
      );
    }
  }

  /** The one step that changes DIR: aside, the new one in, the old one gone (back in place if the second fails). */
  private async swap(): Promise<void> {
    const before = await fsp.stat(this.target).catch(() => null);
    if (!before) {
      await fsp.rename(this.staging, this.target);
      releaseTemporary(this.staging);
      return;
    }
    const aside = `${this.staging}.old`;
    await fsp.rename(this.target, aside);
    try {
      await fsp.rename(this.staging, this.target);
    } catch (err) {
      await fsp.rename(aside, this.target);
      throw err;
    }
    releaseTemporary(this.staging);
    await fsp.rm(aside, { recursive: true, force: true });
  }

  /** The new folder, complete, in the staging folder: the new shards and card, and DIR's other files linked in. */
  private async assemble(): Promise<void> {
    const n = this.shards.length;
    for (const [i, s] of this.shards.entries()) {
      await (s.kind === 'text' ? s.sink.publish() : s.out.publish());
      await fsp.rename(this.staged(i), join(this.staging, 'data', this.shardName(i, n)));
    }
    await this.card?.publish();
    const before = await fsp.stat(this.target).catch(() => null);
    if (before) {
      // An earlier run's shards of this split (another count, another format) would be read with these: left out.
      const stale = new RegExp(`^data/${this.split.replace(/[.]/g, '\\.')}-\\d{5}-of-\\d{5}\\.(jsonl|parquet)$`);
      await linkTree(this.target, this.staging, '', (rel, e) => rel === 'README.md' || (e.isFile() && stale.test(rel)));
    }
    // mkdtemp made it private: the folder keeps DIR's mode (and owner), or a new folder's.
    await fsp.chmod(this.staging, before ? before.mode & 0o7777 : 0o777 & ~process.umask());
    if (before && process.getuid?.() === 0) await fsp.chown(this.staging, before.uid, before.gid);
  }

  async commit(): Promise<void> {
    await this.prepare();
    await this.publish();
  }

  async abort(): Promise<void> {
    for (const s of this.shards) await (s.kind === 'text' ? s.sink.abort() : s.out.abort());
    await this.card?.abort();
    await fsp.rm(this.staging, { recursive: true, force: true });
    releaseTemporary(this.staging);
    await removeMade(dirname(this.target), this.made);
  }
}

/** The folders `mkdir -p` made for this run, from the deepest up to the first it made, if they are empty. */
async function removeMade(deepest: string, made: string | undefined): Promise<void> {
  if (made === undefined) return;
  for (let d = deepest; d.length >= made.length; d = dirname(d)) {
    try {
      await fsp.rmdir(d);
    } catch {
      return;
    }
    if (d === made) return;
  }
}

/** Every entry of `from` (below `rel`) but those `skip` names, hard-linked into `to` (folders made, links copied). */
async function linkTree(from: string, to: string, rel: string, skip: (rel: string, e: Dirent) => boolean, device = -1) {
  const dev = device >= 0 ? device : (await fsp.stat(from)).dev;
  for (const e of await fsp.readdir(join(from, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (skip(r, e)) continue;
    const src = join(from, r);
    const dst = join(to, r);
    if (e.isDirectory()) {
      // A mount inside DIR cannot move with it (a copy of the volume, the live mount put aside): refused.
      if ((await fsp.stat(src)).dev !== dev)
        throw new RadpoError(
          'io',
          `${src} is a mount point inside the dataset folder: radpo replaces the folder as a whole, by renames`,
          'unmount it, or write the dataset to a folder of its own',
        );
      try {
        await fsp.mkdir(dst);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await fsp.lstat(dst)).isDirectory())
          throw new Error(`${r} is a folder in ${from}, and this run writes a file by that name`);
      }
      await fsp.chmod(dst, (await fsp.stat(src)).mode & 0o7777);
      await linkTree(from, to, r, skip, dev);
    } else if (e.isSymbolicLink()) await fsp.symlink(await fsp.readlink(src), dst);
    else
      await fsp.link(src, dst).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') throw new Error(`${r} is in ${from}, and this run writes a file by that name`);
        // A filesystem without hard links (or a file that has too many): a copy.
        await fsp.copyFile(src, dst, constants.COPYFILE_EXCL);
      });
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
    // Which bytes were read: a branch moves, a commit does not.
    ...(f.hub ?? []).map(
      (h) => `- from the Hub: \`${h.repo}\`, revision \`${h.revision}\`, commit \`${h.commit}\` (\`${h.name}\`)`,
    ),
    `- files: ${files.map((p) => `\`${p}\``).join(', ')}`,
  ];
  const template = r.goal?.template;
  // A template's name (the paper's) is shown with the command that prints its text; a custom one as it is.
  if (template === 'paper')
    lines.push('', "Goal template: the paper's, byte for byte (`radpo goal --score 10` prints it for inference)");
  else if (template && /^[\w-]+$/.test(template)) lines.push('', `Goal template: \`${template}\``);
  else if (template) lines.push('', 'Goal template:', '', '```text', template, '```');
  if (f.audit) lines.push('', ...f.audit);
  return lines.join('\n');
}
