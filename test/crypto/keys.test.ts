// Reading keys: what is accepted (libgcrypt's names and encodings), what is refused and how the
// refusal reads; key pairs that do not belong together; loading pairs from files as Guix does.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSignature, keyPairFromSexp, loadKeyPair, publicKeyFromSexp, signHash } from '../../src/crypto/index.js';
import { KeytoolError } from '../../src/errors.js';
import { advancedString, parseSexp, printAdvanced } from '../../src/sexp/index.js';
import { TMP_ROOT } from '../support/oracle.js';
import { fromHex, latin1, vectorKey as key } from './fixtures.js';

const pubText = (label: string, i = 0) => latin1(fromHex(key(label, i).public_key_file));
const secText = (label: string, i = 0) => latin1(fromHex(key(label, i).secret_key_file));

describe('publicKeyFromSexp', () => {
  it.each([
    ['(private-key (ecc (curve Ed25519) (q #00#) (d #01#)))', /not a \(public-key \.\.\.\) S-expression \(it is a \(private-key/],
    ['(public-key)', /has no algorithm/],
    ['(public-key (foo (q #00#)))', /unknown algorithm 'foo'/],
    ['(public-key (dsa (p #01#) (q #01#) (g #01#) (y #01#)))', /DSA key, which keytool does not support/],
    ['(public-key (elg (p #01#) (g #01#) (y #01#)))', /ELG key/],
    ['(public-key (ecc (curve Foo) (q #00#)))', /unknown elliptic curve 'Foo'/],
    ['(public-key (ecc (curve ed25519) (q #00#)))', /unknown elliptic curve 'ed25519'/],
    ['(public-key (ecc (p #01#) (a #01#) (q #00#)))', /names no curve/],
    ['(public-key (ecc (curve Ed448) (q #00#)))', /Ed448 key, which libgcrypt uses only for EdDSA/],
    ['(public-key (ecc (curve Ed25519) (flags eddsa) (q #00#)))', /EdDSA keys \(\(flags eddsa\)\) cannot verify/],
    ['(public-key (ecc (curve Ed25519)))', /has no \(q \.\.\.\) parameter/],
    ['(public-key (ecc (curve Ed25519) (q #0102#)))', /q is not a valid point of the curve \(ECDSA\/Ed25519\)/],
    ['(public-key (ecc (curve "NIST P-256") (q #04AABB#)))', /q is not a valid point of the curve \(ECDSA\/NIST P-256\)/],
    ['(public-key (rsa (n #00C0#) (e #010001#)))', /RSA modulus n is not usable/],
    ['(public-key (rsa (e #010001#)))', /has no \(n \.\.\.\) parameter/],
  ])('refuses %s', (text, message) => {
    const call = () => publicKeyFromSexp(parseSexp(text));
    expect(call).toThrow(KeytoolError);
    expect(call).toThrow(message);
  });

  it('refuses what is not a list', () => {
    expect(() => publicKeyFromSexp({ type: 'atom', bytes: new Uint8Array() })).toThrow(KeytoolError);
  });

  it.each([
    ['ecdsa-p256', ['nistp256', 'prime256v1', 'secp256r1', '1.2.840.10045.3.1.7']],
    ['ecdsa-p384', ['nistp384', 'secp384r1']],
    ['ecdsa-p521', ['nistp521', 'secp521r1']],
    ['ecdsa-ed25519', ['1.3.6.1.4.1.11591.15.1']],
  ] as const)('knows libgcrypt\'s aliases of %s', (label, aliases) => {
    const sig = latin1(fromHex(key(label).signatures[3]!.signature!));
    for (const alias of aliases) {
      const renamed = parseSexp(sig.replace(/\(curve [^)]+\)/, `(curve "${alias}")`));
      expect(checkSignature(renamed, () => true).status).toBe('valid');
      expect(publicKeyFromSexp(parseSexp(pubText(label).replace(/\(curve [^)]+\)/, `(curve "${alias}")`))).kind).toBe(label);
    }
  });

  it('reads (public-key (ecdsa ...)) and a q with libgcrypt\'s 0x40 prefix', () => {
    const t = pubText('ecdsa-ed25519').replace('(ecc', '(ecdsa').replace('(q #', '(q #40');
    expect(publicKeyFromSexp(parseSexp(t)).kind).toBe('ecdsa-ed25519');
  });

  it('returns the same object for the same key (tables are kept)', () => {
    const a = publicKeyFromSexp(parseSexp(pubText('ecdsa-ed25519')));
    const b = publicKeyFromSexp(parseSexp(pubText('ecdsa-ed25519').replace('(curve Ed25519)', '(curve "Ed25519")')));
    expect(b).toBe(a);
    a.prepare();
    a.prepare();
  });
});

describe('keyPairFromSexp', () => {
  it('refuses a public key of another pair', () => {
    expect(() => keyPairFromSexp(parseSexp(secText('ecdsa-ed25519', 0)), parseSexp(pubText('ecdsa-ed25519', 1)))).toThrow(/does not match the secret key/);
    expect(() => keyPairFromSexp(parseSexp(secText('rsa-1024')), parseSexp(pubText('rsa-2048')))).toThrow(/does not match the secret key/);
    expect(() => keyPairFromSexp(parseSexp(secText('ecdsa-p256')), parseSexp(pubText('ecdsa-ed25519')))).toThrow(/does not match the secret key/);
  });

  it.each([
    ['a public key as the secret', () => keyPairFromSexp(parseSexp(pubText('ecdsa-ed25519')), parseSexp(pubText('ecdsa-ed25519'))), /not a \(private-key/],
    ['no d', () => keyPairFromSexp(parseSexp(secText('ecdsa-ed25519').replace(/\(d #[0-9A-F]+#\)/, '')), parseSexp(pubText('ecdsa-ed25519'))), /no \(d \.\.\.\)/],
    ['d = 0', () => keyPairFromSexp(parseSexp(secText('ecdsa-ed25519').replace(/\(d #[0-9A-F]+#\)/, '(d #00#)')), parseSexp(pubText('ecdsa-ed25519'))), /d is not usable/],
    ['RSA p·q ≠ n', () => keyPairFromSexp(parseSexp(secText('rsa-1024').replace(/\(p #00CC/, '(p #00CD')), parseSexp(pubText('rsa-1024'))), /p·q ≠ n/],
    ['the EdDSA pair', () => keyPairFromSexp(parseSexp(secText('eddsa-ed25519')), parseSexp(pubText('eddsa-ed25519'))), /^EdDSA keys cannot sign Guix's data \(libgcrypt: Invalid object\); use an ECDSA key such as `\(genkey \(ecdsa \(curve Ed25519\) \(flags rfc6979\)\)\)`$/],
  ])('refuses %s', (_name, call, message) => {
    expect(call).toThrow(KeytoolError);
    expect(call).toThrow(message);
  });
});

describe('loadKeyPair', () => {
  const dir = path.join(TMP_ROOT, `crypto-load-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'signing-key.sec'), fromHex(key('ecdsa-ed25519').secret_key_file));
  writeFileSync(path.join(dir, 'signing-key.pub'), fromHex(key('ecdsa-ed25519').public_key_file));
  writeFileSync(path.join(dir, 'lonely.sec'), fromHex(key('ecdsa-ed25519').secret_key_file));
  writeFileSync(path.join(dir, 'pgp.sec'), '-----BEGIN PGP PRIVATE KEY BLOCK-----\n');
  writeFileSync(path.join(dir, 'pgp.pub'), fromHex(key('ecdsa-ed25519').public_key_file));

  it('reads X.sec and X.pub and signs as libgcrypt does', () => {
    const pair = loadKeyPair(path.join(dir, 'signing-key.sec'));
    const s = key('ecdsa-ed25519').signatures[0]!;
    expect(latin1(printAdvanced(signHash(pair, fromHex(s.hash))))).toBe(latin1(fromHex(s.signature!)));
  });

  it.each([
    ['lonely.sec', /^failed to load key pair at '.*lonely\.sec': cannot read the public key .*lonely\.pub: no such file or directory$/],
    ['missing.sec', /^failed to load key pair at '.*missing\.sec': cannot read the secret key .*missing\.sec: no such file or directory$/],
    ['pgp.sec', /^failed to load key pair at '.*pgp\.sec': .*pgp\.sec is not an S-expression/],
  ])('explains %s', (name, message) => {
    expect(() => loadKeyPair(path.join(dir, name))).toThrow(message);
  });

  it('says a secret key file ends in .sec, whatever the name (not `gar.pub` for `garbage`)', () => {
    expect(() => loadKeyPair('a')).toThrow(/a secret key file's name ends in \.sec/);
    expect(() => loadKeyPair('garbage')).toThrow(/^failed to load key pair at 'garbage': a secret key file's name ends in \.sec/);
  });

  it('names the problem in the key, not just the file', () => {
    writeFileSync(path.join(dir, 'ed.sec'), fromHex(key('eddsa-ed25519').secret_key_file));
    writeFileSync(path.join(dir, 'ed.pub'), fromHex(key('eddsa-ed25519').public_key_file));
    expect(() => loadKeyPair(path.join(dir, 'ed.sec'))).toThrow(/ed\.sec': EdDSA keys cannot sign/);
    expect(advancedString(parseSexp('(a)'))).toBe('(a)\n');
  });
});
