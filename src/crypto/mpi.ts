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

/** Modular inverse of `a` mod `m` (extended Euclid); throws when not invertible. */
export function invert(a: bigint, m: bigint): bigint {
  let r0 = mod(a, m);
  let r1 = m;
  let s0 = 1n;
  let s1 = 0n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    const r2 = r0 - q * r1;
    r0 = r1;
    r1 = r2;
    const s2 = s0 - q * s1;
    s0 = s1;
    s1 = s2;
  }
  if (r0 !== 1n) throw new RangeError('number is not invertible');
  return mod(s0, m);
}

/** Leftmost `qbits` bits of a byte string as a number (RFC 6979 bits2int, libgcrypt's
 *  _gcry_dsa_normalize_hash): a string longer than qbits is shifted right, a shorter one is kept. */
export function bits2int(bytes: Uint8Array, qbits: number): bigint {
  const v = bytesToBigInt(bytes);
  const blen = bytes.length * 8;
  return blen > qbits ? v >> BigInt(blen - qbits) : v;
}
