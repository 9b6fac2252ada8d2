/**
 * The S-expression codec: reads and writes exactly what libgcrypt (Debian's 1.10.1, which made
 * test/fixtures/sexp.json) reads and writes. Stands alone: no import from the rest of the project.
 *
 * - `parseSexp(bytes | latin1 string, options?)` reads one expression in any of the three forms
 *   (`noTransport`: only the two libgcrypt reads);
 *   `SexpReader` is the same state machine fed chunk by chunk (`push`, `done`, `end()`), giving
 *   the same result, or the same error, for every way of splitting the input.
 * - `printAdvanced` / `advancedString` (libgcrypt's GCRYSEXP_FMT_ADVANCED byte for byte),
 *   `printCanonical`, `printTransport`; `findToken`, `nth`, `sexpEqual`, `stripHints`.
 * - Errors are `SexpError` {offset, code (libgcrypt's GPG_ERR_SEXP_* where it has one, else 0),
 *   reason}; `message` is `${reason} at byte ${offset}`.
 *
 * Decisions, where libgcrypt's behaviour is a quirk or the issue left a choice:
 * - One expression per input. libgcrypt keeps reading after a first complete expression
 *   (`(a b) (c)` prints as `(a b)(c)`); we reject anything but white space after the first one,
 *   with an error at the offending byte (code 0, or libgcrypt's own code for a byte it refuses
 *   anyway, such as a stray `)`). Trailing white space is fine.
 * - Input that ends at top level inside an unterminated atom (a bare token such as `abc`, `"ab`,
 *   `#ab`) reads as the empty list `()`, as in libgcrypt, where such a token is never terminated.
 *   Empty input reads as `()` too. A terminated bare atom (`abc `, `"ab"`, `3:abc`) is an atom.
 * - Display hints `[hint]` are read as libgcrypt 1.10.1 reads them: the hint's atoms become
 *   ordinary atoms of the list (`(a [text/plain] "x")` is canonically `(1:a10:text/plain1:x)`), so
 *   equality and fingerprints agree with Guix. The model's `hint` field is only set by code; the
 *   printers write it SPKI-style as `[hint]atom` (which libgcrypt, and we, read back as two atoms).
 * - NUL: libgcrypt 1.10.1 takes NUL as a token byte when reading, and when printing counts a
 *   non-leading NUL as a token character and writes it as `\x00` inside quoted strings (1.10.3+
 *   prints such atoms in hex). We match 1.10.1, as the vectors require.
 * - Other libgcrypt reading quirks we keep: a length before a quoted, hex or base64 atom is
 *   ignored (`2"abc"` is `abc`); inside `|...|` the first `=` ends the data and a lone pending
 *   base64 character still yields a byte; `\400`..`\777` keep their low byte; an escape cut short
 *   by the end of input is a bad quotation (206).
 * - `0:` is refused (code 207), as libgcrypt does, although printCanonical writes an empty atom as
 *   `0:` (so does libgcrypt): the canonical round trip holds for expressions without empty atoms;
 *   the advanced form prints them as `""`. Inside our transport form `0:` is accepted.
 * - The transport form `{base64 of the canonical form}` is our extension (libgcrypt answers 210,
 *   "unexpected reserved punctuation"): read when `{` is the first byte other than white space;
 *   white space inside is ignored. printTransport writes it without a line feed.
 * - A length prefix above 2^32 wraps around in libgcrypt; we refuse it (202) like any length
 *   above `maxAtomLength`, at its colon, before reading or allocating anything.
 * - At end of input inside a list libgcrypt reports offset 0; we report the offset of the
 *   outermost unclosed '(' (the same number whenever the input starts with its list). For an
 *   empty base64 atom `||` libgcrypt reports code 32816 at offset 0; we give the same code at the
 *   offset of the opening `|`.
 * - Limits (depth, atom length, input size; defaults in DEFAULT_LIMITS) have no libgcrypt code:
 *   SexpError.code is 0, except a too long atom, which is libgcrypt's 202 "string too long".
 */
export * from './model.js';
export { SexpError, SexpErrorCode } from './errors.js';
export { SexpReader, parseSexp, DEFAULT_LIMITS, type SexpLimits, type ReaderOptions } from './reader.js';
export { printCanonical, printAdvanced, advancedString, printTransport } from './printer.js';
export { findToken, nth, sexpEqual, stripHints } from './query.js';
