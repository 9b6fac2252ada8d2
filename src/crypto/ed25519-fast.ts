// Fast fixed-window scalar multiplication on the Ed25519 curve for ECDSA: precomputed tables in
// affine "Niels" form (y+x, y−x, 2d·x·y), so every step is one mixed addition (7 field
// multiplications) and there is no doubling at all. Plain bigints and local variables: no
// point objects per step (noble's validated, frozen points cost more than the arithmetic).
// Correctness is checked against noble's arithmetic and libgcrypt's vectors (test/crypto).
import { ed25519 } from '@noble/curves/ed25519.js';
import { invert } from './mpi.js';

const Point = ed25519.Point;
type NoblePoint = InstanceType<typeof Point>;

const P = Point.Fp.ORDER;
const N = Point.Fn.ORDER;
const D2 = (2n * ed25519.Point.CURVE().d) % P;

/** Window width in bits: digits are signed bytes, 2^(W−1) entries per window. */
const W = 8;
const HALF = 1 << (W - 1);
/** 253-bit scalars → 32 byte-digits, plus one window for the final carry. */
const WINDOWS = 33;

/** A table: for window w and 1 <= j <= 128, j·256^w·P as [y+x, y−x, 2d·x·y] at index (w·128 + j−1)·3. */
export type NielsTable = bigint[];

const md = (a: bigint): bigint => {
  const r = a % P;
  return r < 0n ? r + P : r;
};

// Loose reduction for p = 2^255 − 19: 2^255 ≡ 19, so folding the high part twice brings any
// non-negative product below 2^256 — about 2.5× faster than `%` on these sizes. Point
// coordinates stay "loose" (non-negative, < 2^256) between additions; differences add 4p to
// stay non-negative; `md` reduces fully where a value leaves this module.
const M255 = (1n << 255n) - 1n;
const P4 = 4n * P;
/** A multiple of p above 2^271: keeps differences of once-folded values non-negative. */
const P4_WIDE = P << 17n;
const fold1 = (a: bigint): bigint => (a & M255) + 19n * (a >> 255n);
const fold = (a: bigint): bigint => {
  const b = (a & M255) + 19n * (a >> 255n);
  return (b & M255) + 19n * (b >> 255n);
};

/** The table of a point (≈ 4,200 mixed additions, 33 inversions and one batch inversion). */
export function buildTable(point: NoblePoint): NielsTable {
  const pts: Ext[] = [];
  let base: Ext = fromNoble(point);
  for (let w = 0; w < WINDOWS; w++) {
    // base in affine Niels form, then base, 2·base, …, 128·base by mixed additions.
    const zi = invert(md(base[2]), P);
    const x = md(base[0] * zi);
    const y = md(base[1] * zi);
    const ypx = md(y + x);
    const ymx = md(y - x);
    const xy2d = md(D2 * md(x * y));
    const acc: Ext = [x, y, 1n, md(x * y)];
    for (let j = 1; j <= HALF; j++) {
      pts.push([acc[0], acc[1], acc[2], acc[3]]);
      if (j < HALF) addNiels(acc, ypx, ymx, xy2d, false);
    }
    base = addExt(acc, acc); // 2·128·base = 256·base (the formula is complete: doubling is fine)
  }
  // Batch inversion of every Z (Montgomery's trick): one inversion for the whole table.
  const prefix: bigint[] = new Array(pts.length);
  let accZ = 1n;
  for (let i = 0; i < pts.length; i++) {
    prefix[i] = accZ;
    accZ = md(accZ * pts[i]![2]);
  }
  let inv = invert(accZ, P);
  const table: NielsTable = new Array(pts.length * 3);
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    const zi = md(inv * prefix[i]!);
    inv = md(inv * p[2]);
    const x = md(p[0] * zi);
    const y = md(p[1] * zi);
    table[i * 3] = md(y + x);
    table[i * 3 + 1] = md(y - x);
    table[i * 3 + 2] = md(D2 * md(x * y));
  }
  return table;
}

/** Signed byte digits of k (0 <= k < 2^256): k = Σ digits[w]·256^w, each in [−128, 128]. */
function digits(k: bigint): Int16Array {
  const out = new Int16Array(WINDOWS);
  const hex = k.toString(16).padStart(64, '0');
  let carry = 0;
  for (let w = 0; w < 32; w++) {
    let d = parseInt(hex.slice(62 - 2 * w, 64 - 2 * w), 16) + carry;
    if (d > HALF) {
      d -= 256;
      carry = 1;
    } else carry = 0;
    out[w] = d;
  }
  out[32] = carry;
  return out;
}

/** An extended point (X, Y, Z, T) as a 4-element array, x = X/Z, y = Y/Z, T = XY/Z. */
export type Ext = [bigint, bigint, bigint, bigint];

/** acc + (±) table entry, in place (loose coordinates in, loose out). */
function addNiels(acc: Ext, ypx: bigint, ymx: bigint, xy2d: bigint, negative: boolean): void {
  const [X1, Y1, Z1, T1] = acc;
  // One fold is enough for these three (< 2^270): they only feed the products below, which
  // get both folds and end below 2^256 again.
  const a = fold1((Y1 - X1 + P4) * (negative ? ypx : ymx));
  const b = fold1((Y1 + X1) * (negative ? ymx : ypx));
  const c = fold1(T1 * (negative ? P - xy2d : xy2d));
  const d = 2n * Z1;
  const e = b - a + P4_WIDE;
  const f = d - c + P4_WIDE;
  const g = d + c;
  const h = b + a;
  acc[0] = fold(e * f);
  acc[1] = fold(g * h);
  acc[2] = fold(f * g);
  acc[3] = fold(e * h);
}

/** k·P from P's table, variable time (public scalars: verification). 0 <= k < 2^256. */
export function mulPublic(table: NielsTable, k: bigint): Ext {
  const acc: Ext = [0n, 1n, 1n, 0n];
  const ds = digits(k);
  for (let w = 0; w < WINDOWS; w++) {
    const dg = ds[w]!;
    if (dg === 0) continue;
    const i = (w * HALF + Math.abs(dg) - 1) * 3;
    addNiels(acc, table[i]!, table[i + 1]!, table[i + 2]!, dg < 0);
  }
  return acc;
}

/** k·P from P's table for a secret k: the same additions and table reads whatever k is
 *  (every entry of a window is read; a zero digit adds into a dummy accumulator). */
export function mulSecret(table: NielsTable, k: bigint): Ext {
  const acc: Ext = [0n, 1n, 1n, 0n];
  const dummy: Ext = [0n, 1n, 1n, 0n];
  const ds = digits(k);
  for (let w = 0; w < WINDOWS; w++) {
    const dg = ds[w]!;
    const want = Math.abs(dg) - 1;
    const start = w * HALF * 3;
    let ypx = table[start]!;
    let ymx = table[start + 1]!;
    let xy2d = table[start + 2]!;
    for (let j = 1; j < HALF; j++) {
      const hit = j === want;
      const o = start + j * 3;
      ypx = hit ? table[o]! : ypx;
      ymx = hit ? table[o + 1]! : ymx;
      xy2d = hit ? table[o + 2]! : xy2d;
    }
    addNiels(dg === 0 ? dummy : acc, ypx, ymx, xy2d, dg < 0);
  }
  return acc;
}

/** p + q for extended points (add-2008-hwcd-3, a = −1; complete, so p = q is fine). */
export function addExt(p: Ext, q: Ext): Ext {
  const a = fold((p[1] - p[0] + P4) * (q[1] - q[0] + P4));
  const b = fold((p[1] + p[0]) * (q[1] + q[0]));
  const c = fold(fold(p[3] * D2) * q[3]);
  const d = fold(2n * p[2] * q[2]);
  const e = b - a + P4;
  const f = d - c + P4;
  const g = d + c;
  const h = b + a;
  return [fold(e * f), fold(g * h), fold(f * g), fold(e * h)];
}

export const fromNoble = (p: NoblePoint): Ext => [p.X, p.Y, p.Z, p.T];

/** Affine x of an extended point (one inversion). */
export function affineX(p: Ext): bigint {
  return md(p[0] * invert(md(p[2]), P));
}

/** Affine (x, y) of an extended point (one inversion). */
export function affine(p: Ext): [bigint, bigint] {
  const zi = invert(md(p[2]), P);
  return [md(p[0] * zi), md(p[1] * zi)];
}

/** Whether x(p) ≡ r (mod n) for 1 <= r < n, without an inversion: x = r + j·n < p for some j,
 *  and X ≡ x·Z (mod p). */
export function xModNIs(p: Ext, r: bigint): boolean {
  const X = md(p[0]);
  const Z = md(p[2]);
  for (let x = r; x < P; x += N) {
    if ((x * Z - X) % P === 0n) return true;
  }
  return false;
}

let baseTable: NielsTable | undefined;
let baseUses = 0;
/** Multiplications by G done without the table before it is built: a one-off signature or
 *  check (a CLI command) should not pay for the table, a session of many should. */
const BASE_TABLE_AFTER = 8;

/** The table of the base point G, built now if it is not yet. */
export function baseTableG(): NielsTable {
  return (baseTable ??= buildTable(Point.BASE));
}

/** Forget the uses of G counted so far (the table, if built, stays). */
export function resetBaseUses(): void {
  baseUses = 0;
}

/** G's table if it is built, without counting a use. */
export const baseTableIfBuilt = (): NielsTable | undefined => baseTable;

/** G's table when it exists or is now worth building; undefined for the first few uses. */
export function baseTableIfWorthIt(): NielsTable | undefined {
  return baseTable ?? (++baseUses > BASE_TABLE_AFTER ? baseTableG() : undefined);
}
