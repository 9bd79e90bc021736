/**
 * `radpo audit`: can a file's scores be trusted? Reads scored pairs (and reruns, a reference), computes
 * the figures of core/audit.ts, prints a table or JSON (its data: stdout), writes the page and the
 * conflicting pairs atomically, and fails (exit 1) a gate a pipeline set.
 */
import type { RunCommand } from '../../cli/command.js';
import { checkOutputPaths, resolveInputs } from '../../cli/rules.js';
import {
  type AuditFigures,
  type AuditPairs,
  type AuditWarning,
  auditFigures,
  codePoints,
  type PairScoreColumns,
  plural,
  type ScaleSource,
  type WarningCode,
} from '../../core/audit.js';
import { auditVerdicts, supportedSuggestion } from '../../core/audit-verdicts.js';
import { type Location, RadpoError, usageError } from '../../core/errors.js';
import { formatScore, type Scale } from '../../core/goal.js';
import { shellCommand } from '../../core/terminal.js';
import { pathText } from '../../core/path.js';
import { checkpoint, type Io } from '../../io/io.js';
import { openSink, type Sink } from '../../io/output.js';
import type { auditFlags } from './flags.js';
import { renderPage } from './html.js';
import { finalText, PairReader, type ReadConfig, type ScoredPair } from './read.js';
import { renderAudit } from './render.js';
import { type FlagValues, parseBytes } from '../../cli/flags.js';
import { wordHint } from '../../cli/hints.js';
import { loadScoresFile } from '../../pipeline/scores-file.js';
import type { AuditReport, Gate, JoinCounts } from './report.js';
import { type AuditConfig, auditConfig, STDOUT_NAMES } from './config.js';
import { readerWarnings } from '../../io/log.js';

type AuditFlagValues = FlagValues<typeof auditFlags>;

/** A column of numbers that grows as pairs are read. */
class Column<T extends Float64Array | Int32Array | Uint8Array> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  values(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const floats = () => new Column((n) => new Float64Array(n));
const ints = () => new Column((n) => new Int32Array(n));

/** A 32-bit FNV-1a hash of a response's text: enough to tell a prompt's responses apart. */
function textHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

const MAX_SHOWN_CONFLICTS = 50;

/** A join key without its occurrence number (`id:4#1` → `id:4`): the n-th repeat of a pair joins the n-th. */
const baseKey = (key: string) => key.slice(0, key.lastIndexOf('#'));

/** "in.jsonl line 4": where a row is, for a message. */
const where = (l: Location) => `${l.source} ${l.unit} ${l.line}`;

/** The pairs read into columns, and what the page shows of the conflicts. */
class PairColumns {
  readonly chosen = floats();
  readonly rejected = floats();
  readonly label = new Column((n) => new Uint8Array(n));
  readonly prompt = ints();
  readonly chosenLength = ints();
  readonly rejectedLength = ints();
  readonly chosenText = ints();
  readonly rejectedText = ints();
  readonly chosenIsA = new Column((n) => new Uint8Array(n));
  readonly group = ints();
  readonly groups = new Map<string, number>();
  readonly reference = { chosen: floats(), rejected: floats() };
  aspects: Array<{ chosen: Column<Float64Array>; rejected: Column<Float64Array> }> = [];
  readonly prompts = new Map<string, number>();
  /** Pair keys, kept only when a rerun or reference file is joined. */
  readonly keys: Map<string, number> | null;
  /** The clearest conflicts (most negative Δ first), for the page. */
  readonly shown: ScoredPair[] = [];

  /** Where each pair was first read, by its key (or its text's hashes): a repeat is counted, the first named. */
  private readonly firstSeen = new Map<string, string>();
  duplicates = 0;
  firstDuplicate = '';

  constructor(joined: boolean) {
    this.keys = joined ? new Map() : null;
  }

  add(pair: ScoredPair): void {
    const index = this.chosen.length;
    this.chosen.push(pair.chosen);
    this.rejected.push(pair.rejected);
    this.label.push(pair.label);
    let prompt = this.prompts.get(pair.promptKey);
    if (prompt === undefined) {
      prompt = this.prompts.size;
      this.prompts.set(pair.promptKey, prompt);
    }
    this.prompt.push(prompt);
    this.chosenIsA.push(pair.chosenIsA);
    if (pair.group === null) this.group.push(-1);
    else {
      let group = this.groups.get(pair.group);
      if (group === undefined) {
        group = this.groups.size;
        this.groups.set(pair.group, group);
      }
      this.group.push(group);
    }
    const [c, r] = [finalText(pair.pair.chosen), finalText(pair.pair.rejected)];
    this.chosenLength.push(codePoints(c));
    this.rejectedLength.push(codePoints(r));
    this.chosenText.push(textHash(c));
    this.rejectedText.push(textHash(r));
    this.reference.chosen.push(pair.reference?.[0] ?? Number.NaN);
    this.reference.rejected.push(pair.reference?.[1] ?? Number.NaN);
    if (pair.aspects) {
      while (this.aspects.length < pair.aspects.length) this.aspects.push({ chosen: floats(), rejected: floats() });
      pair.aspects.forEach(([ac, ar], a) => {
        // A column that started late (a later input with more aspects) is NaN before.
        const column = this.aspects[a]!;
        while (column.chosen.length < index) {
          column.chosen.push(Number.NaN);
          column.rejected.push(Number.NaN);
        }
        column.chosen.push(ac);
        column.rejected.push(ar);
      });
    }
    // A repeated pair (cat a a, or two rows of one id) is counted twice in every figure: said, not hidden.
    const seenKey = this.keys ? baseKey(pair.key) : `${pair.promptKey}\u0000${textHash(c)}\u0000${textHash(r)}`;
    const first = this.firstSeen.get(seenKey);
    if (first === undefined) this.firstSeen.set(seenKey, where(pair.location));
    else {
      this.duplicates += 1;
      this.firstDuplicate ||= `${where(pair.location)} repeats ${first}`;
    }
    this.keys?.set(pair.key, index);
    if (pair.label === 1 && pair.chosen < pair.rejected) this.keepShown(pair);
  }

  private keepShown(pair: ScoredPair): void {
    const delta = (p: ScoredPair) => p.chosen - p.rejected;
    if (this.shown.length === MAX_SHOWN_CONFLICTS && delta(pair) >= delta(this.shown.at(-1)!)) return;
    const at = this.shown.findIndex((p) => delta(pair) < delta(p));
    this.shown.splice(at < 0 ? this.shown.length : at, 0, pair);
    if (this.shown.length > MAX_SHOWN_CONFLICTS) this.shown.pop();
  }

  pairs(): AuditPairs {
    return {
      count: this.chosen.length,
      chosen: this.chosen.values(),
      rejected: this.rejected.values(),
      label: this.label.values(),
      prompt: this.prompt.values(),
      prompts: this.prompts.size,
      chosenLength: this.chosenLength.values(),
      rejectedLength: this.rejectedLength.values(),
      chosenText: this.chosenText.values(),
      rejectedText: this.rejectedText.values(),
      chosenIsA: this.chosenIsA.values(),
      group: this.group.values(),
      groupNames: [...this.groups.keys()],
    };
  }

  aspectColumns(): PairScoreColumns[] {
    const n = this.chosen.length;
    return this.aspects.map((column) => {
      const pad = (c: Column<Float64Array>) => {
        while (c.length < n) c.push(Number.NaN);
        return c.values();
      };
      return { chosen: pad(column.chosen), rejected: pad(column.rejected) };
    });
  }
}

/** The scores of another file (a rerun, a reference) on the pairs read, NaN where it has none. */
async function joinedScores(
  file: string,
  role: 'rerun' | 'reference',
  config: ReadConfig,
  columns: PairColumns,
  io: Io,
): Promise<{ scores: PairScoreColumns; join: JoinTally }> {
  const n = columns.chosen.length;
  const scores = {
    chosen: new Float64Array(n).fill(Number.NaN),
    rejected: new Float64Array(n).fill(Number.NaN),
    chosenIsA: new Uint8Array(n).fill(2),
  };
  let unmatched = 0;
  let matched = 0;
  let duplicates = 0;
  let firstDuplicate = '';
  const joinedAt = new Map<number, string>();
  const reader = new PairReader(
    { ...config, reference: undefined, aspects: [], joinKeys: true, groupCol: undefined },
    io,
  );
  await reader.read([file], (pair) => {
    const index = columns.keys!.get(pair.key);
    if (index === undefined) {
      // One more row for a pair the input holds fewer times: a repeat in this file, not a stranger.
      const firstIndex = columns.keys!.get(`${baseKey(pair.key)}#0`);
      const earlier = firstIndex === undefined ? undefined : joinedAt.get(firstIndex);
      if (earlier === undefined) unmatched += 1;
      else {
        duplicates += 1;
        firstDuplicate ||= `${where(pair.location)} repeats ${earlier}`;
      }
      return;
    }
    joinedAt.set(index, where(pair.location));
    matched += 1;
    // A tie (or a pair joined by id) may come with its responses the other way round: scores follow the
    // response, not the slot.
    const turned = textHash(finalText(pair.pair.chosen)) !== columns.chosenText.values()[index];
    const flipped = turned && textHash(finalText(pair.pair.rejected)) === columns.chosenText.values()[index];
    scores.chosen[index] = flipped ? pair.rejected : pair.chosen;
    scores.rejected[index] = flipped ? pair.chosen : pair.rejected;
    scores.chosenIsA[index] = flipped && pair.chosenIsA !== 2 ? 1 - pair.chosenIsA : pair.chosenIsA;
  });
  const t = reader.tally;
  const unreadable = [...t.unreadable.values()].reduce((a, b) => a + b, 0);
  return {
    scores,
    join: {
      file,
      role,
      rows: t.rows,
      matched,
      unmatched,
      unreadable,
      unscored: t.unscored,
      uncovered: n - matched,
      duplicates,
      firstDuplicate,
      first: [...t.examples.values()].map((e) => e.describe(wordHint, false)),
    },
  };
}

/** A join's counts (the report's), with the rows it names in its warnings. */
interface JoinTally extends JoinCounts {
  firstDuplicate: string;
  first: string[];
}

/** Pairs whose --group-col value is missing or empty (the group ''); 0 without --group-col. */
function ungroupedPairs(pairs: AuditPairs): number {
  const none = pairs.groupNames.indexOf('');
  if (none < 0) return 0;
  return pairs.group.reduce((n, g) => n + (g === none ? 1 : 0), 0);
}

/** The scale: --scale, else the one a relabeled file's goal names, else 1-10 when every score fits it, else as seen. */
function auditScale(
  flags: AuditFlagValues,
  pairs: AuditPairs,
  goalScale: Scale | null,
): { scale: Scale; source: ScaleSource } {
  if (flags.scale) return { scale: flags.scale, source: 'flag' };
  if (goalScale) return { scale: goalScale, source: 'goal' };
  let min = Infinity;
  let max = -Infinity;
  let whole = true;
  for (let i = 0; i < pairs.count; i++) {
    min = Math.min(min, pairs.chosen[i]!, pairs.rejected[i]!);
    max = Math.max(max, pairs.chosen[i]!, pairs.rejected[i]!);
    whole &&= Number.isInteger(pairs.chosen[i]!) && Number.isInteger(pairs.rejected[i]!);
  }
  // Whole-number ratings inside a common small scale are read on it (a 1-5 judge at its ceiling shows one).
  // One value in use is no evidence of a scale: 7 everywhere would read as the top of 1-7.
  const small = INFERRED_SCALES.find((s) => whole && min < max && min >= s.min && max <= s.max);
  if (small) return { scale: small, source: 'inferred' };
  if (pairs.count === 0 || (min >= 1 && max <= 10)) return { scale: { min: 1, max: 10 }, source: 'paper' };
  return { scale: { min, max: max > min ? max : min + 1 }, source: 'observed' };
}

/** The small rating scales inferred from whole-number scores, tried in this order. */
const INFERRED_SCALES: readonly Scale[] = [
  { min: 1, max: 5 },
  { min: 0, max: 5 },
  { min: 1, max: 7 },
];

function gatesOf(flags: AuditFlagValues, figures: AuditFigures): Gate[] {
  const gates: Gate[] = [];
  const gate = (figure: string, flag: string, value: number | null, bound: number | undefined, kind: Gate['kind']) => {
    if (bound === undefined) return;
    const passed = value !== null && (kind === 'min' ? value >= bound : value <= bound);
    gates.push({ figure, flag, value, bound, kind, passed });
  };
  gate(
    'label_agreement.ties_dropped',
    '--min-agreement',
    figures.label_agreement.ties_dropped.value,
    flags.minAgreement,
    'min',
  );
  gate('conflicts.rate', '--max-conflict-rate', figures.conflicts.rate, flags.maxConflictRate, 'max');
  gate('retest.flip_rate', '--max-flip-rate', figures.retest?.flip_rate ?? null, flags.maxFlipRate, 'max');
  return gates;
}

/** The config's reading, with the --scores file loaded when one is joined. */
async function readConfig(config: AuditConfig, io: Io): Promise<ReadConfig> {
  const file = config.scoresFile;
  if (!file) return config.read;
  // Any number is a score here: the audit reads the scale from the data.
  const scale = { min: -Infinity, max: Infinity };
  const scores = await loadScoresFile(file.path, file.key, file.spec, scale, config.read.maxLineBytes, io, wordHint);
  return { ...config.read, joinedScores: { key: file.key, scores } };
}

/** The audit of the inputs: every figure, the rows read, the gates. Writes the conflicts file as it reads. */
async function audit(
  inputs: string[],
  flags: AuditFlagValues,
  settings: AuditConfig,
  io: Io,
  conflicts: Sink | null,
): Promise<{ report: AuditReport; shown: ScoredPair[] }> {
  const config = await readConfig(settings, io);
  const columns = new PairColumns(config.joinKeys);
  const reader = new PairReader(config, io);
  await reader.read(inputs, async (pair) => {
    columns.add(pair);
    if (conflicts && pair.label === 1 && pair.chosen < pair.rejected) await conflicts.write(`${conflictLine(pair)}\n`);
  });
  const reruns: PairScoreColumns[] = [];
  const joins: JoinTally[] = [];
  for (const file of flags.rerun) {
    const { scores, join } = await joinedScores(file, 'rerun', config, columns, io);
    reruns.push(scores);
    joins.push(join);
  }
  let reference: PairScoreColumns | null = config.reference
    ? { chosen: columns.reference.chosen.values(), rejected: columns.reference.rejected.values() }
    : null;
  if (flags.reference) {
    const { scores, join } = await joinedScores(flags.reference, 'reference', config, columns, io);
    reference = scores;
    joins.push(join);
  }
  const pairs = columns.pairs();
  const tally = reader.tally;
  if (pairs.count === 0)
    throw new RadpoError(
      'data',
      `no scored pairs to audit: ${tally.rows} row${tally.rows === 1 ? '' : 's'} read` +
        (tally.examples.size > 0 ? `; ${notAuditedWarning(tally, inputs).message}` : ''),
      'audit a file of scored pairs (score_chosen and score_rejected, or name the columns)',
    );
  const ungrouped = ungroupedPairs(pairs);
  // A --group-col no row has is a typo, not a breakdown into one group named ''.
  if (flags.groupCol && ungrouped === pairs.count)
    throw usageError(
      `--group-col ${pathText(flags.groupCol)}: none of the ${pairs.count} scored pairs has a value there`,
      'name a column the rows have (a dotted path such as metadata.task)',
    );
  const { scale, source } = auditScale(flags, pairs, tally.goalScale);
  const aspectColumns = columns.aspectColumns();
  const figures = await auditFigures(pairs, {
    scale,
    scaleSource: source,
    gaps: flags.gaps ?? null,
    targetAgreement: flags.targetAgreement,
    bootstrap: flags.bootstrap,
    seed: flags.seed,
    unscored: tally.unscored,
    rows: tally.rows,
    reruns,
    reference,
    aspects: aspectColumns.length > 0 ? { names: config.aspects.map((a) => a.name), columns: aspectColumns } : null,
    checkpoint: () => checkpoint(io.signal),
  });
  const warnings: AuditWarning[] = auditVerdicts(figures);
  for (const join of joins) warnings.push(...joinWarnings(join, flags));
  if (tally.overallFromAttributes)
    warnings.push({
      code: 'aspects_only',
      message:
        `no overall score: the overall score is the mean of the attribute scores ` +
        `(${tally.overallFromAttributes.join(', ')})`,
    });
  if (tally.examples.size > 0) warnings.push(notAuditedWarning(tally, inputs));
  if (columns.duplicates > 0)
    warnings.push({
      code: 'duplicate_pairs',
      message:
        `${plural(columns.duplicates, 'pair')} ${columns.duplicates === 1 ? 'repeats' : 'repeat'} an earlier ` +
        'one (same ' +
        `${flags.idCol ? `--id-col ${pathText(flags.idCol)}` : 'prompt, chosen and rejected'}), and each copy ` +
        `counts in every figure; the first: ${columns.firstDuplicate}`,
    });
  if (flags.groupCol && ungrouped > 0)
    warnings.push({
      code: 'group_missing',
      message:
        `${ungrouped} of ${pairs.count} pairs have no value in --group-col ${pathText(flags.groupCol)}: ` +
        'they form the group (none)',
    });
  for (const w of warnings) {
    // With a swapped rerun given, the advice to run one is done: what is left is to use both orders.
    if (w.code === 'position_bias' && figures.position_bias?.swap_consistency)
      w.hint ??= "average each pair's two orders (this input and the swapped --rerun) before relabeling";
    w.hint ??= WARNING_HINTS[w.code] ?? undefined;
  }
  figures.warnings = warnings;
  figures.suggested_min_gap = supportedSuggestion(figures.suggested_min_gap, warnings);
  // The command applies the gap the report suggests (ok or borderline), the one --json shows beside it.
  const gap = figures.suggested_min_gap.gap;
  const report: AuditReport = {
    schema: 'radpo.audit/v1',
    inputs: tally.inputs,
    rows: {
      read: tally.rows,
      unreadable: Object.fromEntries([...tally.unreadable.entries()].sort()),
      unscored: tally.unscored,
      relabeled_twins: tally.twins,
    },
    ...figures,
    joins: joins.map(({ first: _first, firstDuplicate: _firstDuplicate, ...join }) => join),
    gates: gatesOf(flags, figures),
    // stdin was read once and is gone: a command naming "-" would relabel nothing; the table says to name a file.
    apply:
      gap !== null && gap > 0 && !tally.inputs.some((i) => i.relabeled) && !inputs.includes('-')
        ? shellCommand(['radpo', 'relabel', ...inputs, ...readingFlags(flags), '--min-gap', formatScore(gap)])
        : null,
  };
  return { report, shown: columns.shown };
}

/**
 * The flags audit shares with relabel, as this audit read the input (columns, layout, format, scores file,
 * scale), so the suggested relabel command reads the same pairs. `--name=value`: a value may start with '-'.
 */
function readingFlags(flags: AuditFlagValues): string[] {
  const out: string[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) out.push(`${name}=${value}`);
  };
  add('--input-format', flags.inputFormat);
  if (flags.maxLineBytes !== parseBytes('64M')) add('--max-line-bytes', String(flags.maxLineBytes));
  add('--schema', flags.schema);
  const columns = [
    ['--prompt-col', flags.promptCol],
    ['--chosen-col', flags.chosenCol],
    ['--rejected-col', flags.rejectedCol],
    ['--system-col', flags.systemCol],
    ['--input-col', flags.inputCol],
    ['--response-a-col', flags.responseACol],
    ['--response-b-col', flags.responseBCol],
    ['--score-a-col', flags.scoreACol],
    ['--score-b-col', flags.scoreBCol],
    ['--chosen-score-col', flags.chosenScoreCol],
    ['--rejected-score-col', flags.rejectedScoreCol],
    ['--key', flags.key],
  ] as const;
  for (const [name, path] of columns) add(name, path && pathText(path));
  for (const column of flags.winnerCol) add('--winner-col', column);
  if (flags.winnerValues) {
    const sides = new Map<string, string[]>();
    for (const [value, side] of flags.winnerValues) sides.set(side, [...(sides.get(side) ?? []), value]);
    const names: Record<string, string> = { a: 'A', b: 'B', tie: 'tie' };
    add('--winner-values', [...sides].map(([side, values]) => `${names[side]}=${values.join('|')}`).join(','));
  }
  if (flags.inputJoin !== undefined) add('--input-join', flags.inputJoin.replace(/\n/g, '\\n').replace(/\t/g, '\\t'));
  add('--scores', flags.scores);
  if (flags.scale) add('--scale', `${formatScore(flags.scale.min)}-${formatScore(flags.scale.max)}`);
  return out;
}

/**
 * What to do about each warning, in today's flags (null: nothing to add). Every code has an entry, so a
 * new code cannot ship without deciding.
 */
const WARNING_HINTS: Record<WarningCode, string | null> = {
  no_signal: 'rescore with a stronger judge, or check that the scores belong to these pairs (--id-col, --key)',
  scores_constant: 'check the judge: a parse fallback, a temperature of 0 on a tiny model, or a broken rubric',
  scores_coarse: 'use a finer scale (--scale, a reward model) or average several judgements',
  labels_from_scores: 'audit against a human-labelled set, or give a second judge as --reference FILE',
  wide_gap_disagreement:
    'give human or gold scores as --reference FILE (a rerun shows only whether the judge is consistent), and ' +
    'read the pairs: --conflicts FILE',
  labels_flipped:
    'if the reference is human or gold, read the conflicting pairs (--conflicts FILE or --html FILE) and fix or ' +
    'drop them',
  length_bias: 'rescore with a rubric that ignores length, or compare with a length-controlled judge',
  position_bias: 'score each pair in both orders (a --rerun with A and B swapped) and average',
  scale_ceiling: "declare the judge's scale (--scale) or use a wider one",
  scale_floor: "declare the judge's scale (--scale) or use a wider one",
  scores_off_scale: 'give the scale the judge used (--scale MIN-MAX), or check the score columns',
  few_pairs: null,
  one_prompt: null,
  cached_rerun: 'rescore with radpo score --rescore --no-cache (and a judge temperature above 0)',
  unmatched_rows: null,
  join_rows_not_read: null,
  uncovered_pairs: null,
  aspects_only: null,
  rows_not_audited: null,
  duplicate_pairs: 'drop the repeats (or give each pair its own --id-col value) and audit again',
  group_missing: 'check the column name, or give those rows a value',
};

/** What joining a --rerun or --reference file left out, each count with what to do. */
function joinWarnings(join: JoinTally, flags: AuditFlagValues): AuditWarning[] {
  const out: AuditWarning[] = [];
  const by = joinWords(flags);
  if (join.unmatched > 0)
    out.push({
      code: 'unmatched_rows',
      message: `${join.file}: ${join.unmatched} pairs are not in the audited input (joined by ${by})`,
      ...(flags.idCol ? {} : { hint: 'if the texts changed, join by an id column: --id-col PATH' }),
    });
  if (join.duplicates > 0)
    out.push({
      code: 'duplicate_pairs',
      message:
        `${join.file}: ${plural(join.duplicates, 'row')} ${join.duplicates === 1 ? 'repeats' : 'repeat'} a pair an ` +
        `earlier row already scored (joined by ` +
        `${by}); the first score of each pair is used; the first repeat: ${join.firstDuplicate}`,
    });
  const unread = join.unreadable + join.unscored;
  if (unread > 0)
    out.push({
      code: 'join_rows_not_read',
      message:
        `${join.file}: ${unread} of its ${join.rows} rows could not be used (${join.unreadable} unreadable, ` +
        `${join.unscored} without scores); the first of each kind: ${join.first.join('; ')}`,
    });
  if (join.uncovered > 0)
    out.push({
      code: 'uncovered_pairs',
      message:
        `${join.file} scores ${join.matched} of the audited pairs: ${join.uncovered} have no ${join.role} score ` +
        `and are left out of the ${join.role} figures`,
    });
  return out;
}

/** Rows the figures leave out, each reason's first row named: where it is, what is wrong with it. */
function notAuditedWarning(tally: PairReader['tally'], inputs: readonly string[]): AuditWarning {
  const count = [...tally.unreadable.values()].reduce((a, b) => a + b, 0) + tally.unscored;
  const firsts = [...tally.examples.values()].map((e) => e.describe(wordHint, false));
  return {
    code: 'rows_not_audited',
    message:
      `${count} row${count === 1 ? '' : 's'} left out of the figures; ` +
      `the first of each kind: ${firsts.join('; ')}`,
    hint:
      'fix them, or list every one with its reason: ' +
      shellCommand(['radpo', 'relabel', ...inputs, '--on-error', 'skip', '--rejects', 'rejects.jsonl']),
  };
}

function joinWords(flags: AuditFlagValues): string {
  return flags.idCol ? `--id-col ${flags.idCol.join('.')}` : 'the text of prompt, chosen and rejected';
}

function conflictLine(pair: ScoredPair): string {
  return JSON.stringify({
    source: pair.location.source,
    line: pair.location.line,
    ...(pair.id === undefined ? {} : { id: pair.id }),
    gap: pair.chosen - pair.rejected,
    score_chosen: pair.chosen,
    score_rejected: pair.rejected,
    prompt: pair.pair.prompt,
    chosen: pair.pair.chosen,
    rejected: pair.pair.rejected,
  });
}

export const run: RunCommand<typeof auditFlags> = async (args, flags, { io, help }) => {
  const inputs = resolveInputs(args, io, help);
  if (!inputs) return 'usage';
  // Reader warnings (a CSV header naming a column twice) reach stderr as in every command.
  readerWarnings(io);
  const config = auditConfig(inputs, flags);
  await checkOutputPaths(config.reads, [
    ['--html', flags.html],
    ['--conflicts', flags.conflicts],
  ]);
  const sinks: Sink[] = [];
  try {
    const conflicts = flags.conflicts ? await openSink(flags.conflicts, io.stdout) : null;
    if (conflicts) sinks.push(conflicts);
    const page = flags.html ? await openSink(flags.html, io.stdout) : null;
    if (page) sinks.push(page);
    const { report, shown } = await audit(inputs, flags, config, io, conflicts);
    const failed = report.gates.filter((g) => !g.passed);
    // A run that fails a gate publishes nothing: its page and conflicts file are dropped with the run.
    if (failed.length === 0) {
      // The signal rule of every commit (RunOutput.commit): checked before each prepare and before the first
      // rename, so a Ctrl-C after the figures (while the page is written) publishes nothing either.
      await checkpoint(io.signal);
      if (page) await page.write(renderPage(report, shown));
      for (const sink of sinks) {
        await checkpoint(io.signal);
        await sink.prepare();
      }
      await checkpoint(io.signal);
      for (const sink of sinks) await sink.publish();
      sinks.length = 0;
    }
    // The figures are this command's data (stdout), unless a file already took stdout.
    const taken = [flags.html, flags.conflicts].some((f) => f !== undefined && STDOUT_NAMES.has(f));
    const out = taken ? io.stderr : io.stdout;
    out.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderAudit(report));
    for (const g of failed)
      io.stderr.write(
        `radpo audit: ${g.figure} is ${g.value === null ? 'not measurable' : g.value.toFixed(4)}, ` +
          `${g.kind === 'min' ? 'below' : 'above'} ${g.flag} ${g.bound}` +
          `${flags.html || flags.conflicts ? ' (no page or conflicts file written)' : ''}\n`,
      );
    return failed.length > 0 ? 'failed' : 'ok';
  } finally {
    for (const sink of sinks) await sink.abort();
  }
};
