// What keytool says about a public key: its fingerprint, its algorithm, and whether the crypto
// module can use it (EdDSA-flagged and exotic keys can sit in an ACL but never sign or verify),
// asked of key-params.ts, which loads no curve objects (they cost more than the rest of a list).
import { checkPublicKey } from '../crypto/key-params.js';
import { KeytoolError } from '../errors.js';
import { fingerprint } from '../fingerprint.js';
import { atomText, isAtom, isList, list, type Sexp, type SexpList } from '../sexp/model.js';
import { findToken } from '../sexp/index.js';

export interface KeyInfo {
  fingerprint: string;
  /** 'ecdsa-ed25519', 'rsa', … or 'unknown' when keytool cannot use the key. */
  kind: string;
  /** 'ECDSA/Ed25519', 'RSA-4096', … or a best-effort name for an unusable key. */
  description: string;
  usable: boolean;
  /** Why the key is unusable. */
  problem?: string;
}

export function describeKey(publicKey: SexpList): KeyInfo {
  const fpr = fingerprint(publicKey);
  try {
    const k = checkPublicKey(publicKey);
    return { fingerprint: fpr, kind: k.kind, description: k.description, usable: true };
  } catch (e) {
    const problem = e instanceof KeytoolError ? e.message : `unusable key: ${(e as Error).message}`;
    return { fingerprint: fpr, kind: 'unknown', description: roughName(publicKey), usable: false, problem };
  }
}

/** A name for a key the crypto module refuses, from its shape alone: `ecc/Ed448`, `elg`, … */
function roughName(key: SexpList): string {
  const algo = key.items[1];
  if (!isList(algo) || !isAtom(algo.items[0])) return 'unknown';
  let name = atomText(algo.items[0]);
  const curve = findToken(algo, 'curve');
  if (curve && isAtom(curve.items[1])) name += `/${atomText(curve.items[1])}`;
  const flags = findToken(algo, 'flags');
  if (flags) name += ` (flags ${flags.items.slice(1).filter(isAtom).map(atomText).join(' ')})`;
  return name;
}

export type KeyFileKind = 'public' | 'private' | 'other';

/** Whether an S-expression is a public key, a private key, or something else. */
export function keyFileKind(s: Sexp): KeyFileKind {
  if (!isList(s) || !isAtom(s.items[0])) return 'other';
  const head = atomText(s.items[0]);
  return head === 'public-key' ? 'public' : head === 'private-key' ? 'private' : 'other';
}

/** Parameters that belong to the public half of a key, per algorithm (libgcrypt's names). */
const PUBLIC_PARAMS: Record<string, readonly string[]> = {
  ecc: ['curve', 'flags', 'q'],
  ecdsa: ['curve', 'flags', 'q'],
  eddsa: ['curve', 'flags', 'q'],
  rsa: ['n', 'e'],
  dsa: ['p', 'q', 'g', 'y'],
  elg: ['p', 'g', 'y'],
};

/**
 * The public key of a `(private-key ...)`: the same algorithm list with the secret parameters
 * dropped, in their original order, as libgcrypt's genkey writes the two halves.
 */
export function publicHalf(privateKey: SexpList): SexpList {
  const algo = privateKey.items[1];
  if (!isList(algo) || !isAtom(algo.items[0])) throw new KeytoolError('private key has no algorithm');
  const name = atomText(algo.items[0]);
  const keep = PUBLIC_PARAMS[name];
  if (!keep) throw new KeytoolError(`private key of unknown algorithm ${name}`);
  const items = algo.items.slice(1).filter((p) => isList(p) && isAtom(p.items[0]) && keep.includes(atomText(p.items[0])));
  return list('public-key', list(algo.items[0]!, ...items));
}
