// ECDSA on the short-Weierstrass curves libgcrypt knows by name and Guix can use: NIST P-256,
// P-384, P-521 and secp256k1. Plain ECDSA; the nonce is libgcrypt's RFC 6979 with HMAC-SHA-256
// whatever the curve (see rfc6979.ts), no low-s normalisation.
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { EcdsaGroup } from './ecdsa.js';
import { bitLength } from './mpi.js';

type WPointCons = typeof p256.Point;
export type WPoint = InstanceType<WPointCons>;

export interface WeierstrassCurve {
  /** Our kind name, e.g. `ecdsa-p256`. */
  readonly kind: string;
  /** libgcrypt's canonical curve name, as `(curve "...")` is written. */
  readonly name: string;
  /** What `keytool` shows. */
  readonly description: string;
  readonly Point: WPointCons;
  readonly group: EcdsaGroup<WPoint>;
}

function curve(kind: string, name: string, description: string, Point: WPointCons): WeierstrassCurve {
  const group: EcdsaGroup<WPoint> = {
    n: Point.Fn.ORDER,
    qbits: bitLength(Point.Fn.ORDER),
    baseX: (k) => Point.BASE.multiply(k).toAffine().x,
    checkR(u1, u2, Q, r) {
      const R = Point.BASE.multiplyUnsafe(u1).add(Q.multiplyUnsafe(u2));
      return !R.is0() && R.toAffine().x % Point.Fn.ORDER === r;
    },
  };
  return { kind, name, description, Point, group };
}

export const P256 = curve('ecdsa-p256', 'NIST P-256', 'ECDSA/NIST P-256', p256.Point);
export const P384 = curve('ecdsa-p384', 'NIST P-384', 'ECDSA/NIST P-384', p384.Point);
export const P521 = curve('ecdsa-p521', 'NIST P-521', 'ECDSA/NIST P-521', p521.Point);
export const SECP256K1 = curve('ecdsa-secp256k1', 'secp256k1', 'ECDSA/secp256k1', secp256k1.Point as unknown as WPointCons);

/** The public point from `q` (SEC1: 04‖X‖Y as libgcrypt writes it, or compressed 02/03‖X),
 *  checked to be on the curve; undefined otherwise. */
export function decodeWeierstrassPoint(c: WeierstrassCurve, q: Uint8Array): WPoint | undefined {
  try {
    const P = c.Point.fromBytes(q);
    P.assertValidity();
    return P.is0() ? undefined : P;
  } catch {
    return undefined;
  }
}

/** Uncompressed 04‖X‖Y of d·G (1 <= d < n). */
export function weierstrassPublicFromSecret(c: WeierstrassCurve, d: bigint): Uint8Array {
  const dn = d % c.group.n;
  if (dn === 0n) throw new RangeError('secret scalar d is a multiple of the group order');
  return c.Point.BASE.multiply(dn).toBytes(false);
}
