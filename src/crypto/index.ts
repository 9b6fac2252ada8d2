// Keys and signatures for guix-keytool: one interface for every algorithm Guix can sign with.
// ECDSA over Ed25519 (Guix's default), NIST P-256/384/521 and secp256k1, RSA PKCS#1 v1.5;
// signatures byte-identical to libgcrypt's. No CLI imports: the daemon helper loads this.
export { publicKeyFromSexp, keyPairFromSexp, warmUp, EDDSA_SIGN_ERROR, EDDSA_VERIFY_ERROR, type PublicKey, type KeyPair } from './keys.js';
export { hashData, signHash, checkSignature, keyType, type SignatureCheck } from './signature.js';
export { generateKeyPair, DEFAULT_GENKEY } from './generate.js';
export { loadKeyPair, publicKeyFileFor } from './load.js';
