// ASCII armor (RFC 4880 §6): `-----BEGIN <kind>-----`, optional `Key: value` headers, a blank
// line, base64 lines, the CRC-24 line `=XXXX`, `-----END <kind>-----`. As in Guix, only the first
// block is read and an armor without its blank line or its CRC line is refused.
import { excerpt } from '../../display.js';
import { OpenPGPError } from './errors.js';

const CRC24_INIT = 0xb704ce;
const CRC24_POLY = 0x1864cfb;

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 16;
    for (let k = 0; k < 8; k++) {
      c <<= 1;
      if (c & 0x1000000) c ^= CRC24_POLY;
    }
    t[i] = c & 0xffffff;
  }
  return t;
})();

export function crc24(data: Uint8Array): number {
  let crc = CRC24_INIT;
  for (let i = 0; i < data.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >> 16) ^ data[i]!) & 0xff]!) & 0xffffff;
  return crc;
}

export interface Armored {
  kind: string; // e.g. "PGP SIGNATURE", "PGP PUBLIC KEY BLOCK"
  headers: [string, string][];
  data: Uint8Array;
}

const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/** The blanks Guile's string-trim removes here: ASCII space and the controls \t \n \v \f \r. */
function isBlank(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0 && isBlank(s.charCodeAt(e - 1))) e--;
  return s.slice(0, e);
}

function trim(s: string): string {
  let b = 0;
  while (b < s.length && isBlank(s.charCodeAt(b))) b++;
  return trimEnd(s.slice(b));
}

const BEGIN_PREFIX = '-----BEGIN ';
const DASHES = '-----';

/**
 * Decode the first armored block of `text`, with Guix's rules (read-radix-64): the first line is
 * the BEGIN line; every line after it up to the first blank line is a header (skipped, whatever
 * it holds), so that blank line is required; then base64 lines, blank lines ignored, the last one
 * before the END line being the CRC-24 line `=XXXX`, which must match.
 */
export function dearmor(text: string): Armored {
  // Lines as Guile's read-line returns them: a final newline ends the last line, it does not
  // start an empty one.
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const first = trimEnd(lines[0] ?? '');
  if (!first.startsWith(BEGIN_PREFIX) || !first.endsWith(DASHES) || first.length < BEGIN_PREFIX.length + DASHES.length) {
    throw new OpenPGPError(`ASCII armor: the first line must be "-----BEGIN ...-----", not "${excerpt(first, 40)}"`);
  }
  const kind = first.slice(BEGIN_PREFIX.length, first.length - DASHES.length);
  const end = `-----END ${kind}-----`;
  // Armor headers run up to the first blank line, which must be there (gpg always writes it).
  const headers: [string, string][] = [];
  let i = 1;
  for (; i < lines.length; i++) {
    if (trim(lines[i]!) === '') break;
    const h = /^([A-Za-z][A-Za-z0-9-]*): ?(.*)$/.exec(lines[i]!);
    if (h) headers.push([h[1]!, h[2]!]);
  }
  if (i >= lines.length) {
    throw new OpenPGPError(`ASCII armor: no blank line after the "${excerpt(first, 40)}" line and its headers (the base64 data must follow a blank line)`);
  }
  const body: string[] = [];
  for (i++; i < lines.length; i++) {
    const line = trim(lines[i]!);
    if (line === '') continue;
    if (line === end) break;
    body.push(line);
  }
  if (i >= lines.length) throw new OpenPGPError(`ASCII armor: missing "${excerpt(end, 60)}" line`);
  const crcLine = body.pop();
  if (crcLine === undefined || !crcLine.startsWith('=')) throw new OpenPGPError('ASCII armor: missing CRC-24 line ("=XXXX" right before the END line)');
  for (const line of body) {
    if (!BASE64_LINE.test(line)) throw new OpenPGPError(`ASCII armor: invalid base64 line "${excerpt(line, 40)}"`);
  }
  const data64 = body.join('');
  if (data64.length % 4 !== 0 || /=[^=]/.test(data64)) throw new OpenPGPError('ASCII armor: truncated or malformed base64 data');
  const data = new Uint8Array(Buffer.from(data64, 'base64'));
  const crc64 = crcLine.slice(1);
  if (!/^[A-Za-z0-9+/]{4}$/.test(crc64)) throw new OpenPGPError(`ASCII armor: malformed CRC-24 line "${excerpt(crcLine, 40)}"`);
  const crcBytes = Buffer.from(crc64, 'base64');
  const expected = (crcBytes[0]! << 16) | (crcBytes[1]! << 8) | crcBytes[2]!;
  const actual = crc24(data);
  if (expected !== actual) {
    throw new OpenPGPError(`ASCII armor: CRC-24 mismatch (armor says ${hex24(expected)}, data has ${hex24(actual)})`);
  }
  return { kind, headers, data };
}

function hex24(n: number): string {
  return n.toString(16).padStart(6, '0');
}

/** Armor `data` the way gpg does (64-column lines, blank line, CRC-24). */
export function armor(kind: string, data: Uint8Array): string {
  const b64 = Buffer.from(data).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  const c = crc24(data);
  const crc = Buffer.from([c >> 16, (c >> 8) & 0xff, c & 0xff]).toString('base64');
  return `-----BEGIN ${kind}-----\n\n${lines.join('\n')}\n=${crc}\n-----END ${kind}-----\n`;
}
