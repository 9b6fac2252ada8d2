// Streaming nar parser with the daemon's strict checks (spec/guix-formats.md §1): the magic,
// open/close tags, one type per node, supported types only, entry names neither empty nor `.`
// nor `..` nor holding `/` or NUL, names strictly increasing (so sorted and unique), zero
// padding, 64-bit file sizes; beyond the daemon, at most 1024 levels and 4096 bytes of path (see
// NarLimits). It accepts exactly the canonical grammar the writer produces (the intersection of
// what the daemon's and Guile's readers take), says what is wrong and where, and costs time
// linear in the nar whatever its depth.
import { displayable, excerpt } from '../display.js';
import { NarError } from './errors.js';
import { EventParser, type Cursor, type Grammar } from './feeder.js';
import { latin1, NAR_MAGIC, padLength } from './wire.js';

/**
 * A path inside a nar: its last name and its parent's path (the root: depth 0, an empty name, no
 * parent). Every entry's path is one node sharing its directory's, so an event costs the same
 * whatever its depth; `narPathNames` gives the names in order when a caller needs them all.
 */
export interface NarPath {
  readonly parent: NarPath | undefined;
  readonly name: Uint8Array;
  /** How many names lead here (0 for the root). */
  readonly depth: number;
}

export const NAR_ROOT: NarPath = { parent: undefined, name: new Uint8Array(0), depth: 0 };

/** The path `name` inside the directory `parent`. */
const child = (parent: NarPath, name: Uint8Array): NarPath => ({ parent, name, depth: parent.depth + 1 });

/** The names leading to `p`, root first ([] for the root). */
export function narPathNames(p: NarPath): Uint8Array[] {
  const names = new Array<Uint8Array>(p.depth);
  for (let q: NarPath | undefined = p; q && q.depth; q = q.parent) names[q.depth - 1] = q.name;
  return names;
}

export type NarEvent =
  | { type: 'directory'; path: NarPath }
  | { type: 'file'; path: NarPath; executable: boolean; size: number }
  /** A piece of the current file's contents (a view on the input: copy it to keep it). */
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'file-end'; path: NarPath }
  | { type: 'symlink'; path: NarPath; target: Uint8Array };

export interface NarLimits {
  /** Longest name, symlink target or token (default 4096, PATH_MAX). */
  maxString?: number;
  /** Deepest directory nesting (default 1024). */
  maxDepth?: number;
  /**
   * Longest path inside the nar, `a/b/c`, in bytes (default 4096, PATH_MAX). The daemon restores
   * through full file names, so it cannot create a longer one; the bound also keeps a listing,
   * which prints each full path, linear in the size of the nar.
   */
  maxPath?: number;
}

const MAX_CHUNK = 1 << 20;
const dec = new TextDecoder('utf-8', { fatal: true });

/** Bytes as text: UTF-8 when valid, else Latin-1 (one character per byte). */
function decodeBytes(b: Uint8Array): string {
  try {
    return dec.decode(b);
  } catch {
    return latin1(b);
  }
}

/** Bytes for output, escaped as by `displayable`: no control or reordering character reaches a terminal. */
export const showBytes = (b: Uint8Array): string => displayable(decodeBytes(b));

/** A path inside a nar as `a/b/c` ('' for the root), each name decoded and escaped as `nar ls` shows it. */
export const showPath = (path: NarPath): string => narPathNames(path).map(showBytes).join('/');

/** A file name quoted in a message: escaped and bounded. */
const showName = (name: Uint8Array): string => excerpt(decodeBytes(name));

/** A token quoted in a message (tokens are read as Latin-1): escaped and bounded. */
const quoteToken = (t: string): string => `"${excerpt(t, 40)}"`;

/** The path of a node for a message, `/a/b`: escaped, and its end only when it is long. */
function messagePath(path: NarPath): string {
  const full = `/${showPath(path)}`;
  return full.length <= 200 ? full : `…${full.slice(-160)} (${path.depth} level${path.depth === 1 ? '' : 's'} deep)`;
}

/** The primitives every grammar here shares. */
export function* readU64(cursor: Cursor): Grammar<bigint> {
  const b = yield { n: 8 };
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** The daemon's readInt: 8 bytes, but anything above 32 bits is refused. */
export function* readInt(cursor: Cursor): Grammar<number> {
  const start = cursor.offset;
  const v = yield* readU64(cursor);
  if (v > 0xffffffffn) throw new NarError('implementation cannot deal with > 32-bit integers', start, cursor.where?.());
  return Number(v);
}

/** `str()`: length, bytes, zero padding; `what` names it in the too-long message. */
export function* readString(cursor: Cursor, max: number, what = 'string'): Grammar<Uint8Array> {
  const start = cursor.offset;
  const len = yield* readInt(cursor);
  if (len > max) throw new NarError(`${what} of ${len} bytes is longer than the limit of ${max}`, start, cursor.where?.());
  const bytes = len ? new Uint8Array(yield { n: len }) : new Uint8Array(0); // a copy: input buffers may be reused
  yield* readPadding(cursor, len);
  return bytes;
}

function* readPadding(cursor: Cursor, len: number): Grammar<void> {
  const pad = padLength(len);
  if (!pad) return;
  const start = cursor.offset;
  const p = yield { n: pad };
  if (p.some((x) => x !== 0)) throw new NarError('non-zero padding', start, cursor.where?.());
}

/** A directory being read: its path, and its last entry name (entries must increase). */
interface OpenDirectory {
  path: NarPath;
  /** Bytes of `path` written `a/b/c`, checked against `maxPath`. */
  length: number;
  prev?: Uint8Array;
}

/**
 * The grammar of a whole nar: magic then the root node. Calls `emit` for each event; returns the
 * number of bytes the nar took.
 *
 * Directories are walked with an explicit stack, not by recursion: a generator nested in
 * generators resumes through every level at each `yield`, which made the cost of a nar grow with
 * its depth times its size. The path for messages is built only when a message needs it.
 */
export function* narGrammar(cursor: Cursor, emit: (e: NarEvent) => void, limits: NarLimits = {}): Grammar<number> {
  const maxString = limits.maxString ?? 4096;
  const maxDepth = limits.maxDepth ?? 1024;
  const maxPath = limits.maxPath ?? 4096;
  const begin = cursor.offset;
  const notNar = 'bad archive: input doesn\'t look like a normalized archive';

  cursor.eofMessage = notNar;
  const magicAt = cursor.offset;
  const magicLen = yield* readU64(cursor);
  if (magicLen !== BigInt(NAR_MAGIC.length)) throw new NarError(notNar, magicAt);
  const magic = yield { n: NAR_MAGIC.length };
  if (latin1(magic) !== NAR_MAGIC) throw new NarError(notNar, magicAt);
  yield* readPadding(cursor, NAR_MAGIC.length);
  cursor.eofMessage = 'bad archive: unexpected end of archive';

  /** The node being read, or the directory whose entries are being read. */
  let current: NarPath = NAR_ROOT;
  cursor.where = () => messagePath(current);

  let tokenAt = 0;
  function* token(): Grammar<string> {
    tokenAt = cursor.offset;
    return latin1(yield* readString(cursor, maxString, 'token'));
  }
  const fail = (reason: string, at = tokenAt): never => {
    throw new NarError(`bad archive: ${reason}`, at, cursor.where?.());
  };
  function* expect(tok: string, reason: string): Grammar<void> {
    const t = yield* token();
    if (t !== tok) fail(`${reason}, got ${quoteToken(t)}`);
  }

  /**
   * One node from its open tag: a file or symbolic link whole, through its close tag; a
   * directory only up to its type (its entries are read by the loop below). True for a directory.
   */
  function* openNode(path: NarPath): Grammar<boolean> {
    current = path;
    yield* expect('(', 'expected open tag');
    let t = yield* token();
    if (t !== 'type') fail(t === ')' ? 'node has no type field' : `unknown field ${quoteToken(t)} before the type field`);
    const kind = yield* token();
    if (kind === 'regular') {
      let executable = false;
      t = yield* token();
      if (t === 'executable') {
        const marker = yield* readString(cursor, maxString, 'executable marker');
        if (marker.length) fail('executable marker has a value', tokenAt);
        executable = true;
        t = yield* token();
      }
      if (t !== 'contents') {
        if (t === 'type') fail('multiple type fields');
        if (t === 'executable') fail('multiple executable markers');
        fail(t === ')' ? 'regular file without contents' : `unknown field ${quoteToken(t)}`);
      }
      const sizeAt = cursor.offset;
      const big = yield* readU64(cursor);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) fail(`file size ${big} is too large`, sizeAt);
      const size = Number(big);
      emit({ type: 'file', path, executable, size });
      let left = size;
      while (left > 0) {
        const bytes = yield { n: Math.min(left, MAX_CHUNK), some: true };
        left -= bytes.length;
        emit({ type: 'data', bytes });
      }
      yield* readPadding(cursor, size);
      emit({ type: 'file-end', path });
      t = yield* token();
      if (t !== ')') {
        if (t === 'type') fail('multiple type fields');
        fail(t === 'contents' || t === 'executable' ? `repeated ${t} field` : `expected close tag, got ${quoteToken(t)}`);
      }
      return false;
    }
    if (kind === 'symlink') {
      t = yield* token();
      if (t !== 'target') {
        if (t === 'type') fail('multiple type fields');
        fail(t === ')' ? 'symbolic link without target' : `unknown field ${quoteToken(t)}`);
      }
      const targetAt = cursor.offset;
      const target = yield* readString(cursor, maxString, 'symbolic link target');
      if (!target.length) fail('empty symbolic link target', targetAt);
      if (target.includes(0)) fail('symbolic link target contains a NUL byte', targetAt);
      emit({ type: 'symlink', path, target });
      t = yield* token();
      if (t !== ')') fail(t === 'type' ? 'multiple type fields' : t === 'target' ? 'repeated target field' : `expected close tag, got ${quoteToken(t)}`);
      return false;
    }
    if (kind === 'directory') {
      if (path.depth >= maxDepth) fail(`directories nested deeper than ${maxDepth}`);
      emit({ type: 'directory', path });
      return true;
    }
    return fail(`unknown file type ${quoteToken(kind)}`);
  }

  const stack: OpenDirectory[] = [];
  if (yield* openNode(NAR_ROOT)) stack.push({ path: NAR_ROOT, length: 0 });
  while (stack.length) {
    const dir = stack[stack.length - 1]!;
    current = dir.path;
    let t = yield* token();
    if (t === ')') {
      stack.pop();
      // A directory other than the root is the node of an entry, which closes after it.
      if (stack.length) yield* closeEntry(dir.path, stack[stack.length - 1]!.path);
      continue;
    }
    if (t === 'type') fail('multiple type fields');
    if (t !== 'entry') fail(`unknown field ${quoteToken(t)}`);
    yield* expect('(', 'expected open tag');
    t = yield* token();
    if (t !== 'name') fail(t === 'node' ? 'entry name missing' : `unknown field ${quoteToken(t)} in entry`);
    const nameAt = cursor.offset;
    const name = yield* readString(cursor, maxString, 'file name');
    if (!name.length || (name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) || name.includes(0x2f) || name.includes(0)) {
      throw new NarError(`NAR contains invalid file name '${showName(name)}'`, nameAt, cursor.where());
    }
    const prev = dir.prev;
    if (prev && Buffer.compare(name, prev) <= 0) {
      throw new NarError(`NAR directory is not sorted: '${showName(name)}' ${Buffer.compare(name, prev) === 0 ? 'repeats' : 'comes after'} '${showName(prev)}'`, nameAt, cursor.where());
    }
    dir.prev = name;
    const length = dir.length + (dir.path.depth ? 1 : 0) + name.length;
    if (length > maxPath) fail(`path of ${length} bytes is longer than the limit of ${maxPath} (PATH_MAX: the daemon could not restore it)`, nameAt);
    t = yield* token();
    if (t !== 'node') fail(t === ')' ? `entry '${showName(name)}' has no node` : `unknown field ${quoteToken(t)} in entry`);
    const path = child(dir.path, name);
    if (yield* openNode(path)) stack.push({ path, length });
    else yield* closeEntry(path, dir.path);
  }

  function* closeEntry(path: NarPath, parent: NarPath): Grammar<void> {
    current = parent;
    const t = yield* token();
    if (t !== ')') fail(`expected close tag of entry '${showName(path.name)}', got ${quoteToken(t)}`);
  }

  cursor.where = undefined;
  return cursor.offset - begin;
}

/** A push parser for a standalone nar; `end()` returns its size. */
export class NarParser extends EventParser<NarEvent, number> {
  constructor(limits: NarLimits = {}) {
    super((cursor, emit) => narGrammar(cursor, emit, limits), 'bad archive: trailing data after the end of the archive');
  }
}

/** Every event of a nar held in memory (tests, small nars); data events are views on `bytes`. */
export function parseNar(bytes: Uint8Array, limits?: NarLimits): NarEvent[] {
  const p = new NarParser(limits);
  const events = p.push(bytes);
  p.end();
  return events;
}
