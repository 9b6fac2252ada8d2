// Guix's signature S-expressions: `(signature (data ...) (sig-val ...) (public-key ...))`, what
// `guix authenticate` returns for `sign`, what exported archives and narinfos carry.
import { KeytoolError } from '../errors.js';
import { findToken } from '../sexp/index.js';
import { atom, atomText, isAtom, isList, list, type Sexp, type SexpList } from '../sexp/model.js';
import { hashBytes } from './data.js';
import { publicKeyFromSexp, type KeyPair, type PublicKey } from './keys.js';

/**
 * Guile-gcrypt's key-type: the head of the key's second element when the key is a
 * `(public-key ...)` or `(private-key ...)`, else undefined.
 */
export function keyType(key: Sexp): string | undefined {
  if (!isList(key)) return undefined;
  const head = key.items[0];
  if (!isAtom(head) || !['public-key', 'private-key'].includes(atomText(head))) return undefined;
  const algo = key.items[1];
  return isList(algo) && isAtom(algo.items[0]) ? atomText(algo.items[0]) : undefined;
}

/**
 * `(data (flags rfc6979) (hash sha256 #HASH#))` for ECC and DSA keys, `(flags pkcs1)` for RSA:
 * what guile-gcrypt's bytevector->hash-data builds. Any other key type is an error there too.
 */
export function hashData(pub: PublicKey | Sexp, hash: Uint8Array): SexpList {
  const key: Sexp = 'type' in pub ? pub : pub.sexp;
  const type = keyType(key);
  let flag: string;
  if (type === 'ecc' || type === 'dsa') flag = 'rfc6979';
  else if (type === 'rsa') flag = 'pkcs1';
  else throw new KeytoolError(`unknown key type${type === undefined ? '' : ` '${type}'`}: Guix signs with ecc, dsa and rsa keys only`);
  return list('data', list('flags', flag), list('hash', 'sha256', atom(hash)));
}

/** The whole `(signature DATA SIG-VAL PUBLIC-KEY)` for a SHA-256 hash, as `guix authenticate`
 *  makes it (printAdvanced of it is byte-identical to Guix's reply). */
export function signHash(pair: KeyPair, hash: Uint8Array): SexpList {
  if (hash.length !== 32) throw new KeytoolError(`"hash" expected 32 bytes (SHA-256), got ${hash.length}`);
  const data = hashData(pair.publicKey, hash);
  return list('signature', data, pair.sign(data), pair.publicKey.sexp);
}

export interface SignatureCheck {
  status: 'corrupt' | 'unauthorized' | 'invalid' | 'valid';
  /** The bytes of the data's (hash ALGO VALUE), when there is one. */
  hash?: Uint8Array;
  /** The signature's (public-key ...), when there is one. */
  publicKey?: SexpList;
  /** Why it is not valid. */
  reason?: string;
}

/**
 * Guix's verdict on a signature, in its order: corrupt (no data or no public-key list),
 * unauthorized (`isAuthorized` says no), invalid (no sig-val, an unusable key, a bad
 * signature), valid. Never throws, whatever the input.
 */
export function checkSignature(sig: Sexp, isAuthorized: (pub: SexpList) => boolean): SignatureCheck {
  try {
    if (!isList(sig)) return { status: 'corrupt', reason: 'not a list' };
    const data = findToken(sig, 'data');
    const publicKey = findToken(sig, 'public-key');
    if (!data || !publicKey) return { status: 'corrupt', reason: `no (${data ? 'public-key' : 'data'} ...) list` };
    if (!isAuthorized(publicKey)) return { status: 'unauthorized', publicKey, reason: 'the public key is not in the ACL' };
    const hash = hashBytes(data);
    const result = (status: SignatureCheck['status'], reason?: string): SignatureCheck => {
      const r: SignatureCheck = { status, publicKey };
      if (hash !== undefined) r.hash = hash;
      if (reason !== undefined) r.reason = reason;
      return r;
    };
    const sigVal = findToken(sig, 'sig-val');
    if (!sigVal) return result('invalid', 'no (sig-val ...) list');
    let key: PublicKey;
    try {
      key = publicKeyFromSexp(publicKey);
    } catch (e) {
      return result('invalid', e instanceof Error ? e.message : String(e));
    }
    const problem = key.problem(data, sigVal);
    return problem === undefined ? result('valid') : result('invalid', problem);
  } catch (e) {
    return { status: 'invalid', reason: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
}
