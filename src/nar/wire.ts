// The daemon's wire primitives (spec/guix-formats.md §0.1): 8-byte little-endian integers and
// strings as u64(length) + bytes + zero padding to a multiple of 8.

/** The token a nar starts with. */
export const NAR_MAGIC = 'nix-archive-1';

export const padLength = (n: number): number => (8 - (n % 8)) % 8;

export function u64(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

/** `str(bytes)`: length, bytes, zero padding. Strings are taken as ISO-8859-1 (one char = one byte). */
export function str(value: Uint8Array | string): Uint8Array {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  const out = new Uint8Array(8 + bytes.length + padLength(bytes.length));
  out.set(u64(bytes.length), 0);
  out.set(bytes, 8);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
