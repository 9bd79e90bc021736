import type { Io } from '../io/io.js';

/**
 * One self-overwriting status line on stderr, only when stderr is a terminal (never in logs or CI),
 * redrawn at most every 200 ms. Each command renders its own text from the elapsed seconds.
 */
export class Progress {
  private last = 0;
  private shown = false;
  readonly enabled: boolean;
  private readonly started = Date.now();
  constructor(
    private readonly io: Io,
    quiet: boolean,
  ) {
    this.enabled = !quiet && io.stderr.isTTY === true;
  }

  update(render: (seconds: number) => string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    this.io.stderr.write(`\r\x1b[K${render(Math.max(0.001, (now - this.started) / 1000))}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.io.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
