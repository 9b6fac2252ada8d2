// The OpenPGP subset channel authentication needs (what Guix's guix/openpgp.scm reads).
export { OpenPGPError } from './errors.js';
export { armor, dearmor, crc24 } from './armor.js';
export { encodePacket } from './packets.js';
export { formatFingerprint, hex, type PublicKeyPacket } from './key.js';
export { readSignature, verifySignature, verifyJob, type VerifyJob, signatureDigest, HASH_ALGORITHMS, type SignaturePacket } from './signature.js';
export { Keyring, isArmored } from './keyring.js';
