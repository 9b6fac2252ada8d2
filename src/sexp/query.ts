// Queries the rest of the project needs: libgcrypt's find-token, nth element, equality.
import type { Sexp, SexpAtom, SexpList } from './model.js';

const latin1 = (s: string): Uint8Array => Buffer.from(s, 'latin1');

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * gcry_sexp_find_token: the first list, depth-first in pre-order and the expression itself
 * included, whose first element is an atom equal to `token` (a string is taken as ISO-8859-1).
 */
export function findToken(s: Sexp, token: string | Uint8Array): SexpList | undefined {
  if (s.type !== 'list') return undefined;
  return find(s, typeof token === 'string' ? latin1(token) : token);
}

function find(l: SexpList, token: Uint8Array): SexpList | undefined {
  const head = l.items[0];
  if (head !== undefined && head.type === 'atom' && bytesEqual(head.bytes, token)) return l;
  for (const item of l.items) {
    if (item.type === 'list') {
      const found = find(item, token);
      if (found) return found;
    }
  }
  return undefined;
}

/** The i-th element of a list (0 is the head), or undefined. */
export function nth(l: Sexp | undefined, i: number): Sexp | undefined {
  return l !== undefined && l.type === 'list' ? l.items[i] : undefined;
}

/** Same structure and same atom bytes; display hints are ignored. */
export function sexpEqual(a: Sexp, b: Sexp): boolean {
  if (a.type === 'atom') return b.type === 'atom' && bytesEqual(a.bytes, b.bytes);
  if (b.type !== 'list' || a.items.length !== b.items.length) return false;
  for (let i = 0; i < a.items.length; i++) if (!sexpEqual(a.items[i]!, b.items[i]!)) return false;
  return true;
}

/** The same expression without display hints (shares unchanged atoms). */
export function stripHints<T extends Sexp>(s: T): T {
  if (s.type === 'atom') {
    const a = s as SexpAtom;
    return (a.hint === undefined ? a : { type: 'atom', bytes: a.bytes }) as T;
  }
  return { type: 'list', items: (s as SexpList).items.map((i) => stripHints(i)) } as SexpList as T;
}
