// Keys and signatures for guix-keytool: one interface for every algorithm Guix can sign with.
// ECDSA over Ed25519 (Guix's default), NIST P-256/384/521 and secp256k1, RSA PKCS#1 v1.5;
// signatures byte-identical to libgcrypt 1.10.1's. No CLI imports: the daemon helper loads this.
//
// Modules: mpi (numbers as libgcrypt writes them), rfc6979 (libgcrypt's nonces), ecdsa (the
// equations, once), ecdsa-ed25519 + ed25519-fast (Guix's default curve on precomputed tables),
// ecdsa-weierstrass (noble's NIST and secp256k1 curves), rsa (node:crypto's OpenSSL for the
// exponentiation, our own encoding checks), data (how libgcrypt reads `(data ...)`), curve-names
// (libgcrypt's curve names and equations), key-params + point-check (reading keys and every reason
// one is refused, without curve objects: checkPublicKey), keys (key S-expressions → PublicKey /
// KeyPair), signature (Guix's `(signature ...)`, checkSignature),
// generate (genkey parameters), load (key pairs from files).
//
// Decisions where libgcrypt or Guix left a choice (each pinned by a test in test/crypto/):
// - RSA: s ≥ n is refused (libgcrypt 1.10.1 reduces it and may accept; RFC 8017 requires s < n).
// - keyPairFromSexp checks that the public key belongs to the secret key (Guix would sign and
//   produce signatures that never verify).
// - Hash names in `(data ...)`: libgcrypt's common names and the SHA OIDs; an exotic name libgcrypt
//   knows but we do not makes the signature invalid rather than valid.
// - generateKeyPair does not make EdDSA, DSA or ElGamal keys (Guix cannot sign with the first,
//   keytool does not implement the others), nor RSA keys below 1024 bits.
// - DSA keys: hashData knows them (rfc6979, like guile-gcrypt); reading them is refused.
//
// Speed: `PublicKey.prepare()` marks a key that will verify many signatures (the helper's ACL
// keys); its table is built at its first verification. `warmUp()` builds the base-point table
// now (the helper's V8 snapshot calls it). Keys are cached by canonical form (64 most recent).
export { publicKeyFromSexp, keyPairFromSexp, forgetWarmUp, warmUp, type PublicKey, type KeyPair } from './keys.js';
export { EDDSA_SIGN_ERROR, EDDSA_VERIFY_ERROR } from './key-params.js';
export { hashData, signHash, checkSignature, keyType, type SignatureCheck } from './signature.js';
export { generateKeyPair, DEFAULT_GENKEY } from './generate.js';
export { loadKeyPair, publicKeyFileFor } from './load.js';
