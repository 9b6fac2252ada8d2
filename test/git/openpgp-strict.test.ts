// What Guix's guix/openpgp.scm refuses, refused here too: packets before the signature of a commit,
// armor without its blank line, subpackets too short for their fields, keyring packets it cannot
// read. Messages say what is wrong and quote only an excerpt of the input; the regular
// expressions stay linear on long input.
import { describe, expect, it } from 'vitest';
import { armor, dearmor, encodePacket, Keyring, readSignature, verifySignature } from '../../src/git/openpgp/index.js';
import { makeEd25519Signer } from '../../src/git/openpgp/sign.js';
import { timed } from './support/timed.js';

const signer = makeEd25519Signer();
const message = Buffer.from('tree 0123\n\nmessage\n');
const signature = signer.sign(message);
const packet = dearmor(signature).data;
const marker = encodePacket(10, Buffer.from('PGP'));
const trust = encodePacket(12, Buffer.of(0, 0));
const onePass = encodePacket(4, Buffer.of(3, 0, 10, 22, ...signer.publicKey.keyId, 1));

describe('commit signatures: the signature is the first packet', () => {
  it('verifies the plain signature, even with packets after it (Guix never reads them)', () => {
    const key = signer.publicKey;
    expect(verifySignature(readSignature(signature), key, message)).toBe(true);
    expect(verifySignature(readSignature(armor('PGP SIGNATURE', Buffer.concat([packet, marker]))), key, message)).toBe(true);
  });

  it('refuses marker packets (one or a thousand), trust and one-pass packets before it', () => {
    const before = (...p: Uint8Array[]) => armor('PGP SIGNATURE', Buffer.concat([...p, packet]));
    expect(() => readSignature(before(marker))).toThrow('expected an OpenPGP signature, found a marker packet (type 10); the signature must be the first packet');
    expect(() => readSignature(before(...Array<Uint8Array>(1000).fill(marker)))).toThrow(/found a marker packet/);
    expect(() => readSignature(before(trust))).toThrow(/found a trust packet \(type 12\)/);
    expect(() => readSignature(before(onePass))).toThrow(/found a one-pass signature packet \(type 4\)/);
    expect(() => readSignature(Buffer.concat([marker, packet]))).toThrow(/found a marker packet/);
  });

  it('says what is wrong with an empty or unknown issuer fingerprint subpacket', () => {
    expect(() => readSignature(signer.sign(message, 'sha256', { issuerFingerprint: false, extraHashed: Buffer.of(1, 33) })))
      .toThrow('OpenPGP signature: empty issuer fingerprint subpacket (no key version, no fingerprint)');
    expect(() => readSignature(signer.sign(message, 'sha256', { issuerFingerprint: false, extraHashed: Buffer.of(2, 33, 7) })))
      .toThrow('OpenPGP signature: issuer fingerprint of unknown key version 7 (only versions 4 and 5 are known)');
  });

  it('refuses known subpackets too short for their fields, as Guix does', () => {
    expect(() => readSignature(signer.sign(message, 'sha256', { extraHashed: Buffer.of(3, 2, 0, 0) })))
      .toThrow('OpenPGP signature: signature creation time subpacket of 2 bytes (expected at least 4)');
    expect(() => readSignature(signer.sign(message, 'sha256', { extraHashed: Buffer.of(1, 7) }))).toThrow(/revocable subpacket of 0 bytes/);
    expect(() => readSignature(signer.sign(message, 'sha256', { extraHashed: Buffer.of(9, 20, 0x80, 0, 0, 0, 0, 9, 0, 0) }))).toThrow(/notation data subpacket of 8 bytes announces 17/);
    expect(() => readSignature(signer.sign(message, 'sha256', { extraHashed: Buffer.of(3, 21, 8, 99) }))).toThrow(/unknown hash algorithm 99/);
    expect(readSignature(signer.sign(message, 'sha256', { extraHashed: Buffer.of(3, 21, 8, 10) })).hashName).toBe('sha256');
  });
});

describe('ASCII armor, read as Guix reads it', () => {
  const text = armor('PGP SIGNATURE', packet);

  it('requires the blank line after the BEGIN line and its headers', () => {
    expect(() => dearmor(text.replace('-----\n\n', '-----\n'))).toThrow('ASCII armor: no blank line after the "-----BEGIN PGP SIGNATURE-----" line and its headers');
    expect(() => readSignature(text.replace('-----\n\n', '-----\nComment: x\n'))).toThrow(/no blank line/);
    // A blank line after END: what came before it were all "headers", and the END line is gone.
    expect(() => dearmor(`${text.replace('-----\n\n', '-----\n')}\n`)).toThrow(/missing "-----END PGP SIGNATURE-----" line/);
  });

  it('skips header lines whatever they hold, as Guix does', () => {
    expect(dearmor(text.replace('-----\n\n', '-----\nComment: hi\nnot a header\n \t\n')).data).toEqual(packet);
  });

  it('requires the BEGIN line first', () => {
    expect(() => dearmor(`\n${text}`)).toThrow('ASCII armor: the first line must be "-----BEGIN ...-----", not ""');
    expect(() => dearmor(`junk\n${text}`)).toThrow(/not "junk"/);
  });

  it('quotes bounded excerpts and stays linear on long lines', () => {
    const long = 'A'.repeat(5_000_000);
    for (const [input, pattern] of [
      [`${long}!`, /the first line must be/],
      [text.replace('-----\n\n', `-----\n${long}:\n${long}\n\n${long}!\n`), /invalid base64 line "A{40}… \(5000001 characters\)"/],
      [text.replace(/=[^\n]*\n-----END/, `=${long}\n-----END`), /malformed CRC-24 line "=A{39}… \(5000001 characters\)"/],
    ] as const) {
      let caught = '';
      timed(() => { try { dearmor(input); } catch (e) { caught = (e as Error).message; } });
      expect(caught).toMatch(pattern);
      expect(caught.length).toBeLessThan(200);
    }
  });
});

describe('keyring files, read as Guix reads them', () => {
  const key = signer.publicKeyPacket;
  const userId = (b: Uint8Array) => encodePacket(13, b);

  it('reads an empty file as no keys, and keeps trust and one-pass packets', () => {
    expect(new Keyring().addFile(new Uint8Array())).toBe(0);
    expect(new Keyring().addFile(Buffer.concat([key, trust, onePass, userId(Buffer.from('Ann <ann@example.org>'))]))).toBe(1);
  });

  it('refuses marker packets, user IDs that are not UTF-8, EdDSA keys on unknown curves and unreadable signatures', () => {
    expect(() => new Keyring().addFile(Buffer.concat([key, marker]))).toThrow(/unexpected OpenPGP marker packet \(type 10\)/);
    expect(() => new Keyring().addFile(Buffer.concat([key, userId(Buffer.of(0x41, 0xff))]))).toThrow(/user ID packet at offset \d+ is not valid UTF-8/);
    const ed448 = Buffer.concat([Buffer.of(4, 0, 0, 0, 0, 22, 3, 0x2b, 0x65, 0x71, 0, 8, 0x40)]);
    expect(() => new Keyring().addFile(encodePacket(6, ed448))).toThrow('OpenPGP EdDSA key on an unknown curve (OID 2b6571): only Ed25519 and Curve25519 can be read');
    const unknownHash = encodePacket(2, Buffer.of(4, 0x13, 22, 99, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1));
    expect(() => new Keyring().addFile(Buffer.concat([key, unknownHash]))).toThrow('OpenPGP signature: unknown hash algorithm 99');
    const v5 = encodePacket(2, Buffer.of(5, 0x13, 22, 99));
    expect(new Keyring().addFile(Buffer.concat([key, v5]))).toBe(1);
  });
});
