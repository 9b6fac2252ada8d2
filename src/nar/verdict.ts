// What a signature on an archive item or a narinfo says, in Guix's words. Two orders exist:
// narinfos (guix/narinfo.scm via %signature-status) compare the signed hash before checking the
// signature itself; archive imports ask `guix authenticate verify` first (corrupt, unauthorized,
// invalid) and the daemon compares the hash after (the "Trojan horse" message).
import { isAuthorized } from '../acl/acl.js';
import { hashBytes } from '../crypto/data.js';
import { checkSignature } from '../crypto/index.js';
import { excerpt } from '../display.js';
import { fingerprint } from '../fingerprint.js';
import { findToken, parseSexp, SexpError } from '../sexp/index.js';
import type { Sexp, SexpList } from '../sexp/model.js';

export type SignatureStatus = 'valid' | 'corrupt' | 'unauthorized' | 'invalid' | 'hash-mismatch';

export interface SignatureVerdict {
  status: SignatureStatus;
  /** The signature's `(public-key ...)`, when it has one. */
  signer?: SexpList;
  /** Fingerprint of the signer (see src/fingerprint.ts). */
  fingerprint?: string;
  /** Extra detail: why corrupt or invalid (may quote the signature, so escaped and bounded for display). */
  reason?: string;
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.compare(a, b) === 0;

/**
 * Judge a signature (its text as raw ISO-8859-1 bytes) against the hash of what it should sign and
 * the ACL keys. Never throws.
 */
export function judgeSignature(text: Uint8Array, expected: Uint8Array, acl: readonly SexpList[], order: 'narinfo' | 'import'): SignatureVerdict {
  let sig: Sexp;
  try {
    // As libgcrypt reads it (the helper and the substituter hand it over): no transport form.
    sig = parseSexp(text, { noTransport: true });
  } catch (e) {
    return { status: 'corrupt', reason: excerpt(e instanceof SexpError ? `not an S-expression: ${e.message}` : String(e), 200) };
  }
  const check = checkSignature(sig, (pub) => isAuthorized(acl, pub));
  const out: SignatureVerdict = { status: check.status };
  if (check.publicKey) {
    out.signer = check.publicKey;
    out.fingerprint = fingerprint(check.publicKey);
  }
  if (check.reason !== undefined && check.status !== 'valid') out.reason = excerpt(check.reason, 200);
  if (check.status === 'corrupt' || check.status === 'unauthorized') return out;
  const data = findToken(sig, 'data');
  const matches = sameBytes(data && hashBytes(data), expected);
  if (order === 'narinfo' && !matches) return { ...out, status: 'hash-mismatch', reason: 'the signed hash is not the hash of the signed text' };
  if (check.status === 'invalid') return out;
  if (!matches) return { ...out, status: 'hash-mismatch', reason: 'the signed hash is not the hash of the archive' };
  return out;
}
