// Whether a key's `q` is a point of its curve, decided as @noble/curves decodes it (keys.ts
// decodes with noble; test/crypto/point-check.test.ts holds the two to the same verdicts), in
// plain bigint arithmetic: describing a key needs no curve object, and building noble's costs
// more than the rest of a `keytool list`.
import { ED25519_PARAMS, type WeierstrassParams } from './curve-names.js';
import { bitLength, bytesToBigInt } from './mpi.js';

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

/**
 * The Jacobi symbol (a/n) for odd n > 0, by the binary algorithm: a few hundred shifts and
 * remainders of small numbers, where Euler's criterion is a 255-bit modular power (a third of a
 * `keytool list` went there).
 */
function jacobi(a: bigint, n: bigint): number {
  let t = 1;
  a = mod(a, n);
  while (a !== 0n) {
    // Take out the factors 2 a byte at a time: (2/n) is −1 when n ≡ 3, 5 (mod 8).
    let low: number;
    while ((low = Number(a & 0xffn)) === 0) a >>= 8n;
    const twos = 31 - Math.clz32(low & -low);
    if (twos > 0) {
      a >>= BigInt(twos);
      const r = n & 7n;
      if (twos % 2 === 1 && (r === 3n || r === 5n)) t = -t;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) t = -t;
    a %= n;
  }
  return n === 1n ? t : 0;
}

/** Whether `a` is a square modulo the odd prime `p` (0 included): for a prime, (a/p) is Legendre's symbol. */
const isSquare = (a: bigint, p: bigint): boolean => jacobi(a, p) !== -1;

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
  // (y² − 1)/(d·y² + 1) is a square exactly when their product is: (u/v) = (u·v)/v² for v ≠ 0.
  return isSquare((y2 - 1n) * (d * y2 + 1n), p);
}

/**
 * SEC1 as noble reads it: 04‖X‖Y with X, Y < p on the curve, or 02/03‖X with X < p and
 * x³ + ax + b a square; never the point at infinity (none of these curves has a cofactor).
 */
export function isWeierstrassPoint(c: WeierstrassParams, q: Uint8Array): boolean {
  const len = Math.ceil(bitLength(c.p) / 8);
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
