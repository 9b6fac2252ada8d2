// The OpenPGP subset channel authentication needs (what Guix's guix/openpgp.scm reads).
export { OpenPGPError } from './errors.js';
export { armor, dearmor, crc24, type Armored } from './armor.js';
export { readPackets, encodePacket, encodeMpi, PacketTag, type Packet } from './packets.js';
export { parsePublicKey, keyObject, keySpec, createKeyObject, formatFingerprint, hex, algorithmName, PublicKeyAlgorithm, type PublicKeyPacket, type KeyMaterial } from './key.js';
export { parseSignature, readSignature, verifySignature, verifyJob, runVerifyJob, type VerifyJob, signatureDigest, HASH_ALGORITHMS, type SignaturePacket } from './signature.js';
export { Keyring, isArmored } from './keyring.js';
