// ASCII armor (RFC 4880 §6): `-----BEGIN <kind>-----`, optional `Key: value` headers, a blank
// line, base64 lines, the CRC-24 line `=XXXX`, `-----END <kind>-----`. As in Guix, only the first
// block is read and an armor without its CRC line is refused.
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

/** Decode the first armored block of `text`. */
export function dearmor(text: string): Armored {
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const begin = /^-----BEGIN (.+)-----\s*$/.exec(lines[i] ?? '');
  if (!begin) throw new OpenPGPError('ASCII armor: missing "-----BEGIN ...-----" line');
  const kind = begin[1]!;
  i++;
  // Armor headers run up to a blank line; gpg always writes that blank line, but accept its
  // absence when the next line is plainly base64 rather than a header.
  const headers: [string, string][] = [];
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') { i++; break; }
    const h = /^([A-Za-z][A-Za-z0-9-]*): ?(.*)$/.exec(line);
    if (!h) break;
    headers.push([h[1]!, h[2]!]);
    i++;
  }
  const end = `-----END ${kind}-----`;
  let body = '';
  let crcLine: string | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line === end) break;
    if (line.startsWith('-----')) throw new OpenPGPError(`ASCII armor: expected "${end}", got "${line}"`);
    if (crcLine !== undefined) throw new OpenPGPError('ASCII armor: the CRC-24 line must come right before the END line');
    if (line.startsWith('=') && line.length === 5) { crcLine = line.slice(1); continue; }
    if (!BASE64_LINE.test(line)) throw new OpenPGPError(`ASCII armor: invalid base64 line "${line.slice(0, 40)}"`);
    body += line;
  }
  if (i >= lines.length) throw new OpenPGPError(`ASCII armor: missing "${end}" line`);
  if (crcLine === undefined) throw new OpenPGPError('ASCII armor: missing CRC-24 line');
  if (body.length % 4 !== 0 || /=[^=]/.test(body)) throw new OpenPGPError('ASCII armor: truncated or malformed base64 data');
  const data = new Uint8Array(Buffer.from(body, 'base64'));
  const crcBytes = Buffer.from(crcLine, 'base64');
  if (crcBytes.length !== 3 || !/^[A-Za-z0-9+/]{4}$/.test(crcLine)) throw new OpenPGPError(`ASCII armor: malformed CRC-24 line "=${crcLine}"`);
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
