// ECDSA over the Ed25519 curve: GNU Guix's default key type (`(genkey (ecdsa (curve Ed25519)
// (flags rfc6979)))`). Not EdDSA: standard ECDSA equations on the twisted Edwards group, with
// r = affine Edwards x mod n, exactly as libgcrypt does (see spec/formats.md §2).
import { ed25519 } from '@noble/curves/ed25519.js';
import type { EcdsaGroup } from './ecdsa.js';

export const Point = ed25519.Point;
export type EdPoint = InstanceType<typeof Point>;

export const ed25519Group: EcdsaGroup<EdPoint> = {
  n: Point.Fn.ORDER,
  qbits: 253,
  baseX: (k) => Point.BASE.multiply(k).toAffine().x,
  combinedX(u1, u2, Q) {
    const R = Point.BASE.multiplyUnsafe(u1).add(Q.multiplyUnsafe(u2));
    return R.is0() ? undefined : R.toAffine().x;
  },
};

/** The public point from `q`: the 32-byte Ed25519 encoding (what libgcrypt writes), also with
 *  libgcrypt's 0x40 "compact" prefix. Undefined when it does not decode to a curve point. */
export function decodeEd25519Point(q: Uint8Array): EdPoint | undefined {
  const bytes = q.length === 33 && q[0] === 0x40 ? q.subarray(1) : q;
  if (bytes.length !== 32) return undefined;
  try {
    // zip215: like libgcrypt, do not insist on y < p.
    return Point.fromBytes(bytes, true);
  } catch {
    return undefined;
  }
}

/** The 32-byte encoding of (d mod n)·G: the `q` of a key pair. */
export function ed25519PublicFromSecret(d: bigint): Uint8Array {
  const dn = d % Point.Fn.ORDER;
  if (dn === 0n) throw new RangeError('secret scalar d is a multiple of the group order');
  return Point.BASE.multiply(dn).toBytes();
}
