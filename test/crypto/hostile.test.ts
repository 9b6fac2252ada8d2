// PublicKey.verify on garbage of every shape: false with a reason, never an exception (huge
// numbers are refused by their length before any conversion). (Semantic variants are compared with libgcrypt in oracle.test.ts.)
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSexp } from '../../src/crypto/index.js';
import { atom, findToken, list, parseSexp, type Sexp, type SexpList } from '../../src/sexp/index.js';
import { parseHex, vectorKey } from './fixtures.js';

const keys = ['ecdsa-ed25519', 'ecdsa-p256', 'ecdsa-p521', 'ecdsa-secp256k1', 'rsa-1024'].map((label) => {
  const k = vectorKey(label);
  const sig = parseHex(k.signatures[2]!.signature!);
  const find = (token: string) => findToken(sig, token)!;
  return { label, key: publicKeyFromSexp(parseHex(k.public_key_file)), data: find('data'), sigVal: find('sig-val') };
});

describe('verify returns false on malformed input', () => {
  const huge = new Uint8Array(1 << 20).fill(0xab);
  const zerosThenValid = (b: Uint8Array) => Uint8Array.from([...new Uint8Array(100), ...b]);
  for (const { label, key, data, sigVal } of keys) {
    const algo = label.startsWith('rsa') ? 'rsa' : 'ecdsa';
    it(`${label}: the real one verifies`, () => expect(key.verify(data, sigVal)).toBe(true));
    it.each<[string, Sexp]>([
      ['an empty sig-val', parseSexp('(sig-val)')],
      ['a sig-val with an atom for the algorithm', list('sig-val', atom(algo))],
      ['r and s as lists', parseSexp(`(sig-val (${algo} (r (x)) (s (y))))`)],
      ['empty r and s', parseSexp(`(sig-val (${algo} (r "") (s "")))`)],
      ['a 1 MiB r and s', list('sig-val', list(algo, list('r', atom(huge)), list('s', atom(huge))))],
      ['a signature of another algorithm', parseSexp(`(sig-val (${algo === 'rsa' ? 'ecdsa (r #01#) (s #01#)' : 'rsa (s #01#)'}))`)],
    ])(`${label}: %s`, (_name, bad) => {
      expect(key.verify(data, bad as SexpList)).toBe(false);
      expect(key.problem(data, bad as SexpList)).toEqual(expect.any(String));
    });
    it(`${label}: garbage data lists`, () => {
      for (const d of ['(data)', '(data (flags rfc6979))', '(data (flags rfc6979) (hash sha256))', '(data (flags rfc6979) (hash (sha256) #00#))', '(data (flags (rfc6979)) (hash sha256 #00#))']) {
        expect(key.verify(parseSexp(d) as SexpList, sigVal)).toBe(false);
      }
    });
    if (algo === 'ecdsa') {
      it(`${label}: leading zero bytes in r do not matter (libgcrypt reads numbers)`, () => {
        const r = (sigVal.items[1] as SexpList).items[1] as SexpList;
        const s = (sigVal.items[1] as SexpList).items[2] as SexpList;
        const padded = list('sig-val', list('ecdsa', list('r', atom(zerosThenValid((r.items[1] as { bytes: Uint8Array }).bytes))), s));
        expect(key.verify(data, padded)).toBe(true);
      });
    }
  }

  test.prop([fc.constantFrom(...keys), fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 })], { numRuns: 300 })('random r and s never verify, never throw', ({ key, data }, r, s) => {
    expect(key.verify(data, list('sig-val', list('ecdsa', list('r', atom(r)), list('s', atom(s)))))).toBe(false);
    expect(key.verify(data, list('sig-val', list('rsa', list('s', atom(s)))))).toBe(false);
  });
});
