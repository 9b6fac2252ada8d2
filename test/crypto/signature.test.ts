// checkSignature's statuses in Guix's order, hashData's key types, and the promise that no input
// makes checkSignature throw (property test over arbitrary S-expressions and mangled signatures).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { checkSignature, hashData, keyPairFromSexp, publicKeyFromSexp, signHash } from '../../src/crypto/index.js';
import { KeytoolError } from '../../src/errors.js';
import { advancedString, atom, list, parseSexp, printAdvanced, sexpEqual, type Sexp } from '../../src/sexp/index.js';
import { fromHex, latin1, parseHex, vectorKey } from './fixtures.js';
import { replaceList } from './mutations.js';

const ed = vectorKey('ecdsa-ed25519');
const edPub = parseHex(ed.public_key_file);
const edPair = keyPairFromSexp(parseHex(ed.secret_key_file), edPub);
const rsa = vectorKey('rsa-1024');
const rsaPub = parseHex(rsa.public_key_file);
const HASH = fromHex('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
const all = () => true;

describe('hashData', () => {
  it('uses rfc6979 for ecc keys and pkcs1 for rsa keys', () => {
    expect(advancedString(hashData(edPub, HASH))).toBe(advancedString(parseSexp(`(data (flags rfc6979) (hash sha256 #${Buffer.from(HASH).toString('hex')}#))`)));
    expect(advancedString(hashData(publicKeyFromSexp(rsaPub), HASH))).toMatch(/^\(data \n \(flags pkcs1\)\n \(hash sha256 #2CF24D/);
    expect(advancedString(hashData(parseSexp('(public-key (dsa (p 1:a)))'), HASH))).toMatch(/flags rfc6979/);
    expect(advancedString(hashData(parseSexp('(private-key (ecc (curve Ed25519)))'), HASH))).toMatch(/flags rfc6979/);
  });

  it.each(['(public-key (ecdsa (curve Ed25519)))', '(public-key (elg (p 1:a)))', '(public-key (eddsa))', '(foo (ecc))', '(public-key)', '(public-key abc)'])(
    'refuses %s as guile-gcrypt does (unknown key type)',
    (text) => {
      expect(() => hashData(parseSexp(text), HASH)).toThrow(KeytoolError);
      expect(() => hashData(parseSexp(text), HASH)).toThrow(/unknown key type/);
    },
  );
});

describe('signHash', () => {
  it('refuses a hash that is not 32 bytes', () => {
    expect(() => signHash(edPair, new Uint8Array(31))).toThrow(/expected 32 bytes/);
  });

  it('signs hashes whose bytes are all Latin-1 letters ("café"×8), which the real helper cannot verify', () => {
    const hash = Uint8Array.from(Buffer.from('café'.repeat(8), 'latin1'));
    const sig = signHash(edPair, hash);
    const text = printAdvanced(sig);
    expect(latin1(text)).toContain('(hash sha256 "cafécafécafécafécafécafécafécafé")');
    const check = checkSignature(parseSexp(text), all);
    expect(check.status).toBe('valid');
    expect(Buffer.from(check.hash!)).toEqual(Buffer.from(hash));
  });
});

describe('checkSignature: Guix order and statuses', () => {
  const good = parseHex(ed.signatures[0]!.signature!);

  it('valid, with the hash and the key', () => {
    const c = checkSignature(good, all);
    expect(c.status).toBe('valid');
    expect(Buffer.from(c.hash!).toString('hex')).toBe(ed.signatures[0]!.hash);
    expect(sexpEqual(c.publicKey!, edPub)).toBe(true);
  });

  it.each([
    ['5:wrong', 'a bare atom reads as ()'],
    ['()', 'empty'],
    ['(signature (data (flags rfc6979) (hash sha256 #00#)))', 'no public-key'],
    ['(signature (public-key (ecc (curve Ed25519) (q #00#))))', 'no data'],
  ])('corrupt: %s (%s)', (text) => {
    expect(checkSignature(parseSexp(text), all).status).toBe('corrupt');
  });

  it('corrupt comes before unauthorized', () => {
    let asked = false;
    expect(checkSignature(parseSexp('(signature (public-key (ecc)))'), () => (asked = true)).status).toBe('corrupt');
    expect(asked).toBe(false);
  });

  it('unauthorized comes before invalid, and names the key', () => {
    const noSigVal = parseSexp(advancedString(good).replace(/\(sig-val[\s\S]*?\n \(public-key/, '(public-key'));
    const c = checkSignature(noSigVal, (pub) => {
      expect(sexpEqual(pub, edPub)).toBe(true);
      return false;
    });
    expect(c.status).toBe('unauthorized');
    expect(sexpEqual(c.publicKey!, edPub)).toBe(true);
    expect(checkSignature(noSigVal, all)).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/sig-val/) });
  });

  it('invalid: a key nobody can use, with the reason', () => {
    const text = advancedString(good).replace(/\(q #[0-9A-F]+#\)/, '(q #0102#)');
    expect(checkSignature(parseSexp(text), all)).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/not a valid point/) });
    const dsa = advancedString(good).replace(/\(public-key[\s\S]*$/, '(public-key (dsa (p #01#) (q #01#) (g #01#) (y #01#))))');
    expect(checkSignature(parseSexp(dsa), all)).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/DSA/) });
  });

  it('invalid: the hash is what was signed, not what the daemon expects (the daemon compares)', () => {
    const other = advancedString(good).replace(/\(hash sha256 #([0-9A-F]{2})/, (_m, b: string) => `(hash sha256 #${b === '00' ? '01' : '00'}`);
    expect(checkSignature(parseSexp(other), all).status).toBe('invalid');
  });

  it('finds data, sig-val and public-key anywhere, depth first (libgcrypt find-token)', () => {
    const wrapped = list('outer', list('x', good));
    expect(checkSignature(wrapped, all).status).toBe('valid');
  });
});

// Arbitrary S-expressions made of the tokens a signature uses, and signatures with a part replaced.
const tokens = ['signature', 'data', 'flags', 'rfc6979', 'pkcs1', 'hash', 'sha256', 'sig-val', 'ecdsa', 'rsa', 'r', 's', 'public-key', 'ecc', 'curve', 'Ed25519', 'q', 'n', 'e', 'eddsa'];
const anyAtom = fc.oneof(fc.constantFrom(...tokens).map((t) => atom(t)), fc.uint8Array({ maxLength: 70 }).map((b) => atom(b)));
const { sexp } = fc.letrec<{ sexp: Sexp }>((tie) => ({
  sexp: fc.oneof({ depthSize: 'small', withCrossShrink: true }, anyAtom, fc.array(tie('sexp'), { maxLength: 5 }).map((items) => list(...items))),
}));

describe('checkSignature never throws', () => {
  test.prop([sexp], { numRuns: 400 })('on arbitrary S-expressions', (s) => {
    const c = checkSignature(s, all);
    expect(['corrupt', 'unauthorized', 'invalid', 'valid']).toContain(c.status);
    expect(c.status).not.toBe('valid');
  });

  const good = parseHex(ed.signatures[1]!.signature!);
  const slots = ['r', 's', 'q', 'hash', 'flags', 'curve', 'sig-val', 'ecdsa', 'data'];
  test.prop([fc.constantFrom(...slots), sexp], { numRuns: 400 })('on a real signature with one part replaced', (slot, replacement) => {
    const text = advancedString(good);
    const mangled = replaceList(good, slot, () => replacement);
    const c = checkSignature(mangled, all);
    expect(['corrupt', 'unauthorized', 'invalid', 'valid']).toContain(c.status);
    if (c.status === 'valid') expect(advancedString(mangled)).not.toBe('');
    expect(advancedString(good)).toBe(text); // not mutated
  });
});
