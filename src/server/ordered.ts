/**
 * Map an async function over batches of items with at most `window` items in flight, yielding results
 * batch by batch in input order: bounded memory on any input size, and output order that does not
 * depend on which request answered first. Shared by the judge stage and the sampler.
 */
export async function* orderedWindow<T, R>(
  batches: AsyncIterable<T[]>,
  window: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R[]> {
  const queue: Array<Promise<R[]>> = [];
  const sizes: number[] = [];
  let inFlight = 0;
  for await (const batch of batches) {
    for (let start = 0; start < batch.length; start += window) {
      // Large batches (many short rows) are cut to the window, so memory stays bounded.
      const slice = batch.slice(start, start + window);
      const done = Promise.all(slice.map(fn));
      // If the run stops (Ctrl-C, a fatal answer) while later slices are still pending, their rejections
      // are expected: mark them handled here; the slice being awaited still throws.
      done.catch(() => undefined);
      queue.push(done);
      sizes.push(slice.length);
      inFlight += slice.length;
      while (queue.length > 0 && inFlight > window) {
        inFlight -= sizes.shift()!;
        yield await queue.shift()!;
      }
    }
  }
  while (queue.length > 0) {
    sizes.shift();
    yield await queue.shift()!;
  }
}

/** At most `limit` tasks at once (requests to one server, whatever their callers). */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}
