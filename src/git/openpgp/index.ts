// The OpenPGP subset channel authentication needs (what Guix's guix/openpgp.scm reads).
export { OpenPGPError } from './errors.js';
export { armor, dearmor, crc24, type Armored } from './armor.js';
export { readPackets, encodePacket, encodeMpi, PacketTag, type Packet } from './packets.js';
export { parsePublicKey, keyObject, formatFingerprint, hex, algorithmName, PublicKeyAlgorithm, type PublicKeyPacket, type KeyMaterial } from './key.js';
export { parseSignature, readSignature, verifySignature, signatureDigest, HASH_ALGORITHMS, type SignaturePacket } from './signature.js';
export { Keyring, isArmored } from './keyring.js';
