// Streams for the archive commands: `-` means stdin/stdout, big data moves in chunks with
// back-pressure, binary output never goes to a terminal, progress goes to stderr only when it is
// a terminal.
import { closeSync, createWriteStream, existsSync, fstatSync, fsyncSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { rm, rename, stat } from 'node:fs/promises';
import { KeytoolError } from '../../errors.js';
import { displayable } from '../../display.js';
import { isBrokenPipe } from '../../fsutil/broken-pipe.js';
import { undoOnSignal } from '../../fsutil/cleanup.js';
import { fileError, fileProblem, isSystemError } from '../../fsutil/problem.js';
import { NarError } from '../errors.js';
import { stagingPath } from '../restore.js';

export interface Streams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}


/** Chunks of a file, or of stdin for `-`. A chunk is valid until the next one is pulled. */
export async function* input(file: string, streams: Streams): AsyncGenerator<Uint8Array> {
  if (file === '-') {
    if (streams.stdin.isTTY) throw new KeytoolError('refusing to read binary data from a terminal; redirect stdin or give a file name', 2);
    // `< file.nar`: read the file behind fd 0 like any file (one reused buffer, flat memory);
    // pipes come through node's stream, whose fresh chunks wait for the garbage collector.
    if (streams.stdin === process.stdin && stdinIsFile()) {
      yield* readFd(0, 'stdin');
      return;
    }
    for await (const c of streams.stdin) yield typeof c === 'string' ? Buffer.from(c, 'latin1') : (c as Uint8Array);
    return;
  }
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new KeytoolError(`${displayable(file)} is a directory, not a file`);
  } catch (e) {
    if (e instanceof KeytoolError) throw e;
    throw fileError(e, file);
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw fileError(e, file);
  }
  try {
    yield* readFd(fd, file);
  } finally {
    closeSync(fd);
  }
}

function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}

/**
 * Chunks of an open file through one reused buffer: every consumer here (the nar and bundle
 * parsers, which copy what they keep) is done with a chunk before it asks for the next.
 */
async function* readFd(fd: number, name: string): AsyncGenerator<Uint8Array> {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      throw fileError(e, name);
    }
    if (n === 0) return;
    yield buf.subarray(0, n);
  }
}

/** How messages name an input file: `standard input` for `-`, else the name escaped. */
export const inputName = (file: string): string => (file === '-' ? 'standard input' : displayable(file));

/**
 * Run `work`, which reads the archive `file`: an error about the archive's bytes (a NarError,
 * which says where in it) names the file, so a message says which input is wrong.
 */
export async function namingInput<T>(file: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof NarError && e.offset >= 0) throw new NarError(`${inputName(file)}: ${e.reason}`, e.offset, e.narPath);
    throw e;
  }
}

/** Each chunk is fully written before the next is pulled, so sources may reuse their buffers. */
async function writeAll(out: NodeJS.WritableStream, source: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of source) {
    await new Promise<void>((resolve, reject) => {
      out.write(chunk, (err) => {
        if (!err) resolve();
        else reject(err); // the caller names the file; a broken pipe ends the program quietly (cli/main.ts)
      });
    });
  }
}

/**
 * A reader that goes away (`keytool nar pack DIR | head`) makes stdout emit EPIPE errors, which
 * would crash node with a stack trace; the failed write itself reports it, and the program ends
 * quietly (cli/main.ts). This keeps in-process runs on other streams from crashing too.
 */
export function quietBrokenPipe(out: NodeJS.WritableStream): void {
  const marked = out as NodeJS.WritableStream & { keytoolEpipe?: boolean };
  if (marked.keytoolEpipe || typeof out.on !== 'function') return;
  marked.keytoolEpipe = true;
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/**
 * Write a byte stream to `file` (atomically: a temporary file renamed at the end, nothing left
 * on error) or to stdout for `-`/undefined (refused when stdout is a terminal).
 */
export async function output(file: string | undefined, source: AsyncIterable<Uint8Array>, streams: Streams, what: string): Promise<void> {
  if (file === undefined || file === '-') {
    if (streams.stdout.isTTY) throw new KeytoolError(`refusing to write ${what} to a terminal; redirect stdout or use --output FILE`, 2);
    try {
      await writeAll(streams.stdout, source);
    } catch (e) {
      throw isSystemError(e) && !isBrokenPipe(e) ? new KeytoolError(`cannot write to standard output: ${fileProblem(e, '-', 'write')}`) : e;
    }
    return;
  }
  const shown = displayable(file);
  try {
    if (statSync(file).isDirectory()) throw new KeytoolError(`cannot write ${shown}: is a directory; give a file name for --output`);
  } catch (e) {
    if (e instanceof KeytoolError) throw e; // absent is fine: it is made here
  }
  const temp = stagingPath(file);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o644);
  } catch (e) {
    throw new KeytoolError(`${fileError(e, file, 'write').message}; nothing was written`);
  }
  // The file's own descriptor, kept open after the stream ends, so that its bytes are flushed to
  // disk before the rename makes them the file: a crash then leaves the old file or the new one.
  const ws = createWriteStream('', { fd, autoClose: false });
  // A failed write (the disk full) is reported by its callback in writeAll; the stream's 'error'
  // event, unheard, would crash the program with a stack trace instead.
  ws.on('error', () => {});
  const forget = undoOnSignal(() => rmSync(temp, { force: true }));
  try {
    await writeAll(ws, source);
    ws.end();
    await once(ws, 'finish');
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    await rename(temp, file);
  } catch (e) {
    // Not ws.destroy(): it would close the descriptor too, later, racing the close here.
    if (fd >= 0) closeSync(fd);
    await rm(temp, { force: true });
    if (isSystemError(e)) throw new KeytoolError(`${fileError(e, file, 'write').message}; ${existsSync(file) ? `${shown} is unchanged` : 'nothing was written'}`);
    throw e;
  } finally {
    forget();
  }
}

/** A one-line progress display on stderr, only when stderr is a terminal. */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly enabled: boolean;
  constructor(private readonly stderr: Streams['stderr']) {
    this.enabled = Boolean(stderr.isTTY);
  }

  update(text: () => string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    this.stderr.write(`\r\x1b[K${text()}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i ? `${v.toFixed(1)} ${units[i]}` : `${n} B`;
}
