/**
 * A small pool of worker threads that relabel batches of JSON records in parallel. Batches are
 * submitted in input order and their results awaited in that order, so output order is preserved.
 */
import { Worker } from 'node:worker_threads';
import { RowError, type Location, type RowErrorDetails, type RowReason } from '../../core/errors.js';
import type { SourceRecord } from '../../io/records.js';
import type { RecordContext, RecordResult } from './record.js';

export interface BatchMessage {
  type: 'batch';
  id: number;
  context: number;
  source: string;
  buffer: ArrayBuffer;
  /** Record i is buffer[offsets[i], offsets[i+1]). */
  offsets: Uint32Array;
  lines: Uint32Array;
}

export type WireResult =
  | {
      kind: 'rows';
      lengths: [number, number];
      tie: boolean;
      rounded: boolean;
      contradicting: boolean;
      goals: [readonly number[], readonly number[]];
      fast: boolean;
      tools: boolean;
      duplicateKey?: { key: string; location: Location };
    }
  | { kind: 'other_shard' }
  | { kind: 'error'; reason: RowReason; message: string; details: RowErrorDetails; location: Location };

export interface ResultMessage {
  type: 'result';
  id: number;
  results: WireResult[];
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
}

/** Per worker: a bounded young generation; the old generation only holds one batch and its rows. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 512 };

export class RelabelPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (m: ResultMessage) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private nextContext = 0;
  private failure: Error | null = null;

  /** `script`: the worker's compiled JavaScript (Io.relabelWorker), by default the one beside this file. */
  constructor(size: number, script = new URL('./worker.js', import.meta.url)) {
    this.workers = Array.from({ length: size }, () => {
      // Each isolate's young generation is bounded: left alone, every worker's grows with the pace of its
      // allocations, and on a many-core machine the sum of them is what made memory grow with the threads.
      const worker = new Worker(script, { resourceLimits: WORKER_LIMITS });
      worker.on('message', (message: ResultMessage) => {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        waiter?.resolve(message);
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a relabel worker exited with code ${code}`));
      });
      return worker;
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }

  /** Register the per-input context with every worker; returns its id for `submit`. */
  context(context: RecordContext): number {
    const id = this.nextContext++;
    for (const worker of this.workers) worker.postMessage({ type: 'context', id, context });
    return id;
  }

  /** Relabel a batch of lazily read JSON records; resolves to one result per record, in order. */
  submit(records: SourceRecord[], context: number): Promise<RecordResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    let total = 0;
    for (const r of records) total += r.bytes!.length;
    const data = Buffer.allocUnsafeSlow(total);
    const offsets = new Uint32Array(records.length + 1);
    const lines = new Uint32Array(records.length);
    let at = 0;
    records.forEach((r, i) => {
      offsets[i] = at;
      lines[i] = r.location.line;
      r.bytes!.copy(data, at);
      at += r.bytes!.length;
    });
    offsets[records.length] = at;
    const message: BatchMessage = {
      type: 'batch',
      id,
      context,
      source: records[0]!.location.source,
      buffer: data.buffer as ArrayBuffer,
      offsets,
      lines,
    };
    const worker = this.workers[id % this.workers.length]!;
    const reply = new Promise<ResultMessage>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    worker.postMessage(message, [message.buffer]);
    return reply.then((m) => decode(m, records));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function decode(message: ResultMessage, records: SourceRecord[]): RecordResult[] {
  const rows = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  let at = 0;
  return message.results.map((w, i): RecordResult => {
    if (w.kind === 'rows') {
      const a = rows.subarray(at, at + w.lengths[0]);
      const b = rows.subarray(at + w.lengths[0], at + w.lengths[0] + w.lengths[1]);
      at += w.lengths[0] + w.lengths[1];
      return {
        kind: 'rows',
        rows: [a, b],
        tie: w.tie,
        rounded: w.rounded,
        contradicting: w.contradicting,
        goals: w.goals,
        fast: w.fast,
        tools: w.tools,
        duplicateKey: w.duplicateKey,
      };
    }
    if (w.kind === 'other_shard') return w;
    const error = new RowError(w.reason, w.message, w.details);
    error.location = w.location;
    return { kind: 'error', error, record: records[i]! };
  });
}
