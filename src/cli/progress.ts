import type { Io } from './io.js';

/** One self-overwriting status line on stderr, only when stderr is a terminal (never in logs or CI). */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly enabled: boolean;
  private readonly started = Date.now();
  constructor(
    private readonly io: Io,
    quiet: boolean,
    private readonly label: string,
  ) {
    this.enabled = !quiet && io.stderr.isTTY === true;
  }

  update(read: number, written: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(read / seconds) : 0;
    this.io.stderr.write(`\r\x1b[Kradpo ${this.label}: ${read.toLocaleString('en-US')} rows read, ${written.toLocaleString('en-US')} written (${rate.toLocaleString('en-US')} rows/s)`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.io.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
