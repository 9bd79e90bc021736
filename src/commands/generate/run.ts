/**
 * `radpo generate`: N responses per prompt from a policy server; one row per prompt out, with
 * `responses` and the `sampling` parameters. Resumable: every sample is cached as it arrives.
 */
import type { RunCommand } from '../../cli/command.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import { checkOutputPaths, resolveInputs, runConfig, stdinReadOnce } from '../../cli/rules.js';
import { POLICY_SERVER, serverFiles, serverSessionConfig } from '../../cli/server-config.js';
import { requireId } from '../../core/response-lists.js';
import { RadpoError, RowError } from '../../core/errors.js';
import { goalText, type Placement, placeGoal } from '../../core/goal.js';
import { policyPrompt } from '../../core/pair.js';
import { getPath, type Path } from '../../core/path.js';
import type { Io } from '../../io/io.js';
import { type Logger, runLogger } from '../../io/log.js';
import { parseJsonRecord, type SourceRecord } from '../../io/records.js';
import type { RunConfig } from '../../pipeline/config.js';
import { isJsonFileName, openInput } from '../../pipeline/inputs.js';
import { Progress } from '../../pipeline/progress.js';
import type { RowPolicy } from '../../pipeline/row-policy.js';
import type { RunOutput } from '../../pipeline/run-output.js';
import { type RowsStage, runRows } from '../../pipeline/run-rows.js';
import type { BaseReport } from '../../pipeline/summary.js';
import { RunCounts } from '../../pipeline/summary.js';
import { counted, formatCount } from '../../pipeline/text.js';
import type { SamplingParams } from '../../sampler/params.js';
import { Sampler, type Samples } from '../../sampler/sampler.js';
import { orderedWindow } from '../../server/ordered.js';
import { ServerSession, type ServerSessionConfig } from '../../server/session.js';
import { generateSettings } from './config.js';
import type { generateFlags } from './flags.js';

interface GenerateConfig extends RunConfig {
  server: ServerSessionConfig;
  params: SamplingParams;
  promptPath: Path;
  /** --id-col: every prompt row's id, carried with it (relabel writes it as source_id). */
  idCol?: Path;
  /** The training goal text asked for (--goal-score), and where it goes. */
  goal: { text: string; placement: Placement } | null;
  /** What the rows carry as `sampling`. */
  sampling: Record<string, unknown>;
}

interface GenerateReport extends BaseReport {
  server: { kind: string; version: string | null };
  sampling: Record<string, unknown>;
  requests: number;
  samples_from_cache: number;
  batch: { file: string; requests: number } | null;
}

export const run: RunCommand<typeof generateFlags> = async (args, flags, ctx) => {
  const { io } = ctx;
  const target = {
    url: flags.policyUrl,
    model: flags.policyModel,
    server: flags.policyServer,
    keyEnv: flags.policyApiKeyEnv,
  };
  const server = serverSessionConfig(POLICY_SERVER, target, flags, io, 'radpo generate');
  const settings = generateSettings(flags, server.model);
  const inputs = resolveInputs(args, io, ctx.help);
  if (!inputs) return 'usage';
  stdinReadOnce(inputs);
  const files = serverFiles(server);
  await checkOutputPaths(
    [...inputs, ...files.inputs],
    [
      ['-o', server.emitBatch ? undefined : flags.output],
      ['--rejects', flags.rejects],
      ['--report', flags.report],
      ...files.outputs,
    ],
  );
  const config: GenerateConfig = {
    ...runConfig(inputs, flags, ctx.version),
    server,
    params: settings.params,
    promptPath: settings.promptPath,
    idCol: flags.idCol,
    // The goal text of training, exactly: what a reward-augmented policy is asked for at inference.
    goal: settings.goal && {
      text: goalText(readGoalSpec(flags, null), [settings.goal.score]),
      placement: settings.goal.placement,
    },
    sampling: settings.sampling,
  };
  await runGenerate(config, io, runLogger(io, flags));
  return 'ok';
};

/** A prompt row with its samples, or the reason it has none. */
interface Sampled {
  record: SourceRecord;
  samples?: Samples;
  error?: RowError;
}

async function runGenerate(config: GenerateConfig, io: Io, logger: Logger): Promise<GenerateReport> {
  const session = await ServerSession.open(config.server, io, logger);
  let generate: GenerateRun;
  try {
    generate = new GenerateRun(config, session, io, logger);
  } catch (err) {
    await session.close();
    throw err;
  }
  return runRows<GenerateReport>(config, generate.counts, generate.stage(), io, logger);
}

/** One generate run while prompts flow: each prompt's samples, in input order, at most a window in flight. */
class GenerateRun {
  readonly counts = new RunCounts();
  private readonly sampler: Sampler;
  private readonly progress: Progress;

  constructor(
    private readonly config: GenerateConfig,
    private readonly session: ServerSession,
    private readonly io: Io,
    logger: Logger,
  ) {
    this.sampler = new Sampler(session, config.params);
    session.readBatches((text) => this.sampler.importBatch(text), logger);
    this.progress = new Progress(io, config.quiet);
  }

  stage(): RowsStage<GenerateReport> {
    const { session, config } = this;
    return {
      command: 'generate',
      noun: 'prompts',
      noRows: session.mode.emit,
      run: async (out, policy) => {
        for (const input of config.inputs) await this.sampleInput(input, out, policy);
        this.progress.done();
      },
      beforeCommit: (out) => session.writeBatch((path) => out.file(path)),
      report: (base) => this.report(base),
      summary: (report, seconds) => this.summary(report, seconds),
      close: async () => {
        this.progress.done();
        await session.close();
      },
    };
  }

  /** One prompt's samples (or why it has none): cached ones first, the rest from the server. */
  private async sampleOne(raw: SourceRecord, isJsonFile: boolean): Promise<Sampled> {
    const record = parseJsonRecord(raw, isJsonFile);
    if (record.error) return { record, error: record.error };
    try {
      const { promptPath, goal, idCol } = this.config;
      // A named id column is checked before the policy is asked: a row without its id costs no request.
      if (idCol) requireId(getPath(record.value, idCol), idCol);
      const prompt = policyPrompt(record.value, promptPath);
      const asked = goal ? placeGoal(prompt, goal.text, goal.placement) : prompt;
      return { record, samples: await this.sampler.sample(asked) };
    } catch (err) {
      if (err instanceof RowError) return { record, error: err };
      throw err;
    }
  }

  private async sampleInput(input: string, out: RunOutput, policy: RowPolicy): Promise<void> {
    const { io, counts, sampler } = this;
    const { name, records } = await openInput(input, this.config, io);
    const isJsonFile = isJsonFileName(name);
    for await (const batch of orderedWindow(records, this.session.window, (raw) => this.sampleOne(raw, isJsonFile))) {
      if (io.signal?.aborted)
        throw new RadpoError(
          'interrupted',
          'interrupted; every sample so far is in the cache; no output was written under the final name',
        );
      for (const sampled of batch) await this.write(sampled, out, policy);
      this.progress.update(
        (seconds) =>
          `radpo generate: ${formatCount(counts.rowsRead)} prompts, ${formatCount(sampler.stats.requested)}` +
          ` requests, ${formatCount(sampler.stats.cached)} samples cached ` +
          `(${(counts.rowsRead / seconds).toFixed(1)} prompts/s)`,
      );
    }
  }

  /** The prompt's row with its responses, or the prompt set aside with its reason. */
  private async write({ record, samples, error }: Sampled, out: RunOutput, policy: RowPolicy): Promise<void> {
    const { counts } = this;
    counts.rowsRead += 1;
    if (record.duplicateKey) counts.addDuplicateKey({ key: record.duplicateKey, location: record.location });
    if (samples && !samples.ok && samples.reason === 'batch_pending') return;
    let failure = error ?? null;
    if (!failure && samples && !samples.ok && samples.reason !== 'batch_pending')
      failure = new RowError(samples.reason, samples.message, { field: 'responses' });
    if (failure || !samples?.ok) {
      const reason = failure ?? new RowError('policy_failed', 'no samples', { field: 'responses' });
      reason.location ??= record.location;
      await policy.setAside(record, reason);
      return;
    }
    const value = record.value as Record<string, unknown>;
    const written = out.add({ ...value, responses: samples.responses, sampling: this.config.sampling });
    if (written) await written;
    counts.rowsWritten += 1;
  }

  private report(base: BaseReport): GenerateReport {
    const { session, sampler, config } = this;
    return {
      ...base,
      server: { kind: session.profile.kind, version: session.profile.version },
      sampling: config.sampling,
      requests: sampler.stats.requested,
      samples_from_cache: sampler.stats.cached,
      batch: session.mode.emit ? { file: config.server.emitBatch!, requests: session.pending.size } : null,
    };
  }

  private summary(report: GenerateReport, seconds: number): string {
    if (report.batch)
      return (
        `radpo generate: ${counted(report.batch.requests, 'sample request')} written to ${report.batch.file}; ` +
        'run them, then: radpo generate … --from-batch RESULTS.jsonl\n'
      );
    return (
      `radpo generate: ${counted(report.rows_read, 'prompt')} read, ${counted(report.rows_written, 'row')} ` +
      `written with ${this.config.params.n} responses each in ${seconds.toFixed(1)}s; ${report.server.kind} server, ` +
      `${formatCount(report.requests)} requests, ${formatCount(report.samples_from_cache)} samples from the ` +
      `cache; set aside: ${report.set_aside.total}\n`
    );
  }
}
