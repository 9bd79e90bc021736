/**
 * Writing every byte to a descriptor: the files radpo writes, and descriptors radpo did not open (-o
 * /dev/stdout, /proc/self/fd/N, a shell's /dev/fd/63). Such a descriptor may be a pipe in non-blocking mode — Node
 * itself switches stdout's pipe to it — so
 * a write can come back short or fail with EAGAIN while the reader is behind. fs streams and writeSync
 * take a short write as done, which silently truncated `radpo relabel … -o /dev/stdout | slow-reader`.
 * Here every byte is written: short writes continue, EAGAIN waits and tries again.
 */
import { write, writeSync } from 'node:fs';
import { Writable } from 'node:stream';

/** How long to wait before trying again when a non-blocking pipe is full. */
const FULL_PIPE_WAIT_MS = 2;

function writeAll(fd: number, bytes: Uint8Array, done: (err?: Error | null) => void): void {
  write(fd, bytes, 0, bytes.length, null, (err, written) => {
    if (err && err.code === 'EAGAIN') return void setTimeout(() => writeAll(fd, bytes, done), FULL_PIPE_WAIT_MS);
    if (err) return done(err);
    if (written < bytes.length) return writeAll(fd, bytes.subarray(written), done);
    done();
  });
}

/**
 * A stream onto a descriptor the caller keeps: every byte written (or the stream errors), the descriptor
 * never closed. It emits 'write-done' with the byte count of each completed write (for error messages).
 */
export function descriptorStream(fd: number, highWaterMark: number): Writable {
  const stream: Writable = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      writeAll(fd, chunk, (err) => {
        if (!err) stream.emit('write-done', chunk.length);
        callback(err);
      });
    },
    writev(chunks, callback) {
      const bytes = Buffer.concat(chunks.map((c) => c.chunk as Buffer));
      writeAll(fd, bytes, (err) => {
        if (!err) stream.emit('write-done', bytes.length);
        callback(err);
      });
    },
  });
  return stream;
}

/** writeSync until every byte is out (Parquet writes synchronously, a row group at a time). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, FULL_PIPE_WAIT_MS);
    }
  }
}
