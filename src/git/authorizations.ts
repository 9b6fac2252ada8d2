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
import { readAll, writeString, type Node } from './scheme.js';

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

/**
 * Guix's normalisation: keep graphic characters (drops spaces), lower-case, hex-decode.
 * Returns lower-case hex; throws on a non-hex character or an odd number of digits.
 */
export function normalizeFingerprint(s: string, what = 'fingerprint'): string {
  const kept = [...s].filter((c) => /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(c)).join('').toLowerCase();
  if (!/^([0-9a-f]{2})*$/.test(kept)) throw new KeytoolError(`${what} ${JSON.stringify(s)}: not a hexadecimal fingerprint`);
  return kept;
}

/** Parse the text of an authorizations file; `what` names it in error messages. */
export function parseAuthorizations(text: string, what = '.guix-authorizations'): AuthorizationsFile {
  const data = readAll(text, what);
  const top = data[0];
  const shape = `${what}: expected (authorizations (version 0) ((FINGERPRINT (name NAME)) ...))`;
  if (!top || top.type !== 'list') throw new KeytoolError(shape);
  const [head, version, list] = top.items;
  if (!head || head.type !== 'atom' || head.text !== 'authorizations') throw new KeytoolError(shape);
  if (!version || version.type !== 'list' || version.items.length !== 2 || version.items[0]?.type !== 'atom'
      || version.items[0].text !== 'version') throw new KeytoolError(shape);
  const v = version.items[1]!;
  if (v.type !== 'atom' || v.text !== '0') {
    throw new KeytoolError(`${what}: unsupported authorizations format version ${v.type === 'atom' ? v.text : '?'} (only version 0 is known)`);
  }
  if (!list || list.type !== 'list') throw new KeytoolError(shape);
  const entries: AuthorizationEntry[] = [];
  for (const item of list.items) {
    if (item.type !== 'list' || item.items[0]?.type !== 'string') {
      throw new KeytoolError(`${what}: each authorization must be a list starting with a fingerprint string (${shape.slice(what.length + 2)})`);
    }
    const written = item.items[0].value;
    let name: string | undefined;
    for (const extra of item.items.slice(1)) {
      if (extra.type === 'list' && extra.items[0]?.type === 'atom' && extra.items[0].text === 'name' && extra.items[1]?.type === 'string') name = extra.items[1].value;
    }
    entries.push({ fingerprint: normalizeFingerprint(written, `${what}: fingerprint`), written, name, node: item });
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
  if (file.entries.some((e) => e.fingerprint === target)) throw new KeytoolError(`${entry.fingerprint} is already authorized`);
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
  if (i < 0) throw new KeytoolError(`${fingerprint} is not in ${what ?? '.guix-authorizations'}`);
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
