// The one fingerprint every keytool command and the editor show for a key:
// SHA-256 of the canonical form of its (public-key ...) S-expression, display hints dropped,
// in lower-case hex. Stable across textual encodings (`"Ed25519"` and `Ed25519` are the same
// atom), distinct for any structural difference (extra `(flags eddsa)`, a leading 00 in `n`).
// noble's SHA-256, not node:crypto's: loading that module costs a sixth of a bare node start, and
// `keytool list` hashes a few hundred bytes.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { printCanonical, stripHints } from './sexp/index.js';
import type { Sexp } from './sexp/model.js';

export function fingerprint(publicKey: Sexp): string {
  return bytesToHex(sha256(printCanonical(stripHints(publicKey))));
}

/** The first 16 hex digits, grouped by four: what lists show. */
export function shortFingerprint(fpr: string): string {
  return fpr.slice(0, 16).replace(/(.{4})(?=.)/g, '$1 ');
}
