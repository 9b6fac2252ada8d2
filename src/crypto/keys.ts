// Keys read from libgcrypt key S-expressions, behind one interface whatever the algorithm:
// `(public-key (ecc (curve Ed25519) (q #..#)))`, `(public-key (rsa (n #..#) (e #..#)))`, and the
// `(private-key ...)` halves with d (and p q u for RSA), read and refused by key-params.ts.
import { KeytoolError } from '../errors.js';
import { findToken, printCanonical } from '../sexp/index.js';
import { atom, isList, list, type Sexp, type SexpList } from '../sexp/model.js';
import { ecdsaSign, ecdsaVerify, type EcdsaGroup } from './ecdsa.js';
import { resetBaseUses } from './ed25519-fast.js';
import { decodeEd25519Point, ed25519Group, ed25519PointFromSecret, ed25519PointsEqual, prepareEdPoint, warmEd25519, type EdPoint } from './ecdsa-ed25519.js';
import { ED25519_PARAMS } from './curve-names.js';
import { weierstrassCurve } from './curves.js';
import { decodeWeierstrassPoint, weierstrassPointFromSecret, WEIERSTRASS_CURVES, type WeierstrassCurve } from './ecdsa-weierstrass.js';
import { readData, type Encoding, type HashData } from './data.js';
import { algorithmList, badPointError, EDDSA_SIGN_ERROR, EDDSA_VERIFY_ERROR, eccCurve, param, requireParam, rsaNumbers, text, unsupportedAlgorithm } from './key-params.js';
import { bigIntToBytes, bytesToBigInt, significantLength } from './mpi.js';
import { RsaPrivate, RsaPublic } from './rsa.js';

export interface PublicKey {
  /** The `(public-key ...)` list as given. */
  readonly sexp: SexpList;
  /** 'ecdsa-ed25519' | 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ecdsa-secp256k1' | 'rsa' */
  readonly kind: string;
  /** What keytool shows: 'ECDSA/Ed25519', 'ECDSA/NIST P-256', 'RSA-4096', … */
  readonly description: string;
  /** Whether `sigVal` is a valid signature of `data` (`(data (flags ..) (hash ALGO VALUE))`) by
   *  this key, as gcry_pk_verify decides. Never throws: anything malformed is false. */
  verify(data: SexpList, sigVal: SexpList): boolean;
  /** Why `verify` would say false (undefined when it would say true). */
  problem(data: SexpList, sigVal: SexpList): string | undefined;
  /**
   * Say this key will verify many signatures (an ACL key): its scalar-multiplication table
   * (ECC; 10–30 ms of work, ~0.6 MB) is then built at its second verification instead of its
   * third (never at the first: a one-off check is cheaper without it), and kept while the key
   * stays in the key cache. `prepare(true)` builds it now, e.g.
   * before a V8 start-up snapshot; a plain `prepare()` costs nothing at start-up.
   */
  prepare(now?: boolean): void;
}

export interface KeyPair {
  readonly publicKey: PublicKey;
  /** The `(sig-val ...)` for a `(data ...)` list; throws KeytoolError when the data is unusable. */
  sign(data: SexpList): SexpList;
}

// ---------------------------------------------------------------------------------------------
// Signatures

/** The values of `(sig-val (ALGO (name #..#) ...))` in `names` order, or why they cannot be read. */
function sigValAtoms(sigVal: SexpList, algos: readonly string[], names: readonly string[]): Uint8Array[] | string {
  const l = findToken(sigVal, 'sig-val') ?? sigVal;
  const algoList = l.items[1];
  const algo = isList(algoList) ? text(algoList.items[0]) : undefined;
  if (!isList(algoList) || algo === undefined) return 'the sig-val has no (ALGORITHM ...) list';
  if (!algos.includes(algo)) return `the sig-val is for '${algo}', the key needs ${algos.map((a) => `'${a}'`).join(' or ')}`;
  const out: Uint8Array[] = [];
  for (const name of names) {
    const v = param(algoList, name);
    if (!v) return `the sig-val has no (${name} ...)`;
    out.push(v.bytes);
  }
  return out;
}

/** What every key class shares: `verify` is `problem` saying nothing, and `problem` reads the
 *  data and turns anything thrown into a reason; `check` is the algorithm's part. */
abstract class KeyBase implements PublicKey {
  abstract readonly sexp: SexpList;
  abstract readonly kind: string;
  abstract readonly description: string;
  abstract prepare(now?: boolean): void;
  protected abstract check(h: HashData, sigVal: SexpList): string | undefined;

  verify(data: SexpList, sigVal: SexpList): boolean {
    return this.problem(data, sigVal) === undefined;
  }

  problem(data: SexpList, sigVal: SexpList): string | undefined {
    try {
      const h = readData(data);
      return typeof h === 'string' ? h : this.check(h, sigVal);
    } catch (e) {
      return `verification failed: ${(e as Error).message}`;
    }
  }
}

/** The hash of `data` for signing, or KeytoolError when it is unusable or not `encoding`. */
function hashToSign(data: SexpList, encoding: Encoding, refusal: string): HashData {
  const h = readData(data);
  if (typeof h === 'string') throw new KeytoolError(`cannot sign: ${h}`);
  if (h.encoding !== encoding) throw new KeytoolError(`cannot sign: ${refusal}`);
  return h;
}

// ---------------------------------------------------------------------------------------------
// ECDSA keys

/** Verifications of one key after which its table is built without being asked. */
const AUTO_PREPARE_AFTER = 3;

class EcdsaPublicKey<P> extends KeyBase {
  private uses = 0;
  private wanted = false;
  constructor(
    readonly sexp: SexpList,
    readonly kind: string,
    readonly description: string,
    readonly group: EcdsaGroup<P>,
    readonly point: P,
    private readonly precompute: () => void,
  ) {
    super();
  }

  prepare(now = false): void {
    this.wanted = true;
    if (now) this.precompute();
  }

  protected check(h: HashData, sigVal: SexpList): string | undefined {
    // libgcrypt 1.10.1 takes pss like raw here; pkcs1 fails ("Provided object is too short").
    if (h.encoding === 'pkcs1') return 'ECDSA data cannot have (flags pkcs1) (libgcrypt: Provided object is too short)';
    if (h.encoding === 'oaep') return 'ECDSA data cannot have (flags oaep) (libgcrypt: Conflicting use)';
    const rs = sigValAtoms(sigVal, ['ecdsa', 'ecc'], ['r', 's']);
    if (typeof rs === 'string') return rs;
    // The table costs some twenty multiplications' worth of work: never for a key's first
    // verification (a fresh helper's first reply is not kept waiting), then at its second when
    // it is marked, else at its AUTO_PREPARE_AFTER-th.
    if (++this.uses >= (this.wanted ? 2 : AUTO_PREPARE_AFTER)) this.precompute();
    // A number with more significant bytes than n is out of range: say so before converting
    // a possibly huge atom.
    const nBytes = Math.ceil(this.group.qbits / 8);
    if (rs.some((b) => significantLength(b) > nBytes)) return 'bad signature: r or s is not below n';
    const ok = ecdsaVerify(this.group, this.point, h.value, { r: bytesToBigInt(rs[0]!), s: bytesToBigInt(rs[1]!) });
    return ok ? undefined : 'bad signature';
  }
}

/** The decoded public point of an ECC key, with its group and names. */
interface EccParts {
  kind: string;
  description: string;
  group: EcdsaGroup<unknown>;
  decode(q: Uint8Array): unknown;
  /** (d mod n)·G, comparable with `equal`. */
  pointFromSecret(d: bigint): unknown;
  precompute(point: unknown): void;
  equal(a: unknown, b: unknown): boolean;
}

const ED25519_PARTS: EccParts = {
  kind: ED25519_PARAMS.kind,
  description: ED25519_PARAMS.description,
  group: ed25519Group as EcdsaGroup<unknown>,
  decode: decodeEd25519Point,
  pointFromSecret: ed25519PointFromSecret,
  precompute: (p) => prepareEdPoint(p as EdPoint),
  equal: (a, b) => ed25519PointsEqual(a as EdPoint, b as EdPoint),
};

function weierstrassParts(c: WeierstrassCurve): EccParts {
  return {
    kind: c.kind,
    description: c.description,
    group: c.group as EcdsaGroup<unknown>,
    decode: (q) => decodeWeierstrassPoint(c, q),
    pointFromSecret: (d) => weierstrassPointFromSecret(c, d),
    precompute: (p) => void (p as { precompute(w: number, lazy: boolean): unknown }).precompute(8, false),
    equal: (a, b) => (a as { equals(o: unknown): boolean }).equals(b),
  };
}

function eccParts(algo: SexpList, what: string, eddsaMessage: string): EccParts {
  const info = eccCurve(algo, what, eddsaMessage);
  return info.kind === 'ed25519' ? ED25519_PARTS : weierstrassParts(weierstrassCurve(info.params));
}

function eccPublicKey(key: SexpList, algo: SexpList, what: string): PublicKey {
  const parts = eccParts(algo, what, EDDSA_VERIFY_ERROR);
  const q = requireParam(algo, 'q', what);
  const point = parts.decode(q.bytes);
  if (point === undefined) throw badPointError(what, parts.description);
  let prepared = false;
  const precompute = () => {
    if (prepared) return;
    prepared = true;
    parts.precompute(point);
  };
  return new EcdsaPublicKey(key, parts.kind, parts.description, parts.group, point, precompute);
}

// ---------------------------------------------------------------------------------------------
// RSA keys

class RsaPublicKey extends KeyBase {
  readonly kind = 'rsa';
  readonly description: string;
  constructor(
    readonly sexp: SexpList,
    readonly rsa: RsaPublic,
  ) {
    super();
    this.description = `RSA-${rsa.bits}`;
  }

  prepare(): void {
    this.rsa.prepare(); // the OpenSSL key object: cheap
  }

  protected check(h: HashData, sigVal: SexpList): string | undefined {
    if (h.encoding !== 'pkcs1') return `RSA data must have (flags pkcs1), not ${h.encoding}`;
    const s = sigValAtoms(sigVal, ['rsa'], ['s']);
    if (typeof s === 'string') return s;
    return this.rsa.problem(h.algo, h.value, s[0]!);
  }
}

// ---------------------------------------------------------------------------------------------
// The public entry points

/** Keys seen recently, by canonical form: their precomputed tables survive between requests. */
const cache = new Map<string, PublicKey>();
const CACHE_MAX = 64;

// Hints included: a cache hit then has exactly the caller's S-expression.
const canonicalKey = (s: Sexp): string => Buffer.from(printCanonical(s)).toString('latin1');

/**
 * A usable public key from `(public-key (ALGO ...))` (a `(private-key ...)` is refused).
 * KeytoolError with a specific message for anything libgcrypt could not verify Guix data with:
 * EdDSA keys, unknown curves or algorithms, points not on the curve, broken RSA numbers.
 * Results are cached by the key's canonical form, so `prepare()` done once keeps paying.
 */
export function publicKeyFromSexp(s: Sexp): PublicKey {
  const { key, algo, name } = algorithmList(s, 'public-key', 'the public key');
  const id = canonicalKey(key);
  const hit = cache.get(id);
  if (hit) {
    // Refresh its place: the cache drops the least recently used key.
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const made = makePublicKey(key, algo, name);
  cache.set(id, made);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  return made;
}

/** Forget what a warm-up did (the helper's snapshot): the keys it cached and the uses of each
 *  curve's G it counted, so that its throw-away keys stay out and no table is built early. */
export function forgetWarmUp(): void {
  cache.clear();
  resetBaseUses();
  for (const c of WEIERSTRASS_CURVES) c.resetUses();
}

function makePublicKey(key: SexpList, algo: SexpList, name: string): PublicKey {
  const what = 'the public key';
  switch (name) {
    case 'ecc':
    case 'ecdsa':
    case 'eddsa':
      return eccPublicKey(key, algo, what);
    case 'rsa': {
      const { n, e } = rsaNumbers(algo, what);
      return new RsaPublicKey(key, new RsaPublic(n, e));
    }
    default:
      return unsupportedAlgorithm(what, name);
  }
}

/**
 * A key pair for signing: `secret` is the `(private-key ...)`, `pub` the `(public-key ...)` that
 * goes into signatures. Checked to belong together (Guix would silently make signatures that
 * never verify). KeytoolError with a specific message otherwise.
 */
export function keyPairFromSexp(secret: Sexp, pub: Sexp): KeyPair {
  const { algo, name } = algorithmList(secret, 'private-key', 'the secret key');
  const what = 'the secret key';
  const publicKey = (() => {
    try {
      return publicKeyFromSexp(pub);
    } catch (e) {
      // An EdDSA pair: say what matters for signing.
      if (e instanceof KeytoolError && e.message === EDDSA_VERIFY_ERROR) throw new KeytoolError(EDDSA_SIGN_ERROR);
      throw e;
    }
  })();
  switch (name) {
    case 'ecc':
    case 'ecdsa':
    case 'eddsa': {
      const parts = eccParts(algo, what, EDDSA_SIGN_ERROR);
      if (!(publicKey instanceof EcdsaPublicKey) || publicKey.kind !== parts.kind)
        throw new KeytoolError(`the public key (${publicKey.description}) does not match the secret key (${parts.description})`);
      const d = bytesToBigInt(requireParam(algo, 'd', what).bytes);
      let q: unknown;
      try {
        q = parts.pointFromSecret(d);
      } catch (e) {
        throw new KeytoolError(`${what}: d is not usable (${(e as Error).message})`);
      }
      if (!parts.equal(q, publicKey.point)) throw new KeytoolError('the public key does not match the secret key (q ≠ d·G)');
      const group = parts.group;
      return {
        publicKey,
        sign(data) {
          const h = hashToSign(data, 'raw', 'ECDSA data must have (flags rfc6979)');
          let sig;
          try {
            sig = ecdsaSign(group, d, h.value);
          } catch (e) {
            throw new KeytoolError(`cannot sign: ${(e as Error).message}`);
          }
          return list('sig-val', list('ecdsa', list('r', atom(bigIntToBytes(sig.r))), list('s', atom(bigIntToBytes(sig.s)))));
        },
      };
    }
    case 'rsa': {
      if (!(publicKey instanceof RsaPublicKey)) throw new KeytoolError(`the public key (${publicKey.description}) does not match the secret key (RSA)`);
      const num = (p: string) => bytesToBigInt(requireParam(algo, p, what).bytes);
      const { n, e } = rsaNumbers(algo, what);
      const [d, p, q] = [num('d'), num('p'), num('q')];
      if (n !== publicKey.rsa.n || e !== publicKey.rsa.e) throw new KeytoolError('the public key does not match the secret key (different n or e)');
      if (p * q !== n || p < 3n || q < 3n) throw new KeytoolError(`${what} is inconsistent: p·q ≠ n`);
      let priv: RsaPrivate;
      try {
        priv = new RsaPrivate(publicKey.rsa, d, p, q);
      } catch (err) {
        throw new KeytoolError(`${what} is not a usable RSA key: ${(err as Error).message}`);
      }
      return {
        publicKey,
        sign(data) {
          const h = hashToSign(data, 'pkcs1', 'RSA data must have (flags pkcs1)');
          try {
            return list('sig-val', list('rsa', list('s', atom(priv.sign(h.algo, h.value)))));
          } catch (err) {
            throw new KeytoolError(`cannot sign: ${(err as Error).message}`);
          }
        },
      };
    }
    default:
      return unsupportedAlgorithm(what, name);
  }
}

/** Build the Ed25519 base-point table now (otherwise built after a few operations); the helper's
 *  V8 snapshot calls it so that the table is in the blob (~0.6 MB). */
export function warmUp(): void {
  warmEd25519();
}
