// Whether a key's `q` is a point of its curve, decided as @noble/curves decodes it (keys.ts
// decodes with noble; test/crypto/point-check.test.ts holds the two to the same verdicts), in
// plain bigint arithmetic: describing a key needs no curve object, and building noble's costs
// more than the rest of a `keytool list`.
import { ED25519_PARAMS, type WeierstrassParams } from './curve-names.js';
import { bytesToBigInt } from './mpi.js';

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function powMod(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** Whether `a` is a square modulo the odd prime `p` (0 included): Euler's criterion. */
const isSquare = (a: bigint, p: bigint): boolean => {
  const r = mod(a, p);
  return r === 0n || powMod(r, (p - 1n) / 2n, p) === 1n;
};

/**
 * The 32-byte Ed25519 encoding (also with libgcrypt's 0x40 prefix), as decodeEd25519Point takes
 * it: y little-endian without the sign bit, not required below p (zip215), and some x with
 * x² = (y² − 1)/(d·y² + 1). The denominator is never 0: −1/d is not a square.
 */
export function isEd25519Point(q: Uint8Array): boolean {
  const bytes = q.length === 33 && q[0] === 0x40 ? q.subarray(1) : q;
  if (bytes.length !== 32) return false;
  const le = Uint8Array.from(bytes).reverse();
  le[0]! &= 0x7f;
  const { p, d } = ED25519_PARAMS;
  const y2 = mod(bytesToBigInt(le) ** 2n, p);
  return isSquare(mod((y2 - 1n) * powMod(d * y2 + 1n, p - 2n, p), p), p);
}

/**
 * SEC1 as noble reads it: 04‖X‖Y with X, Y < p on the curve, or 02/03‖X with X < p and
 * x³ + ax + b a square; never the point at infinity (none of these curves has a cofactor).
 */
export function isWeierstrassPoint(c: WeierstrassParams, q: Uint8Array): boolean {
  const len = Math.ceil(c.p.toString(2).length / 8);
  const rhs = (x: bigint) => mod(x ** 3n + c.a * x + c.b, c.p);
  if (q.length === 1 + len && (q[0] === 0x02 || q[0] === 0x03)) {
    const x = bytesToBigInt(q.subarray(1));
    return x < c.p && isSquare(rhs(x), c.p);
  }
  if (q.length === 1 + 2 * len && q[0] === 0x04) {
    const x = bytesToBigInt(q.subarray(1, 1 + len));
    const y = bytesToBigInt(q.subarray(1 + len));
    return x < c.p && y < c.p && mod(y * y, c.p) === rhs(x);
  }
  return false;
}
