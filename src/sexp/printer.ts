// Printers: canonical (`(3:foo)`, the form to hash and compare), libgcrypt's advanced text form
// byte for byte (what Guix writes into key files, the ACL and signatures), and SPKI transport.
import type { Sexp } from './model.js';

/** A growable output buffer: one allocation in the common case. */
class Out {
  buf: Uint8Array;
  len = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(size, 16));
  }
  ensure(k: number): void {
    if (this.len + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + k) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }
  byte(c: number): void {
    this.ensure(1);
    this.buf[this.len++] = c;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  ascii(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
  }
  spaces(k: number): void {
    this.ensure(k);
    this.buf.fill(0x20, this.len, this.len + k);
    this.len += k;
  }
  take(): Uint8Array {
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}

const decimalLength = (n: number): number => (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : String(n).length);

function canonicalSize(s: Sexp): number {
  if (s.type === 'atom') {
    let size = decimalLength(s.bytes.length) + 1 + s.bytes.length;
    if (s.hint) size += decimalLength(s.hint.length) + 3 + s.hint.length;
    return size;
  }
  let size = 2;
  for (const item of s.items) size += canonicalSize(item);
  return size;
}

function writeCanonical(o: Out, s: Sexp): void {
  if (s.type === 'atom') {
    if (s.hint) {
      o.byte(0x5b);
      o.ascii(String(s.hint.length));
      o.byte(0x3a);
      o.bytes(s.hint);
      o.byte(0x5d);
    }
    o.ascii(String(s.bytes.length));
    o.byte(0x3a);
    o.bytes(s.bytes);
    return;
  }
  o.byte(0x28);
  for (const item of s.items) writeCanonical(o, item);
  o.byte(0x29);
}

/** The canonical form: `(`, `)`, and every atom as `LEN:BYTES`; hints as `[LEN:HINT]`. */
export function printCanonical(s: Sexp): Uint8Array {
  const o = new Out(canonicalSize(s));
  writeCanonical(o, s);
  return o.take();
}

// Advanced form: how libgcrypt 1.10.1 chooses to print an atom.
const TOKEN_BYTE = new Uint8Array(256); // letters, digits, `-./_:*+=`, and NUL (a 1.10.1 quirk)
for (let c = 0x30; c <= 0x39; c++) TOKEN_BYTE[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN_BYTE[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN_BYTE[c] = 1;
for (const ch of '-./_:*+=') TOKEN_BYTE[ch.charCodeAt(0)] = 1;
TOKEN_BYTE[0] = 1;
const BINARY_BYTE = new Uint8Array(256); // bytes that make libgcrypt print the atom in hex
for (let c = 1; c < 0x20; c++) BINARY_BYTE[c] = 1;
for (const c of [8, 9, 11, 10, 12, 13]) BINARY_BYTE[c] = 0;
for (let c = 0x7f; c <= 0xa0; c++) BINARY_BYTE[c] = 1;
const STRING_ESCAPE: (string | undefined)[] = [];
STRING_ESCAPE[8] = '\\b';
STRING_ESCAPE[9] = '\\t';
STRING_ESCAPE[11] = '\\v';
STRING_ESCAPE[10] = '\\n';
STRING_ESCAPE[12] = '\\f';
STRING_ESCAPE[13] = '\\r';
STRING_ESCAPE[0x22] = '\\"';
STRING_ESCAPE[0x27] = "\\'";
STRING_ESCAPE[0x5c] = '\\\\';
STRING_ESCAPE[0] = '\\x00';
const HEX_DIGITS = new TextEncoder().encode('0123456789ABCDEF');

const enum Style {
  Token,
  Quoted,
  Hex,
}

function atomStyle(b: Uint8Array): Style {
  const n = b.length;
  if (n === 0) return Style.Quoted;
  const first = b[0]!;
  if (first === 0 || first >= 0x80) return Style.Hex;
  let token = first < 0x30 || first > 0x39;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (BINARY_BYTE[c]) return Style.Hex;
    if (!TOKEN_BYTE[c]) token = false;
  }
  return token ? Style.Token : Style.Quoted;
}

function writeAdvancedAtom(o: Out, b: Uint8Array): void {
  switch (atomStyle(b)) {
    case Style.Token:
      o.bytes(b);
      return;
    case Style.Hex: {
      o.ensure(b.length * 2 + 2);
      const buf = o.buf;
      let k = o.len;
      buf[k++] = 0x23;
      for (let i = 0; i < b.length; i++) {
        buf[k++] = HEX_DIGITS[b[i]! >> 4]!;
        buf[k++] = HEX_DIGITS[b[i]! & 15]!;
      }
      buf[k++] = 0x23;
      o.len = k;
      return;
    }
    default: {
      o.byte(0x22);
      for (let i = 0; i < b.length; i++) {
        const c = b[i]!;
        const esc = STRING_ESCAPE[c];
        if (esc === undefined) o.byte(c);
        else o.ascii(esc);
      }
      o.byte(0x22);
    }
  }
}

function writeAdvanced(o: Out, s: Sexp, depth: number, last: boolean, nextIsList: boolean): void {
  // Mirrors libgcrypt's printer, which walks a flat token stream: `nextIsList`/`last` say what
  // follows this element inside its parent (or that the expression ends).
  if (s.type === 'atom') {
    if (s.hint) {
      o.byte(0x5b);
      writeAdvancedAtom(o, s.hint);
      o.byte(0x5d);
    }
    writeAdvancedAtom(o, s.bytes);
    // A space after an atom unless a ')' follows; a bare atom at top level gets one too.
    if (!last || depth === 0) o.byte(0x20);
    return;
  }
  if (depth > 0) {
    o.byte(0x0a);
    o.spaces(depth);
  }
  o.byte(0x28);
  const items = s.items;
  for (let i = 0; i < items.length; i++) {
    const next = items[i + 1];
    writeAdvanced(o, items[i]!, depth + 1, i === items.length - 1, next !== undefined && next.type === 'list');
  }
  o.byte(0x29);
  // After ')': a line break and indentation, unless a '(' follows or the expression ends.
  if (depth > 0 && !nextIsList) {
    o.byte(0x0a);
    o.spaces(depth);
  }
}

/** libgcrypt's GCRYSEXP_FMT_ADVANCED output, byte for byte, ending with a line feed. */
export function printAdvanced(s: Sexp): Uint8Array {
  const o = new Out(canonicalSize(s) * 2 + 16);
  writeAdvanced(o, s, 0, true, false);
  o.byte(0x0a);
  return o.take();
}

/** The advanced form as an ISO-8859-1 string (one char per byte). */
export function advancedString(s: Sexp): string {
  const b = printAdvanced(s);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** SPKI transport form: `{` base64 of the canonical form `}` (libgcrypt does not read it). */
export function printTransport(s: Sexp): Uint8Array {
  const c = printCanonical(s);
  const b64 = Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('base64');
  const o = new Out(b64.length + 2);
  o.byte(0x7b);
  o.ascii(b64);
  o.byte(0x7d);
  return o.take();
}

