// Big-endian byte strings <-> bigints, the way libgcrypt writes its MPIs into S-expressions.
// Three shapes occur: minimal unsigned (ECDSA r and s), signed "STD" (key numbers: a leading
// 00 when the top bit is set, e.g. RSA n and NIST d) and fixed width (RSA s, point coordinates).
import { bytesToHex } from '@noble/hashes/utils.js';

/** Unsigned big-endian bytes to a bigint (empty → 0n). Leading zero bytes are allowed. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + bytesToHex(bytes));
}

/** Number of bits of a non-negative bigint (0n → 0). */
export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** A non-negative bigint as big-endian bytes: minimal (no leading zero byte) without `length`,
 *  else left-padded to exactly `length` bytes. Throws a RangeError when it does not fit. */
export function bigIntToBytes(n: bigint, length?: number): Uint8Array {
  if (n < 0n) throw new RangeError('negative number');
  let hex = n === 0n ? '' : n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (length !== undefined) {
    if (hex.length > length * 2) throw new RangeError(`number needs ${hex.length / 2} bytes, only ${length} allowed`);
    hex = hex.padStart(length * 2, '0');
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Length of a big-endian number without its leading zero bytes. */
export function significantLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.length - i;
}

/** libgcrypt's GCRYMPI_FMT_STD for a non-negative number: minimal, plus a 00 byte when the
 *  top bit of the first byte is set (so the number does not read as negative). */
export function bigIntToStd(n: bigint): Uint8Array {
  const b = bigIntToBytes(n);
  if (b.length > 0 && b[0]! & 0x80) {
    const out = new Uint8Array(b.length + 1);
    out.set(b, 1);
    return out;
  }
  return b;
}

/** `x mod m` in [0, m). */
export function mod(x: bigint, m: bigint): bigint {
  const r = x % m;
  return r < 0n ? r + m : r;
}

const TWO_53 = 1n << 53n;

/**
 * Modular inverse of `a` mod `m`; throws when not invertible. Lehmer's extended Euclid (Knuth
 * 4.5.2, algorithm L): the quotients are found on the top 48 bits as plain numbers, and the
 * bigints are updated once per batch of steps — ~10× fewer bigint operations than plain Euclid,
 * which finishes the last steps.
 */
export function invert(a: bigint, m: bigint): bigint {
  // Invariants: x ≡ sx·a and y ≡ sy·a (mod m).
  let x = m;
  let y = mod(a, m);
  let sx = 0n;
  let sy = 1n;
  while (y !== 0n) {
    if (y >= TWO_53) {
      const shift = BigInt(Math.max(0, x.toString(16).length * 4 - 48));
      let xh = Number(x >> shift);
      let yh = Number(y >> shift);
      let A = 1;
      let B = 0;
      let C = 0;
      let D = 1;
      for (;;) {
        if (yh + C === 0 || yh + D === 0) break;
        const q = Math.floor((xh + A) / (yh + C));
        if (q !== Math.floor((xh + B) / (yh + D))) break;
        const t1 = A - q * C;
        A = C;
        C = t1;
        const t2 = B - q * D;
        B = D;
        D = t2;
        const t3 = xh - q * yh;
        xh = yh;
        yh = t3;
      }
      if (B !== 0) {
        const [bA, bB, bC, bD] = [BigInt(A), BigInt(B), BigInt(C), BigInt(D)];
        const nx = bA * x + bB * y;
        y = bC * x + bD * y;
        x = nx;
        const nsx = bA * sx + bB * sy;
        sy = bC * sx + bD * sy;
        sx = nsx;
        continue;
      }
      // No step could be decided on the top bits: one full-precision step.
    }
    const q = x / y;
    const r = x - q * y;
    x = y;
    y = r;
    const s = sx - q * sy;
    sx = sy;
    sy = s;
  }
  if (x !== 1n) throw new RangeError('number is not invertible');
  return mod(sx, m);
}

/** Leftmost `qbits` bits of a byte string as a number (RFC 6979 bits2int, libgcrypt's
 *  _gcry_dsa_normalize_hash): a string longer than qbits is shifted right, a shorter one is kept. */
export function bits2int(bytes: Uint8Array, qbits: number): bigint {
  const v = bytesToBigInt(bytes);
  const blen = bytes.length * 8;
  return blen > qbits ? v >> BigInt(blen - qbits) : v;
}
