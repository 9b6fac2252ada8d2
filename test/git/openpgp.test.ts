// The OpenPGP subset: armor (CRC-24), packets, v4 keys and subkeys, signature subpackets, and
// verification of signatures made by gpg (Ed25519, RSA, DSA; SHA-1/256/512) and in-process.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  armor, crc24, dearmor, encodePacket, hex, isArmored, Keyring, OpenPGPError, readSignature,
  signatureDigest, verifySignature, formatFingerprint,
} from '../../src/git/openpgp/index.js';
import { makeEd25519Signer } from '../../src/git/openpgp/sign.js';
import { TestRepo, type TestKey } from './support/repo.js';

let home: TestRepo;
let ed: TestKey, rsa: TestKey, dsa: TestKey, sub: TestKey;
const keyring = new Keyring();

beforeAll(() => {
  home = TestRepo.create('openpgp');
  ed = home.genKey('Ed', 'ed25519');
  rsa = home.genKey('Rsa', 'rsa2048');
  dsa = home.genKey('Dsa', 'dsa2048');
  sub = home.genKey('Sub', 'ed25519', { signingSubkey: true });
  for (const k of [ed, rsa, dsa, sub]) keyring.addFile(Buffer.from(home.exportKey(k, true) as string, 'latin1'));
});

afterAll(() => home.cleanup());

/** A detached armored signature made by gpg. */
function gpgSign(key: TestKey, data: string, digest = 'SHA256'): string {
  const file = path.join(home.root, 'data');
  writeFileSync(file, data);
  return execFileSync('gpg', ['--batch', '--digest-algo', digest, '--local-user', key.signing === key.primary ? `${key.primary}!` : key.primary, '--armor', '--detach-sign', '--output', '-', file], { env: home.env, encoding: 'utf8' });
}

describe('ASCII armor', () => {
  it('computes CRC-24 (RFC 4880 §6.1; check value of "123456789")', () => {
    expect(crc24(new Uint8Array())).toBe(0xb704ce);
    expect(crc24(Buffer.from('123456789'))).toBe(0x21cf02);
  });

  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      expect(Buffer.from(dearmor(armor('PGP SIGNATURE', data)).data).equals(Buffer.from(data))).toBe(true);
    }));
  });

  it('refuses a wrong CRC, a missing CRC and a truncated armor', () => {
    const text = armor('PGP SIGNATURE', Buffer.from('some signature bytes here'));
    const lines = text.split('\n');
    const crcIndex = lines.findIndex((l) => l.startsWith('='));
    const badCrc = [...lines];
    badCrc[crcIndex] = badCrc[crcIndex] === '=AAAA' ? '=AAAB' : '=AAAA';
    expect(() => dearmor(badCrc.join('\n'))).toThrow(/CRC-24 mismatch/);
    const flipped = [...lines];
    flipped[2] = flipped[2]!.startsWith('c') ? `d${flipped[2]!.slice(1)}` : `c${flipped[2]!.slice(1)}`;
    expect(() => dearmor(flipped.join('\n'))).toThrow(/CRC-24 mismatch/);
    expect(() => dearmor(lines.filter((_, i) => i !== crcIndex).join('\n'))).toThrow(/missing CRC-24 line/);
    expect(() => dearmor(lines.slice(0, crcIndex + 1).join('\n'))).toThrow(/missing "-----END PGP SIGNATURE-----"/);
    expect(() => dearmor('hello')).toThrow(/BEGIN/);
  });

  it('reads gpg armor with headers', () => {
    const withHeader = armor('PGP SIGNATURE', Buffer.from('abc')).replace('-----\n\n', '-----\nComment: hi\nVersion: x\n\n');
    expect(dearmor(withHeader).headers).toEqual([['Comment', 'hi'], ['Version', 'x']]);
  });
});

describe('keys and keyring', () => {
  it('computes v4 fingerprints and key IDs as gpg does, for primaries and subkeys', () => {
    for (const k of [ed, rsa, dsa]) {
      const key = keyring.lookupByFingerprint(Buffer.from(k.primary, 'hex'))!;
      expect(hex(key.fingerprint).toUpperCase()).toBe(k.primary);
      expect(keyring.lookupById(Buffer.from(k.primary.slice(-16), 'hex'))).toBe(key);
    }
    const s = keyring.lookupById(Buffer.from(sub.signing.slice(-16), 'hex'))!;
    expect(hex(s.fingerprint).toUpperCase()).toBe(sub.signing);
    expect(s.subkey).toBe(true);
    expect(hex(s.primary!.fingerprint).toUpperCase()).toBe(sub.primary);
  });

  it('reads binary key files holding several keys, and tells armored from binary', () => {
    const both = Buffer.concat([home.exportKey(ed, false) as Buffer, home.exportKey(rsa, false) as Buffer]);
    expect(isArmored(both)).toBe(false);
    expect(isArmored(Buffer.from('-----BEGIN'))).toBe(true);
    const k = new Keyring();
    k.addFile(both);
    expect(k.primaries.map((p) => hex(p.fingerprint).toUpperCase())).toEqual([ed.primary, rsa.primary]);
  });

  it('refuses secret keys and truncated packets with clear errors', () => {
    const secret = execFileSync('gpg', ['--batch', '--export-secret-keys', ed.primary], { env: home.env });
    expect(() => new Keyring().addFile(secret)).toThrow(/secret key packet.*secret keys do not belong in a keyring/);
    const pub = home.exportKey(ed, false) as Buffer;
    expect(() => new Keyring().addFile(pub.subarray(0, pub.length - 5))).toThrow(OpenPGPError);
  });

  it('keeps encryption subkeys (ECDH on Curve25519) as unusable for signing', () => {
    const uid = 'Full <full@example.org>';
    home.gpg(['--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never']);
    const primary = home.gpg(['--with-colons', '--list-keys', `=${uid}`]).split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]!;
    home.gpg(['--passphrase', '', '--quick-add-key', primary, 'cv25519', 'encr', 'never']);
    const fprs = home.gpg(['--with-colons', '--list-keys', `=${uid}`]).split('\n').filter((l) => l.startsWith('fpr:')).map((l) => l.split(':')[9]!);
    expect(fprs).toHaveLength(2);
    const k = new Keyring();
    k.addFile(execFileSync('gpg', ['--batch', '--export', '--armor', fprs[0]!], { env: home.env }));
    const encryption = k.lookupByFingerprint(Buffer.from(fprs[1]!, 'hex'))!;
    expect(encryption.material.kind).toBe('unsupported');
    expect(encryption.algorithm).toBe(18);
    expect(k.lookupByFingerprint(Buffer.from(fprs[0]!, 'hex'))!.material.kind).toBe('ed25519');
  });

  it('formats fingerprints as Guix does', () => {
    expect(formatFingerprint(Buffer.from('BBB02DDF2CEAF6A80D1DE643A2A06DF2A33A54FA', 'hex'))).toBe('BBB0 2DDF 2CEA F6A8 0D1D  E643 A2A0 6DF2 A33A 54FA');
  });
});

describe('signatures made by gpg', () => {
  const cases: [string, () => TestKey, string][] = [
    ['Ed25519/SHA-512', () => ed, 'SHA512'], ['Ed25519/SHA-256', () => ed, 'SHA256'],
    ['RSA/SHA-256', () => rsa, 'SHA256'], ['RSA/SHA-1', () => rsa, 'SHA1'], ['RSA/SHA-512', () => rsa, 'SHA512'],
    ['DSA/SHA-256', () => dsa, 'SHA256'], ['Ed25519 subkey/SHA-256', () => sub, 'SHA256'],
  ];
  for (const [name, key, digest] of cases) {
    it(`verifies ${name} and rejects altered data`, () => {
      const message = `tree 0123\nauthor someone\n\n${name} message\n`;
      const sig = readSignature(gpgSign(key(), message, digest));
      expect(sig.hashName).toBe(digest.toLowerCase());
      expect(sig.issuerFingerprint).toBeDefined();
      const signer = keyring.lookupByFingerprint(sig.issuerFingerprint!)!;
      expect(hex(signer.fingerprint).toUpperCase()).toBe(key().signing);
      expect(verifySignature(sig, signer, Buffer.from(message))).toBe(true);
      expect(verifySignature(sig, signer, Buffer.from(message.replace('message', 'massage')))).toBe(false);
      const other = keyring.lookupByFingerprint(Buffer.from((key() === ed ? rsa : ed).primary, 'hex'))!;
      expect(verifySignature(sig, other, Buffer.from(message))).toBe(false);
    });
  }

  it('Ed25519 signs the digest: noble agrees on the same bytes', () => {
    const message = 'noble cross-check\n';
    const sig = readSignature(gpgSign(ed, message, 'SHA256'));
    const key = keyring.lookupByFingerprint(sig.issuerFingerprint!)!;
    const digest = signatureDigest(sig, Buffer.from(message));
    const pad = (b: Uint8Array) => Buffer.concat([Buffer.alloc(32 - b.length), b]);
    const raw = Buffer.concat([pad(sig.values[0]!), pad(sig.values[1]!)]);
    expect(ed25519.verify(raw, digest, (key.material as { q: Uint8Array }).q)).toBe(true);
  });
});

describe('signature subpackets', () => {
  const signer = makeEd25519Signer();
  const k = new Keyring();
  k.addBinary(signer.publicKeyPacket);
  const msg = Buffer.from('data');

  it('finds the key by issuer fingerprint, or by key ID when there is no fingerprint', () => {
    const both = readSignature(signer.sign(msg));
    expect(hex(both.issuerFingerprint!)).toBe(hex(signer.publicKey.fingerprint));
    const idOnly = readSignature(signer.sign(msg, 'sha256', { issuerFingerprint: false }));
    expect(idOnly.issuerFingerprint).toBeUndefined();
    expect(k.lookupById(idOnly.issuerKeyId!)).toBe(k.lookupByFingerprint(signer.publicKey.fingerprint));
    expect(verifySignature(idOnly, k.lookupById(idOnly.issuerKeyId!)!, msg)).toBe(true);
  });

  it('refuses an issuer key ID that does not match the issuer fingerprint', () => {
    const bad = signer.sign(msg, 'sha256', { issuerKeyId: Buffer.alloc(8, 0xab) });
    expect(() => readSignature(bad)).toThrow(/issuer key ID ABABABABABABABAB does not match issuer fingerprint/);
  });

  it('refuses an unknown critical subpacket and ignores an unknown non-critical one', () => {
    expect(() => readSignature(signer.sign(msg, 'sha256', { extraHashed: Buffer.of(2, 0x80 | 100, 0) }))).toThrow(/unknown critical subpacket type 100/);
    const ok = readSignature(signer.sign(msg, 'sha256', { extraHashed: Buffer.of(2, 100, 0) }));
    expect(verifySignature(ok, k.lookupByFingerprint(signer.publicKey.fingerprint)!, msg)).toBe(true);
  });

  it('refuses something that is not a signature', () => {
    expect(() => readSignature(armor('PGP SIGNATURE', signer.publicKeyPacket))).toThrow(/expected an OpenPGP signature, found a public key packet/);
    expect(() => readSignature(encodePacket(2, Buffer.of(9, 0, 0)))).toThrow(/unsupported OpenPGP signature version 9/);
  });
});
