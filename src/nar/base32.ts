// Nix base32, the encoding Guix prints store-path hashes and `NarHash: sha256:...` in.
// Not RFC 4648: its own 32-letter alphabet (no e, o, u, t), and the hash is read as one
// little-endian bit string whose highest 5-bit group is printed first.
import { KeytoolError } from '../errors.js';

const NIX_BASE32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

/** Length of the Nix base32 form of `byteLength` bytes (52 for SHA-256). */
const nixBase32Length = (byteLength: number): number => Math.ceil((byteLength * 8) / 5);

export function toNixBase32(bytes: Uint8Array): string {
  let out = '';
  for (let n = nixBase32Length(bytes.length) - 1; n >= 0; n--) {
    const bit = n * 5;
    const i = bit >> 3;
    const j = bit & 7;
    const c = (bytes[i]! >> j) | (i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0);
    out += NIX_BASE32_ALPHABET[c & 0x1f];
  }
  return out;
}

/** Decode Nix base32; throws a KeytoolError naming the bad character or length. */
export function fromNixBase32(text: string): Uint8Array {
  const size = Math.floor((text.length * 5) / 8);
  if (nixBase32Length(size) !== text.length) throw new KeytoolError(`invalid Nix base32 string (bad length ${text.length}): ${text}`);
  const bytes = new Uint8Array(size);
  for (let n = 0; n < text.length; n++) {
    const ch = text[text.length - 1 - n]!;
    const digit = NIX_BASE32_ALPHABET.indexOf(ch);
    if (digit < 0) throw new KeytoolError(`invalid character ${JSON.stringify(ch)} in Nix base32 string: ${text}`);
    const bit = n * 5;
    const i = bit >> 3;
    const j = bit & 7;
    bytes[i]! |= (digit << j) & 0xff;
    const carry = digit >> (8 - j);
    if (i + 1 < size) bytes[i + 1]! |= carry;
    else if (carry) throw new KeytoolError(`invalid Nix base32 string (excess bits): ${text}`);
  }
  return bytes;
}
