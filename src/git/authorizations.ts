// `.guix-authorizations` (version 0): reading it as Guix does, and editing it in place.
//
//   (authorizations
//    (version 0)
//    (("AD17 A21E F8AE D8F1 CC02  DBD9 F7D5 C9BF 765C 61E3"
//      (name "alice"))
//     ...))
//
// Each entry is a list whose first element is the fingerprint string; the rest is ignored.
import { KeytoolError } from '../errors.js';
import { displayable, excerpt } from '../display.js';
import { properList, readFirst, writeString, type Node } from './scheme.js';

export interface AuthorizationEntry {
  /** Lower-case hex, as decoded (length not checked, as in Guix). */
  fingerprint: string;
  /** The fingerprint string as written. */
  written: string;
  /** `(name "...")` when present. */
  name?: string;
  node: Node & { type: 'list' };
}

export interface AuthorizationsFile {
  text: string;
  entries: AuthorizationEntry[];
  /** The list holding the entries. */
  list: Node & { type: 'list' };
}

// Guile's char-set:graphic: letters, marks, numbers, punctuation and symbols. What is not graphic
// (spaces, controls, unassigned code points) is dropped from a fingerprint before decoding.
const NON_ASCII = /[^\x00-\x7f]/;
const NOT_GRAPHIC = /[^\p{L}\p{M}\p{N}\p{P}\p{S}]+/gu;
const NOT_HEX = /[^0-9a-f]/;

/** `s` without its non-graphic characters; linear, and quick for the usual ASCII text. */
function graphicOnly(s: string): string {
  if (NON_ASCII.test(s)) return s.replace(NOT_GRAPHIC, '');
  const out = Buffer.allocUnsafe(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) out[n++] = c;
  }
  return out.toString('latin1', 0, n);
}

/**
 * Guix's normalisation: keep graphic characters (drops spaces), lower-case, hex-decode.
 * Returns lower-case hex; throws on a non-hex character or an odd number of digits.
 * Linear in `s`, whatever its length.
 */
export function normalizeFingerprint(s: string, what = 'fingerprint'): string {
  const kept = graphicOnly(s).toLowerCase();
  const bad = NOT_HEX.exec(kept);
  if (bad) {
    throw new KeytoolError(`${what} "${excerpt(s)}": not a hexadecimal fingerprint ("${displayable(String.fromCodePoint(kept.codePointAt(bad.index)!))}" is not a hexadecimal digit)`);
  }
  if (kept.length % 2 !== 0) throw new KeytoolError(`${what} "${excerpt(s)}": not a hexadecimal fingerprint (odd number of hexadecimal digits: ${kept.length})`);
  return kept;
}

// A number Guile reads as the exact integer 0, which is what `(version 0)` matches (with equal?):
// `0`, `-0`, `00`, `#x0`, `#e0`, `0/5`, `#e0.0`... but not the inexact `0.0` or `#i0`. Complex
// spellings (`0+0i`, `0@0`) are not recognised: such a file is refused.
const NUMBER_PREFIX = /^(?:#[xXbBoOdDeEiI]){0,2}/;
const RATIONAL = /^[+-]?([0-9a-zA-Z]+)(?:\/([0-9a-zA-Z]+))?$/;
const DECIMAL = /^[+-]?(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eEsSfFdDlL][+-]?[0-9]{1,3})?$/;
const RADIX: Record<string, number> = { x: 16, b: 2, o: 8, d: 10 };

export function isExactZero(text: string): boolean {
  const prefix = NUMBER_PREFIX.exec(text)![0].toLowerCase();
  const flags = [prefix[1], prefix[3]].filter((f): f is string => f !== undefined);
  const radixes = flags.filter((f) => f in RADIX);
  const exactness = flags.filter((f) => f === 'e' || f === 'i');
  if (radixes.length > 1 || exactness.length > 1 || exactness[0] === 'i') return false;
  const radix = RADIX[radixes[0] ?? 'd']!;
  const body = text.slice(prefix.length);
  const digitsIn = (d: string) => [...d].every((c) => { const v = parseInt(c, 36); return v < radix; });
  const zeros = (d: string) => /^0*$/.test(d);
  const r = RATIONAL.exec(body);
  if (r && digitsIn(r[1]!) && (r[2] === undefined || digitsIn(r[2]))) {
    return zeros(r[1]!) && (r[2] === undefined || !zeros(r[2]));
  }
  // A decimal (radix 10 only) is exact only with #e.
  const d = exactness[0] === 'e' && radix === 10 ? DECIMAL.exec(body) : null;
  return d !== null && zeros(`${d[1] ?? ''}${d[2] ?? ''}${d[3] ?? ''}`);
}

/** Parse the text of an authorizations file; `what` names it in error messages. */
export function parseAuthorizations(text: string, what = '.guix-authorizations'): AuthorizationsFile {
  const where = displayable(what);
  // Guix reads the first datum only: whatever follows it is never read.
  const top = properList(readFirst(text, what));
  const shape = `${where}: expected (authorizations (version 0) ((FINGERPRINT (name NAME)) ...))`;
  if (!top) throw new KeytoolError(shape);
  const [head, version, entryList] = top.items;
  if (!head || head.type !== 'atom' || head.text !== 'authorizations') throw new KeytoolError(shape);
  const versionList = properList(version);
  if (!versionList || versionList.items.length !== 2 || versionList.items[0]?.type !== 'atom'
      || versionList.items[0].text !== 'version') throw new KeytoolError(shape);
  const v = versionList.items[1]!;
  if (v.type !== 'atom' || !isExactZero(v.text)) {
    const written = excerpt(text.slice(v.start, v.end));
    throw new KeytoolError(v.type === 'atom'
      ? `${where}: unsupported authorizations format version ${written} (only version 0 is known)`
      : `${where}: the authorizations format version ${written} is a ${v.type}, not a number: write (version 0)`);
  }
  const list = properList(entryList);
  if (!list) throw new KeytoolError(shape);
  const entries: AuthorizationEntry[] = [];
  for (const item of list.items) {
    const entry = properList(item);
    if (!entry || entry.items[0]?.type !== 'string') {
      throw new KeytoolError(`${where}: each authorization must be a list starting with a fingerprint string (${shape.slice(where.length + 2)})`);
    }
    const written = entry.items[0].value;
    let name: string | undefined;
    for (const extra of entry.items.slice(1)) {
      const field = properList(extra);
      if (field && field.items[0]?.type === 'atom' && field.items[0].text === 'name' && field.items[1]?.type === 'string') name = field.items[1].value;
    }
    entries.push({ fingerprint: normalizeFingerprint(written, `${where}: fingerprint`), written, name, node: entry });
  }
  return { text, entries, list };
}

/** The authorized fingerprints (lower-case hex) of an authorizations file. */
export function readAuthorizations(text: string, what?: string): string[] {
  return parseAuthorizations(text, what).entries.map((e) => e.fingerprint);
}

/** A fresh file with no entries, in Guix's layout. */
export const EMPTY_AUTHORIZATIONS = ';; List of OpenPGP keys authorized to sign commits of this repository.\n\n(authorizations\n (version 0)\n\n ())\n';

function columnOf(text: string, offset: number): number {
  const nl = text.lastIndexOf('\n', offset - 1);
  return offset - nl - 1;
}

/** End of `offset`'s line content if only blanks and a comment follow it on the line. */
function afterTrailingComment(text: string, offset: number): number {
  const m = /^[ \t]*;[^\n]*/.exec(text.slice(offset));
  return m ? offset + m[0].length : offset;
}

export interface NewEntry {
  /** Fingerprint as it should be written (Guix style: groups of four). */
  fingerprint: string;
  name?: string;
  /** A `;; primary: "..."` comment, written when the key is a subkey. */
  primary?: string;
}

/** Add an entry after the last one, copying the layout of the existing entries. */
export function addAuthorization(text: string, entry: NewEntry, what?: string): string {
  const file = parseAuthorizations(text, what);
  const target = normalizeFingerprint(entry.fingerprint);
  if (file.entries.some((e) => e.fingerprint === target)) throw new KeytoolError(`${excerpt(entry.fingerprint)} is already authorized`);
  const { list } = file;
  const last = file.entries[file.entries.length - 1];
  const col = last ? columnOf(text, last.node.start) : columnOf(text, list.start) + 1;
  const inner = ' '.repeat(col + 1);
  const lines: string[] = [];
  if (entry.primary) lines.push(`;; primary: ${writeString(entry.primary)}`);
  lines.push(writeString(entry.fingerprint));
  if (entry.name !== undefined) lines.push(`(name ${writeString(entry.name)})`);
  const body = `(${lines.join(`\n${inner}`)})`;
  if (!last) {
    // `()` → `(ENTRY)` right after the opening parenthesis.
    const at = list.start + 1;
    return text.slice(0, at) + body + text.slice(at);
  }
  const at = afterTrailingComment(text, last.node.end);
  return `${text.slice(0, at)}\n${' '.repeat(col)}${body}${text.slice(at)}`;
}

/**
 * Remove the entry for `fingerprint` (any spacing or case), with the comments inside it and on
 * its last line; every other comment stays.
 */
export function removeAuthorization(text: string, fingerprint: string, what?: string): string {
  const file = parseAuthorizations(text, what);
  const target = normalizeFingerprint(fingerprint);
  const i = file.entries.findIndex((e) => e.fingerprint === target);
  if (i < 0) throw new KeytoolError(`${excerpt(fingerprint)} is not in ${displayable(what ?? '.guix-authorizations')}`);
  const entry = file.entries[i]!;
  const end = afterTrailingComment(text, entry.node.end);
  if (i > 0) {
    // Drop the blank space before the entry, back to whatever precedes it (the previous entry,
    // its comment, or a comment line, all kept).
    let from = entry.node.start;
    while (from > 0 && /\s/.test(text[from - 1]!)) from--;
    // ... but never into a comment's own trailing blanks: stop at the newline ending it.
    const lineStart = text.lastIndexOf('\n', from - 1) + 1;
    if (text.slice(lineStart, from).includes(';')) {
      from = text.indexOf('\n', from);
      // A comment must stay followed by a newline (else it would swallow what follows).
      if (text[end] !== '\n') from++;
    }
    return text.slice(0, from) + text.slice(end);
  }
  if (file.entries[1]) {
    // The first of several: what followed it (comments included) moves up into its place.
    const ws = /^\s*/.exec(text.slice(end))![0].length;
    return text.slice(0, entry.node.start) + text.slice(end + ws);
  }
  const between = text.slice(file.list.start + 1, entry.node.start);
  const from = /^\s*$/.test(between) ? file.list.start + 1 : entry.node.start;
  return text.slice(0, from) + text.slice(end);
}
