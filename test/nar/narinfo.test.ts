// narinfo verdicts with Guix's rules (spec §3 and §6): signed prefix, required fields, the
// Signature field's format (unsigned when unusable), edits above vs below the Signature line,
// unauthorized/corrupt/invalid, and libgcrypt interop both ways.
import { describe, expect, it } from 'vitest';
import { test as fcTest, fc } from '@fast-check/vitest';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { keyPairFromSexp } from '../../src/crypto/index.js';
import { parseSexp } from '../../src/sexp/index.js';
import type { SexpList } from '../../src/sexp/model.js';
import { parseRecutils, parseSignatureField, signatureBase64, signNarinfo, verifyNarinfo } from '../../src/nar/narinfo.js';
import { oracle } from '../support/oracle.js';
import { scratch } from './helpers.js';
import { a1Pair, A1_PUBLIC, interopKeys, libgcryptKeys, writeVectorKey } from './keys.js';
import { A4_UNSIGNED } from './narinfo-fixtures.js';

const acl = (...keys: string[]): SexpList[] => keys.map((k) => parseSexp(k) as SexpList);
const A1_ACL = acl(A1_PUBLIC);
const URL = 'nar/gzip/0123456789abcdfghijklmnpqrsvwxyz-tree';
const signed = signNarinfo(A4_UNSIGNED, a1Pair(), 'example.org');
const sigLine = signed.split('\n').find((l) => l.startsWith('Signature:'))!;
const withSignature = (value: string): string => signed.replace(sigLine, `Signature: ${value}`);

describe('narinfo verdicts', () => {
  it('valid, with the host and signer', () => {
    const v = verifyNarinfo(signed, A1_ACL);
    expect(v).toMatchObject({ status: 'valid', host: 'example.org', storePath: '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-tree', url: URL });
    expect(v.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('edited above the Signature line: hash mismatch; below it: still valid', () => {
    const above = signed.replace('NarSize: 1072', 'NarSize: 1073');
    expect(verifyNarinfo(above, A1_ACL)).toMatchObject({ status: 'hash-mismatch', message: `hash mismatch for substitute at '${URL}'` });
    const below = signed.replace('FileSize: 321', 'FileSize: 4242').replace('Compression: gzip', 'Compression: zstd');
    expect(verifyNarinfo(below, A1_ACL).status).toBe('valid');
    // Only the first occurrence of "Signature:" counts; the text above must keep References.
    const refsBelow = signed.replace('References: \n', '').replace(`${sigLine}\n`, `${sigLine}\nReferences: \n`);
    expect(verifyNarinfo(refsBelow, A1_ACL)).toMatchObject({ status: 'unsigned', reason: "the text before 'Signature:' lacks References" });
    // Without References anywhere, Guix cannot read the narinfo at all.
    expect(verifyNarinfo(signed.replace('References: \n', ''), A1_ACL)).toMatchObject({ status: 'malformed', message: 'unusable narinfo: no References field (Guix cannot read a narinfo without one)' });
  });

  it('an unauthorized signer', () => {
    const other = libgcryptKeys().find((k) => k.label === 'ecdsa-p256')!;
    expect(verifyNarinfo(signed, acl(Buffer.from(other.public_key_file, 'hex').toString('latin1')))).toMatchObject({
      status: 'unauthorized',
      message: `substitute at '${URL}' is signed by an unauthorized party`,
    });
    expect(verifyNarinfo(signed, []).status).toBe('unauthorized');
  });

  it('corrupt (no public-key) and invalid (sig-val of another text) signatures', () => {
    const corrupt = signatureBase64(Buffer.from('(signature (data (flags rfc6979) (hash sha256 #00#)))\n'));
    expect(verifyNarinfo(withSignature(`1;h;${corrupt}`), A1_ACL)).toMatchObject({ status: 'corrupt', message: `corrupt signature for substitute at '${URL}'` });
    // Same data and key, r/s from another signature: the hash matches, the signature does not.
    const otherSigned = signNarinfo(A4_UNSIGNED.replace('NarSize: 1072', 'NarSize: 7'), a1Pair(), 'example.org');
    const text = (s: string): string => Buffer.from(s.split('\n').find((l) => l.startsWith('Signature:'))!.split(';')[2]!, 'base64').toString('utf8');
    const sigVal = (t: string): string => /\(sig-val[\s\S]*?\n  \)/.exec(t)![0];
    const forged = text(signed).replace(sigVal(text(signed)), sigVal(text(otherSigned)));
    expect(verifyNarinfo(withSignature(`1;example.org;${Buffer.from(forged, 'utf8').toString('base64')}`), A1_ACL)).toMatchObject({
      status: 'invalid',
      message: `invalid signature for substitute at '${URL}'`,
    });
  });

  it('a Signature field Guix cannot use makes the narinfo unsigned, with its message', () => {
    const b64 = sigLine.split(';')[2]!;
    const cases: [string, RegExp][] = [
      [`2;example.org;${b64}`, /unsupported signature version: 2/],
      [`x;example.org;${b64}`, /signature version must be a number: "x"/],
      [`1;${b64}`, /invalid format of the signature field/],
      [`1;a;b;${b64}`, /invalid format of the signature field/],
      ['1;example.org;not*base64', /not valid base64/],
    ];
    for (const [value, why] of cases) {
      const v = verifyNarinfo(withSignature(value), A1_ACL);
      expect(v.status).toBe('unsigned');
      expect(v.reason).toMatch(why);
    }
    expect(parseSignatureField(`1.0;h;${b64}`).version).toBe(1); // `1.0` passes, as in Guix
    expect(verifyNarinfo(A4_UNSIGNED, A1_ACL)).toMatchObject({ status: 'unsigned', reason: 'no Signature field' });
  });

  it('recutils reading: trailing space of "References: ", continuation, comments, unmatched line', () => {
    const r = parseRecutils('# comment\nA: 1\n+ more\nReferences: \nURL: u1\nURL: u2\nA: ignored\n\nAfter: blank\n');
    expect(r.fields.get('A')).toBe('1\nmore');
    expect(r.fields.get('References')).toBe('');
    expect(r.all.get('URL')).toEqual(['u1', 'u2']);
    expect(r.fields.has('After')).toBe(false);
    expect(() => parseRecutils('StorePath: x\n not a field\n')).toThrow(/unmatched line 2/);
    expect(verifyNarinfo('StorePath: x\n1bad\n', A1_ACL).status).toBe('malformed');
  });

  it('signing refuses a narinfo Guix would call unsigned, and keeps "References: " byte for byte', () => {
    const item = '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-x';
    expect(() => signNarinfo(`StorePath: ${item}\nURL: nar/x\nReferences: \n`, a1Pair(), 'h')).toThrow(/lack NarHash/);
    // Transport fields above the item's fields: the signature goes after the item's fields, so
    // they are signed too (an edit to them is a hash mismatch), and the narinfo is valid.
    const urlsFirst = `StorePath: ${item}\nURL: nar/x\nCompression: none\nNarHash: sha256:1r2djnkij7x037r2fjmvpqs0ajp7451jkba2az6n9mdxa5d8vir7\nNarSize: 1072\nReferences: \nURL: nar/gzip/x\nCompression: gzip\n`;
    const s2 = signNarinfo(urlsFirst, a1Pair(), 'h');
    expect(s2.split('\n').map((l) => l.split(':')[0])).toEqual(['StorePath', 'URL', 'Compression', 'NarHash', 'NarSize', 'References', 'Signature', 'URL', 'Compression', '']);
    expect(verifyNarinfo(s2, A1_ACL).status).toBe('valid');
    expect(verifyNarinfo(s2.replace('URL: nar/x', 'URL: evil/x'), A1_ACL).status).toBe('hash-mismatch');
    expect(signed).toContain('\nReferences: \n');
    expect(() => signNarinfo(A4_UNSIGNED, a1Pair(), 'bad;host')).toThrow(/invalid host name/);
  });
});

describe('narinfo interop with libgcrypt', () => {
  const d = scratch('narinfo-interop');
  for (const k of interopKeys()) {
    it(`${k.label}: a narinfo signed by libgcrypt verifies; ours verifies with libgcrypt and matches byte for byte`, () => {
      const { sec, pub, secFile, pubFile } = writeVectorKey(path.join(d, k.label), k);
      const prefix = A4_UNSIGNED.split('\n').slice(0, 5).join('\n') + '\n';
      const hash = createHash('sha256').update(prefix).digest('hex').toUpperCase();
      const theirs = oracle(['sign', secFile, pubFile, hash]);
      expect(theirs.status).toBe(0);
      const line = `Signature: 1;libgcrypt;${signatureBase64(theirs.stdout)}`;
      const text = A4_UNSIGNED.replace('URL:', `${line}\nURL:`);
      expect(verifyNarinfo(text, acl(pub.toString('latin1'))).status).toBe('valid');

      const ours = signNarinfo(A4_UNSIGNED, keyPairFromSexp(parseSexp(sec), parseSexp(pub)), 'libgcrypt');
      expect(ours).toBe(text);
      const b64 = ours.split('\n').find((l) => l.startsWith('Signature:'))!.split(';')[2]!;
      expect(oracle(['verify'], Buffer.from(Buffer.from(b64, 'base64').toString('utf8'), 'latin1')).stdout.toString()).toBe('ok\n');
    });
  }
});

describe('narinfo sign/verify, properties', () => {
  const base32 = fc.stringMatching(/^[0-9abcdfghijklmnpqrsvwxyz]{32}$/);
  const name = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,15}$/);
  const narinfo = fc.record({
    hash: base32,
    name,
    refs: fc.array(fc.tuple(base32, name).map(([h, n]) => `${h}-${n}`), { maxLength: 4 }),
    size: fc.nat(),
    deriver: fc.option(fc.tuple(base32, name).map(([h, n]) => `${h}-${n}.drv`), { nil: undefined }),
    urls: fc.array(fc.constantFrom('gzip', 'lzip', 'zstd', 'none'), { minLength: 1, maxLength: 3 }),
  }).map((r) => [
    `StorePath: /gnu/store/${r.hash}-${r.name}`,
    `NarHash: sha256:${r.hash}${r.hash.slice(0, 20)}`,
    `NarSize: ${r.size}`,
    `References: ${r.refs.join(' ')}`,
    ...(r.deriver ? [`Deriver: ${r.deriver}`] : []),
    ...r.urls.flatMap((c) => [`URL: nar/${c === 'none' ? '' : `${c}/`}${r.hash}-${r.name}`, `Compression: ${c}`, `FileSize: ${r.size + 1}`]),
  ].join('\n') + '\n');

  fcTest.prop([narinfo, fc.nat(), fc.string({ minLength: 1, maxLength: 3 })], { numRuns: 40 })(
    'signed narinfos verify; any change above the Signature line is a hash mismatch, below it is not',
    (text, where, extra) => {
      const signed = signNarinfo(text, a1Pair(), 'example.org');
      expect(verifyNarinfo(signed, A1_ACL).status).toBe('valid');
      const cut = signed.indexOf('Signature:');
      const at = where % cut;
      const above = signed.slice(0, at) + extra.replace(/[\n:]/g, 'x') + signed.slice(at);
      const v = verifyNarinfo(above, A1_ACL).status;
      expect(['hash-mismatch', 'unsigned', 'malformed']).toContain(v); // never valid
      const end = signed.indexOf('\n', cut) + 1;
      const below = `${signed.slice(0, end)}FileHash: sha256:${extra.length}\n${signed.slice(end)}`;
      expect(verifyNarinfo(below, A1_ACL).status).toBe('valid');
    },
  );
});
