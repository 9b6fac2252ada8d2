// Key generation from libgcrypt genkey parameters, for the cases Guix uses:
//   (genkey (ecdsa (curve Ed25519) (flags rfc6979)))   the default of `guix archive --generate-key`
//   (genkey (ecdsa (curve "NIST P-256")))               also P-384, P-521, secp256k1, aliases, (nbits N)
//   (genkey (rsa (nbits 4:4096)))                       optionally (rsa-use-e E)
// The keys have libgcrypt's exact layout: ECC `(ecc (curve NAME) (q ..) (d ..))` with libgcrypt's
// clamped 255-bit d for Ed25519; RSA `(rsa (n)(e)(d)(p)(q)(u))` with p < q, u = p⁻¹ mod q,
// d = e⁻¹ mod lcm(p−1, q−1), numbers in libgcrypt's signed STD form (00 before a set top bit).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { KeytoolError } from '../errors.js';
import { findToken, parseSexp } from '../sexp/index.js';
import { atom, atomText, isAtom, isList, list, type Sexp, type SexpList } from '../sexp/model.js';
import { ed25519PublicFromSecret } from './ecdsa-ed25519.js';
import { curveByBits, curveByName } from './curve-names.js';
import { weierstrassCurve } from './curves.js';
import { flagsOf, paramText } from './key-params.js';
import { weierstrassPublicFromSecret, type WeierstrassCurve } from './ecdsa-weierstrass.js';
import { bigIntToStd, bytesToBigInt, invert } from './mpi.js';

export const DEFAULT_GENKEY = '(genkey (ecdsa (curve Ed25519) (flags rfc6979)))';

function fail(why: string): never {
  throw new KeytoolError(`key generation failed: ${why}`);
}

/**
 * A new key pair for genkey parameters (an S-expression, or its text). Returns the two lists
 * Guix writes to signing-key.pub and signing-key.sec (print them with printAdvanced).
 * KeytoolError("key generation failed: ...") with libgcrypt's reason for what it refuses too.
 */
export function generateKeyPair(params: Sexp | string = DEFAULT_GENKEY): { publicKey: SexpList; secretKey: SexpList } {
  const s = typeof params === 'string' ? parseSexp(params) : params;
  const genkey = isList(s) ? findToken(s, 'genkey') : undefined;
  if (!genkey) fail('Invalid object: expected (genkey (ALGORITHM ...))');
  const algo = genkey.items[1];
  if (!isList(algo) || !isAtom(algo.items[0])) return fail('Missing item in object: expected (genkey (ALGORITHM ...))');
  const name = atomText(algo.items[0]);
  switch (name) {
    case 'ecc':
    case 'ecdsa':
      return generateEcc(algo);
    case 'eddsa':
      return fail('EdDSA keys cannot sign Guix\'s data; use `(genkey (ecdsa (curve Ed25519) (flags rfc6979)))`');
    case 'rsa':
      return generateRsa(algo);
    case 'dsa':
    case 'elg':
      return fail(`${name.toUpperCase()} keys are not supported (ECDSA and RSA only)`);
    default:
      return fail('Invalid public key algorithm');
  }
}

function generateEcc(algo: SexpList): { publicKey: SexpList; secretKey: SexpList } {
  if ((flagsOf(algo) ?? []).includes('eddsa')) fail('EdDSA keys ((flags eddsa)) cannot sign Guix\'s data; use `(genkey (ecdsa (curve Ed25519) (flags rfc6979)))`');
  const curveName = paramText(algo, 'curve');
  const nbits = paramText(algo, 'nbits');
  let printed: string;
  let q: Uint8Array;
  let d: Uint8Array;
  const info = curveName === undefined ? undefined : curveByName(curveName);
  if (info?.kind === 'ed25519') {
    // libgcrypt's ECDSA-on-Ed25519 secret: 256 random bits, top bit clear, bit 254 set,
    // low three bits clear (so always above the group order; Q = (d mod n)·G).
    d = new Uint8Array(randomBytes(32));
    d[0] = (d[0]! & 0x7f) | 0x40;
    d[31] = d[31]! & 0xf8;
    q = ed25519PublicFromSecret(bytesToBigInt(d));
    printed = 'Ed25519';
  } else {
    let c: WeierstrassCurve | undefined;
    if (info?.kind === 'weierstrass') c = weierstrassCurve(info.params);
    else if (info?.kind === 'eddsa-only') fail(`${info.name} keys are EdDSA-only in libgcrypt and cannot sign Guix's data`);
    else if (curveName !== undefined) fail(`Unknown elliptic curve '${curveName}'`);
    else if (nbits !== undefined) {
      const params = curveByBits(nbits);
      if (!params) fail(`Unknown elliptic curve: no curve of ${nbits} bits (256, 384 or 521)`);
      c = weierstrassCurve(params);
    } else fail('Missing parameter: (curve NAME) or (nbits N)');
    const n = c.group.n;
    const len = Math.ceil(c.group.qbits / 8);
    let k: bigint;
    do k = bytesToBigInt(randomBytes(len)) >> BigInt(len * 8 - c.group.qbits);
    while (k < 1n || k >= n);
    d = bigIntToStd(k);
    q = weierstrassPublicFromSecret(c!, k);
    printed = c.name;
  }
  const curve = list('curve', printed);
  return {
    publicKey: list('public-key', list('ecc', curve, list('q', atom(q)))),
    secretKey: list('private-key', list('ecc', curve, list('q', atom(q)), list('d', atom(d)))),
  };
}

function generateRsa(algo: SexpList): { publicKey: SexpList; secretKey: SexpList } {
  const nbitsText = paramText(algo, 'nbits');
  if (nbitsText === undefined) fail('Missing parameter: (nbits N), e.g. (genkey (rsa (nbits 4:4096)))');
  if (!/^[0-9]+$/.test(nbitsText)) fail(`Invalid value for nbits: '${nbitsText}'`);
  const nbits = Number(nbitsText);
  if (nbits < 1024 || nbits > 16384) fail(`RSA keys of ${nbits} bits are not supported (1024 to 16384)`);
  let e = 65537n;
  const useE = findToken(algo, 'rsa-use-e')?.items[1];
  if (isAtom(useE)) {
    const t = atomText(useE);
    e = /^[0-9]+$/.test(t) ? BigInt(t) : bytesToBigInt(useE.bytes);
    if (e === 0n) e = 65537n; // libgcrypt: 0 means its default
    if (e < 3n || e % 2n === 0n || e > 0xffffffffn) fail(`unusable RSA exponent ${e}`);
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: nbits, publicExponent: Number(e) });
  const jwk = privateKey.export({ format: 'jwk' });
  const num = (v: string | undefined): bigint => bytesToBigInt(Buffer.from(v!, 'base64url'));
  const n = num(jwk.n);
  let p = num(jwk.p);
  let q = num(jwk.q);
  if (p > q) [p, q] = [q, p];
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
  const lcm = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const d = invert(e, lcm);
  const u = invert(p, q);
  const mpi = (name: string, v: bigint) => list(name, atom(bigIntToStd(v)));
  return {
    publicKey: list('public-key', list('rsa', mpi('n', n), mpi('e', e))),
    secretKey: list('private-key', list('rsa', mpi('n', n), mpi('e', e), mpi('d', d), mpi('p', p), mpi('q', q), mpi('u', u))),
  };
}
