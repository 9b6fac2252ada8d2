// ECDSA on the short-Weierstrass curves libgcrypt knows by name and Guix can use: NIST P-256,
// P-384, P-521 and secp256k1. Plain ECDSA; the nonce is libgcrypt's RFC 6979 with HMAC-SHA-256
// whatever the curve (see rfc6979.ts), no low-s normalisation. Multiplications of G by a secret
// (signing, a key pair's check) run in OpenSSL; verification runs on noble's points.
import { createECDH, getCurves } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { P256_PARAMS, P384_PARAMS, P521_PARAMS, SECP256K1_PARAMS, type WeierstrassParams } from './curve-names.js';
import type { EcdsaGroup } from './ecdsa.js';
import { bigIntToBytes, bitLength, bytesToBigInt } from './mpi.js';

type WPointCons = typeof p256.Point;
export type WPoint = InstanceType<WPointCons>;

export interface WeierstrassCurve extends WeierstrassParams {
  readonly Point: WPointCons;
  readonly group: EcdsaGroup<WPoint>;
  /** k·G for a secret 1 <= k < n. */
  readonly baseMul: (k: bigint) => WPoint;
  /** Forget the uses of G counted so far, and G's table (the helper's snapshot warm-up). */
  readonly resetUses: () => void;
}

/** Multiplications by G in a verification before G's table is built: noble builds it (W=6,
 *  some 2,000 point additions) at the first multiplication, which a one-off check (a CLI
 *  command, a fresh helper's first reply) pays several times over; a session of many should. */
const BASE_TABLE_AFTER = 8;

/**
 * k·G for a secret k (1 <= k < n), uncompressed 04‖X‖Y, by OpenSSL (node:crypto's ECDH: native
 * and constant-time), or undefined when this node's OpenSSL lacks the curve. Two orders of
 * magnitude faster than noble's constant-time multiplication, and needs no table.
 */
function opensslBaseMul(opensslName: string | undefined, scalarBytes: number, k: bigint): Uint8Array | undefined {
  if (opensslName === undefined) return undefined;
  const ecdh = createECDH(opensslName);
  ecdh.setPrivateKey(bigIntToBytes(k, scalarBytes));
  return ecdh.getPublicKey();
}

function curve(params: WeierstrassParams, Point: WPointCons, opensslName: string): WeierstrassCurve {
  Point.BASE.precompute(1); // no table yet (W=1: noble's table-less paths)
  let uses = 0;
  /** Whether G's table is in use, counting this use. */
  const tabled = (): boolean => {
    if (++uses === BASE_TABLE_AFTER) Point.BASE.precompute(6);
    return uses >= BASE_TABLE_AFTER;
  };
  const openssl = getCurves().includes(opensslName) ? opensslName : undefined;
  const fieldBytes = Point.Fp.BYTES;
  const baseMul = (k: bigint): WPoint => {
    const q = opensslBaseMul(openssl, Point.Fn.BYTES, k);
    return q ? Point.fromBytes(q) : Point.BASE.multiply(k);
  };
  const group: EcdsaGroup<WPoint> = {
    n: Point.Fn.ORDER,
    qbits: bitLength(Point.Fn.ORDER),
    baseX(k) {
      const q = opensslBaseMul(openssl, Point.Fn.BYTES, k);
      return q ? bytesToBigInt(q.subarray(1, 1 + fieldBytes)) : Point.BASE.multiply(k).toAffine().x;
    },
    checkR(u1, u2, Q, r) {
      // Without G's table, one shared doubling chain for both products (Strauss–Shamir).
      const R = tabled() ? Point.BASE.multiplyUnsafe(u1).add(Q.multiplyUnsafe(u2)) : Point.BASE.mulAddUnsafe(u1, Q, u2);
      return !R.is0() && R.toAffine().x % Point.Fn.ORDER === r;
    },
  };
  const resetUses = () => {
    uses = 0;
    Point.BASE.precompute(1);
  };
  return { ...params, Point, group, baseMul, resetUses };
}

const P256 = curve(P256_PARAMS, p256.Point, 'prime256v1');
const P384 = curve(P384_PARAMS, p384.Point, 'secp384r1');
const P521 = curve(P521_PARAMS, p521.Point, 'secp521r1');
const SECP256K1 = curve(SECP256K1_PARAMS, secp256k1.Point as unknown as WPointCons, 'secp256k1');
export const WEIERSTRASS_CURVES: readonly WeierstrassCurve[] = [P256, P384, P521, SECP256K1];

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

/** d·G (1 <= d < n). */
export function weierstrassPointFromSecret(c: WeierstrassCurve, d: bigint): WPoint {
  const dn = d % c.group.n;
  if (dn === 0n) throw new RangeError('secret scalar d is a multiple of the group order');
  return c.baseMul(dn);
}

/** Uncompressed 04‖X‖Y of d·G (1 <= d < n). */
export const weierstrassPublicFromSecret = (c: WeierstrassCurve, d: bigint): Uint8Array => weierstrassPointFromSecret(c, d).toBytes(false);
