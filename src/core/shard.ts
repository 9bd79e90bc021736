/**
 * Deterministic sharding for array jobs (`--shard K/N`). Pure.
 * A pair belongs to shard hash(prompt) mod N, where hash is 32-bit FNV-1a over the UTF-8 bytes of the
 * prompt's JSON (before the goal is added), so both copies of a pair and every repeat of a prompt land
 * in the same shard, on any machine and in any run.
 */
import { ValueError } from './errors.js';

export interface Shard {
  /** 1-based, as Slurm's SLURM_ARRAY_TASK_ID usually is with --array=1-N. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new ValueError(text, 'K/N such as 3/8');
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count) throw new ValueError(text, undefined, 'K must be from 1 to N');
  return { index, count };
}

const encoder = new TextEncoder();

function fnv1a32(data: string | Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of typeof data === 'string' ? encoder.encode(data) : data) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The 1-based shard that owns a key: the prompt turns' JSON text, or the raw bytes of a row that has no
 * pair. Strings are hashed as their UTF-8 bytes, so text and bytes of the same JSON agree.
 */
export function shardOf(key: string | Uint8Array, count: number): number {
  return (fnv1a32(key) % count) + 1;
}
