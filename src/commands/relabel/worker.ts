/**
 * Worker thread for `radpo relabel`: parses, relabels and serializes batches of JSON records with the
 * same code the main thread uses (relabelRecord), and sends back the rows as one transferred buffer.
 */
import { parentPort } from 'node:worker_threads';
import type { Location } from '../../core/errors.js';
import type { SourceRecord } from '../../io/records.js';
import { relabelRecord, type RecordContext } from './record.js';
import type { BatchMessage, ResultMessage, WireResult } from './pool.js';

const contexts = new Map<number, RecordContext>();

parentPort!.on('message', (message: { type: 'context'; id: number; context: RecordContext } | BatchMessage) => {
  if (message.type === 'context') {
    contexts.set(message.id, message.context);
    return;
  }
  const context = contexts.get(message.context)!;
  const data = Buffer.from(message.buffer);
  const parts: Buffer[] = [];
  const results: WireResult[] = [];
  for (let i = 0; i < message.lines.length; i++) {
    const location: Location = { source: message.source, line: message.lines[i]!, unit: 'line' };
    const record: SourceRecord = {
      value: undefined,
      raw: undefined,
      bytes: data.subarray(message.offsets[i]!, message.offsets[i + 1]!),
      location,
    };
    const result = relabelRecord(record, context);
    if (result.kind === 'rows') {
      const lengths = result.rows.map((row) => {
        if (typeof row === 'string') {
          const b = Buffer.from(row, 'utf8');
          parts.push(b);
          return b.length;
        }
        const list = (Array.isArray(row) ? row : [row]).map((part) =>
          typeof part === 'string' ? Buffer.from(part, 'utf8') : part,
        );
        parts.push(...list);
        return list.reduce((n, b) => n + b.length, 0);
      }) as [number, number];
      results.push({
        kind: 'rows',
        lengths,
        tie: result.tie,
        rounded: result.rounded,
        contradicting: result.contradicting,
        goals: result.goals,
        fast: result.fast,
        tools: result.tools,
        duplicateKey: result.duplicateKey,
      });
    } else if (result.kind === 'other_shard') results.push({ kind: 'other_shard' });
    else {
      const e = result.error;
      results.push({
        kind: 'error',
        reason: e.reason,
        message: e.message,
        details: e.details,
        location: e.location ?? location,
      });
    }
  }
  const out = Buffer.concat(parts);
  // Transfer the rows without copying: give the worker's buffer away, or a copy in a memory of its own when it
  // is a slice of Node's pool. Buffer.from() would not do: a small copy comes from the pool again, and Node 24
  // refuses to transfer the pool's memory (DataCloneError); a Uint8Array of its own always transfers.
  const owned = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : new Uint8Array(out);
  const reply: ResultMessage = {
    type: 'result',
    id: message.id,
    results,
    buffer: owned.buffer as ArrayBuffer,
    byteOffset: owned.byteOffset,
    byteLength: owned.byteLength,
  };
  parentPort!.postMessage(reply, [owned.buffer as ArrayBuffer]);
});
