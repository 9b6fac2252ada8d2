// ECDSA over any prime-order group, as libgcrypt computes it (cipher/ecc-ecdsa.c): the curve
// modules only supply scalar multiplication and the affine x-coordinate; the equations, the
// nonce and the range checks live here once.
import { bits2int, invert, mod } from './mpi.js';
import { rfc6979Nonces } from './rfc6979.js';

/** What ECDSA needs from a curve. `P` is the curve's decoded public point type. */
export interface EcdsaGroup<P> {
  /** The group order. */
  readonly n: bigint;
  /** Bit length of n (253 for Ed25519). */
  readonly qbits: number;
  /** Affine x-coordinate of k·G for a secret 1 <= k < n (constant-time where the curve allows). */
  baseX(k: bigint): bigint;
  /** Whether R = u1·G + u2·Q (public values) is not the point at infinity and x(R) ≡ r (mod n). */
  checkR(u1: bigint, u2: bigint, Q: P, r: bigint): boolean;
}

export interface EcdsaSignature {
  r: bigint;
  s: bigint;
}

/** Deterministic signature of `hash` with secret `d` (d may exceed n; it is used as given
 *  for the nonce and reduced for the arithmetic, as libgcrypt does). */
export function ecdsaSign<P>(group: EcdsaGroup<P>, d: bigint, hash: Uint8Array): EcdsaSignature {
  const { n } = group;
  const e = bits2int(hash, group.qbits);
  const dn = mod(d, n);
  for (const k of rfc6979Nonces(n, d, hash)) {
    const r = mod(group.baseX(k), n);
    if (r === 0n) continue;
    const s = mod(invert(k, n) * (e + r * dn), n);
    if (s === 0n) continue;
    return { r, s };
  }
  throw new Error('unreachable'); // the nonce generator never ends
}

/** libgcrypt's ECDSA check: 1 <= r, s < n; R = (e/s)·G + (r/s)·Q; valid iff x(R) mod n = r. */
export function ecdsaVerify<P>(group: EcdsaGroup<P>, Q: P, hash: Uint8Array, sig: EcdsaSignature): boolean {
  const { n } = group;
  const { r, s } = sig;
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const e = bits2int(hash, group.qbits);
  const w = invert(s, n);
  return group.checkR(mod(e * w, n), mod(r * w, n), Q, r);
}
