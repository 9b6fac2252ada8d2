// Reading libgcrypt key S-expressions, and every reason a public key is refused, without any
// curve arithmetic: keys.ts builds keys on these, and describeKey (`keytool list`, `show`) asks
// checkPublicKey whether a key is usable without loading noble's curves (see point-check.ts).
// Parsed like libgcrypt: the key list is found by its token, the algorithm is the head of its
// second element, parameters by name.
import { KeytoolError } from '../errors.js';
import { findToken } from '../sexp/index.js';
import { atomText, isAtom, isList, type Sexp, type SexpAtom, type SexpList } from '../sexp/model.js';
import { curveByName, ED25519_PARAMS, type CurveInfo } from './curve-names.js';
import { bitLength, bytesToBigInt } from './mpi.js';
import { isEd25519Point, isWeierstrassPoint } from './point-check.js';

export const EDDSA_SIGN_ERROR =
  'EdDSA keys cannot sign Guix\'s data (libgcrypt: Invalid object); use an ECDSA key such as `(genkey (ecdsa (curve Ed25519) (flags rfc6979)))`';
export const EDDSA_VERIFY_ERROR =
  'EdDSA keys ((flags eddsa)) cannot verify Guix\'s signatures (libgcrypt: Invalid object); Guix keys are ECDSA, made by `(genkey (ecdsa (curve Ed25519) (flags rfc6979)))`';

export const text = (s: Sexp | undefined): string | undefined => (isAtom(s) ? atomText(s) : undefined);

/** The atom after `name` in the first `(name VALUE)` list inside `algo`. */
export function param(algo: SexpList, name: string): SexpAtom | undefined {
  const l = findToken(algo, name);
  const v = l?.items[1];
  return isAtom(v) ? v : undefined;
}

/** The text of that atom (genkey parameters such as `(curve NAME)`, `(nbits N)`). */
export function paramText(algo: SexpList, name: string): string | undefined {
  return text(param(algo, name));
}

export function requireParam(algo: SexpList, name: string, what: string): SexpAtom {
  const v = param(algo, name);
  if (!v) throw new KeytoolError(`${what} has no (${name} ...) parameter`);
  return v;
}

/** `(flags a b ...)` of a key or data list, as names. */
export function flagsOf(l: SexpList): string[] | undefined {
  const f = findToken(l, 'flags');
  return f?.items.slice(1).filter(isAtom).map(atomText);
}

/** The algorithm list of a key: the second element of the list headed by `token`. */
export function algorithmList(s: Sexp, token: 'public-key' | 'private-key', what: string): { key: SexpList; algo: SexpList; name: string } {
  if (!isList(s)) throw new KeytoolError(`${what} is not a (${token} ...) S-expression`);
  const key = findToken(s, token);
  if (!key) {
    const head = text(s.items[0]);
    throw new KeytoolError(`${what} is not a (${token} ...) S-expression${head ? ` (it is a (${head} ...))` : ''}`);
  }
  const algo = key.items[1];
  const name = isList(algo) ? text(algo.items[0]) : undefined;
  if (!isList(algo) || name === undefined) throw new KeytoolError(`${what} has no algorithm: expected (${token} (ALGORITHM ...))`);
  return { key, algo, name };
}

/** The curve of an ECC key list; KeytoolError for EdDSA, unknown or missing curves. */
export function eccCurve(algo: SexpList, what: string, eddsaMessage: string): Exclude<CurveInfo, { kind: 'eddsa-only' }> {
  const name = paramText(algo, 'curve');
  if (name === undefined) throw new KeytoolError(`${what} names no curve: expected (curve NAME); explicit curve parameters are not supported`);
  if ((flagsOf(algo) ?? []).includes('eddsa') || text(algo.items[0]) === 'eddsa') throw new KeytoolError(eddsaMessage);
  const info = curveByName(name);
  if (!info) throw new KeytoolError(`${what} uses an unknown elliptic curve '${name}'`);
  if (info.kind === 'eddsa-only') throw new KeytoolError(`${what} is an ${info.name} key, which libgcrypt uses only for EdDSA: ${eddsaMessage}`);
  return info;
}

/** The refusal for an algorithm keytool does not read. */
export function unsupportedAlgorithm(what: string, name: string): never {
  if (name === 'dsa' || name === 'elg') throw new KeytoolError(`${what} is a ${name.toUpperCase()} key, which keytool does not support (ECDSA and RSA only)`);
  throw new KeytoolError(`${what} uses an unknown algorithm '${name}'`);
}

/** n and e of an RSA key list; KeytoolError when libgcrypt could not verify with them. */
export function rsaNumbers(algo: SexpList, what: string): { n: bigint; e: bigint } {
  const n = bytesToBigInt(requireParam(algo, 'n', what).bytes);
  const e = bytesToBigInt(requireParam(algo, 'e', what).bytes);
  if (n < 1n << 511n || n % 2n === 0n) throw new KeytoolError(`${what}: the RSA modulus n is not usable (it must be odd and at least 512 bits)`);
  if (e < 3n || e % 2n === 0n || e >= n) throw new KeytoolError(`${what}: the RSA exponent e is not usable`);
  return { n, e };
}

/** Why a key's q is refused (keys.ts decodes it with noble, checkPublicKey without). */
export const badPointError = (what: string, description: string): KeytoolError => new KeytoolError(`${what}: q is not a valid point of the curve (${description})`);

/**
 * What publicKeyFromSexp would make of `s`, without making it: the key's kind and description,
 * or the same KeytoolError it would throw.
 */
export function checkPublicKey(s: Sexp): { kind: string; description: string } {
  const what = 'the public key';
  const { algo, name } = algorithmList(s, 'public-key', what);
  switch (name) {
    case 'ecc':
    case 'ecdsa':
    case 'eddsa': {
      const info = eccCurve(algo, what, EDDSA_VERIFY_ERROR);
      const q = requireParam(algo, 'q', what).bytes;
      const c = info.kind === 'ed25519' ? ED25519_PARAMS : info.params;
      if (!(info.kind === 'ed25519' ? isEd25519Point(q) : isWeierstrassPoint(info.params, q))) throw badPointError(what, c.description);
      return { kind: c.kind, description: c.description };
    }
    case 'rsa':
      return { kind: 'rsa', description: `RSA-${bitLength(rsaNumbers(algo, what).n)}` };
    default:
      return unsupportedAlgorithm(what, name);
  }
}
