// Reading `(data (flags ...) (hash ALGO VALUE))` the way libgcrypt 1.10.1 does for verification
// (pubkey-util.c), as far as it decides between "verifies" and "refused": which flags exist,
// which encoding they select, which hash names exist. Checked case by case against the library
// (test/crypto/oracle.test.ts).
import { findToken } from '../sexp/index.js';
import { atomText, isAtom, type SexpList } from '../sexp/model.js';

export type Encoding = 'raw' | 'pkcs1' | 'oaep' | 'pss';

export interface HashData {
  encoding: Encoding;
  /** The hash name as written (lower-cased) — or the name an OID stands for. */
  algo: string;
  value: Uint8Array;
}

const ENCODING_FLAGS: Record<string, Encoding> = { raw: 'raw', pkcs1: 'pkcs1', oaep: 'oaep', pss: 'pss', eddsa: 'raw' };
/** Flags libgcrypt knows that do not choose an encoding. */
const OTHER_FLAGS = new Set([
  'rfc6979',
  'no-blinding',
  'param',
  'noparam',
  'comp',
  'nocomp',
  'transient-key',
  'no-keytest',
  'djb-tweak',
  'gost',
  'sm2',
  'prehash',
  'use-x931',
  'use-fips186',
  'use-fips186-2',
  'igninvflag',
  'secp256k1',
  'pkcs1-raw',
]);

/** libgcrypt's message digest names (gcry_md_map_name: case-insensitive) and common OIDs. */
const HASH_NAMES = new Set([
  'md4', 'md5', 'rmd160', 'ripemd160', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha512/224', 'sha512/256',
  'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512', 'shake128', 'shake256', 'tiger', 'tiger1', 'tiger2', 'whirlpool',
  'crc32', 'crc32rfc1510', 'crc24rfc2440', 'gostr3411_94', 'gostr3411_cp', 'stribog256', 'stribog512', 'sm3',
  'blake2b_512', 'blake2b_384', 'blake2b_256', 'blake2b_160', 'blake2s_256', 'blake2s_224', 'blake2s_160', 'blake2s_128',
]);
const HASH_OIDS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.840.113549.2.5': 'md5',
  '1.3.36.3.2.1': 'rmd160',
};

/** The hash name libgcrypt would use, or undefined when it does not know the name. */
export function hashName(written: string): string | undefined {
  const lower = written.toLowerCase();
  if (HASH_NAMES.has(lower)) return lower;
  const oid = lower.startsWith('oid.') ? lower.slice(4) : lower;
  return HASH_OIDS[oid];
}

/** The data's encoding, hash name and hash bytes, or why libgcrypt would refuse the data. */
export function readData(data: SexpList): HashData | string {
  const flagList = findToken(data, 'flags');
  if (!flagList) return 'the data has no (flags ...) (libgcrypt: Conflicting use)';
  let encoding: Encoding | undefined;
  let rfc6979 = false;
  for (const f of flagList.items.slice(1)) {
    if (!isAtom(f)) return 'the data\'s flags are not all names (libgcrypt: Invalid flag)';
    const name = atomText(f);
    const enc = ENCODING_FLAGS[name];
    if (enc) {
      if (encoding !== undefined) return `the data's flags choose two encodings (libgcrypt: Invalid flag)`;
      encoding = enc;
      if (name === 'eddsa') return 'the data asks for EdDSA (flags eddsa), which Guix keys cannot do (libgcrypt: Invalid object)';
    } else if (name === 'rfc6979') rfc6979 = true;
    else if (!OTHER_FLAGS.has(name)) return `the data has an unknown flag '${name}' (libgcrypt: Invalid flag)`;
  }
  // rfc6979 alone means raw; no encoding at all is refused.
  if (encoding === undefined) {
    if (!rfc6979) return 'the data\'s flags name no encoding such as rfc6979 or pkcs1 (libgcrypt: Conflicting use)';
    encoding = 'raw';
  }
  const h = findToken(data, 'hash');
  if (!h) return 'the data has no (hash ALGORITHM VALUE)';
  const written = h.items[1];
  const value = h.items[2];
  if (!isAtom(written) || !isAtom(value)) return 'the data\'s (hash ...) is not (hash ALGORITHM VALUE)';
  const algo = hashName(atomText(written));
  if (algo === undefined) return `the data names an unknown hash algorithm '${atomText(written)}' (libgcrypt: Invalid digest algorithm)`;
  return { encoding, algo, value: value.bytes };
}

/** Just the hash bytes (Guix's hash-data->bytevector: the 3rd element of the first (hash ...)). */
export function hashBytes(data: SexpList): Uint8Array | undefined {
  const v = findToken(data, 'hash')?.items[2];
  return isAtom(v) ? v.bytes : undefined;
}
