// key-params.ts and point-check.ts decide without noble's curves whether a public key is usable
// (what `keytool list` and `show` say); keys.ts decides with them. Held to the same verdicts:
// the curve numbers against noble's, q decoding on random, valid and edge encodings, and
// checkPublicKey against publicKeyFromSexp on every vector key and its mutations.
import { fc, test } from '@fast-check/vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { ED25519_PARAMS } from '../../src/crypto/curve-names.js';
import { decodeEd25519Point } from '../../src/crypto/ecdsa-ed25519.js';
import { decodeWeierstrassPoint, WEIERSTRASS_CURVES, type WeierstrassCurve } from '../../src/crypto/ecdsa-weierstrass.js';
import { publicKeyFromSexp } from '../../src/crypto/index.js';
import { checkPublicKey } from '../../src/crypto/key-params.js';
import { bigIntToBytes } from '../../src/crypto/mpi.js';
import { isEd25519Point, isWeierstrassPoint } from '../../src/crypto/point-check.js';
import { KeytoolError } from '../../src/errors.js';
import { parseSexp, printAdvanced } from '../../src/sexp/index.js';
import type { Sexp } from '../../src/sexp/model.js';
import { parseHex, vectorKeys } from './fixtures.js';

const byteLength = (p: bigint) => Math.ceil(p.toString(2).length / 8);

describe('curve numbers', () => {
  it('are noble\'s', () => {
    const ed = ed25519.Point.CURVE();
    expect([ED25519_PARAMS.p, ED25519_PARAMS.d]).toEqual([ed.p, ed.d]);
    for (const c of WEIERSTRASS_CURVES) {
      const w = c.Point.CURVE();
      expect([c.p, c.a, c.b], c.name).toEqual([w.p, w.a, w.b]);
    }
  });
});

/** Encodings of points of `c` and near misses: valid, x or y ≥ p, off the curve, wrong heads. */
function weierstrassEncodings(c: WeierstrassCurve, k: bigint): Uint8Array[] {
  const len = byteLength(c.p);
  const P = c.Point.BASE.multiply(k);
  const { x, y } = P.toAffine();
  const enc = (head: number, ...coords: bigint[]) => Uint8Array.from([head, ...coords.flatMap((v) => [...bigIntToBytes(v % (1n << BigInt(8 * len)), len)])]);
  return [
    P.toBytes(false), P.toBytes(true), enc(0x04, x, y + 1n), enc(0x04, x + c.p, y), enc(0x04, x, y + c.p), enc(0x02, x + c.p), enc(0x03, x + 1n),
    enc(0x06, x, y), enc(0x05, x), enc(0x00), Uint8Array.of(0x00), enc(0x04, 0n, 0n), enc(0x02, 0n), P.toBytes(false).subarray(1), new Uint8Array(),
  ];
}

describe('q decoding', () => {
  it.each(WEIERSTRASS_CURVES.map((c) => [c.name, c] as const))('%s: edge encodings', (_n, c) => {
    for (const k of [1n, 2n, 3n, c.group.n - 1n, 0x1234567n]) {
      for (const q of weierstrassEncodings(c, k)) expect(isWeierstrassPoint(c, q), Buffer.from(q).toString('hex')).toBe(decodeWeierstrassPoint(c, q) !== undefined);
    }
  });

  test.prop([fc.constantFrom(...WEIERSTRASS_CURVES), fc.uint8Array({ minLength: 1, maxLength: 140 }), fc.boolean()], { numRuns: 400 })(
    'Weierstrass: random bytes, also with a well-formed head and length',
    (c, bytes, shaped) => {
      const len = byteLength(c.p);
      const q = shaped ? Uint8Array.from({ length: 1 + (bytes[0]! & 1 ? len : 2 * len) }, (_v, i) => (i === 0 ? (bytes[0]! & 1 ? 2 + (bytes[1]! & 1) : 4) : bytes[i % bytes.length]!)) : bytes;
      expect(isWeierstrassPoint(c, q)).toBe(decodeWeierstrassPoint(c, q) !== undefined);
    },
  );

  it('Ed25519: edge encodings', () => {
    const G = ed25519.Point.BASE.toBytes();
    const flip = (b: Uint8Array, i: number, m: number) => Uint8Array.from(b, (v, j) => (j === i ? v ^ m : v));
    const le = (v: bigint, sign = 0) => Uint8Array.from(bigIntToBytes(v, 32).reverse(), (b, i) => (i === 31 ? b | sign : b));
    const p = ED25519_PARAMS.p;
    const cases = [G, flip(G, 31, 0x80), flip(G, 0, 1), Uint8Array.of(0x40, ...G), Uint8Array.of(0x41, ...G), G.subarray(1), new Uint8Array(32)];
    for (const y of [0n, 1n, p - 1n, p, p + 1n, (1n << 255n) - 1n]) cases.push(le(y), le(y, 0x80));
    for (const q of cases) expect(isEd25519Point(q), Buffer.from(q).toString('hex')).toBe(decodeEd25519Point(q) !== undefined);
  });

  test.prop([fc.uint8Array({ minLength: 32, maxLength: 32 })], { numRuns: 400 })('Ed25519: random encodings', (q) => {
    expect(isEd25519Point(q)).toBe(decodeEd25519Point(q) !== undefined);
  });
});

/** What publicKeyFromSexp says of `s`, as checkPublicKey says it. */
function verdict(s: Sexp): { kind: string; description: string } | string {
  try {
    const k = publicKeyFromSexp(s);
    return { kind: k.kind, description: k.description };
  } catch (e) {
    if (!(e instanceof KeytoolError)) throw e;
    return e.message;
  }
}
function checked(s: Sexp): { kind: string; description: string } | string {
  try {
    return checkPublicKey(s);
  } catch (e) {
    if (!(e instanceof KeytoolError)) throw e;
    return e.message;
  }
}

describe('checkPublicKey', () => {
  const keys = vectorKeys.map((k) => Buffer.from(printAdvanced(parseHex(k.public_key_file))).toString('latin1'));
  const variants = (text: string): string[] => [
    text,
    text.replace(/\(q #([0-9A-F]{2})/, '(q #$1$1'),
    text.replace(/#([0-9A-F])([0-9A-F])#\)/, '#$2$1#)'),
    text.replace('(curve Ed25519)', '(curve ed25519)').replace('(curve "NIST P-256")', '(curve Ed448)'),
    text.replace(/\(ecc|\(ecdsa/, '(eddsa'),
    text.replace(/\(e #[0-9A-F]+#\)/, '(e #02#)').replace(/\(q #[0-9A-F]+#\)/, ''),
    text.replace(/\(rsa/, '(dsa').replace(/\(ecc/, '(flags eddsa) (ecc'),
    text.replace('public-key', 'private-key'),
  ];
  it('agrees with publicKeyFromSexp on every vector key and its mutations', () => {
    const refusals = new Set<string>();
    for (const text of keys.flatMap(variants)) {
      const s = parseSexp(Buffer.from(text, 'latin1'));
      const v = verdict(s);
      expect(checked(s), text).toEqual(v);
      if (typeof v === 'string') refusals.add(v.replace(/'.*'|\(.*\)$/, ''));
    }
    // Every kind of refusal was met.
    expect(refusals.size, [...refusals].join('\n')).toBeGreaterThanOrEqual(8);
  });
});
