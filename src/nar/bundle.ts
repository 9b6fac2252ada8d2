// `guix archive --export` streams ("bundles", spec/guix-formats.md §2): a sequence of items, each
// a nar followed by the store path, references and deriver, then the signature. The signed hash
// is SHA-256 over the nar and that metadata (not the item marker, not the signature).
import { createHash } from 'node:crypto';
import { excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';
import { NarError } from './errors.js';
import { EventParser, type Cursor, type Grammar } from './feeder.js';
import { narGrammar, readString, readU64, type NarEvent, type NarLimits } from './reader.js';
import { DEFAULT_STORE_DIR, storePathProblem } from './storepath.js';
import { narStream, type NarWriteOptions } from './writer.js';
import { concatBytes, latin1, str, u64 } from './wire.js';

/** Output pieces smaller than this are gathered before they are handed out. */
const GATHER = 64 << 10;

/** "NIXE": the daemon's export magic, after the nar. */
const EXPORT_MAGIC = 0x4558494e;

export interface ExportItem {
  storePath: string;
  references: readonly string[];
  deriver?: string;
  /** The file tree to archive as that store path's contents. */
  source: string;
}

/** The metadata after an item's nar: magic, path, references (sorted, unique), deriver. */
export function itemMetadata(item: Pick<ExportItem, 'storePath' | 'references' | 'deriver'>): Uint8Array {
  const refs = [...new Set(item.references)].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
  return concatBytes([u64(EXPORT_MAGIC), str(item.storePath), u64(refs.length), ...refs.map((r) => str(r)), str(item.deriver ?? '')]);
}

export interface ExportOptions extends NarWriteOptions {
  /** Called once per item, after it is signed. */
  onItem?: () => void;
}

/**
 * The export stream of `items`, in the given order. `sign` turns the item's SHA-256 into the
 * signature text (raw ISO-8859-1 bytes of the advanced printout, trailing newline included).
 */
export async function* exportBundle(items: readonly ExportItem[], sign: (hash: Uint8Array) => Uint8Array, options: ExportOptions = {}): AsyncGenerator<Uint8Array> {
  // Small pieces (markers, metadata, whole nars of small items) are gathered into chunks of about
  // GATHER bytes: a write per piece made a closure of 10,000 small items wait on 30,000 writes.
  let pending: Uint8Array[] = [];
  let pendingSize = 0;
  const flush = (): Uint8Array => {
    const out = Buffer.concat(pending, pendingSize);
    pending = [];
    pendingSize = 0;
    return out;
  };
  const add = (piece: Uint8Array): void => {
    pending.push(piece);
    pendingSize += piece.length;
  };
  for (const item of items) {
    add(u64(1));
    const h = createHash('sha256');
    for await (const chunk of narStream(item.source, options)) {
      h.update(chunk);
      if (chunk.length >= GATHER) {
        if (pendingSize) yield flush();
        yield chunk;
      } else {
        add(new Uint8Array(chunk)); // a copy: a reused buffer is overwritten by the next read
        if (pendingSize >= GATHER) yield flush();
      }
    }
    const meta = itemMetadata(item);
    h.update(meta);
    const hash = new Uint8Array(h.digest());
    const sig = sign(hash);
    add(concatBytes([meta, u64(1), str(sig)]));
    if (pendingSize >= GATHER) yield flush();
    options.onItem?.();
  }
  add(u64(0));
  yield flush();
}

/** One item as read from a bundle. */
export interface BundleItem {
  /** 1-based position in the bundle. */
  index: number;
  storePath: string;
  references: string[];
  deriver: string;
  narSize: number;
  /** SHA-256 of the nar and metadata: what the signature must sign. */
  hash: Uint8Array;
  /** The signature text (raw bytes), absent when the item's flag says unsigned. */
  signature?: Uint8Array;
  /** Byte offset of the item's marker in the bundle. */
  offset: number;
}

export type BundleEvent =
  | { type: 'item-start'; index: number; offset: number }
  | { type: 'nar'; index: number; event: NarEvent }
  | { type: 'item'; item: BundleItem };

export interface BundleLimits extends NarLimits {
  /** Store directory items must be direct children of (default /gnu/store). */
  storeDir?: string;
  /** Longest signature text (default 64 KiB; an RSA-4096 signature is about 2 KiB). */
  maxSignature?: number;
}

function* bundleGrammar(cursor: Cursor, emit: (e: BundleEvent) => void, limits: BundleLimits = {}): Grammar<number> {
  const dir = limits.storeDir ?? DEFAULT_STORE_DIR;
  const maxSignature = limits.maxSignature ?? 65536;
  const fail = (reason: string, at: number): never => {
    throw new NarError(reason, at);
  };
  // Stricter than the daemon (see storepath.ts): `/gnu/store/..` must not verify as an item.
  const checkPath = (p: string, what: string, which: string, at: number): void => {
    const problem = storePathProblem(p, dir, what);
    if (problem) fail(`${problem} (${which})`, at);
  };
  let index = 0;
  for (;;) {
    cursor.where = undefined;
    cursor.eofMessage = index ? `unexpected end of bundle after item ${index} (no end marker)` : 'unexpected end of input: not an archive bundle';
    const at = cursor.offset;
    const marker = yield* readU64(cursor);
    if (marker === 0n) return index;
    if (marker !== 1n) fail("input doesn't look like something created by 'nix-store --export'", at);
    index++;
    emit({ type: 'item-start', index, offset: at });
    const h = createHash('sha256');
    cursor.tap = (b) => h.update(b);
    const narSize = yield* narGrammar(cursor, (event) => emit({ type: 'nar', index, event }), limits);
    cursor.where = undefined;
    cursor.eofMessage = `unexpected end of bundle in item ${index}`;
    const magicAt = cursor.offset;
    const magic = yield* readU64(cursor);
    if (magic !== BigInt(EXPORT_MAGIC)) fail(`normalized archive cannot be imported; wrong format (item ${index})`, magicAt);
    const pathAt = cursor.offset;
    const storePath = latin1(yield* readString(cursor, 4096, 'store path'));
    checkPath(storePath, 'store path', `item ${index}`, pathAt);
    const countAt = cursor.offset;
    const count = yield* readU64(cursor);
    if (count > 1_000_000n) fail(`item ${index} claims ${count} references`, countAt);
    const references: string[] = [];
    for (let i = 0n; i < count; i++) {
      const refAt = cursor.offset;
      const ref = latin1(yield* readString(cursor, 4096, 'reference'));
      checkPath(ref, 'reference', `of item ${index}`, refAt);
      references.push(ref);
    }
    const derivAt = cursor.offset;
    const deriver = latin1(yield* readString(cursor, 4096, 'deriver'));
    if (deriver) checkPath(deriver, 'deriver', `of item ${index}`, derivAt);
    cursor.tap = undefined;
    const hash = new Uint8Array(h.digest());
    const flagAt = cursor.offset;
    const flag = yield* readU64(cursor);
    const item: BundleItem = { index, storePath, references, deriver, narSize, hash, offset: at };
    if (flag === 1n) item.signature = yield* readString(cursor, maxSignature, 'signature');
    else if (flag !== 0n) fail(`invalid signature marker ${flag} in item ${index}`, flagAt);
    emit({ type: 'item', item });
  }
}

/** Push parser for bundles; `end()` checks the end marker was read and returns the item count. */
export class BundleParser extends EventParser<BundleEvent, number> {
  constructor(limits: BundleLimits = {}) {
    super((cursor, emit) => bundleGrammar(cursor, emit, limits), 'trailing data after the end of the bundle');
  }
}

/** The messages the daemon gives for a failed import (local-store.cc / guix authenticate). */
export const TROJAN_MESSAGE =
  "signed hash doesn't match actual contents of imported archive; archive could be corrupt, or someone is trying to import a Trojan horse";
export const lacksSignature = (p: string): string => `imported archive of '${p}' lacks a signature`;

/**
 * Topological order, dependencies first, otherwise as given; refuses cycles. Iterative (an
 * explicit stack), so a chain of 10,000 items does not overflow the call stack.
 */
export function orderItems<T extends { storePath: string; references: readonly string[] }>(items: readonly T[]): T[] {
  const byPath = new Map<string, T>();
  for (const i of items) {
    if (byPath.has(i.storePath)) throw new KeytoolError(`store path '${excerpt(i.storePath)}' given twice`, 2);
    byPath.set(i.storePath, i);
  }
  const out: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of items) {
    if (state.has(root.storePath)) continue;
    state.set(root.storePath, 'visiting');
    const stack: { item: T; deps: string[]; next: number }[] = [{ item: root, deps: [...root.references].sort(), next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.deps.length) {
        const r = top.deps[top.next++]!;
        const dep = byPath.get(r);
        if (!dep || r === top.item.storePath) continue;
        const s = state.get(r);
        if (s === 'done') continue;
        if (s === 'visiting') throw new KeytoolError(`cycle detected in the references of '${excerpt(dep.storePath)}'`);
        state.set(r, 'visiting');
        stack.push({ item: dep, deps: [...dep.references].sort(), next: 0 });
      } else {
        stack.pop();
        state.set(top.item.storePath, 'done');
        out.push(top.item);
      }
    }
  }
  return out;
}
