// The keys channel-authentication tests sign with, made once per test file in one key store.
import { TestRepo, type TestKey } from './repo.js';

export interface Cast {
  /** The repository holding the key store: others share its GNUPGHOME; clean it up last. */
  keys: TestRepo;
  alice: TestKey;
  bob: TestKey;
  /** RSA-2048. */
  carol: TestKey;
  /** Never on any keyring. */
  dave: TestKey;
  /** Signs with a subkey. */
  erin: TestKey;
}

/** Alice, Bob and Dave (Ed25519), Carol (RSA-2048) and Erin (Ed25519 with a signing subkey). */
export function makeCast(name = 'keys'): Cast {
  const keys = TestRepo.create(name);
  return {
    keys,
    alice: keys.genKey('Alice', 'ed25519'),
    bob: keys.genKey('Bob', 'ed25519'),
    carol: keys.genKey('Carol', 'rsa2048'),
    dave: keys.genKey('Dave', 'ed25519'),
    erin: keys.genKey('Erin', 'ed25519', { signingSubkey: true }),
  };
}
