/**
 * `radpo eval`: after training, does the policy follow its goal? For each prompt, K answers per goal (the
 * goal text built by relabel's code, placed as training placed it) and K without one, each judged against
 * the prompt without the goal; then the figures of core/eval.ts with prompt-clustered intervals. The
 * sampler is generate's and the judge score's, with their caches, batch files and bounds: a rerun asks
 * nothing, a killed run resumes.
 */
import type { RunCommand } from '../../cli/command.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import { judgeRunConfig } from '../../cli/judge-config.js';
import {
  checkJudgeInputs,
  checkOutputPaths,
  errorPolicyRules,
  outputRules,
  resolveInputs,
  stdinReadOnce,
} from '../../cli/rules.js';
import { POLICY_SERVER, serverSessionConfig } from '../../cli/server-config.js';
import { RadpoError, RowError } from '../../core/errors.js';
import {
  EvalAccumulator,
  type EvalFigures,
  type EvalWarning,
  evalWarnings,
  type PromptScores,
} from '../../core/eval.js';
import { formatScore, goalText, placeGoal } from '../../core/goal.js';
import { defaultIdColumn } from '../../core/ids.js';
import { asMessages, type Message, policyPrompt } from '../../core/pair.js';
import { getPath } from '../../core/path.js';
import { terminalSafe } from '../../core/terminal.js';
import type { Io } from '../../io/io.js';
import { type Logger, runLogger } from '../../io/log.js';
import { parseJsonRecord, type SourceRecord } from '../../io/records.js';
import type { Verdict } from '../../judge/judge.js';
import { JudgeSession, type JudgeRunConfig } from '../../judge/session.js';
import { isJsonFileName, openInput } from '../../pipeline/inputs.js';
import { Progress } from '../../pipeline/progress.js';
import type { RowPolicy } from '../../pipeline/row-policy.js';
import type { RunOutput } from '../../pipeline/run-output.js';
import { type RowsStage, runRows } from '../../pipeline/run-rows.js';
import { type BaseReport, RunCounts, setAsideReport } from '../../pipeline/summary.js';
import { counted, formatCount } from '../../pipeline/text.js';
import { type SamplingParams, samplingRecord } from '../../sampler/params.js';
import { Sampler, type Samples } from '../../sampler/sampler.js';
import { orderedWindow } from '../../server/ordered.js';
import { ServerSession, type ServerSessionConfig } from '../../server/session.js';
import { type EvalConfig, evalConfig, evalFlagRules } from './config.js';
import type { evalFlags } from './flags.js';
import { renderPage } from './html.js';
import { type AnswersSetAside, type BrokenPrompt, evalJson, type EvalJson, renderTable } from './render.js';

export const run: RunCommand<typeof evalFlags> = async (args, flags, ctx) => {
  const { io } = ctx;
  evalFlagRules(flags);
  // A reward model's rewards are mapped onto --scale; a chat judge scores on its rubric's, whatever the goal's.
  const judgeScale = flags.judge === 'reward' ? flags.scale : undefined;
  const judge = (await judgeRunConfig(
    { ...flags, rescore: true, liveFallback: flags.liveFallback && flags.fromBatch.length > 0 },
    io,
    judgeScale,
    ctx.given('precision'),
  ))!;
  const policyTarget = {
    url: flags.policyUrl,
    model: flags.policyModel,
    server: flags.policyServer,
    keyEnv: flags.policyApiKeyEnv,
  };
  const policyNetwork = {
    ...flags,
    emitBatch: flags.policyEmitBatch,
    fromBatch: flags.policyFromBatch,
    liveFallback: flags.liveFallback && flags.policyFromBatch.length > 0,
  };
  const server = serverSessionConfig(POLICY_SERVER, policyTarget, policyNetwork, io, 'radpo eval');
  const inputs = resolveInputs(args, io, ctx.help);
  if (!inputs) return 'usage';
  stdinReadOnce(inputs);
  checkJudgeInputs(judge, inputs);
  errorPolicyRules(flags);
  const config = evalConfig(flags, {
    inputs,
    version: ctx.version,
    given: ctx.given,
    judgeAttributes: judge.judge.kind === 'chat' ? judge.judge.rubric.attributes : null,
  });
  const logger = runLogger(io, flags);
  const { scale } = judge;
  if ((scale.min !== config.scale.min || scale.max !== config.scale.max) && !ctx.given('scale'))
    // Not a failure: the goal text is training's, the judge scores on its own scale. But relabel --judge
    // names the judge's scale in the goal, and a goal text that differs from training's is the quiet loss.
    logger.warn(
      `the goal text names the scale ${formatScore(config.scale.min)}-${formatScore(config.scale.max)} (the ` +
        `paper's, as radpo goal); the judge scores on ${formatScore(scale.min)}-${formatScore(scale.max)}. ` +
        `If training named another scale (relabel --judge names the judge's), pass --scale as in training`,
    );
  if (config.writeRows) outputRules(config);
  await checkOutputPaths(
    [...inputs, ...judge.server.fromBatch, ...server.fromBatch],
    [
      ['-o', config.writeRows ? config.output : undefined],
      ['--rejects', config.rejects],
      ['--report', config.report],
      ['--html', config.html],
      ['--emit-batch', judge.server.emitBatch],
      ['--policy-emit-batch', server.emitBatch],
      ['--cache', judge.server.cachePath ?? undefined],
    ],
  );
  const params: SamplingParams = {
    model: server.model,
    n: config.samples,
    temperature: flags.temperature,
    topP: flags.topP,
    maxTokens: flags.maxTokens,
    seed: flags.seed,
  };
  const evaluation = await runEval(config, judge, server, params, io, logger);
  const warnings = evaluation?.warnings ?? [];
  if (config.failOn === 'warnings' && warnings.length > 0) {
    // -q silenced the warnings' text: the gate that fails on them still says what they are.
    const why = config.quiet ? warnings.map((w) => terminalSafe(`\n  ${w.code}: ${w.message}`)).join('') : '';
    io.stderr.write(
      `radpo eval: --fail-on warnings: ${counted(warnings.length, 'warning')} ` +
        `(${warnings.map((w) => w.code).join(', ')})${why}\n`,
    );
    return 'failed';
  }
  return 'ok';
};

interface EvalReport extends BaseReport {
  policy: { kind: string; version: string | null; model: string; requests: number; samples_from_cache: number };
  judge: Record<string, unknown>;
  eval: EvalJson | null;
  batch: { file: string; requests: number; server: 'policy' | 'judge' } | null;
}

/** One condition a prompt is asked under: a goal (its score and text) or none (the baseline). */
interface Condition {
  goal: number | null;
  text: string | null;
}

/** A verdict that could not be read: that answer is set aside, with the judge's raw output. */
interface Unread {
  error: RowError;
  rawText?: string;
}

/** A prompt evaluated: its answers and their raw verdicts per condition, or why it has none. */
interface Evaluated {
  record: SourceRecord & { judgeOutput?: string };
  prompt?: Message[];
  answers?: string[][];
  verdicts?: Array<Array<number[] | Unread>>;
  error?: RowError;
  pending?: boolean;
  /** Why the chat template lost the goal in this prompt (null: it kept it; undefined: no template). */
  notRendered?: string | null;
}

async function runEval(
  config: EvalConfig,
  judge: JudgeRunConfig,
  policy: ServerSessionConfig,
  params: SamplingParams,
  io: Io,
  logger: Logger,
): Promise<EvalRun | null> {
  // A run that writes the policy's batch judges nothing: the judge is not asked whether it is there.
  const judgeConfig = policy.emitBatch ? { ...judge, server: { ...judge.server, preflight: false } } : judge;
  const judgeSession = await JudgeSession.open(judgeConfig, io, logger);
  let evaluation: EvalRun;
  try {
    const session = await ServerSession.open(policy, io, logger, judgeSession.needsFit);
    try {
      evaluation = new EvalRun(config, session, judgeSession, params, io, logger);
      await evaluation.loadTemplate();
    } catch (err) {
      await session.close();
      throw err;
    }
  } catch (err) {
    await judgeSession.close();
    throw err;
  }
  try {
    await runRows<EvalReport>(config, evaluation.counts, evaluation.stage(), io, logger);
  } catch (err) {
    // -o empty because every prompt was set aside: the rejects and the report are published; say it as eval.
    if (err instanceof RadpoError && err.code === 'nothing_written') throw evaluation.nothingEvaluated();
    throw err;
  }
  // Without -o nothing checks for an empty run: no prompt evaluated is no figure, a failed run.
  if (evaluation.evaluated === 0 && !evaluation.emitting) throw evaluation.nothingEvaluated();
  return evaluation;
}

/** Above this share of answers set aside (unreadable verdicts), the figures may lean on the easy ones: a warning. */
const ANSWERS_ASIDE_WARN = 0.1;

/** The prompts whose judged scores broke the goal's order, kept for the page: the worst few, bounded. */
const BROKEN_KEPT = 20;

class EvalRun {
  readonly counts = new RunCounts();
  warnings: EvalWarning[] = [];
  private readonly sampler: Sampler;
  private readonly progress: Progress;
  private readonly conditions: Condition[];
  private readonly accumulator: EvalAccumulator;
  private figures: EvalFigures | null = null;
  evaluated = 0;
  private pending = 0;
  private broken: BrokenPrompt[] = [];
  private render: ((messages: Message[]) => string) | null = null;
  private notRendered: { prompts: number; first: string | null } = { prompts: 0, first: null };
  /** Answers whose verdict could not be read, by reason: set aside, their prompts still evaluated. */
  private readonly answersSetAside = new Map<string, number>();
  private readonly sampling: Record<string, unknown>;

  constructor(
    private readonly config: EvalConfig,
    private readonly policy: ServerSession,
    private readonly judge: JudgeSession,
    params: SamplingParams,
    private readonly io: Io,
    private readonly logger: Logger,
  ) {
    this.sampler = new Sampler(policy, params);
    policy.readBatches((text) => this.sampler.importBatch(text), logger);
    this.progress = new Progress(io, config.quiet);
    const spec = readGoalSpec({ scale: config.scale, goalTemplate: config.goalTemplate }, config.attributes);
    const text = (goal: number) => goalText(spec, config.attributes ? config.attributes.map(() => goal) : [goal]);
    this.conditions = [
      ...config.goals.map((goal) => ({ goal, text: text(goal) })),
      ...(config.baseline ? [{ goal: null, text: null }] : []),
    ];
    this.accumulator = new EvalAccumulator({
      goals: config.goals,
      baseline: config.baseline,
      bootstrap: config.bootstrap,
      seed: config.seed,
    });
    this.sampling = { ...samplingRecord(params), placement: config.placement };
  }

  /** --chat-template: the policy's template, to see whether the goal survives rendering. */
  async loadTemplate(): Promise<void> {
    if (!this.config.chatTemplate) return;
    // The template engine loads only when a template is given.
    const { loadChatTemplate, Renderer } = await import('../../templates/chat-template.js');
    const renderer = new Renderer(loadChatTemplate(this.config.chatTemplate));
    this.render = (messages) => renderer.render(messages, true);
  }

  get emitting(): boolean {
    return this.policy.mode.emit || this.judge.server.mode.emit;
  }

  stage(): RowsStage<EvalReport> {
    const { config } = this;
    return {
      command: 'eval',
      noun: 'prompts',
      noRows: !config.writeRows || this.emitting,
      run: async (out, policy) => {
        if (this.judge.needsFit && !this.emitting) {
          // A fitted reward mapping needs every reward first: a pass that only collects (all cached after it).
          for (const input of config.inputs) await this.evaluateInput(input, null, policy);
          this.judge.fit();
        }
        for (const input of config.inputs) await this.evaluateInput(input, out, policy);
        this.progress.done();
      },
      report: (base) => this.report(base),
      beforeCommit: async (out) => {
        if (this.policy.pending.size > 0) await this.policy.writeBatch((path) => out.file(path));
        else if (this.judge.server.mode.emit) await this.judge.server.writeBatch((path) => out.file(path));
        // No prompt evaluated: the rejects and the report still publish (they say why), then the run fails.
        if (this.emitting || this.evaluated === 0) return;
        if (config.html && this.figures) {
          const sink = await out.file(config.html);
          await sink.write(renderPage(this.json()!, this.broken, this.config));
        }
      },
      afterCommit: async () => {
        const json = this.json();
        if (config.json && json) this.io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      },
      summary: (report, seconds) => this.summary(report, seconds),
      warnings: () => {
        // Warnings name files and quote templates' errors: control characters are written out, never obeyed.
        for (const w of this.warnings) this.logger.warn(terminalSafe(`${w.code}: ${w.message}`));
      },
      close: async () => {
        this.progress.done();
        await this.policy.close();
        await this.judge.close();
      },
    };
  }

  private async evaluateInput(input: string, out: RunOutput | null, policy: RowPolicy): Promise<void> {
    const { name, records } = await openInput(input, this.config, this.io);
    const isJsonFile = isJsonFileName(name);
    const window = Math.max(1, Math.floor(this.policy.window / this.conditions.length));
    for await (const batch of orderedWindow(records, window, (raw) => this.evaluateOne(raw, isJsonFile))) {
      if (this.io.signal?.aborted)
        throw new RadpoError(
          'interrupted',
          'interrupted; every answer and verdict so far is in the cache; nothing was written under a final name',
        );
      for (const evaluated of batch) {
        if (out) await this.write(evaluated, out, policy);
        else this.collect(evaluated);
      }
      this.progress.update(
        (seconds) =>
          `radpo eval: ${counted(this.counts.rowsRead, 'prompt')}, ` +
          `${counted(this.sampler.stats.requested, 'policy request')}, ` +
          `${formatCount(this.judge.judge.stats.judged)} judged ` +
          `(${(this.counts.rowsRead / seconds).toFixed(1)} prompts/s)`,
      );
    }
  }

  /** One prompt: every condition sampled, every answer judged against the prompt without its goal. */
  private async evaluateOne(raw: SourceRecord, isJsonFile: boolean): Promise<Evaluated> {
    const record = parseJsonRecord(raw, isJsonFile);
    if (record.error) return { record, error: record.error };
    try {
      const { promptPath, placement } = this.config;
      const prompt = policyPrompt(record.value, promptPath);
      const asked = this.conditions.map((c) => (c.text === null ? prompt : placeGoal(prompt, c.text, placement)));
      const notRendered = this.renderCheck(asked, prompt);
      const samples = await Promise.all(asked.map((messages) => this.sampler.sample(messages)));
      const failed = samples.find((s): s is Exclude<Samples, { ok: true }> => !s.ok);
      if (failed?.reason === 'batch_pending' || samples.some((s) => !s.ok && s.reason === 'batch_pending'))
        return { record, pending: true };
      if (failed) return { record, error: new RowError(failed.reason, failed.message, { field: 'responses' }) };
      const answers = samples.map((s) => (s as Extract<Samples, { ok: true }>).responses);
      const verdicts = await Promise.all(
        answers.map((list) =>
          Promise.all(list.map((a) => this.judge.judge.judge(prompt, asMessages(a, 'assistant', 'responses')))),
        ),
      );
      if (verdicts.flat().some((v) => !v.ok && v.reason === 'batch_pending')) return { record, pending: true };
      // A verdict that cannot be read loses that answer only: the prompt's other answers still count.
      const read = verdicts.map((list, c) =>
        list.map((v: Verdict, k): number[] | Unread => {
          if (v.ok) return v.scores;
          const reason = v.reason as Exclude<typeof v.reason, 'batch_pending'>;
          const field = `responses[${c * this.config.samples + k}]`;
          return { error: new RowError(reason, v.message, { field }), rawText: v.rawText };
        }),
      );
      return { record, prompt, answers, verdicts: read, notRendered };
    } catch (err) {
      if (err instanceof RowError) return { record, error: err };
      throw err;
    }
  }

  /** With --chat-template: does the rendered prompt of each goal contain its goal text, byte for byte? */
  private renderCheck(asked: Message[][], prompt: Message[]): string | null | undefined {
    if (!this.render) return undefined;
    for (const [i, condition] of this.conditions.entries()) {
      if (condition.text === null) continue;
      let rendered: string;
      try {
        rendered = this.render(asked[i]!);
      } catch (err) {
        return `the template raised: ${(err as Error).message}`;
      }
      if (!rendered.includes(condition.text)) {
        const question = typeof prompt.at(-1)?.content === 'string' ? String(prompt.at(-1)!.content) : '';
        const kept = question !== '' && rendered.includes(question) ? 'the question is there, the goal is not' : '';
        return `the rendered prompt does not contain the goal text${kept ? ` (${kept})` : ''}`;
      }
    }
    return null;
  }

  /** First pass of a fitted reward mapping: the raw rewards only. */
  private collect(e: Evaluated): void {
    if (!e.verdicts) return;
    for (const list of e.verdicts) for (const v of list) if (Array.isArray(v)) this.judge.rawRewards.push(v[0]!);
  }

  /** A verdict on the goal scale; one that is not a finite number sets its answer aside (as score does). */
  private goalScores(raw: number[] | Unread, field: string): number[] | Unread {
    if (!Array.isArray(raw)) return raw;
    const scores = raw.map((x) => this.judge.toGoal(x));
    const bad = scores.findIndex((x) => !Number.isFinite(x));
    if (bad < 0) return scores;
    const { judge } = this.judge.config;
    const message = `the ${judge.kind} judge ${judge.model} gave a score that is not finite`;
    return {
      error: new RowError('judge_unparseable', message, {
        field,
        expected: 'a finite number',
        found: `${raw[bad]} (on the goal scale: ${scores[bad]})`,
      }),
    };
  }

  private async write(e: Evaluated, out: RunOutput, policy: RowPolicy): Promise<void> {
    const { counts, config } = this;
    counts.rowsRead += 1;
    if (e.record.duplicateKey) counts.addDuplicateKey({ key: e.record.duplicateKey, location: e.record.location });
    if (e.pending) {
      this.pending += 1;
      return;
    }
    if (e.error) {
      e.error.location ??= e.record.location;
      await policy.setAside(e.record, e.error);
      return;
    }
    const judged = e.verdicts!.map((list, c) =>
      list.map((v, k) => this.goalScores(v, `responses[${c * config.samples + k}]`)),
    );
    const unread = judged.flat().filter((v): v is Unread => !Array.isArray(v));
    if (unread.length === judged.flat().length) {
      // Not one answer judged: the prompt itself is set aside, with the first reason.
      await policy.setAside({ ...e.record, judgeOutput: unread[0]!.rawText }, unread[0]!.error);
      return;
    }
    // The answers whose verdict could not be read: each in the rejects with its reason, the rest evaluated.
    const scores: number[][][] = [];
    const answers: string[][] = [];
    for (const [c, list] of judged.entries()) {
      scores.push([]);
      answers.push([]);
      for (const [k, v] of list.entries()) {
        if (Array.isArray(v)) {
          scores[c]!.push(v);
          answers[c]!.push(e.answers![c]![k]!);
          continue;
        }
        v.error.location ??= e.record.location;
        const answer = { answer: c * config.samples + k, goal: this.conditions[c]!.goal };
        await policy.setAsidePart({ ...e.record, judgeOutput: v.rawText }, v.error, answer);
        this.answersSetAside.set(v.error.reason, (this.answersSetAside.get(v.error.reason) ?? 0) + 1);
      }
    }
    if (e.notRendered) {
      this.notRendered.prompts += 1;
      this.notRendered.first ??= `${e.record.location.source}:${e.record.location.line}: ${e.notRendered}`;
    }
    // One number per answer for the figures: the score, or the mean of a multi-attribute rubric's scores.
    const single = scores.map((list) => list.map((s) => s.reduce((a, b) => a + b, 0) / s.length));
    const G = config.goals.length;
    const promptScores: PromptScores = {
      goals: single.slice(0, G),
      baseline: config.baseline ? single[G]! : null,
    };
    const { rho } = this.accumulator.add(promptScores);
    this.keepBroken(e, rho, single, answers);
    this.evaluated += 1;
    if (!config.writeRows || this.emitting) return;
    const attributes = this.judge.config.judge.kind === 'chat' ? this.judge.config.judge.rubric.attributes : null;
    // A new dataset, not the input's rows: the input's other columns describe other answers (a pair's
    // chosen, rejected and their scores), which pairs, audit and inspect would read in place of these.
    // Its id (as generate carries it) and its prompt, as `prompt` wherever --prompt-col found it, stay.
    const idPath = defaultIdColumn(e.record.value);
    const written = out.add({
      ...(idPath ? { [idPath[0]!]: getPath(e.record.value, idPath) } : {}),
      prompt: getPath(e.record.value, config.promptPath),
      responses: answers.flat(),
      scores: scores.flat().map((s) => (attributes ? Object.fromEntries(attributes.map((a, i) => [a, s[i]])) : s[0])),
      goals: this.conditions.flatMap((c, i) => new Array<number | null>(answers[i]!.length).fill(c.goal)),
      sampling: this.sampling,
    });
    if (written) await written;
    counts.rowsWritten += 1;
  }

  /** Keep the prompts whose scores fall as the goal rises (ρ below 0, or 0), the worst first, at most BROKEN_KEPT. */
  private keepBroken(e: Evaluated, rho: number | null, single: number[][], answers: string[][]): void {
    if (rho === null || rho > 0) return;
    const worst = this.broken.at(-1);
    if (this.broken.length >= BROKEN_KEPT && worst && worst.rho <= rho) return;
    const last = e.prompt!.at(-1)?.content;
    this.broken.push({
      location: `${e.record.location.source}:${e.record.location.line}`,
      prompt: typeof last === 'string' ? last : JSON.stringify(last),
      rho,
      answers: this.conditions.flatMap((c, i) =>
        answers[i]!.map((text, k) => ({ goal: c.goal, score: single[i]![k]!, text })),
      ),
    });
    this.broken.sort((a, b) => a.rho - b.rho);
    if (this.broken.length > BROKEN_KEPT) this.broken.length = BROKEN_KEPT;
  }

  /** No prompt evaluated (the run fails after the rejects and the report are published): why, and where to look. */
  nothingEvaluated(): RadpoError {
    const { counts, config } = this;
    const inputs = config.inputs.map((i) => (i === '-' ? '<stdin>' : i)).join(', ');
    if (counts.rowsRead === 0)
      return new RadpoError('nothing_written', `no prompt was evaluated: ${inputs} held no records`, 'check the input');
    if (this.pending > 0)
      return new RadpoError(
        'nothing_written',
        `no prompt was evaluated: ${counted(this.pending, 'prompt')} still wait for batch results`,
        'pass the batch results with --from-batch / --policy-from-batch, or --live-fallback',
      );
    const why = Object.entries(setAsideReport(counts).by_reason)
      .map(([reason, count]) => `${formatCount(count)} ${reason}`)
      .join(', ');
    const where =
      config.rejects === undefined
        ? 'pass --rejects FILE to see each prompt with its reason'
        : config.rejects === '-'
          ? 'see the rejects on stdout'
          : `see ${config.rejects} for each prompt with its reason`;
    const all = counts.rowsRead === 1 ? 'the one prompt was' : `all ${formatCount(counts.rowsRead)} prompts were`;
    return new RadpoError('nothing_written', `no prompt was evaluated: ${all} set aside: ${why}`, where);
  }

  private json(): EvalJson | null {
    return this.figures ? evalJson(this.figures, this.warnings, this.config, this.setAsideAnswers()) : null;
  }

  private setAsideAnswers(): AnswersSetAside {
    const byReason = Object.fromEntries([...this.answersSetAside].sort(([a], [b]) => (a < b ? -1 : 1)));
    return { total: Object.values(byReason).reduce((a, b) => a + b, 0), by_reason: byReason };
  }

  private report(base: BaseReport): EvalReport {
    const { policy, sampler, judge, config } = this;
    if (!this.emitting && this.pending === 0 && this.evaluated > 0) {
      this.figures = this.accumulator.figures();
      this.warnings = evalWarnings(this.figures);
      const aside = this.setAsideAnswers().total;
      const judged = aside + this.figures.goals.reduce((a, g) => a + g.answers, this.figures.baseline?.answers ?? 0);
      if (aside / judged > ANSWERS_ASIDE_WARN)
        this.warnings.push({
          code: 'answers_set_aside',
          message:
            `${counted(aside, 'answer')} of ${formatCount(judged)} set aside (their verdict could not be read): ` +
            'the figures rest on the rest — see the judge (radpo score --limit 5 shows its answers) and --rejects',
        });
      if (this.notRendered.prompts > 0)
        this.warnings.push({
          code: 'goal_not_rendered',
          message:
            `the chat template ${config.chatTemplate} loses the goal in ` +
            `${counted(this.notRendered.prompts, 'prompt')} ` +
            `of ${this.evaluated} (first: ${this.notRendered.first}): at inference the model never sees the goal ` +
            'it was trained on — check the placement (radpo check shows it)',
        });
    }
    const batch =
      policy.pending.size > 0
        ? { file: policy.config.emitBatch!, requests: policy.pending.size, server: 'policy' as const }
        : judge.server.mode.emit
          ? { file: judge.config.server.emitBatch!, requests: judge.server.pending.size, server: 'judge' as const }
          : null;
    return {
      ...base,
      policy: {
        kind: policy.profile.kind,
        version: policy.profile.version,
        model: policy.config.model,
        requests: sampler.stats.requested,
        samples_from_cache: sampler.stats.cached,
      },
      judge: judge.report(),
      eval: this.json(),
      batch,
    };
  }

  private summary(report: EvalReport, seconds: number): string {
    const { batch } = report;
    if (batch) {
      const flag = batch.server === 'policy' ? '--policy-from-batch' : '--from-batch';
      return (
        `radpo eval: ${counted(batch.requests, `${batch.server} request`)} written to ${batch.file}; ` +
        `run them, then: radpo eval … ${flag} RESULTS.jsonl\n`
      );
    }
    const j = report.judge;
    const head =
      `radpo eval: ${counted(report.rows_read, 'prompt')} read, ${formatCount(this.evaluated)} evaluated, ` +
      `${formatCount(report.set_aside.total)} set aside in ${seconds.toFixed(1)}s\n` +
      `  policy: ${report.policy.model} (${report.policy.kind}); ${formatCount(report.policy.requests)} requests, ` +
      `${formatCount(report.policy.samples_from_cache)} samples from the cache\n` +
      `  judge: ${String(j.kind)} ${String(j.model)}; ${String(j.http_requests)} requests, ` +
      `${String(j.cache_hits)} cache hits\n`;
    return this.figures ? `${head}\n${renderTable(this.figures, this.config, this.setAsideAnswers())}` : head;
  }
}
