// The table-based Ed25519 arithmetic against @noble/curves' own (a second implementation):
// random and edge scalars (carries at every digit, 0, 1, n−1), points with and without tables.
import { fc, test } from '@fast-check/vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { addExt, affineX, baseTableG, buildTable, fromNoble, mulPublic, mulSecret, xModNIs } from '../../src/crypto/ed25519-fast.js';

const Point = ed25519.Point;
const n = Point.Fn.ORDER;
const p = Point.Fp.ORDER;
const Q = Point.BASE.multiply(0x1234567890abcdefn * 0xfedcba987654321n);
const tableQ = buildTable(Q);
const affine = (e: readonly bigint[]) => {
  const zi = Point.Fp.inv(e[2]!);
  return { x: (e[0]! * zi) % p, y: (e[1]! * zi) % p };
};
const expectSame = (ext: readonly bigint[], point: InstanceType<typeof Point>) => {
  if (point.is0()) {
    expect((ext[0]! % p) === 0n && ((ext[1]! - ext[2]!) % p) === 0n).toBe(true);
    return;
  }
  expect(affine(ext)).toEqual(point.toAffine());
};

const edges = [0n, 1n, 2n, 127n, 128n, 129n, 255n, 256n, n - 1n, n - 2n, 1n << 252n, BigInt('0x' + '80'.repeat(31)), BigInt('0x' + '7f'.repeat(31)), BigInt('0x0' + 'f'.repeat(62)) % n];
const scalar = fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: 0n, max: n - 1n }));

describe('ed25519-fast against noble', () => {
  it.each(edges.map((k) => [k.toString(16), k] as const))('k = %s', (_h, k) => {
    const expected = k === 0n ? Point.ZERO : Point.BASE.multiply(k);
    expectSame(mulPublic(baseTableG(), k), expected);
    expectSame(mulSecret(baseTableG(), k), expected);
    expectSame(mulPublic(tableQ, k), k === 0n ? Point.ZERO : Q.multiply(k));
  });

  test.prop([scalar, scalar], { numRuns: 60 })('u1·G + u2·Q, and the x test without inversion', (u1, u2) => {
    const expected = Point.BASE.multiplyUnsafe(u1).add(Q.multiplyUnsafe(u2));
    const sum = addExt(mulPublic(baseTableG(), u1), mulPublic(tableQ, u2));
    expectSame(sum, expected);
    expectSame(addExt(mulSecret(baseTableG(), u1), fromNoble(Q.multiplyUnsafe(u2))), expected);
    if (!expected.is0()) {
      const x = expected.toAffine().x;
      expect(affineX(sum)).toBe(x);
      const r = x % n;
      if (r !== 0n) {
        expect(xModNIs(sum, r)).toBe(true);
        expect(xModNIs(sum, r === n - 1n ? 1n : r + 1n)).toBe(false);
      }
    }
  });
});

describe('a key pair\'s public point (d·G), without and with G\'s table', () => {
  it('is the same point both ways, so a first signature may use either', async () => {
    // A fresh module instance: no table yet, the first multiplication goes through noble.
    const { vi } = await import('vitest');
    vi.resetModules();
    const fresh = await import('../../src/crypto/ecdsa-ed25519.js');
    const fast = await import('../../src/crypto/ed25519-fast.js');
    const ds = [1n, 2n, n - 1n, 0x1234567890abcdefn, BigInt('0x' + '5a'.repeat(32))];
    const without = ds.map((d) => fresh.ed25519PublicFromSecret(d));
    expect(fast.baseTableIfBuilt()).toBeUndefined();
    fast.baseTableG();
    expect(ds.map((d) => fresh.ed25519PublicFromSecret(d))).toEqual(without);
    expect(without[0]).toEqual(Point.BASE.toBytes());
  });
});
