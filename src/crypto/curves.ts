// Elliptic curves by libgcrypt's names (cipher/ecc-curves.c: canonical names and aliases,
// matched exactly — libgcrypt's lookup is case-sensitive: `ed25519` is an unknown curve).
import { P256, P384, P521, SECP256K1, type WeierstrassCurve } from './ecdsa-weierstrass.js';

export type CurveInfo = { kind: 'ed25519' } | { kind: 'weierstrass'; curve: WeierstrassCurve } | { kind: 'eddsa-only'; name: string };

const CURVES = new Map<string, CurveInfo>();
for (const n of ['Ed25519', '1.3.6.1.4.1.11591.15.1', '1.3.101.112']) CURVES.set(n, { kind: 'ed25519' });
for (const [c, names] of [
  [P256, ['NIST P-256', '1.2.840.10045.3.1.7', 'prime256v1', 'secp256r1', 'nistp256']],
  [P384, ['NIST P-384', '1.3.132.0.34', 'secp384r1', 'nistp384']],
  [P521, ['NIST P-521', '1.3.132.0.35', 'secp521r1', 'nistp521']],
  [SECP256K1, ['secp256k1', '1.3.132.0.10']],
] as const) {
  for (const n of names) CURVES.set(n, { kind: 'weierstrass', curve: c });
}
// libgcrypt only ever does EdDSA on Ed448.
for (const n of ['Ed448', '1.3.101.113']) CURVES.set(n, { kind: 'eddsa-only', name: 'Ed448' });

export const curveByName = (name: string): CurveInfo | undefined => CURVES.get(name);

/** genkey's `(nbits N)` without a curve picks the NIST curve of that size. */
export const curveByBits = (nbits: string): WeierstrassCurve | undefined => ({ '256': P256, '384': P384, '521': P521 })[nbits];
