/**
 * A scratch file: written once, read back from the start, gone when the run ends. It lives in $TMPDIR
 * and is unlinked as soon as it is opened, so the kernel reclaims it however the run ends (SIGKILL too).
 * Holds the second copies of --order concat and the partitions `radpo pairs` groups long-format rows in
 * (and sorts a group larger than its budget in).
 */
import { close, constants, createReadStream, open, promises as fsp } from 'node:fs';
import type { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descriptorStream } from './descriptor.js';
import { endStream, streamSink, type Sink } from './output.js';
import { registerTemporary, releaseTemporary } from './temp-files.js';
import { writeError } from './write-errors.js';

export class ScratchFile {
  private closed = false;
  private ended = false;
  private written = 0;
  private held = 0;
  private constructor(
    private readonly fd: number,
    private readonly stream: Writable,
    private readonly sink: Sink,
    /** How messages name it ("the --order concat spool (…)"). */
    private readonly label: string,
    /** Text held before it goes to the file (the writer's own chunk is 256 KB: many small files add up). */
    private readonly holdBytes: number,
  ) {
    stream.on('write-done', (bytes: number) => {
      this.written += bytes;
    });
  }

  static async open(label: string, bufferBytes = 4 << 20): Promise<ScratchFile> {
    const path = join(tmpdir(), `.radpo-scratch-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
    registerTemporary(path);
    let fd: number;
    try {
      fd = await new Promise<number>((resolve, reject) =>
        open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600, (err, opened) =>
          err ? reject(err) : resolve(opened),
        ),
      );
    } catch (err) {
      releaseTemporary(path);
      throw writeError(err, label);
    }
    await fsp.unlink(path);
    releaseTemporary(path);
    const stream = descriptorStream(fd, bufferBytes);
    return new ScratchFile(fd, stream, streamSink(stream), label, Math.min(bufferBytes, 256 << 10));
  }

  write(data: string | Buffer): Promise<void> | void {
    try {
      let wait = this.sink.write(data);
      this.held += data.length;
      if (this.held >= this.holdBytes) {
        // Past holdBytes the text goes to the file now: the grouping keeps dozens of these files open at once.
        this.held = 0;
        wait = wait ? wait.then(() => this.sink.prepare()) : this.sink.prepare();
      }
      return wait?.catch((err) => Promise.reject(writeError(err, this.label, this.written)));
    } catch (err) {
      throw writeError(err, this.label, this.written);
    }
  }

  /**
   * Everything written, from the start (or bytes start..end-1), as text; a write that failed fails here,
   * never a shorter read. May be called again: each stream reads at its own offsets (pread), so several
   * may read the file at once.
   */
  async readBack(chunkBytes = 1 << 20, start = 0, end?: number): Promise<NodeJS.ReadableStream> {
    await this.finish();
    return createReadStream('', {
      fd: this.fd,
      start,
      ...(end === undefined ? {} : { end: end - 1 }),
      autoClose: false,
      encoding: 'utf8',
      highWaterMark: chunkBytes,
    });
  }

  /**
   * No more writes: everything written goes to the file now (a failed write fails here). A file that waits to
   * be read (a sorted run before its merge) then holds no text in memory.
   */
  async finish(): Promise<void> {
    if (this.ended) return;
    try {
      await this.sink.commit();
      await endStream(this.stream);
    } catch (err) {
      throw writeError(err, this.label, this.written);
    }
    this.ended = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
    await new Promise<void>((resolve) => close(this.fd, () => resolve()));
  }
}
