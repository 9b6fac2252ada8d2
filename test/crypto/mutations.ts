// Variants of a valid Guix signature, each a way a hostile or broken signer could get it wrong.
// Shared by the differential test against libgcrypt (oracle.test.ts).
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToBigInt, bigIntToBytes } from '../../src/crypto/mpi.js';
import { findToken } from '../../src/sexp/index.js';
import { atom, atomText, isAtom, isList, list, type Sexp, type SexpList } from '../../src/sexp/model.js';

/** A copy of `s` where the first list headed by `token` is replaced by `f(list)`. */
export function replaceList(s: Sexp, token: string, f: (l: SexpList) => Sexp | undefined): Sexp {
  let done = false;
  const walk = (x: Sexp): Sexp | undefined => {
    if (!isList(x)) return x;
    if (!done && isAtom(x.items[0]) && atomText(x.items[0]) === token) {
      done = true;
      return f(x);
    }
    return { type: 'list', items: x.items.map(walk).filter((i): i is Sexp => i !== undefined) };
  };
  return walk(s) ?? list();
}

const setValue = (token: string, g: (b: Uint8Array) => Uint8Array) => (s: Sexp) =>
  replaceList(s, token, (l) => list(l.items[0]!, atom(g((l.items[1] as { bytes: Uint8Array }).bytes))));

const num = (f: (v: bigint, n: bigint) => bigint, n: bigint) => (b: Uint8Array) => bigIntToBytes(f(bytesToBigInt(b), n));

const qOf = (s: Sexp): Uint8Array => (findToken(s, 'q')!.items[1] as { bytes: Uint8Array }).bytes;
const withQ = (s: Sexp, q: Uint8Array): Sexp => replaceList(s, 'q', () => list('q', atom(q)));
const WEIERSTRASS = [p256.Point, p384.Point, p521.Point, secp256k1.Point] as const;

/** Variants of the public point itself. */
function pointMutations(n: bigint): Record<string, (s: Sexp) => Sexp> {
  if (n === ed25519.Point.Fn.ORDER) {
    // A point of order 8 (from the torsion subgroup) added to Q: same encoding size, still on the curve.
    const t8 = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
    return {
      'q + a point of order 8': (s) => withQ(s, ed25519.Point.fromBytes(qOf(s)).add(t8).toBytes()),
      'q negated': (s) => withQ(s, ed25519.Point.fromBytes(qOf(s)).negate().toBytes()),
    };
  }
  const P = WEIERSTRASS.find((c) => c.Fn.ORDER === n)!;
  return {
    'q compressed': (s) => withQ(s, P.fromBytes(qOf(s)).toBytes(true)),
    'q negated': (s) => withQ(s, P.fromBytes(qOf(s)).negate().toBytes(false)),
    'q = G': (s) => withQ(s, P.BASE.toBytes(false)),
  };
}

/** Named variants for an ECDSA signature over a curve of order `n`. */
export function ecdsaMutations(n: bigint): Record<string, (s: Sexp) => Sexp> {
  return {
    ...pointMutations(n),
    original: (s) => s,
    'r = 0': setValue('r', () => new Uint8Array()),
    'r = 0 (one zero byte)': setValue('r', () => Uint8Array.of(0)),
    'r = n': setValue('r', num((_v, n) => n, n)),
    'r + n': setValue('r', num((v, n) => v + n, n)),
    'r + 1': setValue('r', num((v) => v + 1n, n)),
    's = 0': setValue('s', () => Uint8Array.of(0)),
    's = n': setValue('s', num((_v, n) => n, n)),
    's + n': setValue('s', num((v, n) => v + n, n)),
    'n - s (the malleable twin)': setValue('s', num((v, n) => n - v, n)),
    'r with a leading 00': setValue('r', (b) => Uint8Array.from([0, ...b])),
    'r and s swapped': (s) => {
      const r = (findToken(s, 'r')!.items[1] as { bytes: Uint8Array }).bytes;
      const ss = (findToken(s, 's')!.items[1] as { bytes: Uint8Array }).bytes;
      return setValue('s', () => r)(setValue('r', () => ss)(s));
    },
    'no s': (s) => replaceList(s, 's', () => undefined),
    'no sig-val': (s) => replaceList(s, 'sig-val', () => undefined),
    'sig-val (ecc ...)': (s) => replaceList(s, 'ecdsa', (l) => list('ecc', ...l.items.slice(1))),
    'sig-val (eddsa ...)': (s) => replaceList(s, 'ecdsa', (l) => list('eddsa', ...l.items.slice(1))),
    'sig-val (rsa ...)': (s) => replaceList(s, 'ecdsa', (l) => list('rsa', ...l.items.slice(1))),
    ...common(),
  };
}

export function rsaMutations(n: bigint): Record<string, (s: Sexp) => Sexp> {
  return {
    original: (s) => s,
    's = 0': setValue('s', () => Uint8Array.of(0)),
    's = 1': setValue('s', () => Uint8Array.of(1)),
    's = n': setValue('s', num((_v, n) => n, n)),
    's + n': setValue('s', num((v, n) => v + n, n)),
    's with a leading 00': setValue('s', (b) => Uint8Array.from([0, ...b])),
    's minimal': setValue('s', num((v) => v, n)),
    's + 1': setValue('s', num((v) => v + 1n, n)),
    'no sig-val': (s) => replaceList(s, 'sig-val', () => undefined),
    'sig-val (ecdsa ...)': (s) => replaceList(s, 'sig-val', (l) => list('sig-val', list('ecdsa', ...(l.items[1] as SexpList).items.slice(1)))),
    'n without its leading 00': setValue('n', (b) => (b[0] === 0 ? b.subarray(1) : b)),
    'hash sha1 (20 bytes)': (s) => replaceList(s, 'hash', (l) => list('hash', 'sha1', atom((l.items[2] as { bytes: Uint8Array }).bytes.subarray(0, 20)))),
    ...common(),
  };
}

/** Variants of the data and the key, for any algorithm. */
function common(): Record<string, (s: Sexp) => Sexp> {
  return {
    'data without flags': (s) => replaceList(s, 'flags', () => undefined),
    'flags rfc6979': (s) => replaceList(s, 'flags', () => list('flags', 'rfc6979')),
    'flags pkcs1': (s) => replaceList(s, 'flags', () => list('flags', 'pkcs1')),
    'flags raw': (s) => replaceList(s, 'flags', () => list('flags', 'raw')),
    'flags eddsa': (s) => replaceList(s, 'flags', () => list('flags', 'eddsa')),
    'flags empty': (s) => replaceList(s, 'flags', () => list('flags')),
    'flags rfc6979 pkcs1': (s) => replaceList(s, 'flags', () => list('flags', 'rfc6979', 'pkcs1')),
    'flags no-blinding rfc6979': (s) => replaceList(s, 'flags', (l) => list('flags', 'no-blinding', ...l.items.slice(1))),
    'hash named sha512': (s) => replaceList(s, 'hash', (l) => list('hash', 'sha512', l.items[2]!)),
    'hash named sha1': (s) => replaceList(s, 'hash', (l) => list('hash', 'sha1', l.items[2]!)),
    'hash named foo': (s) => replaceList(s, 'hash', (l) => list('hash', 'foo', l.items[2]!)),
    'hash named SHA256': (s) => replaceList(s, 'hash', (l) => list('hash', 'SHA256', l.items[2]!)),
    'hash named md5': (s) => replaceList(s, 'hash', (l) => list('hash', 'md5', l.items[2]!)),
    'hash named sha3-256': (s) => replaceList(s, 'hash', (l) => list('hash', 'sha3-256', l.items[2]!)),
    'hash named blake2b_512': (s) => replaceList(s, 'hash', (l) => list('hash', 'blake2b_512', l.items[2]!)),
    'hash named rmd160': (s) => replaceList(s, 'hash', (l) => list('hash', 'rmd160', l.items[2]!)),
    'hash named sha-256': (s) => replaceList(s, 'hash', (l) => list('hash', 'sha-256', l.items[2]!)),
    'hash named 2.16.840.1.101.3.4.2.1': (s) => replaceList(s, 'hash', (l) => list('hash', '2.16.840.1.101.3.4.2.1', l.items[2]!)),
    'flags no-blinding': (s) => replaceList(s, 'flags', () => list('flags', 'no-blinding')),
    'flags foo rfc6979': (s) => replaceList(s, 'flags', () => list('flags', 'foo', 'rfc6979')),
    'flags raw pkcs1': (s) => replaceList(s, 'flags', () => list('flags', 'raw', 'pkcs1')),
    'flags pss': (s) => replaceList(s, 'flags', () => list('flags', 'pss')),
    'flags oaep': (s) => replaceList(s, 'flags', () => list('flags', 'oaep')),
    'flags param rfc6979': (s) => replaceList(s, 'flags', () => list('flags', 'param', 'rfc6979')),
    'flags rfc6979 raw': (s) => replaceList(s, 'flags', () => list('flags', 'rfc6979', 'raw')),
    'flags pkcs1 pkcs1': (s) => replaceList(s, 'flags', () => list('flags', 'pkcs1', 'pkcs1')),
    'flags "rfc6979" as hex': (s) => replaceList(s, 'flags', () => list('flags', atom('rfc6979'))),
    'hash 31 bytes': (s) => replaceList(s, 'hash', (l) => list('hash', l.items[1]!, atom((l.items[2] as { bytes: Uint8Array }).bytes.subarray(1)))),
    'hash 33 bytes': (s) => replaceList(s, 'hash', (l) => list('hash', l.items[1]!, atom(Uint8Array.from([0, ...(l.items[2] as { bytes: Uint8Array }).bytes])))),
    'hash first byte flipped': (s) => replaceList(s, 'hash', (l) => { const b = Uint8Array.from((l.items[2] as { bytes: Uint8Array }).bytes); b[0]! ^= 1; return list('hash', l.items[1]!, atom(b)); }),
    'hash last byte flipped': (s) => replaceList(s, 'hash', (l) => { const b = Uint8Array.from((l.items[2] as { bytes: Uint8Array }).bytes); b[b.length - 1]! ^= 1; return list('hash', l.items[1]!, atom(b)); }),
    'no hash': (s) => replaceList(s, 'hash', () => undefined),
    'hash without value': (s) => replaceList(s, 'hash', (l) => list('hash', l.items[1]!)),
    'q first byte flipped': (s) => replaceList(s, 'q', (l) => { const b = Uint8Array.from((l.items[1] as { bytes: Uint8Array }).bytes); b[0]! ^= 1; return list('q', atom(b)); }),
    'q last byte flipped': (s) => replaceList(s, 'q', (l) => { const b = Uint8Array.from((l.items[1] as { bytes: Uint8Array }).bytes); b[b.length - 1]! ^= 1; return list('q', atom(b)); }),
    'q truncated': (s) => replaceList(s, 'q', (l) => list('q', atom((l.items[1] as { bytes: Uint8Array }).bytes.subarray(1)))),
    'q with 0x40 prefix': (s) => replaceList(s, 'q', (l) => list('q', atom(Uint8Array.from([0x40, ...(l.items[1] as { bytes: Uint8Array }).bytes])))),
    'curve unknown': (s) => replaceList(s, 'curve', () => list('curve', 'Foo')),
    'key flags eddsa': (s) => replaceList(s, 'curve', (l) => list('curve', l.items[1]!) && l) && replaceList(s, 'ecc', (l) => list('ecc', l.items[1]!, list('flags', 'eddsa'), ...l.items.slice(2))),
    'key algorithm ecdsa': (s) => replaceList(s, 'ecc', (l) => list('ecdsa', ...l.items.slice(1))),
    'e = 3': setValue('e', () => Uint8Array.of(3)),
  };
}
