// A minimal OpenPGP signer (Ed25519 or RSA, binary-document signatures): enough for tests and the
// benchmark to make signed commits in-process without gpg. Not used to authenticate anything.
import { createHash, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { armor } from './armor.js';
import { OID_ED25519, parsePublicKey, type PublicKeyPacket } from './key.js';
import { encodeMpi, encodePacket, PacketTag } from './packets.js';

export interface TestSigner {
  publicKey: PublicKeyPacket;
  /** Binary public key packet (what a `.key` file holds, without user ID or self-signature). */
  publicKeyPacket: Uint8Array;
  /** Armored detached signature of `message`. */
  sign(message: Uint8Array, hash?: 'sha256' | 'sha512' | 'sha1', options?: SignOptions): string;
}

export interface SignOptions {
  /** Include the issuer fingerprint subpacket (default true). */
  issuerFingerprint?: boolean;
  /** Include the issuer key ID subpacket (default true); a Uint8Array puts that ID instead. */
  issuerKeyId?: boolean | Uint8Array;
  /** Extra hashed subpackets, already encoded. */
  extraHashed?: Uint8Array;
}

const HASH_IDS = { sha1: 2, sha256: 8, sha512: 10 } as const;

/** `n` as 4 big-endian bytes. */
const be32 = (n: number): Buffer => Buffer.of((n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);

export function makeEd25519Signer(created = 1_600_000_000): TestSigner {
  return makeSigner('ed25519', created);
}

export function makeSigner(kind: 'ed25519' | 'rsa', created = 1_600_000_000): TestSigner {
  const time = Buffer.concat([Buffer.of(4), be32(created)]); // version 4, creation time
  let body: Buffer;
  let privateKey: KeyObject;
  if (kind === 'ed25519') {
    const pair = generateKeyPairSync('ed25519');
    privateKey = pair.privateKey;
    const raw = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url');
    body = Buffer.concat([time, Buffer.of(22, 9), Buffer.from(OID_ED25519, 'hex'), encodeMpi(Buffer.concat([Buffer.of(0x40), raw]))]);
  } else {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    const jwk = pair.publicKey.export({ format: 'jwk' });
    body = Buffer.concat([time, Buffer.of(1), encodeMpi(Buffer.from(jwk.n!, 'base64url')), encodeMpi(Buffer.from(jwk.e!, 'base64url'))]);
  }
  const key = parsePublicKey(body, false)!;
  return {
    publicKey: key,
    publicKeyPacket: encodePacket(PacketTag.PublicKey, body),
    sign: (message, hash = 'sha512', options = {}) => armor('PGP SIGNATURE', signPacket(privateKey, key, message, hash, created, options)),
  };
}

function signPacket(priv: KeyObject, key: PublicKeyPacket, message: Uint8Array, hash: keyof typeof HASH_IDS, time: number, options: SignOptions): Uint8Array {
  const sub = (type: number, data: Uint8Array) => Buffer.concat([Buffer.of(data.length + 1, type), data]);
  const hashed = Buffer.concat([
    options.issuerFingerprint === false ? Buffer.alloc(0) : sub(33, Buffer.concat([Buffer.of(4), key.fingerprint])),
    sub(2, be32(time)),
    options.extraHashed ?? Buffer.alloc(0),
  ]);
  const id = options.issuerKeyId instanceof Uint8Array ? options.issuerKeyId : options.issuerKeyId === false ? undefined : key.keyId;
  const unhashed = id ? sub(16, id) : Buffer.alloc(0);
  const rsa = key.material.kind === 'rsa';
  const header = Buffer.concat([Buffer.of(4, 0x00, rsa ? 1 : 22, HASH_IDS[hash], hashed.length >> 8, hashed.length & 0xff), hashed]);
  const n = header.length;
  const trailer = Buffer.concat([header, Buffer.of(4, 0xff), be32(n)]);
  const digest = createHash(hash).update(message).update(trailer).digest();
  const values = rsa
    ? [encodeMpi(cryptoSign(hash, Buffer.concat([message, trailer]), priv))]
    : ((sig) => [encodeMpi(sig.subarray(0, 32)), encodeMpi(sig.subarray(32))])(cryptoSign(null, digest, priv));
  const body = Buffer.concat([
    header, Buffer.of(unhashed.length >> 8, unhashed.length & 0xff), unhashed,
    digest.subarray(0, 2), ...values,
  ]);
  return encodePacket(PacketTag.Signature, body);
}
