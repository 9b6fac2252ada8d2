// Spec appendix A.2 (guix-formats.md, verified there against libgcrypt 1.10.1 / Guix): nar bytes,
// their SHA-256 and the NarHash printed in Nix base32.
import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { fromNixBase32, toNixBase32 } from '../../src/nar/base32.js';
import { narPathNames, parseNar } from '../../src/nar/reader.js';
import { appendixTree, fromHexBlocks, helloFile, narOf, scratch, sha256hex } from './helpers.js';

const HELLO_NAR = fromHexBlocks(`
0d00000000000000 6e69782d61726368 6976652d31000000 0100000000000000
2800000000000000 0400000000000000 7479706500000000 0700000000000000
726567756c617200 0800000000000000 636f6e74656e7473 0600000000000000
68656c6c6f0a0000 0100000000000000 2900000000000000`);

describe('appendix A.2 nar vectors', () => {
  const dir = scratch('vectors');

  it('a regular file holding "hello\\n" gives the 120 bytes of A.2', async () => {
    const nar = await narOf(helloFile(dir, 0o644));
    expect(nar.length).toBe(120);
    expect(nar.equals(HELLO_NAR)).toBe(true);
    expect(sha256hex(nar)).toBe('1c37d01af40be2e80691de3cc3df44377a699afbb17c68f080964b2fd071fc13');
  });

  it('the same file with mode 0755 gets the executable marker and its own hash', async () => {
    const nar = await narOf(helloFile(dir, 0o755));
    const h = sha256hex(nar);
    expect(h.startsWith('65436039d3f93ca1')).toBe(true);
    expect(h.endsWith('533010fa')).toBe(true);
  });

  it('the A.2 directory gives 1072 bytes, its SHA-256 and NarHash, entries in byte order', async () => {
    const nar = await narOf(appendixTree(`${dir}/tree`));
    expect(nar.length).toBe(1072);
    const digest = Buffer.from(sha256hex(nar), 'hex');
    expect(digest.toString('hex')).toBe('27c78d5a51bdd564cd5742ad294321e74a0534bebb4a27f219a01f19a7954de4');
    expect(`sha256:${toNixBase32(digest)}`).toBe('sha256:1r2djnkij7x037r2fjmvpqs0ajp7451jkba2az6n9mdxa5d8vir7');
    const names = parseNar(nar).filter((e) => e.type !== 'data' && e.type !== 'file-end').map((e) => ('path' in e ? narPathNames(e.path).map((c) => Buffer.from(c).toString()).join('/') : ''));
    expect(names).toEqual(['', 'B', 'a.txt', 'link', 'sub', 'sub/run.sh']);
  });

  it('Nix base32 decodes back to the digest', () => {
    const text = '1r2djnkij7x037r2fjmvpqs0ajp7451jkba2az6n9mdxa5d8vir7';
    expect(Buffer.from(fromNixBase32(text)).toString('hex')).toBe('27c78d5a51bdd564cd5742ad294321e74a0534bebb4a27f219a01f19a7954de4');
    expect(() => fromNixBase32('e'.repeat(52))).toThrow(/invalid character "e"/);
    expect(() => fromNixBase32('1'.repeat(51))).toThrow(/bad length/);
  });
});

describe('Nix base32, properties', () => {
  fcTest.prop([fc.uint8Array({ maxLength: 64 })])('decode(encode(x)) = x, with ceil(8n/5) characters of the alphabet', (bytes) => {
    const text = toNixBase32(bytes);
    expect(text.length).toBe(Math.ceil((bytes.length * 8) / 5));
    expect(text).toMatch(/^[0123456789abcdfghijklmnpqrsvwxyz]*$/);
    expect(Buffer.from(fromNixBase32(text)).equals(Buffer.from(bytes))).toBe(true);
  });
});
