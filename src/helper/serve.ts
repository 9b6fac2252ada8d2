// The helper's I/O: requests from a file descriptor (stdin), replies to another (stdout), one
// reply written in full per request, nothing else ever written. Blocking reads and writes keep
// the lock-step exchange with the daemon as short as it can be (no event-loop round trip); if the
// input turns out to be non-blocking, reading moves over to the event loop.
import { readSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { RequestReader } from './protocol.js';
import { encodeReply, type Session } from './server.js';
import { fullGc, GC_EVERY } from './gc.js';
import { sleepMs } from '../fsutil/sleep.js';

/** Why the output ended early (the daemon went away): stop serving, quietly. */
class OutputClosed extends Error {}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') sleepMs(1);
      else if (code === 'EINTR') continue;
      else throw new OutputClosed(code ?? 'write failed');
    }
  }
}

export interface ServeOptions {
  input?: number;
  output?: number;
  /** Diagnostics (the log file), never the output. */
  log?: (line: string) => void;
}

/**
 * Serve requests until end of input (also mid-request), a fatal request, or a closed output.
 * Resolves when the session is over; never rejects for I/O reasons.
 */
export async function serve(session: Session, options: ServeOptions = {}): Promise<void> {
  const input = options.input ?? 0;
  const output = options.output ?? 1;
  const reader = new RequestReader();
  // Handles one chunk; false when the session must end.
  let replies = 0;
  const feed = (chunk: Uint8Array): boolean => {
    for (const event of reader.push(chunk)) {
      writeAll(output, encodeReply(session.handle(event)));
      if (event.kind === 'fatal') return false;
      // After the reply: the daemon is not kept waiting for the collection.
      if (++replies % GC_EVERY === 0) fullGc();
    }
    return true;
  };
  const buffer = Buffer.allocUnsafe(1 << 16);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(input, buffer, 0, buffer.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EINTR') continue;
        if (code === 'EAGAIN') {
          options.log?.('standard input is non-blocking: reading it through the event loop');
          return await serveAsync(input, feed);
        }
        return; // EIO, EBADF...: nothing more can be read
      }
      if (n === 0 || !feed(buffer.subarray(0, n))) return;
    }
  } catch (e) {
    if (e instanceof OutputClosed) return;
    throw e;
  }
}

/** The same loop over the event loop, for a non-blocking input (a pipe libuv can watch). */
async function serveAsync(input: number, feed: (chunk: Uint8Array) => boolean): Promise<void> {
  const stream = new Socket({ fd: input, readable: true, writable: false });
  try {
    for await (const chunk of stream) if (!feed(chunk as Buffer)) break;
  } catch {
    /* a closed output, or an input error: either way the session is over */
  } finally {
    stream.destroy();
  }
}
