// ECDSA over the Ed25519 curve: GNU Guix's default key type (`(genkey (ecdsa (curve Ed25519)
// (flags rfc6979)))`). Not EdDSA: standard ECDSA equations on the twisted Edwards group, with
// r = affine Edwards x mod n, exactly as libgcrypt does (see spec/formats.md §2).
// Points are decoded and validated by @noble/curves; the scalar multiplications run on the
// precomputed tables of ed25519-fast.ts.
import { ed25519 } from '@noble/curves/ed25519.js';
import type { EcdsaGroup } from './ecdsa.js';
import { addExt, affine, affineX, baseTableG, baseTableIfBuilt, baseTableIfWorthIt, buildTable, fromNoble, mulPublic, mulSecret, xModNIs, type NielsTable } from './ed25519-fast.js';

const Point = ed25519.Point;
type NoblePoint = InstanceType<typeof Point>;

/** A public point, with its multiplication table once `prepare` has built it. */
export interface EdPoint {
  readonly point: NoblePoint;
  table?: NielsTable;
}

export const ed25519Group: EcdsaGroup<EdPoint> = {
  n: Point.Fn.ORDER,
  qbits: 253,
  baseX(k) {
    const g = baseTableIfWorthIt();
    return g ? affineX(mulSecret(g, k)) : Point.BASE.multiply(k).toAffine().x;
  },
  checkR(u1, u2, Q, r) {
    const g = baseTableIfWorthIt();
    const a = g ? mulPublic(g, u1) : fromNoble(Point.BASE.multiplyUnsafe(u1));
    const b = Q.table ? mulPublic(Q.table, u2) : fromNoble(Q.point.multiplyUnsafe(u2));
    return xModNIs(addExt(a, b), r);
  },
};

/** Build the point's table (10–30 ms): worth it for a key that verifies many signatures. */
export function prepareEdPoint(p: EdPoint): void {
  p.table ??= buildTable(p.point);
}

/** The public point from `q`: the 32-byte Ed25519 encoding (what libgcrypt writes), also with
 *  libgcrypt's 0x40 "compact" prefix. Undefined when it does not decode to a curve point. */
export function decodeEd25519Point(q: Uint8Array): EdPoint | undefined {
  const bytes = q.length === 33 && q[0] === 0x40 ? q.subarray(1) : q;
  if (bytes.length !== 32) return undefined;
  try {
    // zip215: like libgcrypt, do not insist on y < p.
    return { point: Point.fromBytes(bytes, true) };
  } catch {
    return undefined;
  }
}

export const ed25519PointsEqual = (a: EdPoint, b: EdPoint): boolean => a.point.equals(b.point);

/** (d mod n)·G. On G's table when it is built (the helper's snapshot holds it): noble's own
 *  multiply would first build a table of its own, most of a cold first signature's time. */
export function ed25519PointFromSecret(d: bigint): EdPoint {
  const dn = d % Point.Fn.ORDER;
  if (dn === 0n) throw new RangeError('secret scalar d is a multiple of the group order');
  const g = baseTableIfBuilt();
  if (!g) return { point: Point.BASE.multiply(dn) };
  const [x, y] = affine(mulSecret(g, dn));
  return { point: Point.fromAffine({ x, y }) };
}

/** The 32-byte encoding of (d mod n)·G: the `q` of a key pair. */
export const ed25519PublicFromSecret = (d: bigint): Uint8Array => ed25519PointFromSecret(d).point.toBytes();

/** Build G's table now (the helper's start-up snapshot calls this through warmUp). */
export function warmEd25519(): void {
  baseTableG();
}
