// The snapshot's warm-up (src/helper/warm-up.ts): a whole session per key type on throw-away
// keys, leaving nothing behind: no files, no cached keys.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSexp } from '../../src/crypto/index.js';
import { warmUpSession } from '../../src/helper/warm-up.js';
import { parseSexp } from '../../src/sexp/index.js';
import { loadVectors } from './vectors.js';

const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith('keytool-warm-up-'));

describe('warmUpSession', () => {
  it('signs and verifies with every key type, and removes its directory', () => {
    const before = leftovers();
    expect(() => warmUpSession()).not.toThrow();
    expect(leftovers()).toEqual(before);
  });

  it('leaves the key cache as it found it: a key read before is read afresh after', () => {
    const pub = Buffer.from(loadVectors().find((k) => k.label === 'ecdsa-p256')!.public_key_file, 'hex');
    const a = publicKeyFromSexp(parseSexp(pub));
    warmUpSession(['(genkey (ecdsa (curve "NIST P-256")))']);
    expect(publicKeyFromSexp(parseSexp(pub))).not.toBe(a);
  });

  it('throws when a reply is not a success (a broken build must not make a snapshot)', () => {
    expect(() => warmUpSession(['(genkey (dsa (nbits 4:1024)))'])).toThrow(/DSA/);
  });
});
