// The S-expression data model: lists of elements, atoms that are byte strings.
// Bytes, not text: libgcrypt and Guix treat every atom as ISO-8859-1 octets.

export interface SexpAtom {
  readonly type: 'atom';
  readonly bytes: Uint8Array;
  /** Display hint (`[hint]atom`), kept for printing; ignored by equality and fingerprints. */
  readonly hint?: Uint8Array;
}

export interface SexpList {
  readonly type: 'list';
  readonly items: readonly Sexp[];
}

export type Sexp = SexpAtom | SexpList;

const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

/** An atom from bytes, or from a string taken as ISO-8859-1 (one char = one byte). */
export function atom(value: Uint8Array | string, hint?: Uint8Array | string): SexpAtom {
  const bytes = typeof value === 'string' ? latin1(value) : value;
  if (hint === undefined) return { type: 'atom', bytes };
  return { type: 'atom', bytes, hint: typeof hint === 'string' ? latin1(hint) : hint };
}

/** A list; string arguments become atoms (convenient for tokens such as `public-key`). */
export function list(...items: (Sexp | string)[]): SexpList {
  return { type: 'list', items: items.map((i) => (typeof i === 'string' ? atom(i) : i)) };
}

export const isAtom = (s: Sexp | undefined): s is SexpAtom => s?.type === 'atom';
export const isList = (s: Sexp | undefined): s is SexpList => s?.type === 'list';

/** An atom's bytes as an ISO-8859-1 string. */
export function atomText(a: SexpAtom): string {
  return Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength).toString('latin1');
}
