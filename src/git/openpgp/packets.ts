// OpenPGP packet framing (RFC 4880 §4.2): old- and new-format headers. Partial body lengths
// (new format, 224..254) only occur in streamed messages, never in keys or signatures: refused.
import { OpenPGPError } from './errors.js';

export const PacketTag = {
  Signature: 2,
  SecretKey: 5,
  PublicKey: 6,
  SecretSubkey: 7,
  CompressedData: 8,
  Marker: 10,
  LiteralData: 11,
  Trust: 12,
  UserID: 13,
  PublicSubkey: 14,
  UserAttribute: 17,
  OnePassSignature: 4,
} as const;

const TAG_NAMES: Record<number, string> = {
  1: 'public-key encrypted session key', 2: 'signature', 3: 'symmetric-key encrypted session key',
  4: 'one-pass signature', 5: 'secret key', 6: 'public key', 7: 'secret subkey', 8: 'compressed data',
  9: 'symmetrically encrypted data', 10: 'marker', 11: 'literal data', 12: 'trust', 13: 'user ID',
  14: 'public subkey', 17: 'user attribute', 18: 'encrypted and integrity protected data', 19: 'modification detection code',
};

export function tagName(tag: number): string {
  return TAG_NAMES[tag] ?? `type ${tag}`;
}

export interface Packet {
  tag: number;
  body: Uint8Array;
  /** Offset of the packet header in the input. */
  offset: number;
}

/** Split `data` into packets. */
export function* readPackets(data: Uint8Array): Generator<Packet> {
  let p = 0;
  while (p < data.length) {
    const offset = p;
    const ctb = data[p++]!;
    if ((ctb & 0x80) === 0) throw new OpenPGPError(`OpenPGP packet at offset ${offset}: invalid header byte 0x${ctb.toString(16).padStart(2, '0')}`);
    let tag: number;
    let len: number;
    const need = (n: number) => {
      if (p + n > data.length) throw new OpenPGPError(`OpenPGP packet at offset ${offset}: truncated length`);
    };
    if (ctb & 0x40) {
      tag = ctb & 0x3f;
      need(1);
      const o1 = data[p++]!;
      if (o1 < 192) len = o1;
      else if (o1 < 224) { need(1); len = ((o1 - 192) << 8) + data[p++]! + 192; }
      else if (o1 === 255) { need(4); len = readU32(data, p); p += 4; }
      else throw new OpenPGPError(`OpenPGP packet at offset ${offset}: partial body lengths are not supported`);
    } else {
      tag = (ctb >> 2) & 0x0f;
      switch (ctb & 3) {
        case 0: need(1); len = data[p]!; p += 1; break;
        case 1: need(2); len = (data[p]! << 8) | data[p + 1]!; p += 2; break;
        case 2: need(4); len = readU32(data, p); p += 4; break;
        default: len = data.length - p; // indeterminate: the rest of the input
      }
    }
    if (p + len > data.length) {
      throw new OpenPGPError(`OpenPGP ${tagName(tag)} packet at offset ${offset}: length ${len} runs past the end of the data (${data.length - p} bytes left)`);
    }
    yield { tag, body: data.subarray(p, p + len), offset };
    p += len;
  }
}

export function readU32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) >>> 0) + (b[p + 1]! << 16) + (b[p + 2]! << 8) + b[p + 3]!;
}

/** A cursor over a packet body, with bounds-checked reads. */
export class Reader {
  p = 0;
  constructor(readonly b: Uint8Array, readonly what: string) {}
  get left(): number { return this.b.length - this.p; }
  private need(n: number): void {
    if (this.p + n > this.b.length) throw new OpenPGPError(`${this.what}: truncated (needed ${n} more bytes at offset ${this.p})`);
  }
  u8(): number { this.need(1); return this.b[this.p++]!; }
  u16(): number { this.need(2); const v = (this.b[this.p]! << 8) | this.b[this.p + 1]!; this.p += 2; return v; }
  u32(): number { this.need(4); const v = readU32(this.b, this.p); this.p += 4; return v; }
  bytes(n: number): Uint8Array { this.need(n); const v = this.b.subarray(this.p, this.p + n); this.p += n; return v; }
  /** A multiprecision integer: u16 bit count then the big-endian bytes. */
  mpi(): Uint8Array {
    const bits = this.u16();
    return this.bytes((bits + 7) >> 3);
  }
}

/** Encode a new-format packet (used by tests and the benchmark's signer). */
export function encodePacket(tag: number, body: Uint8Array): Uint8Array {
  let header: number[];
  const n = body.length;
  if (n < 192) header = [0xc0 | tag, n];
  else if (n < 8384) header = [0xc0 | tag, ((n - 192) >> 8) + 192, (n - 192) & 0xff];
  else header = [0xc0 | tag, 255, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(header.length + n);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/** Encode an MPI (leading zero bits stripped). */
export function encodeMpi(v: Uint8Array): Uint8Array {
  let i = 0;
  while (i < v.length && v[i] === 0) i++;
  const bytes = v.subarray(i);
  const bits = bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!));
  const out = new Uint8Array(2 + bytes.length);
  out[0] = bits >> 8;
  out[1] = bits & 0xff;
  out.set(bytes, 2);
  return out;
}
