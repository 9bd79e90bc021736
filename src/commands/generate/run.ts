/**
 * `radpo generate`: N responses per prompt from a policy server; one row per prompt out, with
 * `responses` and the `sampling` parameters. Resumable: every sample is cached as it arrives.
 */
import { join } from 'node:path';
import type { RunCommand } from '../../cli/command.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import {
  checkOutputPaths,
  commonRunConfig,
  errorPolicyRules,
  outputRules,
  resolveInputs,
  stdinReadOnce,
} from '../../cli/rules.js';
import { RadpoError, RowError, usageError } from '../../core/errors.js';
import { goalText, placeGoal } from '../../core/goal.js';
import { asMessages } from '../../core/pair.js';
import { getPath } from '../../core/path.js';
import { parseScore } from '../../core/scores.js';
import { runLogger } from '../../io/log.js';
import { readBatchFile } from '../../judge/session.js';
import { writeJsonLines } from '../../io/output.js';
import { parseJsonRecord, type SourceRecord } from '../../io/records.js';
import { memoryCache, sqliteCache, type JudgementCache } from '../../judge/cache.js';
import { JudgeHttp } from '../../judge/http.js';
import type { Logger } from 'pino';
import { orderedWindow } from '../../judge/ordered.js';
import { Sampler, type Samples, type SamplingParams } from '../../judge/sampler.js';
import { plainProfile, preflight, type ServerProfile } from '../../judge/servers.js';
import { isJsonFileName, openInput } from '../../pipeline/inputs.js';
import { Progress } from '../../pipeline/progress.js';
import { RowPolicy } from '../../pipeline/row-policy.js';
import { RunOutput } from '../../pipeline/run-output.js';
import { nothingWrittenError, RunCounts, setAsideReport } from '../../pipeline/summary.js';
import { counted, formatCount } from '../../pipeline/text.js';
import type { generateFlags } from './flags.js';

export const run: RunCommand<typeof generateFlags> = async (args, o, ctx) => {
  const { io } = ctx;
  // --emit-batch sends nothing: the lines only need the route, so no server is required.
  const url = o.policyUrl ?? io.env.RADPO_POLICY_URL ?? (o.emitBatch ? 'http://localhost/v1' : undefined);
  if (!url)
    throw usageError(
      'radpo generate needs a policy server: pass --policy-url (e.g. http://localhost:8000/v1) or set RADPO_POLICY_URL',
    );
  if (!o.policyModel) throw usageError('radpo generate needs --policy-model NAME (the model the server serves)');
  if (o.samples < 1) throw usageError('-n must be at least 1');
  const inputs = resolveInputs(args, io, ctx.help);
  if (!inputs) return 'usage';
  stdinReadOnce(inputs);
  errorPolicyRules(o);
  outputRules(o);
  const cachePath = o.cache === null ? null : (o.cache ?? join(io.cwd, '.radpo-cache.sqlite'));
  if (o.liveFallback && o.fromBatch.length === 0) throw usageError('--live-fallback goes with --from-batch');
  await checkOutputPaths(
    [...inputs, ...o.fromBatch],
    [
      ['-o', o.emitBatch ? undefined : o.output],
      ['--rejects', o.rejects],
      ['--report', o.report],
      ['--emit-batch', o.emitBatch],
      ['--cache', cachePath ?? undefined],
    ],
  );
  const goal = goalFor(o);
  const logger = runLogger(io, o);
  const config = commonRunConfig(
    inputs,
    {
      ...o,
      schema: undefined,
      promptCol: o.promptCol,
      chosenCol: undefined,
      rejectedCol: undefined,
      systemCol: undefined,
      maxLineBytes: 64 << 20,
    },
    ctx.version,
  );
  const http = new JudgeHttp({
    timeoutMs: o.timeout * 1000,
    maxRetries: o.maxRetries,
    concurrency: Math.max(1, o.concurrency),
    apiKey: io.env.RADPO_POLICY_API_KEY || io.env.OPENAI_API_KEY || undefined,
    signal: io.signal,
  });
  const cache = cachePath ? await sqliteCache(cachePath) : memoryCache(o.fromBatch.length > 0);
  const offline = o.emitBatch !== undefined || (o.fromBatch.length > 0 && !o.liveFallback);
  const counts = new RunCounts();
  const progress = new Progress(io, o.quiet);
  let out: RunOutput | null = null;
  const started = Date.now();
  try {
    const server =
      o.preflight && !offline
        ? await preflight(http, url, o.policyModel, o.policyServer, (m) => logger.warn(m))
        : plainProfile(o.policyServer === 'auto' ? 'openai' : o.policyServer);
    const params = {
      model: o.policyModel,
      n: o.samples,
      temperature: o.temperature,
      topP: o.topP,
      maxTokens: o.maxTokens,
      seed: o.seed,
    };
    const sampler = openSampler(o, url, params, server, http, cache, logger);
    const sampling = {
      model: o.policyModel,
      n: o.samples,
      temperature: o.temperature,
      top_p: o.topP,
      max_tokens: o.maxTokens,
      seed: o.seed,
      ...(o.goalScore !== undefined ? { goal_score: o.goalScore, placement: o.placement } : {}),
    };
    out = await RunOutput.open(
      {
        output: o.output,
        outputFormat: o.outputFormat,
        rejects: o.rejects,
        report: o.report,
        noRows: o.emitBatch !== undefined,
      },
      io,
    );
    const policy = new RowPolicy(config, counts, out.rejects);
    const promptPath = o.promptCol ?? ['prompt'];
    for (const input of inputs) {
      const { name, records } = await openInput(input, config, io);
      const one = async (raw: SourceRecord): Promise<{ record: SourceRecord; samples?: Samples; error?: RowError }> => {
        const record = parseJsonRecord(raw, isJsonFileName(name));
        if (record.error) return { record, error: record.error };
        try {
          const prompt = asMessages(getPath(record.value, promptPath), 'user', promptPath.join('.'));
          return {
            record,
            samples: await sampler.sample(goal === null ? prompt : placeGoal(prompt, goal, o.placement)),
          };
        } catch (err) {
          if (err instanceof RowError) return { record, error: err };
          throw err;
        }
      };
      for await (const batch of orderedWindow(records, Math.max(32, o.concurrency * 4), one)) {
        if (io.signal?.aborted)
          throw new RadpoError(
            'interrupted',
            'interrupted; every sample so far is in the cache; no output was written under the final name',
          );
        for (const { record, samples, error } of batch) {
          counts.rowsRead += 1;
          if (samples && !samples.ok && samples.reason === 'batch_pending') continue;
          const failure =
            error ??
            (samples && !samples.ok && samples.reason !== 'batch_pending'
              ? new RowError(samples.reason, samples.message, { field: 'responses' })
              : null);
          if (failure) {
            failure.location ??= record.location;
            await policy.setAside(record, failure);
            continue;
          }
          const w = out.add({
            ...(record.value as Record<string, unknown>),
            responses: (samples as Extract<Samples, { ok: true }>).responses,
            sampling,
          });
          if (w) await w;
          counts.rowsWritten += 1;
        }
        progress.update(
          (seconds) =>
            `radpo generate: ${formatCount(counts.rowsRead)} prompts, ${formatCount(sampler.stats.requested)}` +
            ` requests, ${formatCount(sampler.stats.cached)} samples ` +
            `cached (${(counts.rowsRead / seconds).toFixed(1)} prompts/s)`,
        );
      }
    }
    progress.done();
    if (o.emitBatch) await writeJsonLines(o.emitBatch, sampler.batch.values());
    await out.finish();
    const report = {
      command: 'generate',
      radpo_version: ctx.version,
      server: { kind: server.kind, version: server.version },
      sampling,
      prompts_read: counts.rowsRead,
      rows_written: counts.rowsWritten,
      requests: sampler.stats.requested,
      samples_from_cache: sampler.stats.cached,
      set_aside: setAsideReport(counts),
    };
    const empty = counts.rowsWritten === 0 && !o.allowEmptyOutput && !o.emitBatch;
    await out.commit(report, { rows: !empty });
    if (!o.quiet && o.emitBatch)
      io.stderr.write(
        `radpo generate: ${counted(sampler.batch.size, 'sample request')} written to ${o.emitBatch}; run them, ` +
          `then: radpo generate … --from-batch RESULTS.jsonl\n`,
      );
    else if (!o.quiet)
      io.stderr.write(
        `radpo generate: ${counted(counts.rowsRead, 'prompt')} read, ${counted(counts.rowsWritten, 'row')} written ` +
          `with ${o.samples} responses ` +
          `each in ${((Date.now() - started) / 1000).toFixed(1)}s; ${server.kind}` +
          ` server, ${formatCount(sampler.stats.requested)}` +
          ` requests, ${formatCount(sampler.stats.cached)} samples ` +
          `from the cache; set aside: ${report.set_aside.total}\n`,
      );
    if (empty) throw nothingWrittenError(counts, inputs, o.rejects);
    return 'ok';
  } finally {
    progress.done();
    await out?.close();
    await http.close();
    cache.close();
  }
};

type GenerateFlags = Parameters<typeof run>[1];

/**
 * The goal text of training, exactly: what a reward-augmented policy is asked for at inference (null without
 * --goal-score).
 */
function goalFor(o: GenerateFlags): string | null {
  if (o.goalScore === undefined) return null;
  const spec = readGoalSpec(o, null);
  try {
    parseScore(o.goalScore, '--goal-score', spec.scale);
  } catch {
    throw usageError(
      `--goal-score ${o.goalScore} is outside the scale ${spec.scale.min}-${spec.scale.max}`,
      'pass --scale MIN-MAX as in training',
    );
  }
  return goalText(spec, [o.goalScore]);
}

/** The sampler, set for batch files: emitting them, or reading their answers into the cache first. */
function openSampler(
  o: GenerateFlags,
  url: string,
  params: SamplingParams,
  server: ServerProfile,
  http: JudgeHttp,
  cache: JudgementCache,
  logger: Logger,
): Sampler {
  const sampler = new Sampler(url, params, server, http, cache, Math.max(1, o.concurrency));
  sampler.emitOnly = o.emitBatch !== undefined;
  sampler.offline = o.fromBatch.length > 0 && !o.liveFallback;
  for (const file of o.fromBatch) readBatchFile(file, (text) => sampler.importBatch(text), logger);
  return sampler;
}
