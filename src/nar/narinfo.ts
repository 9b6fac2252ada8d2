// narinfo files (spec/guix-formats.md §3): recutils-style fields; the signed text is everything
// before the first occurrence of "Signature:"; the Signature field is `1;<host>;<base64>` where
// the base64 holds the UTF-8 encoding of the advanced signature text read as ISO-8859-1.
//
// Reading follows Guix's read-narinfo and recutils->alist (guix/narinfo.scm, guix/records.scm):
// - The bytes are decoded as strict UTF-8 (Guile's utf8->string raises a decoding error on any
//   invalid sequence, so Guix refuses the whole narinfo), and the signed text is hashed re-encoded,
//   which for valid UTF-8 is exactly the bytes received. We refuse the same way, never replace.
// - Lines end at LF only; Guix keeps a CR as part of the line and trims values on the left only,
//   so in a file with CRLF line endings every value ends in CR (its StorePath names no store item,
//   its numbers do not parse, a blank "\r" line is an unmatched line). We refuse such lines with a
//   message that says so, rather than read values Guix would read differently.
// - Reading is linear code: the only regular expressions applied to input match one character
//   (no quantifier). Messages quote at most an escaped excerpt of the input.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { signHash, type KeyPair } from '../crypto/index.js';
import { displayable, excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';
import { printAdvanced } from '../sexp/index.js';
import type { SexpList } from '../sexp/model.js';
import { isInStore, storeDir, storePathProblem } from './storepath.js';
import { judgeSignature, type SignatureStatus } from './verdict.js';

/** Transport fields: one group per compression, so they repeat. */
const TRANSPORT = new Set(['URL', 'Compression', 'FileSize', 'FileHash']);
/** Fields that describe the store item (never the transport): they must be above the signature. */
const ITEM_FIELDS = new Set(['StorePath', 'NarHash', 'NarSize', 'References', 'Deriver', 'System']);

export interface Narinfo {
  /** First value of each field; repeatable fields keep all values in `all`. */
  fields: Map<string, string>;
  all: Map<string, string[]>;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode table 3-7). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/**
 * The narinfo's text, decoded as Guix decodes it: strict UTF-8, a byte-order mark kept as a
 * character. Invalid UTF-8 is refused (Guix refuses the narinfo), never replaced: a signature covers
 * exact bytes, and U+FFFD must not stand for bytes that were never signed.
 */
export function decodeNarinfo(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    throw new KeytoolError(`not valid UTF-8 at byte ${at} (line ${line}): Guix refuses the whole narinfo (it reads it as strict UTF-8); fix the file's encoding`);
  }
}

/** Guile's char-set:whitespace, which string-trim strips from the left of a value. */
const isGuileSpace = (c: number): boolean =>
  (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;

/** Guile's `string-trim`: whitespace off the left only (Guix keeps trailing spaces in values). */
function trimLeft(s: string): string {
  let i = 0;
  while (i < s.length && isGuileSpace(s.charCodeAt(i))) i++;
  return s.slice(i);
}

const isAsciiLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * Guix's recutils reader (guix/records.scm): one record; `unmatched line` for anything else. A
 * field line starts with a letter or `%`; Guix judges letters by its Unicode tables, we accept
 * ASCII letters only and refuse the rest (publish never writes another).
 */
export function parseRecutils(text: string): Narinfo {
  const fields = new Map<string, string>();
  const all = new Map<string, string[]>();
  let last: { name: string; index: number } | undefined;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const quote = (line: string): string => `"${excerpt(line)}"`;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const where = `line ${i + 1}`;
    if (line === '') {
      if (last) break; // a blank line ends the record
      continue;
    }
    const first = line.charCodeAt(0);
    if (first === 0x23) continue; // '#': a comment
    if (line.endsWith('\r')) {
      throw new KeytoolError(`${where} ends with a carriage return (CRLF line endings): Guix splits lines at LF only and keeps the CR in the value, so its StorePath would name no store item; convert the file to LF line endings`);
    }
    if (first === 0x2b) { // '+': continues the last field
      if (!last) throw new KeytoolError(`unmatched ${where}: ${quote(line)} (continuation without a field)`);
      const values = all.get(last.name)!;
      values[last.index] = `${values[last.index]}\n${line.slice(line.startsWith('+ ') ? 2 : 1)}`;
      if (last.index === 0) fields.set(last.name, values[0]!);
      continue;
    }
    if (first >= 0x80) throw new KeytoolError(`unmatched ${where}: ${quote(line)} (a field name starts with an ASCII letter or '%')`);
    if (!isAsciiLetter(first) && first !== 0x25) throw new KeytoolError(`unmatched ${where}: ${quote(line)}`);
    const colon = line.indexOf(':');
    if (colon < 0) throw new KeytoolError(`unmatched ${where}: ${quote(line)} (no ':' after the field name)`);
    const name = line.slice(0, colon);
    const value = trimLeft(line.slice(colon + 1));
    const values = all.get(name) ?? [];
    values.push(value);
    all.set(name, values);
    if (!fields.has(name)) fields.set(name, value);
    last = { name, index: values.length - 1 };
  }
  return { fields, all };
}

export interface SignatureField {
  version: number;
  host: string;
  /** The signature text as raw ISO-8859-1 bytes. */
  text: Uint8Array;
}

/**
 * The value of a decimal number (`1`, `+1`, `1.`, `.1e1`, `10e-1`), or undefined for anything else.
 * Guile's string->number reads more (`#x1`, `1/1`, `1d0`); publish writes `1`, and what we do not
 * read leaves the narinfo unsigned, never valid.
 */
function decimalValue(s: string): number | undefined {
  let i = 0;
  const digits = (): number => {
    const from = i;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    return i - from;
  };
  if (s[i] === '+' || s[i] === '-') i++;
  let mantissa = digits();
  if (s[i] === '.') {
    i++;
    mantissa += digits();
  }
  if (mantissa === 0) return undefined;
  if (s[i] === 'e' || s[i] === 'E') {
    i++;
    if (s[i] === '+' || s[i] === '-') i++;
    if (digits() === 0) return undefined;
  }
  return i === s.length ? Number(s) : undefined;
}

const BASE64_ALPHABET = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

/** Padded standard base64, as guix/base64.scm decodes it: a multiple of four characters, `=` only at the end. */
function isBase64(s: string): boolean {
  if (s.length % 4 !== 0) return false;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  for (let i = 0; i < s.length - pad; i++) if (!BASE64_ALPHABET.has(s[i]!)) return false;
  return true;
}

/** Parse `1;<host>;<base64>` with Guix's rules; throws its messages (the caller treats it as unsigned). */
export function parseSignatureField(value: string): SignatureField {
  const parts = value.split(';');
  if (parts.length !== 3) throw new KeytoolError(`invalid format of the signature field: "${excerpt(value)}" (expected 1;<host>;<base64>)`);
  const [v, host, b64] = parts as [string, string, string];
  // No trimming: Guix trims a value on the left only, and reads each part as it stands.
  const version = decimalValue(v);
  if (version === undefined) throw new KeytoolError(`signature version must be a number: "${excerpt(v)}"`);
  if (version !== 1) throw new KeytoolError(`unsupported signature version: ${excerpt(v)}`);
  if (!isBase64(b64)) throw new KeytoolError(`signature is not valid base64: "${excerpt(b64, 40)}"`);
  let decoded: string;
  try {
    // A byte-order mark stays a character, as in Guile's utf8->string (and is then no S-expression).
    decoded = strictUtf8.decode(Buffer.from(b64, 'base64'));
  } catch {
    throw new KeytoolError('signature is not valid UTF-8 once base64-decoded');
  }
  if (/[^\x00-\xff]/.test(decoded)) throw new KeytoolError(`signature is not a valid s-expression: "${excerpt(decoded, 60)}"`);
  return { version, host, text: Buffer.from(decoded, 'latin1') };
}

/** The base64 `guix publish` writes for a signature text (raw ISO-8859-1 bytes). */
export const signatureBase64 = (text: Uint8Array): string => Buffer.from(Buffer.from(text).toString('latin1'), 'utf8').toString('base64');

export type NarinfoStatus = SignatureStatus | 'unsigned' | 'malformed';

export interface NarinfoVerdict {
  status: NarinfoStatus;
  /** Guix's message (or ours where Guix has none). */
  message: string;
  storePath?: string;
  url?: string;
  host?: string;
  signer?: SexpList;
  fingerprint?: string;
  reason?: string;
}

const REQUIRED = ['StorePath', 'NarHash', 'References'];
/** The required fields the signed text lacks. */
const missingFields = (signed: Narinfo): string[] => REQUIRED.filter((f) => !signed.fields.has(f));
/** What the signature signs: SHA-256 of the text before "Signature:", as UTF-8. */
const prefixHash = (prefix: string): Uint8Array => new Uint8Array(createHash('sha256').update(prefix, 'utf8').digest());

/** `p` as a store file name (storePathProblem), with a message that quotes only an excerpt of it. */
function requireStoreFileName(p: string, dir: string, what: string): void {
  if (storePathProblem(p, dir) === undefined) return;
  const why = isInStore(p, dir) ? `not a valid store file name (expected ${displayable(dir)}/<32 Nix base32 characters>-<name>)` : `not in the store ${displayable(dir)}`;
  throw new KeytoolError(`${what} "${excerpt(p)}" is ${why}`);
}

/**
 * The names in References. Guix's `string-tokenize` separates them at any non-graphic character;
 * we separate at whitespace only, so a name we read that passes the store-name check holds only
 * graphic characters and is one of Guix's names too.
 */
function referenceNames(value: string): string[] {
  const names: string[] = [];
  let from = -1;
  for (let i = 0; i <= value.length; i++) {
    const space = i === value.length || isGuileSpace(value.charCodeAt(i));
    if (space && from >= 0) {
      names.push(value.slice(from, i));
      from = -1;
    } else if (!space && from < 0) from = i;
  }
  return names;
}

/**
 * The store item a narinfo describes, checked as Guix's substituter and daemon would use it, and
 * stricter: the substituter drops a narinfo whose StorePath is not directly in the store
 * (guix/substitutes.scm compares its dirname with the store), and hands the daemon each reference
 * and the deriver as `<store>/<name>`, which the daemon refuses unless it is a store path. We ask
 * all three to be store file names (`<store>/<hash>-<name>`), so `/gnu/store/../../etc/passwd`,
 * `/etc/passwd`, `../x` or a value ending in a space are refused whatever the signature says.
 */
function checkItemPaths(info: Narinfo, dir: string): void {
  const storePath = info.fields.get('StorePath');
  if (storePath === undefined) throw new KeytoolError('no StorePath field (Guix cannot use a narinfo without one)');
  const references = info.fields.get('References');
  if (references === undefined) throw new KeytoolError('no References field (Guix cannot read a narinfo without one)');
  requireStoreFileName(storePath, dir, 'StorePath');
  for (const name of referenceNames(references)) requireStoreFileName(`${dir}/${name}`, dir, 'reference');
  const deriver = info.fields.get('Deriver');
  if (deriver) requireStoreFileName(`${dir}/${deriver}`, dir, 'Deriver');
}

/**
 * Guix's verdict on a narinfo (its bytes, or text already decoded by decodeNarinfo) against the ACL
 * keys (valid-narinfo? and the substituter's messages). `name` stands for the URL when the narinfo
 * has none; `dir` is the store directory. Messages quote input escaped and bounded; the verdict's
 * storePath, url and host keep the exact values.
 */
export function verifyNarinfo(input: string | Uint8Array, acl: readonly SexpList[], name = 'narinfo', dir = storeDir()): NarinfoVerdict {
  let text: string;
  let info: Narinfo;
  try {
    text = typeof input === 'string' ? input : decodeNarinfo(input);
    info = parseRecutils(text);
  } catch (e) {
    return { status: 'malformed', message: `cannot read narinfo: ${(e as Error).message}` };
  }
  const storePath = info.fields.get('StorePath');
  const url = info.all.get('URL')?.[0] ?? name;
  const base: NarinfoVerdict = { status: 'unsigned', message: '', url };
  if (storePath !== undefined) base.storePath = storePath;
  try {
    checkItemPaths(info, dir);
  } catch (e) {
    return { ...base, status: 'malformed', message: `unusable narinfo: ${(e as Error).message}` };
  }
  const at = `substitute at '${excerpt(url, 200)}'`;
  const unsigned = (why: string): NarinfoVerdict => ({ ...base, status: 'unsigned', message: `${at} is unsigned: ${why}`, reason: why });

  const cut = text.indexOf('Signature:');
  if (cut < 0) return unsigned('no Signature field');
  const field = info.fields.get('Signature');
  if (field === undefined) return unsigned("'Signature:' does not start a field");
  let sig: SignatureField;
  try {
    sig = parseSignatureField(field);
  } catch (e) {
    return unsigned((e as Error).message);
  }
  base.host = sig.host;
  const prefix = text.slice(0, cut);
  let signed: Narinfo;
  try {
    signed = parseRecutils(prefix);
  } catch (e) {
    return unsigned(`the text before 'Signature:' is not a narinfo: ${(e as Error).message}`);
  }
  const missing = missingFields(signed);
  if (missing.length) return unsigned(`the text before 'Signature:' lacks ${missing.join(', ')}`);

  const v = judgeSignature(sig.text, prefixHash(prefix), acl, 'narinfo');
  const out: NarinfoVerdict = { ...base, status: v.status, message: '' };
  if (v.signer) out.signer = v.signer;
  if (v.fingerprint) out.fingerprint = v.fingerprint;
  if (v.reason) out.reason = v.reason;
  switch (v.status) {
    case 'valid': out.message = `${at} is signed by an authorized key`; break;
    case 'invalid': out.message = `invalid signature for ${at}`; break;
    case 'hash-mismatch': out.message = `hash mismatch for ${at}`; break;
    case 'unauthorized': out.message = `${at} is signed by an unauthorized party`; break;
    case 'corrupt': out.message = `corrupt signature for ${at}`; break;
  }
  return out;
}

/**
 * Add or replace the Signature line as `guix publish` writes it. An existing Signature line is
 * replaced where it stands; else the line goes after the last field describing the item
 * (StorePath … Deriver, System), before the URL/Compression/FileSize/FileHash block that follows
 * (publish's layout), or at the end. Everything above it is what gets signed: transport fields
 * placed above the item's fields are signed too.
 */
export function signNarinfo(text: string, pair: KeyPair, host: string = hostname(), dir = storeDir()): string {
  checkItemPaths(parseRecutils(text), dir); // refuse what Guix could not read or would not use
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const isSig = (l: string): boolean => l.startsWith('Signature:');
  const field = (l: string): string => l.slice(0, l.indexOf(':'));
  // An empty line ends the record (Guix reads no further): the signature goes inside it, and
  // whatever follows the record is kept as it is.
  const blank = lines.indexOf('');
  const recordEnd = blank < 0 ? lines.length : blank;
  let at = lines.findIndex((l, i) => i < recordEnd && isSig(l));
  if (at < 0) {
    // After the last field that describes the item (so all of them are signed, whatever order
    // the file uses), before the transport block that follows it, as publish lays it out.
    let lastItemField = -1;
    lines.forEach((l, i) => {
      if (i < recordEnd && ITEM_FIELDS.has(field(l))) lastItemField = i;
    });
    at = lines.findIndex((l, i) => i > lastItemField && i < recordEnd && TRANSPORT.has(field(l)));
    if (at < 0) at = recordEnd;
  }
  const head = lines.slice(0, at);
  // The old Signature field goes, with every continuation line ('+') it has; comment lines among
  // them stay, and do not end the field (the reader skips them, so a '+' after one continues it).
  const tail: string[] = [];
  let inSignature = false;
  lines.slice(at).forEach((l, i) => {
    const inRecord = at + i < recordEnd;
    if (inRecord && isSig(l)) inSignature = true;
    else if (inRecord && inSignature && l.startsWith('+')) return;
    else {
      if (!(inRecord && l.startsWith('#'))) inSignature = false;
      tail.push(l);
    }
  });
  const prefix = head.length ? `${head.join('\n')}\n` : '';
  if (prefix.includes('Signature:')) throw new KeytoolError("cannot sign: 'Signature:' appears inside a field above the signature");
  const signed = parseRecutils(prefix);
  const missing = missingFields(signed);
  if (missing.length) throw new KeytoolError(`cannot sign: the fields above the signature lack ${missing.join(', ')} (Guix would treat the narinfo as unsigned)`);
  if (!host || /[;\s\x00-\x1f\x7f]/.test(host)) throw new KeytoolError(`invalid host name for the signature: "${excerpt(host)}" (no ';', spaces or control characters)`, 2);
  const sig = printAdvanced(signHash(pair, prefixHash(prefix)));
  const line = `Signature: 1;${host};${signatureBase64(sig)}`;
  return `${prefix}${line}\n${tail.map((l) => `${l}\n`).join('')}`;
}
