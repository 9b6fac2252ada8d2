// Number helpers: the Lehmer inverse against the definition, byte conversions both ways.
import { fc, test } from '@fast-check/vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p521 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { bigIntToBytes, bigIntToStd, bits2int, bytesToBigInt, invert } from '../../src/crypto/mpi.js';

const moduli = [ed25519.Point.Fn.ORDER, ed25519.Point.Fp.ORDER, p521.Point.Fn.ORDER, 65537n, 2n ** 127n - 1n];

describe('invert', () => {
  test.prop([fc.constantFrom(...moduli), fc.bigInt({ min: 1n, max: 2n ** 600n })], { numRuns: 500 })('a·a⁻¹ ≡ 1 for a prime modulus', (m, a) => {
    if (a % m === 0n) return;
    const inv = invert(a, m);
    expect(inv >= 0n && inv < m).toBe(true);
    expect((((a % m) * inv) % m)).toBe(1n);
  });

  it.each([1n, 2n, 3n, 2n ** 252n, 2n ** 253n - 1n])('small and edge values mod n (%s)', (a) => {
    const n = ed25519.Point.Fn.ORDER;
    expect(((a % n) * invert(a, n)) % n).toBe(1n);
  });

  test.prop([fc.bigInt({ min: 2n, max: 2n ** 300n }), fc.bigInt({ min: 2n, max: 2n ** 300n })], { numRuns: 300 })('composite moduli: an inverse exactly when coprime', (a, m) => {
    const gcd = (x: bigint, y: bigint): bigint => (y === 0n ? x : gcd(y, x % y));
    if (gcd(a, m) === 1n) expect((a * invert(a, m)) % m).toBe(1n % m);
    else expect(() => invert(a, m)).toThrow(RangeError);
  });
});

describe('byte conversions', () => {
  test.prop([fc.bigInt({ min: 0n, max: 2n ** 600n })])('minimal bytes round-trip', (n) => {
    const b = bigIntToBytes(n);
    expect(b.length === 0 || b[0] !== 0).toBe(true);
    expect(bytesToBigInt(b)).toBe(n);
    const std = bigIntToStd(n);
    expect(bytesToBigInt(std)).toBe(n);
    expect(std.length === 0 || (std[0]! & 0x80) === 0).toBe(true);
  });

  it('pads, refuses what does not fit, shifts long strings in bits2int', () => {
    expect(Buffer.from(bigIntToBytes(1n, 4)).toString('hex')).toBe('00000001');
    expect(() => bigIntToBytes(256n, 1)).toThrow(RangeError);
    expect(bits2int(Uint8Array.of(0xff, 0xff), 13)).toBe(0x1fffn);
    expect(bits2int(Uint8Array.of(0xff), 13)).toBe(0xffn);
  });
});
