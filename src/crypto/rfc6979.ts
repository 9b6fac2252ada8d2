// Deterministic ECDSA/DSA nonces (RFC 6979 §3.2) exactly as libgcrypt derives them
// (cipher/dsa-common.c): HMAC with the hash named in the data — SHA-256 for everything Guix signs,
// whatever the curve — x = int2octets(d) WITHOUT reducing d mod n (Guix's Ed25519 keys have
// d > n), h1 = int2octets(bits2int(hash) mod n), candidates bits2int(T) tried until 1 <= k < n.
import { createHmac } from 'node:crypto';
import { bigIntToBytes, bitLength, bits2int } from './mpi.js';

/**
 * The successive nonce candidates accepted by RFC 6979 for order `n`, secret `d` and `hash`.
 * The signer takes the first; should it give r = 0 or s = 0, libgcrypt asks for the next one
 * ("extraloops"), which is the generator's next value.
 */
export function* rfc6979Nonces(n: bigint, d: bigint, hash: Uint8Array): Generator<bigint, never> {
  const qbits = bitLength(n);
  const rlen = Math.ceil(qbits / 8);
  let x: Uint8Array;
  try {
    x = bigIntToBytes(d, rlen);
  } catch {
    throw new RangeError(`secret scalar d is longer than ${rlen} bytes`);
  }
  const h1 = bigIntToBytes(bits2int(hash, qbits) % n, rlen);
  const hlen = 32;
  let V: Uint8Array = new Uint8Array(hlen).fill(1);
  let K: Uint8Array = new Uint8Array(hlen);
  const mac = (key: Uint8Array, ...parts: Uint8Array[]): Uint8Array => {
    // node:crypto's native HMAC: several times faster than a JS one for these short inputs.
    const h = createHmac('sha256', key);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const zero = Uint8Array.of(0);
  K = mac(K, V, zero, x, h1);
  V = mac(K, V);
  K = mac(K, V, Uint8Array.of(1), x, h1);
  V = mac(K, V);
  for (;;) {
    const T = new Uint8Array(Math.ceil(qbits / 8 / hlen) * hlen);
    for (let off = 0; off < T.length; off += hlen) {
      V = mac(K, V);
      T.set(V, off);
    }
    const k = bits2int(T, qbits);
    if (k >= 1n && k < n) yield k;
    K = mac(K, V, zero);
    V = mac(K, V);
  }
}
