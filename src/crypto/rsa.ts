// RSA PKCS#1 v1.5 signatures (RSASSA-PKCS1-v1_5) as libgcrypt makes them for `(flags pkcs1)`
// data: EM = 00 01 FF… 00 ‖ DigestInfo(hash algorithm) ‖ hash, s printed at the modulus length.
// OpenSSL (node:crypto) does the modular exponentiation; the encoding and every check are ours,
// so verification compares the whole encoded message byte for byte (no lax parsing).
import { constants, createPrivateKey, createPublicKey, privateEncrypt, publicDecrypt, type KeyObject } from 'node:crypto';
import { bigIntToBytes, bitLength, invert, significantLength } from './mpi.js';

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1), by libgcrypt's hash names. */
const DIGEST_INFO: Record<string, { prefix: string; length: number }> = {
  sha1: { prefix: '3021300906052b0e03021a05000414', length: 20 },
  sha224: { prefix: '302d300d06096086480165030402040500041c', length: 28 },
  sha256: { prefix: '3031300d060960864801650304020105000420', length: 32 },
  sha384: { prefix: '3041300d060960864801650304020205000430', length: 48 },
  sha512: { prefix: '3051300d060960864801650304020305000440', length: 64 },
};

const b64u = (n: bigint): string => Buffer.from(bigIntToBytes(n)).toString('base64url');

export class RsaPublic {
  readonly bits: number;
  /** Modulus length in bytes: the length of s and of the encoded message. */
  readonly k: number;
  private keyObject: KeyObject | undefined;

  constructor(
    readonly n: bigint,
    readonly e: bigint,
  ) {
    this.bits = bitLength(n);
    this.k = Math.ceil(this.bits / 8);
  }

  /** Build the OpenSSL key now (done lazily otherwise). */
  prepare(): KeyObject {
    this.keyObject ??= createPublicKey({ key: { kty: 'RSA', n: b64u(this.n), e: b64u(this.e) }, format: 'jwk' });
    return this.keyObject;
  }

  /** Undefined when `s` (big-endian, any leading zeros) is a valid signature of `hash` (named
   *  `algo`), else why not. Works on bytes throughout: no bigint round trips. */
  problem(algo: string, hash: Uint8Array, s: Uint8Array): string | undefined {
    const prefix = encodingPrefix(algo, hash.length, this.k);
    if (typeof prefix === 'string') return prefix;
    const digits = significantLength(s);
    if (digits > this.k) return 's is not below the modulus';
    const padded = Buffer.alloc(this.k);
    padded.set(s.subarray(s.length - digits), this.k - digits);
    this.nBytes ??= Buffer.from(bigIntToBytes(this.n, this.k));
    if (Buffer.compare(padded, this.nBytes) >= 0) return 's is not below the modulus';
    let em: Buffer;
    try {
      em = publicDecrypt({ key: this.prepare(), padding: constants.RSA_NO_PADDING }, padded);
    } catch (e) {
      return `RSA operation failed: ${(e as Error).message}`;
    }
    const split = this.k - hash.length;
    const ok = em.length === this.k && prefix.equals(em.subarray(0, split)) && Buffer.from(hash).equals(em.subarray(split));
    return ok ? undefined : 'bad signature';
  }
  private nBytes: Buffer | undefined;
}

export class RsaPrivate {
  private readonly keyObject: KeyObject;

  constructor(
    readonly pub: RsaPublic,
    d: bigint,
    p: bigint,
    q: bigint,
  ) {
    // JWK wants dp, dq and qi = q⁻¹ mod p; libgcrypt stores u = p⁻¹ mod q instead, so compute ours.
    this.keyObject = createPrivateKey({
      key: {
        kty: 'RSA',
        n: b64u(pub.n),
        e: b64u(pub.e),
        d: b64u(d),
        p: b64u(p),
        q: b64u(q),
        dp: b64u(d % (p - 1n)),
        dq: b64u(d % (q - 1n)),
        qi: b64u(invert(q, p)),
      },
      format: 'jwk',
    });
  }

  /** s at the full modulus length; throws a RangeError for an unknown hash or wrong length. */
  sign(algo: string, hash: Uint8Array): Uint8Array {
    const em = encode(algo, hash, this.pub.k);
    if (typeof em === 'string') throw new RangeError(em);
    return new Uint8Array(privateEncrypt({ key: this.keyObject, padding: constants.RSA_NO_PADDING }, em));
  }
}

/** EM without the hash: 00 01 FF…FF 00 ‖ DigestInfo prefix, cached per (algorithm, length). */
const prefixes = new Map<string, Buffer>();

function encodingPrefix(algo: string, hashLength: number, k: number): Buffer | string {
  const info = DIGEST_INFO[algo.toLowerCase()];
  if (!info) return `unsupported hash algorithm '${algo}' for RSA`;
  if (hashLength !== info.length) return `a ${algo} hash is ${info.length} bytes, got ${hashLength}`;
  const id = `${algo.toLowerCase()}/${k}`;
  let prefix = prefixes.get(id);
  if (!prefix) {
    const digestInfo = Buffer.from(info.prefix, 'hex');
    if (k < digestInfo.length + info.length + 11) return 'the RSA modulus is too short for this hash';
    prefix = Buffer.alloc(k - info.length, 0xff);
    prefix[0] = 0;
    prefix[1] = 1;
    prefix[prefix.length - digestInfo.length - 1] = 0;
    digestInfo.copy(prefix, prefix.length - digestInfo.length);
    prefixes.set(id, prefix);
  }
  return prefix;
}

/** EMSA-PKCS1-v1_5 encoding of `hash`, or the reason it cannot be encoded. */
function encode(algo: string, hash: Uint8Array, k: number): Buffer | string {
  const prefix = encodingPrefix(algo, hash.length, k);
  return typeof prefix === 'string' ? prefix : Buffer.concat([prefix, hash]);
}
