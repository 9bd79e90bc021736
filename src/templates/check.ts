/**
 * `radpo check`: render relabeled rows with the model's real chat template (@huggingface/jinja) and
 * report what would break or silently degrade training, with row numbers — before a GPU hour is spent.
 */
import { createHash } from 'node:crypto';
import { readFlagFile } from '../io/files.js';
import { RadpoError, RowError, usageError } from '../core/errors.js';
import { readLayoutRow } from '../core/output-layouts.js';
import { plainWords } from '../core/hints.js';
import { goalPattern, goalText, scaleNamedIn, scoresFromGoal, type GoalSpec } from '../core/goal.js';
import type { Message } from '../core/pair.js';
import type { Io } from '../io/io.js';
import { openRecords } from '../io/records.js';
import { Renderer, type ChatTemplate } from './chat-template.js';

const ESTIMATED = 'estimated tokens (4 characters each; a CJK character, one)';
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/g;

/**
 * Tokens estimated without the model's tokenizer: 4 characters each for Latin-script text, but one per
 * Chinese, Japanese or Korean character (BPE vocabularies spend about one token, often more, on each), so
 * a Chinese prompt is not counted at a quarter of its length.
 */
function estimateTokens(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

interface Finding {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
  count: number;
  /** Line numbers of the first rows found (up to --max-listed). */
  lines: number[];
}

interface CheckReport {
  file: string;
  chat_template: string;
  rows_checked: number;
  rows_read: number;
  length_unit: 'tokens' | typeof ESTIMATED;
  max_prompt_length: number;
  max_length: number;
  findings: Finding[];
  errors: number;
  warnings: number;
}

interface CheckConfig {
  input: string;
  chat: ChatTemplate;
  goal: GoalSpec;
  sample?: number;
  maxPromptLength: number;
  maxLength: number;
  tokenizer?: string;
  maxListed: number;
  /** The trainer the file is for; `axolotl` adds the checks of its DPO transform to any layout. */
  trainer?: string;
  /** No --scale was given: check on the scale the first row's goal text names, if it names one. */
  scaleFromGoal?: boolean;
}

interface CheckRow {
  line: number;
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  /** Implicit-prompt rows whose two conversations differ before the answer: the rejected side's prompt. */
  otherPrompt: Message[] | null;
  mismatch: string | null;
  /** From goal_score/goal_scores and score_chosen metadata, when the layout keeps them. */
  goalScores: number[] | null;
  chosenScores: number[] | null;
  /** Written in axolotl's chat_template.default layout (messages + response objects). */
  axolotl: boolean;
}

function metaScores(value: unknown, attributes: readonly string[] | null): number[] | null {
  if (typeof value === 'number') return [value];
  if (value && typeof value === 'object' && attributes)
    return attributes.map((a) => Number((value as Record<string, unknown>)[a]));
  return null;
}

/** A row of any layout radpo writes, read back (core/layouts.ts), with its line and scores for the checks. */
function toCheckRow(
  row: Record<string, unknown>,
  line: number,
  attributes: readonly string[] | null,
  source: string,
): CheckRow {
  const read = readLayoutRow(row, source);
  return {
    line,
    prompt: read.prompt,
    chosen: read.chosen,
    rejected: read.rejected,
    otherPrompt: read.otherPrompt,
    mismatch: read.mismatch,
    goalScores: read.mismatch ? null : metaScores(read.goalScores, attributes),
    chosenScores: read.mismatch ? null : metaScores(read.chosenScores, attributes),
    axolotl: read.layout === 'axolotl',
  };
}

/** Deterministic reservoir sample (seeded), so --sample N checks the same rows every run. */
function reservoir<T>(n: number): { offer(item: T): void; items(): T[] } {
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const kept: T[] = [];
  let seen = 0;
  return {
    offer(item) {
      seen += 1;
      if (kept.length < n) kept.push(item);
      else {
        const j = Math.floor(random() * seen);
        if (j < n) kept[j] = item;
      }
    },
    items: () => kept,
  };
}

async function loadTokenizer(path: string): Promise<(text: string) => number> {
  const { Tokenizer } = await import('@huggingface/tokenizers');
  let json: object;
  try {
    json = JSON.parse(readFlagFile('--tokenizer', path)) as object;
  } catch (err) {
    if (err instanceof RadpoError) throw err;
    throw usageError(`--tokenizer ${path}: not a tokenizer.json (${(err as Error).message})`);
  }
  const tokenizer = new Tokenizer(json, {});
  return (text) => tokenizer.encode(text, { add_special_tokens: false }).ids.length;
}

const AXOLOTL_DUMMY = 'radpo-dummy-question';
const RESPONSE_PROBE = '\u0001radpo-response\u0001';

/** Checks rows one at a time and collects the findings, each with the first row numbers it was seen on. */
class RowChecker {
  readonly findings = new Map<string, Finding>();
  checked = 0;
  /**
   * Same ordered pair under two goals = the rejected-goal copy was not swapped (the reference nosys script).
   * Keyed by a digest so memory stays small however many rows are checked.
   */
  private readonly goalsByPair = new Map<string, string>();
  private readonly defaultSystem: string | null;
  private readonly acceptsSystem: boolean;
  private readonly groups: ReturnType<typeof goalPattern>['groups'];
  /** Compiled once: every goal in a text (to count repeats), and a goal at the start of a message. */
  private readonly everyGoal: RegExp;
  private readonly leadingGoal: RegExp;

  constructor(
    private readonly config: CheckConfig,
    private readonly renderer: Renderer,
    private readonly count: (text: string) => number,
  ) {
    this.defaultSystem = renderer.defaultSystemText();
    this.acceptsSystem = renderer.acceptsSystem();
    const { regex, groups } = goalPattern(config.goal);
    this.groups = groups;
    this.everyGoal = new RegExp(regex.source, 'g');
    this.leadingGoal = new RegExp(`^${regex.source}`);
  }

  private flag(code: string, severity: Finding['severity'], message: string, line: number, hint?: string): void {
    let f = this.findings.get(code);
    if (!f) this.findings.set(code, (f = { code, severity, message, hint, count: 0, lines: [] }));
    f.count += 1;
    if (f.lines.length < this.config.maxListed) f.lines.push(line);
  }

  check(row: CheckRow): void {
    this.checked += 1;
    this.checkGoal(row);
    this.checkRendering(row);
    if (row.axolotl || this.config.trainer === 'axolotl') this.checkAxolotl(row);
  }

  /**
   * axolotl's chat_template DPO transform renders each response in a dummy turn and finds it again by
   * searching its text: a response that also occurs in the template's own markup ("a" in
   * "<|im_start|>") is found there, and an empty one matches at once; either way the row it trains on is
   * a slice of markup, with no error anywhere.
   */
  private checkAxolotl(row: CheckRow): void {
    for (const [side, turns] of [
      ['chosen', row.chosen],
      ['rejected', row.rejected],
    ] as const) {
      const text = turns.map((m) => (typeof m.content === 'string' ? m.content : '')).join('');
      if (text.trim() === '') {
        this.flag(
          'axolotl_empty_response',
          'error',
          "an empty response: axolotl's DPO transform then trains on the whole dummy conversation",
          row.line,
          'set such pairs aside (relabel without --allow-empty)',
        );
        continue;
      }
      const at = this.renderer
        .render(
          [
            { role: 'user', content: AXOLOTL_DUMMY },
            { role: 'assistant', content: text },
          ],
          false,
        )
        .indexOf(text);
      if (at >= 0 && at < this.responseStart()) {
        this.flag(
          'axolotl_response_in_markup',
          'error',
          `a response (the ${side} one, first) occurs in the chat template's own markup, where axolotl's DPO ` +
            `transform finds it instead of the response`,
          row.line,
          'set such pairs aside, or train them with another layout (--format trl)',
        );
      }
    }
  }

  private start: number | null = null;
  /** Where a response begins in the dummy rendering. */
  private responseStart(): number {
    if (this.start === null)
      this.start = this.renderer
        .render(
          [
            { role: 'user', content: AXOLOTL_DUMMY },
            { role: 'assistant', content: RESPONSE_PROBE },
          ],
          false,
        )
        .indexOf(RESPONSE_PROBE);
    return this.start;
  }

  /** The goal, where the placement puts it, exactly as `radpo goal` writes it, once, in the right copy. */
  private checkGoal(row: CheckRow): void {
    const { line } = row;
    const system = row.prompt[0]?.role === 'system' ? row.prompt[0] : null;
    const firstUser = row.prompt.find((m) => m.role === 'user');
    const texts = row.prompt.map((m) => (typeof m.content === 'string' ? m.content : ''));
    const countGoals = (messages: Message[]) =>
      messages.reduce(
        (n, m) => n + (typeof m.content === 'string' ? (m.content.match(this.everyGoal)?.length ?? 0) : 0),
        0,
      );
    const occurrences = Math.max(countGoals(row.prompt), row.otherPrompt ? countGoals(row.otherPrompt) : 0);
    if (row.mismatch)
      this.flag(
        'prompt_mismatch',
        'error',
        `chosen and rejected conversations differ before the response (${row.mismatch})`,
        line,
        'the prompt, goal included, must be byte-identical in chosen and rejected',
      );
    let goalScores: number[] | null = null;
    for (const candidate of [system, firstUser]) {
      if (!candidate || typeof candidate.content !== 'string') continue;
      const m = this.leadingGoal.exec(candidate.content);
      if (!m) continue;
      goalScores = scoresFromGoal(this.config.goal, this.groups, m);
      const rest = candidate.content.slice(m[0].length);
      if (rest !== '' && !rest.startsWith('\n\n'))
        this.flag('goal_text_differs', 'error', 'text follows the goal without the blank line radpo writes', line);
      else if (goalScores.some((s) => !Number.isFinite(s)) || goalText(this.config.goal, goalScores) !== m[0]) {
        this.flag(
          'goal_text_differs',
          'error',
          'the goal text differs from `radpo goal` for the same score (number formatting or wording)',
          line,
          'relabel again with radpo, or pass the --goal-template/--scale used in training',
        );
      }
      break;
    }
    if (goalScores === null)
      this.flag(
        'goal_missing',
        'error',
        'no goal text at the start of the system message or of the first user message',
        line,
        'pass the --goal-template/--scale/--attr used when relabeling',
      );
    if (occurrences > 1)
      this.flag(
        'goal_repeated',
        'error',
        'the goal text appears more than once in the prompt (the reference nosys script wrote it twice)',
        line,
      );
    if (goalScores && row.chosenScores && goalScores.some((s, i) => s !== row.chosenScores![i])) {
      this.flag(
        'goal_score_mismatch',
        'error',
        "the goal is not the preferred response's score: under goal r the response scored r must be chosen (Figure 1)",
        line,
        'the rejected-goal copy must swap chosen and rejected',
      );
    }
    if (goalScores) {
      const withoutGoal = JSON.stringify(texts.map((t) => t.replace(this.everyGoal, '')));
      const key = createHash('sha1')
        .update(withoutGoal)
        .update('\u0000')
        .update(JSON.stringify(row.chosen))
        .update('\u0000')
        .update(JSON.stringify(row.rejected))
        .digest('base64');
      const goalKey = JSON.stringify(goalScores);
      const seen = this.goalsByPair.get(key);
      if (seen === undefined) this.goalsByPair.set(key, goalKey);
      else if (seen !== goalKey)
        this.flag(
          'unswapped_copy',
          'error',
          'the same chosen/rejected order appears under two different goals: the rejected-goal copy was not swapped',
          line,
        );
    }
  }

  /** The model's template renders the rows, the prompt is a prefix of prompt+response, lengths fit. */
  private checkRendering(row: CheckRow): void {
    const { line } = row;
    const system = row.prompt[0]?.role === 'system' ? row.prompt[0] : null;
    let prompt: string;
    let full: [string, string];
    try {
      prompt = this.renderer.render(row.prompt, true);
      full = [
        this.renderer.render([...row.prompt, ...row.chosen], false),
        this.renderer.render([...row.prompt, ...row.rejected], false),
      ];
    } catch (err) {
      const message = (err as Error).message;
      if (system && (!this.acceptsSystem || /system/i.test(message)))
        this.flag(
          'system_role_rejected',
          'error',
          `the template rejects the system role ("${message}")`,
          line,
          'relabel with --placement user (or --placement auto --chat-template FILE)',
        );
      else this.flag('template_error', 'error', `the template raised "${message}"`, line);
      return;
    }
    if (!system && this.defaultSystem) {
      this.flag(
        'default_system_prompt',
        'warning',
        `the template adds its own system prompt when the goal is not in a system ` +
          `message: ${JSON.stringify(this.defaultSystem.slice(0, 80))}`,
        line,
        'relabel with --placement system, so the goal replaces the default',
      );
    }
    if (!full[0].startsWith(prompt) || !full[1].startsWith(prompt)) {
      this.flag(
        'prompt_not_prefix',
        'error',
        'the rendered prompt is not a byte-identical prefix of prompt+response; trainers then split the pair ' +
          'in the wrong place',
        line,
      );
    }
    // Length: trainers truncate (TRL <= 0.28) or drop (TRL >= 0.29, OpenRLHF, Axolotl) such rows.
    const promptLength = this.count(prompt);
    const longest = Math.max(this.count(full[0]), this.count(full[1]));
    if (promptLength > this.config.maxPromptLength)
      this.flag(
        'prompt_too_long',
        'warning',
        `the rendered prompt is longer than --max-prompt-length ${this.config.maxPromptLength}`,
        line,
        'trainers cut the goal out (keep_end) or drop the row; shorten or filter such prompts',
      );
    if (longest > this.config.maxLength)
      this.flag(
        'sequence_too_long',
        'warning',
        `prompt + response is longer than --max-length ${this.config.maxLength}`,
        line,
        'trainers truncate or drop such rows',
      );
  }
}

export async function checkFile(config: CheckConfig, io: Io): Promise<CheckReport> {
  const count = config.tokenizer ? await loadTokenizer(config.tokenizer) : estimateTokens;
  const renderer = new Renderer(config.chat);
  // Made at the first row: without --scale, the scale its goal text names is the one checked.
  let checker: RowChecker | null = null;
  const checkerFor = (row: CheckRow): RowChecker => {
    if (checker) return checker;
    const { scale } = config.goal;
    const named = config.scaleFromGoal ? scaleNamedIn(JSON.stringify(row.prompt)) : null;
    if (named && (named.min !== scale.min || named.max !== scale.max)) {
      io.stderr.write(`radpo check: the goal text names the scale ${named.min}-${named.max}; checking on it\n`);
      checker = new RowChecker({ ...config, goal: { ...config.goal, scale: named } }, renderer, count);
    } else checker = new RowChecker(config, renderer, count);
    return checker;
  };
  const { name, records } = await openRecords(config.input, io.stdin, undefined, { maxLineBytes: 1 << 28 });
  const sample = config.sample ? reservoir<CheckRow>(config.sample) : null;
  let read = 0;
  for await (const batch of records) {
    for (const record of batch) {
      read += 1;
      if (record.error)
        throw new RadpoError(
          'data',
          record.error.describe(plainWords, false),
          'radpo check reads files written by radpo relabel',
        );
      let row: CheckRow;
      try {
        row = toCheckRow(record.value as Record<string, unknown>, record.location.line, config.goal.attributes, name);
      } catch (err) {
        if (err instanceof RowError) {
          err.location = record.location;
          // The row error's own hint names relabel's flags: check says what it reads instead.
          throw new RadpoError(
            'data',
            err.describe(plainWords, false),
            'radpo check reads files written by radpo relabel (any --format)',
          );
        }
        // The shape error's own hint names relabel's column flags, which check does not have.
        if (err instanceof RadpoError && err.code === 'schema')
          throw new RadpoError(
            'schema',
            err.message,
            'radpo check reads files written by radpo relabel (any --format); relabel the pairs first, then ' +
              'check the output',
          );
        throw err;
      }
      // Every row is checked as it is read (memory stays flat); a sample is checked at the end, in file order.
      const rowChecker = checkerFor(row);
      if (sample) sample.offer(row);
      else rowChecker.check(row);
    }
  }
  const done = checker ?? new RowChecker(config, renderer, count);
  if (sample) for (const row of sample.items().sort((a, b) => a.line - b.line)) done.check(row);
  const list = [...done.findings.values()].sort((a, b) =>
    a.severity === b.severity ? b.count - a.count : a.severity === 'error' ? -1 : 1,
  );
  return {
    file: name,
    chat_template: config.chat.source,
    rows_read: read,
    rows_checked: done.checked,
    length_unit: config.tokenizer ? 'tokens' : ESTIMATED,
    max_prompt_length: config.maxPromptLength,
    max_length: config.maxLength,
    findings: list,
    errors: list.filter((f) => f.severity === 'error').reduce((n, f) => n + f.count, 0),
    warnings: list.filter((f) => f.severity === 'warning').reduce((n, f) => n + f.count, 0),
  };
}

export function renderCheck(report: CheckReport): string {
  const lines = [
    `radpo check: ${report.rows_checked} of ${report.rows_read} rows of ${report.file} rendered ` +
      `with ${report.chat_template}`,
    `lengths in ${report.length_unit}; limits: ` +
      `prompt ${report.max_prompt_length}, prompt+response ${report.max_length}`,
  ];
  if (report.findings.length === 0) lines.push('no problems found');
  for (const f of report.findings) {
    lines.push(
      `${f.severity}: ${f.code}: ${f.message} — ${f.count} row${f.count === 1 ? '' : 's'}` +
        ` (line${f.lines.length === 1 ? '' : 's'} ${f.lines.join(', ')}${f.count > f.lines.length ? ', …' : ''})`,
    );
    if (f.hint) lines.push(`  fix: ${f.hint}`);
  }
  lines.push(`${report.errors} errors, ${report.warnings} warnings`);
  return `${lines.join('\n')}\n`;
}
