// generateKeyPair: libgcrypt's key layout (checked against what gcry_pk_genkey prints, with the
// numbers masked), its number conventions, and its refusals. Interop with libgcrypt itself is in
// oracle.test.ts (keys we make are read, signed with and verified by libgcrypt).
import { describe, expect, it } from 'vitest';
import { DEFAULT_GENKEY, generateKeyPair, keyPairFromSexp, publicKeyFromSexp } from '../../src/crypto/index.js';
import { bytesToBigInt, invert } from '../../src/crypto/mpi.js';
import { KeytoolError } from '../../src/errors.js';
import { advancedString, findToken, parseSexp, printAdvanced, type Sexp, type SexpList } from '../../src/sexp/index.js';
import { oracle } from '../support/oracle.js';

/** The advanced text with every hex number replaced by its length class. */
const shape = (text: string) => text.replace(/#([0-9A-F]+)#/g, (_m, h: string) => `#${h.startsWith('00') ? '00…' : '…'}#`);
const num = (s: Sexp, name: string): bigint => bytesToBigInt(((findToken(s, name) as SexpList).items[1] as { bytes: Uint8Array }).bytes);
const bytes = (s: Sexp, name: string): Uint8Array => ((findToken(s, name) as SexpList).items[1] as { bytes: Uint8Array }).bytes;

describe('generateKeyPair', () => {
  it.each([DEFAULT_GENKEY, '(genkey (ecdsa (curve "NIST P-256")))', '(genkey (ecdsa (curve secp256k1)))', '(genkey (ecdsa (curve "NIST P-521")))', '(genkey (rsa (nbits 4:1024)))'])(
    '%s: the same layout as gcry_pk_genkey',
    (params) => {
      const ours = generateKeyPair(parseSexp(params));
      const theirs = parseSexp(oracle(['genkey', params]).stdout);
      // Compare structure, names and which numbers carry a 00 sign byte (random, so only where both do).
      const strip = (t: string) => shape(t).replace(/#00…#/g, '#…#');
      expect(strip(advancedString(ours.publicKey))).toBe(strip(advancedString(findToken(theirs, 'public-key')!)));
      expect(strip(advancedString(ours.secretKey))).toBe(strip(advancedString(findToken(theirs, 'private-key')!)));
    },
  );

  it('default: ECDSA on Ed25519 with libgcrypt\'s clamped d (2^254 <= d < 2^255, d ≡ 0 mod 8)', () => {
    for (let i = 0; i < 20; i++) {
      const { publicKey, secretKey } = generateKeyPair();
      expect(publicKeyFromSexp(publicKey).kind).toBe('ecdsa-ed25519');
      const d = bytes(secretKey, 'd');
      expect(d.length).toBe(32);
      expect(d[0]! >> 6).toBe(1);
      expect(d[31]! & 7).toBe(0);
      expect(bytes(publicKey, 'q').length).toBe(32);
      keyPairFromSexp(secretKey, publicKey);
    }
    expect(advancedString(generateKeyPair().publicKey)).toMatch(/^\(public-key \n \(ecc \n  \(curve Ed25519\)\n  \(q #[0-9A-F]{64}#\)\n  \)\n \)\n$/);
  });

  it('NIST: q uncompressed, d in libgcrypt\'s signed form, curve by its canonical name', () => {
    for (const [params, name, len] of [
      ['(genkey (ecdsa (curve nistp256)))', 'NIST P-256', 65],
      ['(genkey (ecdsa (nbits 3:384)))', 'NIST P-384', 97],
      ['(genkey (ecc (curve secp521r1)))', 'NIST P-521', 133],
    ] as const) {
      const { publicKey, secretKey } = generateKeyPair(params);
      expect(advancedString(publicKey)).toContain(`(curve "${name}")`);
      expect(bytes(publicKey, 'q').length).toBe(len);
      expect(bytes(publicKey, 'q')[0]).toBe(4);
      const d = bytes(secretKey, 'd');
      expect(d[0] === 0 ? (d[1]! & 0x80) !== 0 : (d[0]! & 0x80) === 0).toBe(true);
      keyPairFromSexp(secretKey, publicKey);
    }
  });

  it('RSA: p < q, u = p⁻¹ mod q, d = e⁻¹ mod lcm(p−1, q−1), n with its 00 sign byte', () => {
    const { publicKey, secretKey } = generateKeyPair('(genkey (rsa (nbits 4:2048)))');
    const [n, e, d, p, q, u] = ['n', 'e', 'd', 'p', 'q', 'u'].map((x) => num(secretKey, x)) as [bigint, bigint, bigint, bigint, bigint, bigint];
    expect(p < q).toBe(true);
    expect(p * q).toBe(n);
    expect(e).toBe(65537n);
    expect(u).toBe(invert(p, q));
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
    expect((d * e) % (((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n))).toBe(1n);
    expect(bytes(publicKey, 'n').length).toBe(257);
    expect(bytes(publicKey, 'n')[0]).toBe(0);
    expect(publicKeyFromSexp(publicKey).description).toBe('RSA-2048');
    expect(advancedString(publicKey)).toMatch(/\(e #010001#\)/);
    keyPairFromSexp(secretKey, publicKey);
  });

  it('RSA with (rsa-use-e 1:3)', () => {
    const { publicKey } = generateKeyPair('(genkey (rsa (nbits 4:1024) (rsa-use-e 1:3)))');
    expect(num(publicKey, 'e')).toBe(3n);
  });

  it.each([
    ['(genkey (foo))', 'key generation failed: Invalid public key algorithm'],
    ['(foo (rsa (nbits 4:1024)))', /^key generation failed: Invalid object/],
    ['(genkey)', /^key generation failed: Missing item in object/],
    ['(genkey (ecdsa (curve Foo)))', /^key generation failed: Unknown elliptic curve 'Foo'/],
    ['(genkey (ecdsa))', /^key generation failed: Missing parameter/],
    ['(genkey (ecc (curve Ed25519) (flags eddsa)))', /EdDSA keys/],
    ['(genkey (eddsa (curve Ed25519)))', /EdDSA keys/],
    ['(genkey (ecdsa (curve Ed448)))', /Ed448/],
    ['(genkey (rsa))', /Missing parameter: \(nbits N\)/],
    ['(genkey (rsa (nbits 3:512)))', /RSA keys of 512 bits are not supported/],
    ['(genkey (rsa (nbits 3:abc)))', /Invalid value for nbits/],
    ['(genkey (dsa (nbits 4:1024)))', /DSA keys are not supported/],
  ])('%s: %s', (params, message) => {
    expect(() => generateKeyPair(params)).toThrow(KeytoolError);
    expect(() => generateKeyPair(params)).toThrow(message);
  });

  it('prints key files as Guix writes them (advanced form, no flags kept)', () => {
    const { secretKey } = generateKeyPair('(genkey (ecdsa (curve Ed25519) (flags rfc6979)))');
    expect(Buffer.from(printAdvanced(secretKey)).toString('latin1')).toMatch(/^\(private-key \n \(ecc \n  \(curve Ed25519\)\n  \(q #[0-9A-F]{64}#\)\n  \(d #[4-7][0-9A-F]{62}[08]#\)\n  \)\n \)\n$/);
  });
});
