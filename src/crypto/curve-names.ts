// Elliptic curves by libgcrypt's names (cipher/ecc-curves.c: canonical names and aliases,
// matched exactly — libgcrypt's lookup is case-sensitive: `ed25519` is an unknown curve), with
// the numbers that say whether a point is on each curve. No curve objects here (those are
// noble's, in curves.ts): what only describes a key (`keytool list`, `show`) loads none of them.

/** A short-Weierstrass curve y² = x³ + ax + b over GF(p): names and equation. */
export interface WeierstrassParams {
  /** Our kind name, e.g. `ecdsa-p256`. */
  readonly kind: string;
  /** libgcrypt's canonical curve name, as `(curve "...")` is written. */
  readonly name: string;
  /** What `keytool` shows. */
  readonly description: string;
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
}

const weierstrass = (kind: string, name: string, p: bigint, a: bigint, b: bigint): WeierstrassParams => ({ kind, name, description: `ECDSA/${name}`, p, a, b });

const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P384_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn;
const P521_P = (1n << 521n) - 1n;
export const P256_PARAMS = weierstrass('ecdsa-p256', 'NIST P-256', P256_P, P256_P - 3n, 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn);
export const P384_PARAMS = weierstrass(
  'ecdsa-p384',
  'NIST P-384',
  P384_P,
  P384_P - 3n,
  0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
);
export const P521_PARAMS = weierstrass(
  'ecdsa-p521',
  'NIST P-521',
  P521_P,
  P521_P - 3n,
  0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
);
export const SECP256K1_PARAMS = weierstrass('ecdsa-secp256k1', 'secp256k1', (1n << 256n) - (1n << 32n) - 977n, 0n, 7n);

/** Guix's default curve (twisted Edwards −x² + y² = 1 + d·x²·y² over GF(2^255 − 19)). */
export const ED25519_PARAMS = {
  kind: 'ecdsa-ed25519',
  description: 'ECDSA/Ed25519',
  p: (1n << 255n) - 19n,
  d: 0x52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3n,
} as const;

export type CurveInfo = { kind: 'ed25519' } | { kind: 'weierstrass'; params: WeierstrassParams } | { kind: 'eddsa-only'; name: string };

const CURVES = new Map<string, CurveInfo>();
for (const n of ['Ed25519', '1.3.6.1.4.1.11591.15.1', '1.3.101.112']) CURVES.set(n, { kind: 'ed25519' });
for (const [params, names] of [
  [P256_PARAMS, ['NIST P-256', '1.2.840.10045.3.1.7', 'prime256v1', 'secp256r1', 'nistp256']],
  [P384_PARAMS, ['NIST P-384', '1.3.132.0.34', 'secp384r1', 'nistp384']],
  [P521_PARAMS, ['NIST P-521', '1.3.132.0.35', 'secp521r1', 'nistp521']],
  [SECP256K1_PARAMS, ['secp256k1', '1.3.132.0.10']],
] as const) {
  for (const n of names) CURVES.set(n, { kind: 'weierstrass', params });
}
// libgcrypt only ever does EdDSA on Ed448.
for (const n of ['Ed448', '1.3.101.113']) CURVES.set(n, { kind: 'eddsa-only', name: 'Ed448' });

export const curveByName = (name: string): CurveInfo | undefined => CURVES.get(name);

/** genkey's `(nbits N)` without a curve picks the NIST curve of that size. */
export const curveByBits = (nbits: string): WeierstrassParams | undefined => ({ '256': P256_PARAMS, '384': P384_PARAMS, '521': P521_PARAMS })[nbits];
