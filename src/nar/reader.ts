// Streaming nar parser with the daemon's strict checks (spec/guix-formats.md §1): the magic,
// open/close tags, one type per node, supported types only, entry names neither empty nor `.`
// nor `..` nor holding `/` or NUL, names strictly increasing (so sorted and unique), zero
// padding, 64-bit file sizes. It accepts exactly the canonical grammar the writer produces (the
// intersection of what the daemon's and Guile's readers take) and says what is wrong and where.
import { NarError } from './errors.js';
import { EventParser, type Cursor, type Grammar } from './feeder.js';
import { latin1, NAR_MAGIC, padLength } from './wire.js';

export type NarPath = readonly Uint8Array[];

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
}

const MAX_CHUNK = 1 << 20;
const dec = new TextDecoder('utf-8', { fatal: true });

/** Bytes for a message: UTF-8 when valid, else Latin-1 with non-printing bytes as \xNN. */
function showBytes(b: Uint8Array): string {
  let s: string;
  try {
    s = dec.decode(b);
  } catch {
    s = Buffer.from(b).toString('latin1');
  }
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const showPath = (path: NarPath): string => (path.length ? path.map(showBytes).join('/') : '');
const displayPath = (path: NarPath): string => `/${showPath(path)}`;

/** The primitives every grammar here shares. */
export function* readU64(cursor: Cursor): Grammar<bigint> {
  const b = yield { n: 8 };
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** The daemon's readInt: 8 bytes, but anything above 32 bits is refused. */
export function* readInt(cursor: Cursor): Grammar<number> {
  const start = cursor.offset;
  const v = yield* readU64(cursor);
  if (v > 0xffffffffn) throw new NarError('implementation cannot deal with > 32-bit integers', start, cursor.where);
  return Number(v);
}

/** `str()`: length, bytes, zero padding; `what` names it in the too-long message. */
export function* readString(cursor: Cursor, max: number, what = 'string'): Grammar<Uint8Array> {
  const start = cursor.offset;
  const len = yield* readInt(cursor);
  if (len > max) throw new NarError(`${what} of ${len} bytes is longer than the limit of ${max}`, start, cursor.where);
  const bytes = len ? new Uint8Array(yield { n: len }) : new Uint8Array(0); // a copy: input buffers may be reused
  yield* readPadding(cursor, len);
  return bytes;
}

function* readPadding(cursor: Cursor, len: number): Grammar<void> {
  const pad = padLength(len);
  if (!pad) return;
  const start = cursor.offset;
  const p = yield { n: pad };
  if (p.some((x) => x !== 0)) throw new NarError('non-zero padding', start, cursor.where);
}

/**
 * The grammar of a whole nar: magic then the root node. Calls `emit` for each event; returns the
 * number of bytes the nar took.
 */
export function* narGrammar(cursor: Cursor, emit: (e: NarEvent) => void, limits: NarLimits = {}): Grammar<number> {
  const maxString = limits.maxString ?? 4096;
  const maxDepth = limits.maxDepth ?? 1024;
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

  let tokenAt = 0;
  function* token(): Grammar<string> {
    tokenAt = cursor.offset;
    return latin1(yield* readString(cursor, maxString, 'token'));
  }
  const fail = (reason: string, at = tokenAt): never => {
    throw new NarError(`bad archive: ${reason}`, at, cursor.where);
  };
  function* expect(tok: string, reason: string): Grammar<void> {
    const t = yield* token();
    if (t !== tok) fail(`${reason}, got ${JSON.stringify(t)}`);
  }

  function* node(path: NarPath): Grammar<void> {
    cursor.where = displayPath(path);
    yield* expect('(', 'expected open tag');
    let t = yield* token();
    if (t !== 'type') fail(t === ')' ? 'node has no type field' : `unknown field ${JSON.stringify(t)} before the type field`);
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
        fail(t === ')' ? 'regular file without contents' : `unknown field ${JSON.stringify(t)}`);
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
        fail(t === 'contents' || t === 'executable' ? `repeated ${t} field` : `expected close tag, got ${JSON.stringify(t)}`);
      }
    } else if (kind === 'symlink') {
      t = yield* token();
      if (t !== 'target') {
        if (t === 'type') fail('multiple type fields');
        fail(t === ')' ? 'symbolic link without target' : `unknown field ${JSON.stringify(t)}`);
      }
      const targetAt = cursor.offset;
      const target = yield* readString(cursor, maxString, 'symbolic link target');
      if (!target.length) fail('empty symbolic link target', targetAt);
      if (target.includes(0)) fail('symbolic link target contains a NUL byte', targetAt);
      emit({ type: 'symlink', path, target });
      t = yield* token();
      if (t !== ')') fail(t === 'type' ? 'multiple type fields' : t === 'target' ? 'repeated target field' : `expected close tag, got ${JSON.stringify(t)}`);
    } else if (kind === 'directory') {
      if (path.length >= maxDepth) fail(`directories nested deeper than ${maxDepth}`);
      emit({ type: 'directory', path });
      let prev: Uint8Array | undefined;
      for (;;) {
        cursor.where = displayPath(path);
        t = yield* token();
        if (t === ')') break;
        if (t === 'type') fail('multiple type fields');
        if (t !== 'entry') fail(`unknown field ${JSON.stringify(t)}`);
        yield* expect('(', 'expected open tag');
        t = yield* token();
        if (t !== 'name') fail(t === 'node' ? 'entry name missing' : `unknown field ${JSON.stringify(t)} in entry`);
        const nameAt = cursor.offset;
        const name = yield* readString(cursor, maxString, 'file name');
        if (!name.length || (name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) || name.includes(0x2f) || name.includes(0)) {
          throw new NarError(`NAR contains invalid file name '${showBytes(name)}'`, nameAt, cursor.where);
        }
        if (prev && Buffer.compare(name, prev) <= 0) {
          throw new NarError(`NAR directory is not sorted: '${showBytes(name)}' ${Buffer.compare(name, prev) === 0 ? 'repeats' : 'comes after'} '${showBytes(prev)}'`, nameAt, cursor.where);
        }
        prev = name;
        t = yield* token();
        if (t !== 'node') fail(t === ')' ? `entry '${showBytes(name)}' has no node` : `unknown field ${JSON.stringify(t)} in entry`);
        yield* node([...path, name]);
        cursor.where = displayPath(path);
        t = yield* token();
        if (t !== ')') fail(`expected close tag of entry '${showBytes(name)}', got ${JSON.stringify(t)}`);
      }
    } else {
      fail(`unknown file type ${JSON.stringify(kind)}`);
    }
  }

  yield* node([]);
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
