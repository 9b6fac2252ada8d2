// Differential tests against libgcrypt itself (gcry-oracle on Debian's libgcrypt 1.10.1):
// every variant of a valid signature in test/crypto/mutations.ts gets the same yes/no from our
// checkSignature as from gcry_pk_verify; keys we generate are libgcrypt's keys in every respect.
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { describe, expect, it } from 'vitest';
import { checkSignature, generateKeyPair, keyPairFromSexp, signHash } from '../../src/crypto/index.js';
import { parseSexp, printAdvanced } from '../../src/sexp/index.js';
import { oracle, TMP_ROOT } from '../support/oracle.js';
import { fromHex, latin1, parseHex, vectorKey } from './fixtures.js';
import { ecdsaMutations, rsaMutations } from './mutations.js';

const rsaModulus = (label: string): bigint =>
  BigInt('0x' + /\(n #([0-9A-F]+)#/.exec(latin1(fromHex(vectorKey(label).public_key_file)))![1]);

/** Where we knowingly differ from libgcrypt 1.10.1, and why. */
const DEVIATIONS: Record<string, string> = {
  // libgcrypt reduces s mod n without checking it; PKCS#1 (RFC 8017 §8.2.2) requires s < n.
  'rsa-1024 s + n': 'invalid',
  'rsa-2048 s + n': 'invalid',
};

const CASES = [
  ['ecdsa-ed25519', ecdsaMutations(ed25519.Point.Fn.ORDER)],
  ['ecdsa-p256', ecdsaMutations(p256.Point.Fn.ORDER)],
  ['ecdsa-p384', ecdsaMutations(p384.Point.Fn.ORDER)],
  ['ecdsa-p521', ecdsaMutations(p521.Point.Fn.ORDER)],
  ['ecdsa-secp256k1', ecdsaMutations(secp256k1.Point.Fn.ORDER)],
  ['rsa-1024', rsaMutations(rsaModulus('rsa-1024'))],
  ['rsa-2048', rsaMutations(rsaModulus('rsa-2048'))],
] as const;

describe('verification agrees with gcry_pk_verify on hostile variants', () => {
  for (const [label, mutations] of CASES) {
    const key = vectorKey(label);
    // The second signature: the first ones are over special hashes ("café"×8, zeros, ...).
    const sig = parseHex(key.signatures[5]!.signature!);
    it.each(Object.entries(mutations))(`${label}: %s`, (name, mutate) => {
      const text = printAdvanced(mutate(sig));
      const theirs = oracle(['verify'], text).stdout.toString('latin1').trim();
      const ours = checkSignature(parseSexp(text), () => true);
      const deviation = DEVIATIONS[`${label} ${name}`];
      if (deviation) {
        expect(theirs).toBe('ok');
        expect(ours.status).toBe(deviation);
        return;
      }
      expect({ valid: ours.status === 'valid', reason: ours.reason }).toMatchObject({ valid: theirs === 'ok' });
      if (name === 'original') expect(theirs).toBe('ok');
    });
  }

  it('found both answers among the variants', () => {
    // Guards against a broken oracle that says "ok" (or an error) to everything.
    const key = vectorKey('ecdsa-ed25519');
    const sig = parseHex(key.signatures[5]!.signature!);
    const m = ecdsaMutations(ed25519.Point.Fn.ORDER);
    expect(oracle(['verify'], printAdvanced(m['original']!(sig))).stdout.toString().trim()).toBe('ok');
    expect(oracle(['verify'], printAdvanced(m['r + 1']!(sig))).stdout.toString().trim()).toMatch(/^ERR/);
  });
});

describe('generated keys are libgcrypt keys', () => {
  const dir = path.join(TMP_ROOT, `crypto-gen-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const hashes = ['2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', '636166e9636166e9636166e9636166e9636166e9636166e9636166e9636166e9', '00000000000000000000000000000000000000000000000000000000000000ff'];
  const params = [
    '(genkey (ecdsa (curve Ed25519) (flags rfc6979)))',
    '(genkey (ecdsa (curve "NIST P-256")))',
    '(genkey (ecdsa (curve nistp256)))',
    '(genkey (ecdsa (curve "NIST P-384")))',
    '(genkey (ecdsa (curve "NIST P-521")))',
    '(genkey (ecdsa (curve secp256k1)))',
    '(genkey (rsa (nbits 4:1024)))',
    '(genkey (rsa (nbits 4:2048)))',
  ];
  it.each(params.flatMap((p) => [[p, 0], [p, 1]] as const))('%s (key %i): the oracle signs as we do, each verifies the other', (p, i) => {
    const { publicKey, secretKey } = generateKeyPair(parseSexp(p));
    const base = path.join(dir, `k${params.indexOf(p)}-${i}`);
    writeFileSync(`${base}.pub`, printAdvanced(publicKey));
    writeFileSync(`${base}.sec`, printAdvanced(secretKey));
    const pair = keyPairFromSexp(secretKey, publicKey);
    for (const h of hashes) {
      const theirs = oracle(['sign', `${base}.sec`, `${base}.pub`, h]);
      expect(theirs.status, theirs.stdout.toString()).toBe(0);
      const ours = printAdvanced(signHash(pair, fromHex(h)));
      expect(latin1(ours)).toBe(latin1(theirs.stdout));
      expect(checkSignature(parseSexp(theirs.stdout), () => true).status).toBe('valid');
      expect(oracle(['verify'], ours).stdout.toString().trim()).toBe('ok');
    }
  });
});
