/**
 * Bounded-memory tallies for inspecting inputs of any size: exact up to a cap, then estimates that say
 * so. A seeded reservoir keeps percentiles and histograms within a fixed number of values (the same
 * file gives the same figures every run); a HyperLogLog counts distinct prompts in 16 KB.
 */
import { seededRandom } from '../core/random.js';
import { quantileSorted } from '../core/stats.js';

/** Numbers: every one up to `cap`, then a uniform reservoir sample of `cap` (Vitter's algorithm R). */
export class NumberSample {
  private store: Float64Array;
  private readonly draw = seededRandom(0x5eed);
  /** How many numbers were added (the sample holds min(count, cap)). */
  count = 0;
  min = Infinity;
  max = -Infinity;

  constructor(private readonly cap = 1 << 20) {
    this.store = new Float64Array(Math.min(cap, 1024));
  }

  push(x: number): void {
    this.count += 1;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (this.count <= this.cap) {
      if (this.count > this.store.length) {
        const next = new Float64Array(Math.min(this.cap, this.store.length * 2));
        next.set(this.store);
        this.store = next;
      }
      this.store[this.count - 1] = x;
      return;
    }
    const slot = Math.floor(this.draw() * this.count);
    if (slot < this.cap) this.store[slot] = x;
  }

  /** Are the figures estimates (more numbers than the sample holds)? */
  get sampled(): boolean {
    return this.count > this.cap;
  }

  values(): Float64Array {
    return this.store.slice(0, Math.min(this.count, this.cap));
  }

  /** Percentiles by the one definition radpo uses (numpy's linear interpolation, `quantileSorted`). */
  percentiles(ps: number[]): Record<string, number> {
    const sorted = this.values().sort();
    const out: Record<string, number> = {};
    for (const p of ps) out[`p${p}`] = sorted.length === 0 ? 0 : quantileSorted(sorted, p / 100);
    out.max = this.count === 0 ? 0 : this.max;
    return out;
  }
}

/** Distinct strings: exactly (with how often each came) up to `cap`, then a HyperLogLog estimate. */
export class DistinctCounter {
  private exact: Map<string, number> | null = new Map();
  private readonly registers = new Uint8Array(1 << 14);

  constructor(private readonly cap = 500_000) {}

  /** `hash`: at least 8 hex digits of a good hash of the item. */
  add(hash: string): void {
    const h = Number.parseInt(hash.slice(0, 8), 16) >>> 0;
    const index = h >>> 18;
    const rest = (h << 14) >>> 0;
    const rank = rest === 0 ? 19 : Math.clz32(rest) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
    if (this.exact === null) return;
    this.exact.set(hash, (this.exact.get(hash) ?? 0) + 1);
    if (this.exact.size > this.cap) this.exact = null;
  }

  /** Exact counts while they are kept (null past the cap). */
  get counts(): ReadonlyMap<string, number> | null {
    return this.exact;
  }

  /** The number of distinct items: exact under the cap, else the HyperLogLog estimate (about 1% off). */
  get distinct(): number {
    if (this.exact) return this.exact.size;
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros += 1;
    }
    const raw = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
    const estimate = raw <= 2.5 * m && zeros > 0 ? m * Math.log(m / zeros) : raw;
    return Math.round(estimate);
  }
}
