// The ACL's shape and Guix's exact acceptance rules, without any file access.
//   (acl (entry (public-key ...) (tag (guix import))) ...)
// Guix takes the file only if every element after `acl` is exactly such an entry; a key is
// authorized when it is structurally equal to an entry's key (same canonical bytes).
import { KeytoolError } from '../errors.js';
import { atomText, isAtom, isList, list, type Sexp, type SexpList } from '../sexp/model.js';
import { printAdvanced, sexpEqual } from '../sexp/index.js';

const isToken = (s: Sexp | undefined, token: string): boolean => isAtom(s) && atomText(s) === token;

/** `(tag (guix import))`, the only tag Guix accepts. */
const IMPORT_TAG: SexpList = list('tag', list('guix', 'import'));

/**
 * The public keys of an ACL S-expression, in file order, or an error saying which element breaks
 * Guix's rules (Guix itself only says "invalid access-control list").
 */
export function aclKeys(acl: Sexp): SexpList[] {
  if (!isList(acl) || !isToken(acl.items[0], 'acl')) {
    throw new KeytoolError('invalid access-control list: it does not start with (acl ...)');
  }
  return acl.items.slice(1).map((entry, i) => {
    const where = `entry ${i + 1}`;
    if (!isList(entry) || !isToken(entry.items[0], 'entry')) {
      throw new KeytoolError(`invalid access-control list: ${where} is not an (entry ...) list`);
    }
    if (entry.items.length !== 3) {
      throw new KeytoolError(`invalid access-control list: ${where} has ${entry.items.length - 1} elements, expected a key and a tag`);
    }
    const key = entry.items[1];
    if (!isList(key) || !isToken(key.items[0], 'public-key')) {
      throw new KeytoolError(`invalid access-control list: ${where} does not hold a (public-key ...)`);
    }
    if (!sexpEqual(entry.items[2]!, IMPORT_TAG)) {
      throw new KeytoolError(`invalid access-control list: ${where} is not tagged (tag (guix import))`);
    }
    return key;
  });
}

/** The ACL file holding `keys` (in order), exactly as Guix's `write-acl` prints it. */
export function printAcl(keys: readonly SexpList[]): Uint8Array {
  return printAdvanced(list('acl', ...keys.map((k) => list('entry', k, IMPORT_TAG))));
}

export function isAuthorized(keys: readonly SexpList[], key: Sexp): boolean {
  return keys.some((k) => sexpEqual(k, key));
}

/**
 * `guix archive --authorize` for several keys: the new keys first (in the order given), then the
 * existing ones, keeping the first occurrence of each (re-authorizing moves a key to the front).
 */
export function authorizeKeys(existing: readonly SexpList[], added: readonly SexpList[]): SexpList[] {
  const out: SexpList[] = [];
  for (const k of [...added, ...existing]) if (!isAuthorized(out, k)) out.push(k);
  return out;
}
