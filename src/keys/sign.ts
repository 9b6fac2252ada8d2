// `keytool sign` and `keytool verify`: the daemon helper's two operations, offline.
import { createHash } from 'node:crypto';
import { checkSignature, loadKeyPair, signHash } from '../crypto/index.js';
import { KeytoolError } from '../errors.js';
import { parseSexp, printAdvanced, advancedString, SexpError } from '../sexp/index.js';
import type { SexpList } from '../sexp/model.js';
import { isAuthorized } from '../acl/acl.js';
import { fingerprint } from '../fingerprint.js';
import { readFileBytes } from '../fsutil/read.js';

/** A SHA-256 hash given in hex (any case), as the daemon sends it. */
export function parseHash(text: string): Uint8Array {
  const t = text.trim();
  if (!/^[0-9a-fA-F]*$/.test(t)) throw new KeytoolError(`hash '${text}' is not hexadecimal`, 2);
  if (t.length !== 64) throw new KeytoolError(`hash has ${t.length} hex digits; a SHA-256 hash has 64`, 2);
  return Uint8Array.from(Buffer.from(t, 'hex'));
}

export function sha256File(file: string): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(readFileBytes(file)).digest());
}

/** The signature text a helper's `sign` reply carries (advanced form, ending with a newline). */
export function signToText(secretFile: string, hash: Uint8Array, warn?: (line: string) => void): Uint8Array {
  const pair = loadKeyPair(secretFile, warn);
  return printAdvanced(signHash(pair, hash));
}

export type VerifyOutcome = { ok: true; hash: string } | { ok: false; reason: string };

/**
 * Check a signature text as the helper's `verify` does (corrupt, unauthorized, invalid, valid in
 * Guix's order); `acl` undefined means every key is accepted (--no-acl).
 */
export function verifyText(bytes: Uint8Array, acl: readonly SexpList[] | undefined): VerifyOutcome {
  let sig;
  try {
    sig = parseSexp(bytes);
  } catch (e) {
    if (e instanceof SexpError) return { ok: false, reason: `corrupt signature data: ${e.message}` };
    throw e;
  }
  const r = checkSignature(sig, acl ? (k) => isAuthorized(acl, k) : () => true);
  switch (r.status) {
    case 'valid':
      return { ok: true, hash: Buffer.from(r.hash!).toString('hex') };
    case 'corrupt':
      return { ok: false, reason: `corrupt signature data: ${r.reason ?? advancedString(sig).trimEnd()}` };
    case 'unauthorized':
      return { ok: false, reason: `unauthorized public key${r.publicKey ? ` ${fingerprint(r.publicKey)}` : ''} (not in the access-control list)` };
    default:
      return { ok: false, reason: `invalid signature${r.reason ? `: ${r.reason}` : ''}` };
  }
}
