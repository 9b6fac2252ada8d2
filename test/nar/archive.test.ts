// Bundles: tampering gives the daemon's verdicts and messages (flipped nar byte, changed
// reference, swapped signatures, unauthorized key, missing signature, bad marker), and libgcrypt
// interop both ways (signatures made by libgcrypt through the oracle verify here; ours verify
// with libgcrypt's gcry_pk_verify).
import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { parseSexp, printAdvanced } from '../../src/sexp/index.js';
import type { SexpList } from '../../src/sexp/model.js';
import { keyPairFromSexp, signHash, type KeyPair } from '../../src/crypto/index.js';
import { BundleParser, exportBundle, TROJAN_MESSAGE, type BundleItem, type ExportItem } from '../../src/nar/bundle.js';
import { judgeItem } from '../../src/nar/cli/archive.js';
import type { TrustedKeys } from '../../src/nar/cli/acl.js';
import { oracle } from '../support/oracle.js';
import { appendixTree, collect, DEP, HELLO, helloFile, scratch } from './helpers.js';
import { a1Pair, A1_PUBLIC, interopKeys, libgcryptKeys, writeVectorKey } from './keys.js';

const OTHER = '/gnu/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-other';

const trust = (keys: string[]): TrustedKeys => ({ keys: keys.map((k) => parseSexp(k) as SexpList), source: 'test ACL', label: () => undefined });
const signer = (pair: KeyPair) => (h: Uint8Array): Uint8Array => printAdvanced(signHash(pair, h));

function readBundle(bytes: Uint8Array): BundleItem[] {
  const p = new BundleParser();
  const items = p.push(bytes).flatMap((e) => (e.type === 'item' ? [e.item] : []));
  p.end();
  return items;
}

const verdicts = (bytes: Uint8Array, acl: TrustedKeys): { status: string; message: string }[] => readBundle(bytes).map((i) => {
  const { status, message } = judgeItem(i, acl);
  return { status, message };
});

describe('bundle tampering', () => {
  let items: ExportItem[];
  let bundle: Buffer;
  const acl = trust([A1_PUBLIC]);
  beforeAll(async () => {
    const d = scratch('tamper');
    items = [
      { storePath: DEP, references: [], source: helloFile(d) },
      { storePath: HELLO, references: [DEP], deriver: '', source: appendixTree(path.join(d, 'tree')) },
    ];
    bundle = await collect(exportBundle(items, signer(a1Pair())));
  });

  it('untouched: both items valid', () => {
    expect(verdicts(bundle, acl).map((v) => v.status)).toEqual(['valid', 'valid']);
  });

  it('one flipped byte of file contents in a nar: the Trojan horse message for that item only', () => {
    const b = Buffer.from(bundle);
    const at = b.indexOf('#!/bin/sh');
    b[at + 2] ^= 0x01;
    expect(verdicts(b, acl)).toEqual([
      { status: 'valid', message: 'valid signature' },
      { status: 'hash-mismatch', message: TROJAN_MESSAGE },
    ]);
  });

  it('a changed reference (still a store path): Trojan horse', () => {
    const b = Buffer.from(bundle);
    const at = b.lastIndexOf(DEP); // the reference of item 2 (item 1's path comes earlier)
    b.write('zyxwvsrqpnmlkjihgfdcba9876543211', at + '/gnu/store/'.length, 'latin1');
    const v = verdicts(b, acl);
    expect(v[1]).toEqual({ status: 'hash-mismatch', message: TROJAN_MESSAGE });
    expect(readBundle(b)[1]!.references[0]).toContain('9876543211-dep');
  });

  it('swapped signatures between items: each valid for the other hash, so Trojan horse', async () => {
    const [one, two] = readBundle(bundle);
    const swapped = await collect(exportBundle(items, (h) => (Buffer.from(h).equals(Buffer.from(one!.hash)) ? two!.signature! : one!.signature!)));
    expect(verdicts(swapped, acl).map((v) => v.status)).toEqual(['hash-mismatch', 'hash-mismatch']);
  });

  it("another signature's sig-val under this item's data: invalid signature", async () => {
    const [one, two] = readBundle(bundle);
    const sigVal = (t: Uint8Array): string => /\(sig-val[\s\S]*?\n  \)/.exec(Buffer.from(t).toString('latin1'))![0];
    const forged = Buffer.from(Buffer.from(two!.signature!).toString('latin1').replace(sigVal(two!.signature!), sigVal(one!.signature!)), 'latin1');
    const b = await collect(exportBundle(items, (h) => (Buffer.from(h).equals(Buffer.from(two!.hash)) ? forged : one!.signature!)));
    expect(verdicts(b, acl)[1]!.status).toBe('invalid');
    expect(verdicts(b, acl)[1]!.message).toMatch(/^invalid signature/);
  });

  it('a key missing from the ACL: unauthorized public key, with its fingerprint', () => {
    const other = libgcryptKeys().find((k) => k.label === 'ecdsa-p256')!;
    const v = verdicts(bundle, trust([Buffer.from(other.public_key_file, 'hex').toString('latin1')]));
    expect(v[0]!.status).toBe('unauthorized');
    expect(v[0]!.message).toMatch(/^unauthorized public key [0-9a-f]{64} \(not in test ACL\)$/);
  });

  it('signature flag 0: lacks a signature; corrupt signature data', async () => {
    const unsigned = Buffer.from(bundle);
    // Replace item 1's "u64(1) str(sig)" by u64(0): rebuild from parts.
    const [one] = readBundle(bundle);
    const sigStart = unsigned.indexOf(Buffer.from(one!.signature!)) - 16;
    const sigEnd = sigStart + 16 + one!.signature!.length + ((8 - (one!.signature!.length % 8)) % 8);
    const b = Buffer.concat([unsigned.subarray(0, sigStart), Buffer.alloc(8), unsigned.subarray(sigEnd)]);
    expect(verdicts(b, acl)[0]).toEqual({ status: 'unsigned', message: `imported archive of '${DEP}' lacks a signature` });
    const corrupt = await collect(exportBundle(items.slice(0, 1), () => Buffer.from('(signature (sig-val))\n')));
    expect(verdicts(corrupt, acl)[0]!.message).toMatch(/^corrupt signature data/);
    const garbage = await collect(exportBundle(items.slice(0, 1), () => Buffer.from('wrong')));
    expect(verdicts(garbage, acl)[0]!.status).toBe('corrupt');
  });

  it('structural errors: item marker 2, wrong magic, path outside the store, missing end marker', () => {
    const b = Buffer.from(bundle);
    b[0] = 2;
    expect(() => readBundle(b)).toThrow(/input doesn't look like something created by 'nix-store --export' \(at byte 0\)/);
    const m = Buffer.from(bundle);
    m[m.indexOf('NIXE')] = 0x4f;
    expect(() => readBundle(m)).toThrow(/normalized archive cannot be imported; wrong format \(item 1\)/);
    const p = Buffer.from(bundle);
    p.write('/gnu/stor', p.indexOf(DEP), 'latin1');
    p.write('X', p.indexOf(DEP.slice(0, 9)) + 9); // "/gnu/storX/..." is not in the store
    expect(() => readBundle(p)).toThrow(/is not in the store \/gnu\/store \(item 1\)/);
    expect(() => readBundle(bundle.subarray(0, bundle.length - 8))).toThrow(/unexpected end of bundle after item 2/);
    expect(() => readBundle(Buffer.concat([bundle, Buffer.alloc(8)]))).toThrow(/trailing data after the end of the bundle/);
  });

  it('an empty bundle is 8 zero bytes', async () => {
    expect((await collect(exportBundle([], () => new Uint8Array()))).equals(Buffer.alloc(8))).toBe(true);
    expect(readBundle(Buffer.alloc(8))).toEqual([]);
  });

  it('every split of a bundle gives the same items', () => {
    const flat = (i: BundleItem) => ({ ...i, hash: Buffer.from(i.hash).toString('hex'), signature: Buffer.from(i.signature!).toString('hex') });
    const whole = readBundle(bundle).map(flat);
    for (let cut = 0; cut <= bundle.length; cut += 7) {
      const p = new BundleParser();
      const got = [...p.push(bundle.subarray(0, cut)), ...p.push(bundle.subarray(cut))].flatMap((e) => (e.type === 'item' ? [flat(e.item)] : []));
      p.end();
      expect(got).toEqual(whole);
    }
  });
});

describe('bundle interop with libgcrypt', () => {
  const d = scratch('interop');
  for (const k of interopKeys()) {
    it(`${k.label}: libgcrypt's signature of our item hash verifies here; ours verifies with libgcrypt`, async () => {
      const dir = path.join(d, k.label);
      const { sec: secText, pub: pubText, secFile, pubFile } = writeVectorKey(dir, k);
      const item: ExportItem = { storePath: HELLO, references: [DEP], source: helloFile(dir) };
      // libgcrypt signs (through gcry-oracle), we verify.
      const theirs = await collect(exportBundle([item], (h) => {
        const r = oracle(['sign', secFile, pubFile, Buffer.from(h).toString('hex').toUpperCase()]);
        expect(r.status).toBe(0);
        return r.stdout;
      }));
      const acl = trust([pubText.toString('latin1')]);
      expect(verdicts(theirs, acl)).toEqual([{ status: 'valid', message: 'valid signature' }]);
      // We sign, libgcrypt verifies, and the two signature texts are identical (deterministic).
      const pair = keyPairFromSexp(parseSexp(secText), parseSexp(pubText));
      const ours = await collect(exportBundle([item], signer(pair)));
      const [mine] = readBundle(ours);
      expect(oracle(['verify'], mine!.signature!).stdout.toString()).toBe('ok\n');
      expect(Buffer.from(mine!.signature!).equals(Buffer.from(readBundle(theirs)[0]!.signature!))).toBe(true);
    });
  }

  it('a libgcrypt signature whose hash prints as a Latin-1 quoted string survives the bundle round trip', async () => {
    const k = libgcryptKeys()[0]!;
    const cafe = k.signatures.find((s) => s.hash.startsWith('636166e9'))!;
    const text = Buffer.from(cafe.signature, 'hex');
    expect(text.includes(0xe9)).toBe(true);
    const b = await collect(exportBundle([{ storePath: OTHER, references: [], source: helloFile(scratch('latin1')) }], () => text));
    const [item] = readBundle(b);
    expect(Buffer.from(item!.signature!).equals(text)).toBe(true);
    // Readable and valid for the café hash, so the only complaint is the hash: Trojan horse.
    expect(judgeItem(item!, trust([Buffer.from(k.public_key_file, 'hex').toString('latin1')])).status).toBe('hash-mismatch');
  });
});
