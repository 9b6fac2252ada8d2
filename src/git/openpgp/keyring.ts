// A keyring: every primary key and subkey, indexed by key ID and by fingerprint. Lookup returns
// the (sub)key itself, so its fingerprint is the one `.guix-authorizations` must list. As in Guix,
// binding signatures, flags, expiry and revocations are not checked: the keyring branch is
// trusted as a whole and authorization is what `.guix-authorizations` says.
import { isUtf8 } from 'node:buffer';
import { dearmor } from './armor.js';
import { OpenPGPError } from './errors.js';
import { hex, parsePublicKey, type PublicKeyPacket } from './key.js';
import { PacketTag, readPackets, tagName } from './packets.js';
import { HASH_ALGORITHMS, parseSignature } from './signature.js';

export class Keyring {
  private readonly byId = new Map<string, PublicKeyPacket[]>();
  private readonly byFingerprint = new Map<string, PublicKeyPacket>();
  /** Primary keys in the order they were added. */
  readonly primaries: PublicKeyPacket[] = [];

  add(key: PublicKeyPacket): void {
    if (!key.subkey) this.primaries.push(key);
    const f = hex(key.fingerprint);
    if (this.byFingerprint.has(f)) return;
    this.byFingerprint.set(f, key);
    const id = hex(key.keyId);
    const list = this.byId.get(id);
    if (list) list.push(key);
    else this.byId.set(id, [key]);
  }

  get size(): number {
    return this.byFingerprint.size;
  }

  lookupByFingerprint(fpr: Uint8Array): PublicKeyPacket | undefined {
    return this.byFingerprint.get(hex(fpr));
  }

  lookupById(id: Uint8Array): PublicKeyPacket | undefined {
    return this.byId.get(hex(id))?.[0];
  }

  /** All keys (primaries and subkeys). */
  keys(): IterableIterator<PublicKeyPacket> {
    return this.byFingerprint.values();
  }

  /** Add the keys of a binary OpenPGP key file (several keys allowed). */
  addBinary(data: Uint8Array): number {
    let primary: PublicKeyPacket | undefined;
    let added = 0;
    for (const packet of readPackets(data)) {
      switch (packet.tag) {
        case PacketTag.PublicKey: {
          primary = parsePublicKey(packet.body, false);
          if (primary) { this.add(primary); added++; }
          break;
        }
        case PacketTag.PublicSubkey: {
          // A subkey after a key version we cannot read belongs to nothing we keep.
          if (!primary) break;
          const sub = parsePublicKey(packet.body, true);
          if (sub) { sub.primary = primary; this.add(sub); added++; }
          break;
        }
        case PacketTag.Signature:
          checkKeySignature(packet.body);
          break;
        case PacketTag.UserID:
          if (!isUtf8(packet.body)) throw new OpenPGPError(`OpenPGP user ID packet at offset ${packet.offset} is not valid UTF-8`);
          break;
        case PacketTag.UserAttribute: case PacketTag.Trust: case PacketTag.OnePassSignature:
          break;
        default:
          throw new OpenPGPError(`unexpected OpenPGP ${tagName(packet.tag)} packet (type ${packet.tag}) at offset ${packet.offset}${packet.tag === PacketTag.SecretKey || packet.tag === PacketTag.SecretSubkey ? ': secret keys do not belong in a keyring' : ''}`);
      }
    }
    return added;
  }

  /** Add the keys of a key file, binary or ASCII-armored (only the first armored block is read). */
  addFile(data: Uint8Array): number {
    return this.addBinary(isArmored(data) ? dearmor(Buffer.from(data).toString('latin1')).data : data);
  }
}

/**
 * Guix reads every signature of a key file (binding and self-signatures) and fails to load the
 * keyring when one of version 3 or 4 is malformed; it does not check them.
 */
function checkKeySignature(body: Uint8Array): void {
  if (body[0] !== 3 && body[0] !== 4) return; // other versions: kept unread, as in Guix
  const sig = parseSignature(body);
  if (!HASH_ALGORITHMS[sig.hashAlgorithm]) throw new OpenPGPError(`OpenPGP signature: unknown hash algorithm ${sig.hashAlgorithm}`);
}

/**
 * Guix's test: armored when the first byte has bit 7 clear or does not read as the header of a
 * packet of type 1..19.
 */
export function isArmored(data: Uint8Array): boolean {
  if (data.length === 0) return false; // an empty file: no keys
  const b = data[0]!;
  if ((b & 0x80) === 0) return true;
  const tag = b & 0x40 ? b & 0x3f : (b >> 2) & 0x0f;
  return tag < 1 || tag > 19;
}
