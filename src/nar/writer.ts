// Streaming nar serialisation of a file tree (spec/guix-formats.md §1), byte for byte what the
// daemon's dumpPath writes. Memory stays flat: file contents are read in chunks, and the only
// per-tree state is a stack of open directories (their sorted entry names). File system calls
// are synchronous on purpose: a promise round trip per lstat/open/read/close made trees of small
// files ten times slower, and the consumer still gets an async stream.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { fileProblem } from '../fsutil/problem.js';
import { NarError } from './errors.js';
import { NAR_MAGIC, str, u64, padLength } from './wire.js';

const CHUNK = 1 << 20;
/** Small pieces are gathered into one chunk of about this size before being handed out. */
const GATHER = 64 << 10;

const T = {
  magic: str(NAR_MAGIC),
  open: str('('),
  close: str(')'),
  type: str('type'),
  regular: str('regular'),
  directory: str('directory'),
  symlink: str('symlink'),
  executable: str('executable'),
  empty: str(''),
  contents: str('contents'),
  target: str('target'),
  entry: str('entry'),
  name: str('name'),
  node: str('node'),
};
const ZEROS = new Uint8Array(8);

const SLASH = Buffer.from('/');
const join = (dir: Buffer, name: Buffer): Buffer => Buffer.concat(dir.length && dir[dir.length - 1] === 0x2f ? [dir, name] : [dir, SLASH, name]);
const show = (p: Buffer): string => p.toString('utf8');

function kindOf(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFIFO: return 'fifo';
    case constants.S_IFSOCK: return 'socket';
    case constants.S_IFCHR: return 'character device';
    case constants.S_IFBLK: return 'block device';
    default: return 'unknown';
  }
}

interface Frame {
  path: Buffer;
  names: Buffer[];
  next: number;
  /** This directory is an entry of its parent, whose `entry (... node` must be closed after it. */
  inEntry: boolean;
}

export interface NarWriteOptions {
  /** Called with the size of every file-content chunk read (for progress). */
  onData?: (bytes: number) => void;
  /**
   * Read big files through one reused buffer: a yielded chunk is then only valid until the next
   * one is asked for. For consumers that hash or write each chunk before pulling the next; it
   * spares the garbage collector a fresh megabyte per read (about 30 MiB less peak memory).
   */
  reuseBuffers?: boolean;
}

/**
 * The nar of `root` (not followed if it is a symbolic link) as a stream of chunks. Chunks are
 * fresh buffers the consumer may keep, unless `reuseBuffers` is set.
 */
export async function* narStream(root: string | Buffer, options: NarWriteOptions = {}): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingSize = 0;
  const put = (b: Uint8Array): void => {
    pending.push(b);
    pendingSize += b.length;
  };
  const take = (): Uint8Array => {
    const out = Buffer.concat(pending, pendingSize);
    pending = [];
    pendingSize = 0;
    return out;
  };

  const stack: Frame[] = [];
  let shared: Buffer | undefined;
  const rootPath = typeof root === 'string' ? Buffer.from(root) : root;
  put(T.magic);

  // Writes one node; a directory only gets its header here and is pushed on the stack. Yields
  // chunks of file data (and gathered headers before them) as it goes.
  async function* node(path: Buffer, inEntry: boolean): AsyncGenerator<Uint8Array> {
    let st;
    try {
      st = lstatSync(path);
    } catch (e) {
      throw new NarError(`cannot archive '${show(path)}': ${fileProblem(e, show(path))}`);
    }
    if (st.isDirectory()) {
      put(T.open); put(T.type); put(T.directory);
      let names: Buffer[];
      try {
        names = readdirSync(path, { encoding: 'buffer' });
      } catch (e) {
        throw new NarError(`cannot read directory '${show(path)}': ${fileProblem(e, show(path))}`);
      }
      names.sort(Buffer.compare);
      stack.push({ path, names, next: 0, inEntry });
      return;
    }
    if (st.isSymbolicLink()) {
      let target: Buffer;
      try {
        target = readlinkSync(path, { encoding: 'buffer' });
      } catch (e) {
        throw new NarError(`cannot read symbolic link '${show(path)}': ${fileProblem(e, show(path))}`);
      }
      put(T.open); put(T.type); put(T.symlink); put(T.target); put(str(target)); put(T.close);
    } else if (st.isFile()) {
      yield* regular(path);
    } else {
      throw new NarError(`file '${show(path)}' has an unsupported type (${kindOf(st.mode)})`);
    }
    if (inEntry) put(T.close);
  }

  async function* regular(path: Buffer): AsyncGenerator<Uint8Array> {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      throw new NarError(`cannot read '${show(path)}': ${fileProblem(e, show(path))}`);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new NarError(`file '${show(path)}' changed type while being archived`);
      const size = st.size;
      put(T.open); put(T.type); put(T.regular);
      if (st.mode & 0o100) { put(T.executable); put(T.empty); }
      put(T.contents); put(u64(size));
      let done = 0;
      while (done < size) {
        const want = Math.min(size - done, CHUNK);
        const small = pendingSize + want <= GATHER;
        const buf = !small && options.reuseBuffers ? (shared ??= Buffer.allocUnsafe(CHUNK)).subarray(0, want) : Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const n = readSync(fd, buf, got, want - got, null);
          if (n === 0) throw new NarError(`file '${show(path)}' shrank while being archived`);
          got += n;
        }
        done += want;
        options.onData?.(want);
        if (small) put(buf);
        else {
          if (pendingSize) yield take();
          yield buf;
        }
      }
      const pad = padLength(size);
      if (pad) put(ZEROS.subarray(0, pad));
      put(T.close);
    } catch (e) {
      if (e instanceof NarError) throw e;
      throw new NarError(`cannot read '${show(path)}': ${fileProblem(e, show(path))}`);
    } finally {
      closeSync(fd);
    }
  }

  yield* node(rootPath, false);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.names.length) {
      const name = top.names[top.next++]!;
      put(T.entry); put(T.open); put(T.name); put(str(name)); put(T.node);
      yield* node(join(top.path, name), true);
    } else {
      stack.pop();
      put(T.close);
      if (top.inEntry) put(T.close);
    }
    if (pendingSize >= GATHER) yield take();
  }
  if (pendingSize) yield take();
}
