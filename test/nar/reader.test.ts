// The nar reader: round trips with the writer over generated trees, every split of the input,
// and each rejection the daemon makes (spec/guix-formats.md §1 and §6), with what and where.
import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { chmodSync, mkdirSync, readFileSync, readdirSync, readlinkSync, lstatSync, writeFileSync, symlinkSync, rmSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { NAR_ROOT, NarParser, narPathNames, parseNar, type NarEvent, type NarPath } from '../../src/nar/reader.js';
import { restoreNar } from '../../src/nar/restore.js';
import { narStream } from '../../src/nar/writer.js';
import { str, u64, concatBytes } from '../../src/nar/wire.js';
import { NarError } from '../../src/nar/errors.js';
import { appendixTree, collect, narOf, scratch } from './helpers.js';

/** A nar built token by token: strings become str(), numbers u64, Uint8Arrays go in raw. */
const nar = (...parts: (string | number | bigint | Uint8Array)[]): Uint8Array =>
  concatBytes(parts.map((p) => (typeof p === 'string' ? str(p) : typeof p === 'number' || typeof p === 'bigint' ? u64(p) : p)));

const file = (data: string, exec = false): string[] => ['(', 'type', 'regular', ...(exec ? ['executable', ''] : []), 'contents', data, ')'];
const entry = (name: string | Uint8Array, node: (string | Uint8Array)[]): (string | Uint8Array)[] => ['entry', '(', 'name', typeof name === 'string' ? name : str(name), 'node', ...node, ')'];
const dir = (...entries: (string | Uint8Array)[][]): (string | Uint8Array)[] => ['(', 'type', 'directory', ...entries.flat(), ')'];

function rejects(bytes: Uint8Array, message: RegExp): NarError {
  let err: unknown;
  try {
    parseNar(bytes);
  } catch (e) {
    err = e;
  }
  expect(err, 'the nar should be rejected').toBeInstanceOf(NarError);
  expect((err as Error).message).toMatch(message);
  return err as NarError;
}

/** Events with data merged per file, comparable across input splits. */
function normalise(events: NarEvent[]): unknown[] {
  const out: unknown[] = [];
  for (const e of events) {
    const last = out[out.length - 1] as { type: string; data?: number[] } | undefined;
    if (e.type === 'data') last!.data!.push(...e.bytes);
    else if (e.type === 'file') out.push({ ...e, path: narPathNames(e.path).map((c) => Buffer.from(c).toString('latin1')), data: [] });
    else if (e.type === 'file-end') continue;
    else out.push({ ...e, path: narPathNames(e.path).map((c) => Buffer.from(c).toString('latin1')), ...('target' in e ? { target: Buffer.from(e.target).toString('latin1') } : {}) });
  }
  return out;
}

describe('nar reader, rejections (daemon rules)', () => {
  const MAGIC = 'nix-archive-1';
  it('a well-formed hand-built nar parses', () => {
    expect(normalise(parseNar(nar(MAGIC, ...dir(entry('a', file('x')), entry('b', file('', true))))))).toHaveLength(3);
  });
  it('wrong magic, and input too short to hold one', () => {
    rejects(nar('nix-archive-2', ...file('x')), /input doesn't look like a normalized archive \(at byte 0\)/);
    rejects(new Uint8Array(3), /input doesn't look like a normalized archive/);
    rejects(nar(1n << 40n), /input doesn't look like a normalized archive/);
  });
  it('missing open tag', () => rejects(nar(MAGIC, 'type'), /expected open tag, got "type" \(at byte 24 in "\/"\)/));
  it('double type field', () => rejects(nar(MAGIC, '(', 'type', 'regular', 'type', 'regular', 'contents', 'x', ')'), /multiple type fields/));
  it('unknown file type (fifo, device)', () => rejects(nar(MAGIC, '(', 'type', 'fifo', ')'), /unknown file type "fifo"/));
  it('contents in a directory is an unknown field', () => rejects(nar(MAGIC, '(', 'type', 'directory', 'contents', 'x', ')'), /unknown field "contents"/));
  it('names: "..", ".", "a/b", NUL, empty', () => {
    for (const bad of ['..', '.', 'a/b', 'a\0b', '']) {
      const e = rejects(nar(MAGIC, ...dir(entry(bad, file('x')))), /NAR contains invalid file name/);
      expect(e.offset).toBeGreaterThan(0);
    }
  });
  it('unsorted and duplicate names', () => {
    rejects(nar(MAGIC, ...dir(entry('b', file('x')), entry('a', file('x')))), /NAR directory is not sorted: 'a' comes after 'b'/);
    rejects(nar(MAGIC, ...dir(entry('a', file('x')), entry('a', file('x')))), /NAR directory is not sorted: 'a' repeats 'a'/);
    // Byte order, not locale order: "B" (0x42) sorts before "a" (0x61).
    rejects(nar(MAGIC, ...dir(entry('a.txt', file('x')), entry('B', file('x')))), /not sorted/);
  });
  it('non-zero padding, in contents and in a name', () => {
    const good = nar(MAGIC, ...file('hello\n'));
    const bad = Uint8Array.from(good);
    bad[good.length - 16 - 1] = 1; // the last padding byte of the contents
    rejects(bad, /non-zero padding \(at byte 102 in "\/"\)/);
    const named = nar(MAGIC, ...dir(entry('abc', file('x'))));
    const bad2 = Uint8Array.from(named);
    const at = Buffer.from(named).indexOf('abc') + 3;
    bad2[at] = 7;
    rejects(bad2, /non-zero padding/);
  });
  it('string length above 32 bits (daemon readInt), file size is a full 64-bit value', () => {
    rejects(nar(MAGIC, (1n << 32n) + 1n), /cannot deal with > 32-bit integers/);
    rejects(nar(MAGIC, '(', 'type', 'regular', 'contents', 1n << 60n), /file size 1152921504606846976 is too large/);
  });
  it('truncated input names the end of archive and the node', () => {
    const good = nar(MAGIC, ...dir(entry('f', file('hello world'))));
    rejects(good.subarray(0, good.length - 40), /unexpected end of archive \(at byte \d+ in "\/f"\)/);
  });
  it('trailing data after the archive', () => rejects(nar(MAGIC, ...file('x'), 'junk'), /trailing data/));
  it('executable marker with a value, file without contents, symlink without target', () => {
    rejects(nar(MAGIC, '(', 'type', 'regular', 'executable', 'yes', 'contents', 'x', ')'), /executable marker has a value/);
    rejects(nar(MAGIC, '(', 'type', 'regular', ')'), /regular file without contents/);
    rejects(nar(MAGIC, '(', 'type', 'symlink', ')'), /symbolic link without target/);
    rejects(nar(MAGIC, '(', 'type', 'symlink', 'target', '', ')'), /empty symbolic link target/);
  });
  it('entry without name, unknown field in entry, missing node', () => {
    rejects(nar(MAGIC, '(', 'type', 'directory', 'entry', '(', 'node', ...file('x'), ')', ')'), /entry name missing/);
    rejects(nar(MAGIC, '(', 'type', 'directory', 'entry', '(', 'label', 'a', ')', ')'), /unknown field "label" in entry/);
    rejects(nar(MAGIC, '(', 'type', 'directory', 'entry', '(', 'name', 'a', ')', ')'), /entry 'a' has no node/);
  });
  it('too deep nesting and overlong names are refused before allocating', () => {
    let node: (string | Uint8Array)[] = file('x');
    for (let i = 0; i < 1100; i++) node = dir(entry('d', node));
    rejects(nar(MAGIC, ...node), /nested deeper than 1024/);
    rejects(nar(MAGIC, '(', 'type', 'symlink', 'target', 1_000_000), /symbolic link target of 1000000 bytes is longer than the limit of 4096/);
  });
});

describe('nar reader, streaming', () => {
  it('gives the same events for every split of the A.2 directory nar', async () => {
    const bytes = await narOf(appendixTree(`${scratch('split')}/t`));
    const whole = normalise(parseNar(bytes));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const p = new NarParser();
      const ev = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut))];
      expect(p.end()).toBe(bytes.length);
      expect(normalise(ev)).toEqual(whole);
    }
    // Through one reused buffer (as `keytool nar unpack FILE` reads): the parser must copy what
    // it keeps, so scribbling over the buffer after each push changes nothing.
    for (const size of [1, 3, 8, 13, 64]) {
      const p = new NarParser();
      const shared = Buffer.alloc(size);
      const ev: NarEvent[] = [];
      const copy = (e: NarEvent): NarEvent => {
        const c = { ...e } as NarEvent & { path?: NarPath; bytes?: Uint8Array; target?: Uint8Array };
        if ('path' in e) c.path = narPathNames(e.path).reduce<NarPath>((parent, x) => ({ parent, name: Uint8Array.from(x), depth: parent.depth + 1 }), NAR_ROOT);
        if ('bytes' in e) c.bytes = Uint8Array.from(e.bytes);
        if ('target' in e) c.target = Uint8Array.from(e.target);
        return c;
      };
      for (let i = 0; i < bytes.length; i += size) {
        const n = bytes.copy(shared, 0, i, Math.min(i + size, bytes.length));
        ev.push(...p.push(shared.subarray(0, n)).map(copy));
        shared.fill(0xee);
      }
      p.end();
      expect(normalise(ev)).toEqual(whole);
    }
    // And byte by byte.
    const p = new NarParser();
    const ev: NarEvent[] = [];
    for (let i = 0; i < bytes.length; i++) {
      // data events are views on the one-byte chunks; normalise copies them out right away
      ev.push(...p.push(bytes.subarray(i, i + 1)));
    }
    p.end();
    expect(normalise(ev)).toEqual(whole);
  });
});

// Generated trees: names include the byte-order traps (`B` vs `a.txt`), lengths 8 and 9, and
// non-ASCII; contents include empty files and sizes that are multiples of 8.
type Tree = { kind: 'file'; data: Uint8Array; exec: boolean } | { kind: 'link'; target: string } | { kind: 'dir'; entries: Record<string, Tree> };
const nameArb = fc.oneof(
  fc.constantFrom('B', 'a.txt', 'a', 'abcdefgh', 'abcdefghi', 'Z', 'é', '日本', '.hidden', 'a b', '-x'),
  fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/).filter((s) => s !== '.' && s !== '..'),
);
const dataArb = fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 4 }).map((k) => new Uint8Array(8 * k).fill(k)));
const { tree: treeArb } = fc.letrec<{ tree: Tree; dir: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('file' as const), data: dataArb, exec: fc.boolean() }),
    fc.record({ kind: fc.constant('link' as const), target: fc.constantFrom('a.txt', '/gnu/store/x', '../up', 'dangling') }),
    tie('dir'),
  ),
  dir: fc.record({ kind: fc.constant('dir' as const), entries: fc.dictionary(nameArb, tie('tree'), { maxKeys: 5 }) }),
}));

function materialise(t: Tree, p: string): void {
  if (t.kind === 'file') {
    writeFileSync(p, t.data);
    chmodSync(p, t.exec ? 0o755 : 0o644);
  } else if (t.kind === 'link') symlinkSync(t.target, p);
  else {
    mkdirSync(p);
    for (const [name, sub] of Object.entries(t.entries)) materialise(sub, path.join(p, name));
  }
}

function describeTree(p: string): unknown {
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return { link: readlinkSync(p) };
  if (st.isFile()) return { data: readFileSync(p).toString('hex'), exec: (st.mode & 0o100) !== 0 };
  return Object.fromEntries(readdirSync(p).sort().map((n) => [n, describeTree(path.join(p, n))]));
}

describe('nar round trips', () => {
  const root = scratch('prop');
  let n = 0;
  fcTest.prop([treeArb], { numRuns: 60 })('pack → unpack → pack gives the same bytes and the same tree', async (t) => {
    const src = path.join(root, `src${n}`);
    const dst = path.join(root, `dst${n++}`);
    materialise(t, src);
    const bytes = await narOf(src);
    await restoreNar((async function* () { yield bytes; })(), dst);
    expect(describeTree(dst)).toEqual(describeTree(src));
    expect((await narOf(dst)).equals(bytes)).toBe(true);
    rmSync(src, { recursive: true, force: true });
    rmSync(dst, { recursive: true, force: true });
  });

  it('unpack refuses to overwrite and leaves nothing behind on a bad nar', async () => {
    const d = scratch('refuse');
    const bytes = await narOf(appendixTree(path.join(d, 'src')));
    await expect(restoreNar((async function* () { yield bytes; })(), path.join(d, 'src'))).rejects.toThrow(/already exists; refusing to overwrite/);
    const broken = Uint8Array.from(bytes);
    broken[broken.length - 8] = 0x41; // corrupt the final close tag
    await expect(restoreNar((async function* () { yield broken; })(), path.join(d, 'out'))).rejects.toThrow(/bad archive/);
    expect(readdirSync(d)).toEqual(['src']);
  });

  it('a FIFO is refused with the file named', async () => {
    const d = scratch('fifo');
    execFileSync('mkfifo', [path.join(d, 'pipe')]);
    await expect(collect(narStream(d))).rejects.toThrow(/file '.*\/pipe' has an unsupported type \(fifo\)/);
  });

  it('a symbolic link at the root is archived as a link, not followed', async () => {
    const d = scratch('rootlink');
    symlinkSync('/nonexistent/target', path.join(d, 'l'));
    const ev = parseNar(await narOf(path.join(d, 'l')));
    expect(ev).toHaveLength(1);
    expect(ev[0]!.type).toBe('symlink');
    expect(existsSync(path.join(d, 'l'))).toBe(false); // dangling, still archived
  });
});
