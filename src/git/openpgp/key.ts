// Version 4 public keys and subkeys (RFC 4880 §5.5.2): fingerprint, key ID and, for the
// algorithms Guix can verify (RSA, DSA, EdDSA on Ed25519), a node:crypto KeyObject made once
// and reused for every signature (the speed of long histories depends on it).
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { OpenPGPError } from './errors.js';
import { Reader } from './packets.js';

export const PublicKeyAlgorithm = { RSA: 1, RSAEncryptOnly: 2, RSASignOnly: 3, ElGamal: 16, DSA: 17, ECDH: 18, ECDSA: 19, EdDSA: 22 } as const;

const ALGO_NAMES: Record<number, string> = {
  1: 'RSA', 2: 'RSA (encrypt only)', 3: 'RSA (sign only)', 16: 'ElGamal', 17: 'DSA', 18: 'ECDH', 19: 'ECDSA', 20: 'ElGamal (sign)', 22: 'EdDSA', 25: 'X25519', 26: 'X448', 27: 'Ed25519 (v6)', 28: 'Ed448',
};

export function algorithmName(a: number): string {
  return ALGO_NAMES[a] ?? `algorithm ${a}`;
}

/** 1.3.6.1.4.1.11591.15.1, Ed25519 in OpenPGP's EdDSA (legacy) encoding. */
export const OID_ED25519 = '2b06010401da470f01';
/** 1.3.6.1.4.1.3029.1.5.1, Curve25519 (an encryption curve: such a key cannot sign). */
const OID_CURVE25519 = '2b060104019755010501';

export type KeyMaterial =
  | { kind: 'rsa'; n: Uint8Array; e: Uint8Array }
  | { kind: 'dsa'; p: Uint8Array; q: Uint8Array; g: Uint8Array; y: Uint8Array }
  | { kind: 'ed25519'; q: Uint8Array /* 32 bytes, without the 0x40 prefix */ }
  | { kind: 'unsupported'; reason: string };

export interface PublicKeyPacket {
  version: number;
  created: number;
  algorithm: number;
  fingerprint: Uint8Array; // 20 bytes
  keyId: Uint8Array; // 8 bytes
  material: KeyMaterial;
  subkey: boolean;
  /** The primary key of a subkey. */
  primary?: PublicKeyPacket;
  /** Cached node:crypto key (built on first verification). */
  keyObject?: KeyObject;
}

/**
 * Parse a public key or subkey packet body. Returns undefined for versions other than 4
 * (Guix keeps only a placeholder for those; such a key can sign nothing we accept).
 */
export function parsePublicKey(body: Uint8Array, subkey: boolean): PublicKeyPacket | undefined {
  const r = new Reader(body, subkey ? 'OpenPGP public subkey' : 'OpenPGP public key');
  const version = r.u8();
  if (version !== 4) return undefined;
  const created = r.u32();
  const algorithm = r.u8();
  let material: KeyMaterial;
  switch (algorithm) {
    case PublicKeyAlgorithm.RSA:
      material = { kind: 'rsa', n: r.mpi(), e: r.mpi() };
      break;
    case PublicKeyAlgorithm.DSA:
      material = { kind: 'dsa', p: r.mpi(), q: r.mpi(), g: r.mpi(), y: r.mpi() };
      break;
    case PublicKeyAlgorithm.EdDSA: {
      const oidLen = r.u8();
      const oid = Buffer.from(r.bytes(oidLen)).toString('hex');
      const q = r.mpi();
      if (oid === OID_ED25519) {
        if (q.length !== 33 || q[0] !== 0x40) throw new OpenPGPError(`OpenPGP EdDSA key: expected a 0x40-prefixed 32-byte point, got ${q.length} bytes`);
        material = { kind: 'ed25519', q: q.subarray(1) };
      } else if (oid === OID_CURVE25519) {
        material = { kind: 'unsupported', reason: 'EdDSA on Curve25519 (an encryption curve)' };
      } else {
        // Guix knows only these two curves and fails to load a keyring holding any other.
        throw new OpenPGPError(`OpenPGP EdDSA key on an unknown curve (OID ${oid || 'empty'}): only Ed25519 and Curve25519 can be read`);
      }
      break;
    }
    default:
      material = { kind: 'unsupported', reason: `${algorithmName(algorithm)} keys cannot verify signatures here` };
  }
  const digest = createHash('sha1');
  digest.update(Uint8Array.of(0x99, body.length >> 8, body.length & 0xff));
  digest.update(body);
  const fingerprint = new Uint8Array(digest.digest());
  return { version, created, algorithm, fingerprint, keyId: fingerprint.subarray(12), material, subkey };
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** DER for an unsigned INTEGER. */
function derInteger(v: Uint8Array): Uint8Array {
  const s = stripZeros(v);
  const body = s[0]! & 0x80 ? Buffer.concat([Buffer.of(0), s]) : Buffer.from(s);
  return der(0x02, body);
}

function der(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  let len: number[];
  if (n < 0x80) len = [n];
  else if (n < 0x100) len = [0x81, n];
  else if (n < 0x10000) len = [0x82, n >> 8, n & 0xff];
  else len = [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.of(tag, ...len), body]);
}

const OID_DSA_DER = Buffer.from('06072a8648ce380401', 'hex'); // 1.2.840.10040.4.1

/** The key as node:crypto takes it: a JWK (RSA, Ed25519) or SPKI DER (DSA). */
export function keySpec(key: PublicKeyPacket): JsonWebKey | { der: Uint8Array } {
  const m = key.material;
  switch (m.kind) {
    case 'rsa':
      return { kty: 'RSA', n: b64url(stripZeros(m.n)), e: b64url(stripZeros(m.e)) };
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: b64url(m.q) };
    case 'dsa': {
      // SubjectPublicKeyInfo { AlgorithmIdentifier { dsa, Dss-Parms {p, q, g} }, BIT STRING { INTEGER y } }
      const params = der(0x30, Buffer.concat([derInteger(m.p), derInteger(m.q), derInteger(m.g)]));
      const algId = der(0x30, Buffer.concat([OID_DSA_DER, params]));
      const bits = der(0x03, Buffer.concat([Buffer.of(0), derInteger(m.y)]));
      return { der: der(0x30, Buffer.concat([algId, bits])) };
    }
    default:
      throw new OpenPGPError(`unsupported OpenPGP key ${hex(key.fingerprint)}: ${m.reason}`);
  }
}

function createKeyObject(spec: JsonWebKey | { der: Uint8Array }): KeyObject {
  return 'der' in spec && spec.der instanceof Uint8Array
    ? createPublicKey({ key: Buffer.from(spec.der), format: 'der', type: 'spki' })
    : createPublicKey({ key: spec as JsonWebKey, format: 'jwk' });
}

/** The node:crypto key for this OpenPGP key (throws for unsupported algorithms). */
export function keyObject(key: PublicKeyPacket): KeyObject {
  return (key.keyObject ??= createKeyObject(keySpec(key)));
}

/** Lower-case hex of `b`. */
export const hex = bytesToHex;

/**
 * Guix's display of a fingerprint: ten groups of four upper-case hex digits, a double space in
 * the middle. Other lengths (a bare key ID) print as groups of four. A string is read as hex.
 */
export function formatFingerprint(fingerprint: Uint8Array | string /* hex */): string {
  const fpr = typeof fingerprint === 'string' ? Buffer.from(fingerprint, 'hex') : fingerprint;
  const h = hex(fpr).toUpperCase();
  const groups = h.match(/.{1,4}/g) ?? [];
  if (fpr.length === 20) return `${groups.slice(0, 5).join(' ')}  ${groups.slice(5).join(' ')}`;
  return groups.join(' ');
}
