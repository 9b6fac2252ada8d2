// fast-check generators for S-expressions: every kind of atom libgcrypt prints differently
// (tokens, quoted strings, hex), Latin-1 text, binary bytes, NULs, empty atoms, deep nesting.
import fc from 'fast-check';
import { atom, type Sexp, type SexpAtom } from '../../src/sexp/index.js';

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./_:*+=';
const bytesOf = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

/** Atom bytes of every flavour; `empty` allows zero-length atoms. */
export function atomBytes(empty = true): fc.Arbitrary<Uint8Array> {
  const min = empty ? 0 : 1;
  return fc.oneof(
    // token-like, including a leading digit (which libgcrypt must quote)
    fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: Math.max(min, 1), maxLength: 12 }).map(bytesOf),
    // printable ASCII with spaces and quotes (quoted strings and their escapes)
    fc.string({ unit: fc.constantFrom(...' "\'\\abc!#()[]{}|;&~0-\t\n\r\b\f\v'), minLength: min, maxLength: 10 }).map(bytesOf),
    // Latin-1 text (bytes >= 0xA1 stay raw in quoted strings)
    fc.string({ unit: fc.constantFrom(...'caféÿ ñ¡éà '), minLength: min, maxLength: 8 }).map(bytesOf),
    // NULs inside otherwise token or string atoms (the libgcrypt 1.10.1 quirk)
    fc.tuple(fc.constantFrom('ab', 'x y', 'a\x00', '\x00'), fc.constantFrom('', '\x00', '\x00\x00', 'z')).map(([a, b]) => bytesOf(a + b)),
    // binary: hashes, key numbers
    fc.uint8Array({ minLength: min, maxLength: 40 }),
    fc.constant(new Uint8Array(min === 0 ? 0 : 1)),
  );
}

export function atomArb(empty = true): fc.Arbitrary<SexpAtom> {
  return atomBytes(empty).map((b) => atom(b));
}

/** Nested lists of atoms; the top level is a list. */
export function sexpArb(opts: { empty?: boolean; maxDepth?: number } = {}): fc.Arbitrary<Sexp> {
  const { tree } = fc.letrec<{ tree: Sexp; node: Sexp }>((tie) => ({
    tree: fc.array(tie('node'), { maxLength: 6 }).map((items): Sexp => ({ type: 'list', items })),
    node: fc.oneof({ depthSize: 'small', maxDepth: opts.maxDepth ?? 6 }, atomArb(opts.empty ?? true), tie('tree')),
  }));
  return tree;
}

/** A list wrapped in up to `max` more lists: deep nesting. */
export function deepArb(max = 200, empty = true): fc.Arbitrary<Sexp> {
  return fc.tuple(sexpArb({ empty, maxDepth: 3 }), fc.integer({ min: 1, max })).map(([inner, n]) => {
    let s = inner;
    for (let i = 0; i < n; i++) s = { type: 'list', items: i % 2 ? [atom('x'), s] : [s] };
    return s;
  });
}

/** Either a tree, a deep tree, or a bare atom (which the printers handle at top level too). */
export function anySexp(empty = true): fc.Arbitrary<Sexp> {
  return fc.oneof({ weight: 6, arbitrary: sexpArb({ empty }) }, { weight: 1, arbitrary: deepArb(60, empty) }, { weight: 1, arbitrary: atomArb(false) as fc.Arbitrary<Sexp> });
}

export function hasEmptyAtom(s: Sexp): boolean {
  return s.type === 'atom' ? s.bytes.length === 0 : s.items.some(hasEmptyAtom);
}

/** Input libgcrypt can read for `s`: canonical, with empty atoms as `""` (it refuses `0:`). */
export function gcryptInput(s: Sexp): Buffer {
  const parts: Buffer[] = [];
  const walk = (x: Sexp): void => {
    if (x.type === 'atom') {
      parts.push(x.bytes.length === 0 ? Buffer.from('""') : Buffer.concat([Buffer.from(`${x.bytes.length}:`), x.bytes]));
      return;
    }
    parts.push(Buffer.from('('));
    x.items.forEach(walk);
    parts.push(Buffer.from(')'));
  };
  walk(s);
  return Buffer.concat(parts);
}

/** Pieces for random, mostly malformed, reader input: every construct and every error path. */
export const INPUT_PIECES = [
  '(', '(', ')', ')', ' ', 'a', 'bc', '1', '0', ':', '3:', '2:ab', '"', '\\', '\\x4', '\\0', '\\n', '#',
  '|', '[', ']', '=', 'YW', 'Jj', '\n', '\r', '\t', '\0', '\x80', '\xe9', '#0a#', '"x"', 'f', '&', ';',
  '}', '\\\n', '\\\r', '\x7f', '\xa0', ' \x0b', '\x0c', '*', '+-', '.', '/', '_', '99999999999:', '4:',
  '\\377', '\\xfF', '\\b', '|YWJj|', '[t]', '"a\\"b"', '"a\\\n\nb"', '"a\\\r\n\rb"', '"c\\\n\r\nd"', '"e\\\r\rf"',
];

export function readerInputArb(): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.boolean(), fc.array(fc.constantFrom(...INPUT_PIECES), { minLength: 1, maxLength: 16 }), fc.boolean())
    .map(([open, pieces, close]) => Buffer.from((open ? '(' : '') + pieces.join('') + (close ? ')' : ''), 'latin1'));
}
