// Signature packets (RFC 4880 §5.2), versions 3 and 4, the subpackets Guix knows, and
// verification of binary-document signatures against a key from the keyring.
import { createHash, verify as cryptoVerify } from 'node:crypto';
import { OpenPGPError } from './errors.js';
import { formatFingerprint, hex, keyObject, keySpec, PublicKeyAlgorithm, type PublicKeyPacket } from './key.js';
import type { JsonWebKey } from 'node:crypto';
import { readPackets, Reader, PacketTag, tagName } from './packets.js';
import { dearmor } from './armor.js';
import { significantLength } from '../../crypto/mpi.js';

export const HASH_ALGORITHMS: Record<number, { name: string; node: string }> = {
  1: { name: 'md5', node: 'md5' },
  2: { name: 'sha1', node: 'sha1' },
  3: { name: 'rmd160', node: 'ripemd160' },
  8: { name: 'sha256', node: 'sha256' },
  9: { name: 'sha384', node: 'sha384' },
  10: { name: 'sha512', node: 'sha512' },
  11: { name: 'sha224', node: 'sha224' },
};

/** Subpacket types Guix's reader knows; an unknown one marked critical is an error. */
const KNOWN_SUBPACKETS = new Set([2, 3, 5, 7, 9, 11, 16, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 32, 33]);

/**
 * Known subpackets whose fields Guix reads at fixed offsets: it refuses a signature where one is
 * shorter than this. (An embedded signature, type 32, is not parsed here, unlike in Guix.)
 */
const MIN_SUBPACKET_LENGTH: Record<number, [number, string]> = {
  2: [4, 'signature creation time'], 3: [4, 'signature expiration time'], 5: [1, 'trust signature'], 7: [1, 'revocable'],
  9: [4, 'key expiration time'], 20: [8, 'notation data'], 25: [1, 'primary user ID'], 29: [1, 'reason for revocation'],
};

/** Check what Guix's parse-subpackets would choke on in a known subpacket. */
function checkSubpacket(type: number, data: Uint8Array): void {
  const min = MIN_SUBPACKET_LENGTH[type];
  if (min && data.length < min[0]) throw new OpenPGPError(`OpenPGP signature: ${min[1]} subpacket of ${data.length} bytes (expected at least ${min[0]})`);
  if (type === 20) {
    const size = 8 + ((data[4]! << 8) | data[5]!) + ((data[6]! << 8) | data[7]!);
    if (size > data.length) throw new OpenPGPError(`OpenPGP signature: notation data subpacket of ${data.length} bytes announces ${size}`);
  } else if (type === 21) {
    const unknown = data.find((id) => !HASH_ALGORITHMS[id]);
    if (unknown !== undefined) throw new OpenPGPError(`OpenPGP signature: preferred hash algorithms subpacket names unknown hash algorithm ${unknown}`);
  }
}

export interface SignaturePacket {
  version: number;
  type: number;
  algorithm: number;
  hashAlgorithm: number;
  /** Name Guix prints for the hash algorithm (`sha1`, `sha512`, ...). */
  hashName: string;
  issuerKeyId?: Uint8Array;
  issuerFingerprint?: Uint8Array;
  /** The bytes hashed after the message (v4: header + hashed subpackets + trailer). */
  trailer: Uint8Array;
  /** RSA: [s]; DSA and EdDSA: [r, s]. */
  values: Uint8Array[];
}

export function parseSignature(body: Uint8Array): SignaturePacket {
  const r = new Reader(body, 'OpenPGP signature');
  const version = r.u8();
  let type: number;
  let algorithm: number;
  let hashAlgorithm: number;
  let trailer: Uint8Array;
  let issuerKeyId: Uint8Array | undefined;
  let issuerFingerprint: Uint8Array | undefined;
  if (version === 4) {
    type = r.u8();
    algorithm = r.u8();
    hashAlgorithm = r.u8();
    const hashedLen = r.u16();
    const hashed = r.bytes(hashedLen);
    const unhashedLen = r.u16();
    const unhashed = r.bytes(unhashedLen);
    for (const area of [hashed, unhashed]) {
      for (const sp of subpackets(area)) {
        if (sp.type === 16) {
          if (sp.data.length !== 8) throw new OpenPGPError(`OpenPGP signature: issuer subpacket of ${sp.data.length} bytes (expected 8)`);
          issuerKeyId ??= sp.data;
        } else if (sp.type === 33) {
          const v = sp.data[0];
          if (v === undefined) throw new OpenPGPError('OpenPGP signature: empty issuer fingerprint subpacket (no key version, no fingerprint)');
          const want = v === 4 ? 20 : v === 5 ? 32 : -1;
          if (want < 0) throw new OpenPGPError(`OpenPGP signature: issuer fingerprint of unknown key version ${v} (only versions 4 and 5 are known)`);
          if (sp.data.length !== want + 1) throw new OpenPGPError(`OpenPGP signature: issuer fingerprint of ${sp.data.length - 1} bytes (expected ${want})`);
          issuerFingerprint ??= sp.data.subarray(1);
        } else if (!KNOWN_SUBPACKETS.has(sp.type)) {
          if (sp.critical) throw new OpenPGPError(`OpenPGP signature: unknown critical subpacket type ${sp.type}`);
        } else checkSubpacket(sp.type, sp.data);
      }
    }
    if (issuerKeyId && issuerFingerprint && hex(issuerFingerprint.subarray(issuerFingerprint.length - 8)) !== hex(issuerKeyId)) {
      throw new OpenPGPError(`OpenPGP signature: issuer key ID ${hex(issuerKeyId).toUpperCase()} does not match issuer fingerprint ${formatFingerprint(issuerFingerprint)}`);
    }
    const headerLen = 6 + hashedLen;
    trailer = new Uint8Array(headerLen + 6);
    trailer.set(body.subarray(0, headerLen));
    trailer.set([0x04, 0xff, (headerLen >>> 24) & 0xff, (headerLen >> 16) & 0xff, (headerLen >> 8) & 0xff, headerLen & 0xff], headerLen);
  } else if (version === 3) {
    if (r.u8() !== 5) throw new OpenPGPError('OpenPGP v3 signature: hashed length must be 5');
    type = r.u8();
    const ctime = r.bytes(4);
    issuerKeyId = r.bytes(8);
    algorithm = r.u8();
    hashAlgorithm = r.u8();
    trailer = Uint8Array.of(type, ...ctime);
  } else {
    throw new OpenPGPError(`unsupported OpenPGP signature version ${version}`);
  }
  r.u16(); // left 16 bits of the hash: not checked (as Guix)
  const values: Uint8Array[] = [];
  if (algorithm === PublicKeyAlgorithm.RSA || algorithm === PublicKeyAlgorithm.RSASignOnly) values.push(r.mpi());
  else if (algorithm === PublicKeyAlgorithm.DSA || algorithm === PublicKeyAlgorithm.EdDSA || algorithm === PublicKeyAlgorithm.ECDSA) values.push(r.mpi(), r.mpi());
  const hashName = HASH_ALGORITHMS[hashAlgorithm]?.name ?? `hash-algorithm-${hashAlgorithm}`;
  return { version, type, algorithm, hashAlgorithm, hashName, issuerKeyId, issuerFingerprint, trailer, values };
}

function* subpackets(area: Uint8Array): Generator<{ type: number; critical: boolean; data: Uint8Array }> {
  const r = new Reader(area, 'OpenPGP signature subpacket');
  while (r.left > 0) {
    const o1 = r.u8();
    let len: number;
    if (o1 < 192) len = o1;
    else if (o1 < 255) len = ((o1 - 192) << 8) + r.u8() + 192;
    else len = r.u32();
    if (len < 1) throw new OpenPGPError('OpenPGP signature subpacket: empty subpacket');
    const body = r.bytes(len);
    yield { type: body[0]! & 0x7f, critical: (body[0]! & 0x80) !== 0, data: body.subarray(1) };
  }
}

/**
 * Read the signature packet of an armored or binary detached signature. As in Guix
 * (string->openpgp-packet), it must be the first packet: no marker, trust or one-pass packet may
 * come before it. What follows it is not read.
 */
export function readSignature(input: string | Uint8Array): SignaturePacket {
  const data = typeof input === 'string' ? dearmor(input).data : input;
  const first = readPackets(data).next();
  if (first.done) throw new OpenPGPError('expected an OpenPGP signature, found no packet');
  const packet = first.value;
  if (packet.tag !== PacketTag.Signature) {
    throw new OpenPGPError(`expected an OpenPGP signature, found a ${tagName(packet.tag)} packet (type ${packet.tag}); the signature must be the first packet`);
  }
  return parseSignature(packet.body);
}

function leftPad(b: Uint8Array, n: number): Uint8Array {
  if (b.length >= n) return b;
  const out = new Uint8Array(n);
  out.set(b, n - b.length);
  return out;
}

/** The digest the signature covers: hash(message ‖ trailer). */
export function signatureDigest(sig: SignaturePacket, message: Uint8Array): Uint8Array {
  const h = HASH_ALGORITHMS[sig.hashAlgorithm];
  if (!h) throw new OpenPGPError(`unsupported OpenPGP hash algorithm ${sig.hashAlgorithm}`);
  return new Uint8Array(createHash(h.node).update(message).update(sig.trailer).digest());
}

/**
 * What checking a signature takes, as plain data (so it can be sent to a worker thread): the
 * node:crypto verify arguments. `null` when the signature cannot be valid for this key.
 */
export interface VerifyJob {
  /** Hash for crypto.verify (null for Ed25519, which signs the digest itself). */
  algorithm: string | null;
  data: Uint8Array;
  signature: Uint8Array;
  /** Cache key for the public key in the thread that verifies. */
  keyId: string;
  key: JsonWebKey | { der: Uint8Array };
  dsa: boolean;
}

export function verifyJob(sig: SignaturePacket, key: PublicKeyPacket, message: Uint8Array): VerifyJob | null {
  if (sig.type !== 0x00) return null;
  const h = HASH_ALGORITHMS[sig.hashAlgorithm];
  if (!h) return null;
  const m = key.material;
  if (m.kind === 'unsupported') return null;
  const keyId = hex(key.fingerprint);
  if (m.kind === 'ed25519') {
    if (sig.algorithm !== PublicKeyAlgorithm.EdDSA || sig.values.length !== 2) return null;
    const [r, s] = sig.values as [Uint8Array, Uint8Array];
    if (r.length > 32 || s.length > 32) return null;
    // OpenPGP EdDSA signs the digest: the digest bytes are the Ed25519 message.
    return { algorithm: null, data: signatureDigest(sig, message), signature: Buffer.concat([leftPad(r, 32), leftPad(s, 32)]), keyId, key: keySpec(key), dsa: false };
  }
  const data = Buffer.concat([message, sig.trailer]);
  if (m.kind === 'rsa') {
    if (sig.algorithm !== PublicKeyAlgorithm.RSA && sig.algorithm !== PublicKeyAlgorithm.RSASignOnly) return null;
    const nLen = significantLength(m.n);
    if (sig.values[0]!.length > nLen) return null;
    return { algorithm: h.node, data, signature: leftPad(sig.values[0]!, nLen), keyId, key: keySpec(key), dsa: false };
  }
  if (sig.algorithm !== PublicKeyAlgorithm.DSA || sig.values.length !== 2) return null;
  const qLen = significantLength(m.q);
  const [r, s] = sig.values as [Uint8Array, Uint8Array];
  if (r.length > qLen || s.length > qLen) return null;
  return { algorithm: h.node, data, signature: Buffer.concat([leftPad(r, qLen), leftPad(s, qLen)]), keyId, key: keySpec(key), dsa: true };
}

/** Run a job in this thread, with `key`'s cached KeyObject. */
export function runVerifyJob(job: VerifyJob | null, key: PublicKeyPacket): boolean {
  if (!job) return false;
  try {
    const k = keyObject(key);
    return cryptoVerify(job.algorithm, job.data, job.dsa ? { key: k, dsaEncoding: 'ieee-p1363' } : k, job.signature);
  } catch (e) {
    if (e instanceof OpenPGPError) throw e;
    return false; // OpenSSL refused the key or signature encoding: not a valid signature
  }
}

/**
 * Check `sig` over `message` with `key`. False for a bad signature, a signature type other than
 * binary document (0x00), or a key whose algorithm cannot verify it.
 */
export function verifySignature(sig: SignaturePacket, key: PublicKeyPacket, message: Uint8Array): boolean {
  return runVerifyJob(verifyJob(sig, key, message), key);
}
