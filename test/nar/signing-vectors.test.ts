// Spec appendix A.3 (export item: signed part, hash, r/s with the A.1 key) and A.4 (narinfo
// signature and its base64), reproduced byte for byte.
import { describe, expect, it } from 'vitest';
import { findToken, nth, parseSexp, printAdvanced } from '../../src/sexp/index.js';
import { isAtom } from '../../src/sexp/model.js';
import { signHash } from '../../src/crypto/index.js';
import { exportBundle, itemMetadata, BundleParser } from '../../src/nar/bundle.js';
import { signNarinfo, signatureBase64, verifyNarinfo } from '../../src/nar/narinfo.js';
import { collect, DEP, HELLO, helloFile, narOf, scratch, sha256hex } from './helpers.js';
import { a1Pair, A1_PUBLIC } from './keys.js';
import { A4_SIGNATURE_TEXT, A4_UNSIGNED } from './narinfo-fixtures.js';

const rs = (sigText: Uint8Array): [string, string] => {
  const sig = parseSexp(sigText);
  const get = (t: string): string => {
    const a = nth(findToken(sig, t)!, 1);
    return isAtom(a) ? Buffer.from(a.bytes).toString('hex').toUpperCase() : '';
  };
  return [get('r'), get('s')];
};

describe('appendix A.3: export item', () => {
  it('signed part is 264 bytes with the A.3 hash, metadata bytes as listed, r/s as libgcrypt made them', async () => {
    const file = helloFile(scratch('a3'));
    const nar = await narOf(file);
    const meta = itemMetadata({ storePath: HELLO, references: [DEP], deriver: '' });
    expect(Buffer.from(meta).toString('hex')).toBe(
      `4e49584500000000${'3100000000000000'}${Buffer.from(HELLO).toString('hex')}${'00'.repeat(7)}0100000000000000${'2f00000000000000'}${Buffer.from(DEP).toString('hex')}00${'0000000000000000'}`,
    );
    const signedPart = Buffer.concat([nar, meta]);
    expect(signedPart.length).toBe(264);
    expect(sha256hex(signedPart)).toBe('fa7394d49409cc5b827de9bf219099525aa9ea33f0ccdd6aca9179231b247501');

    const pair = a1Pair();
    const bundle = await collect(exportBundle([{ storePath: HELLO, references: [DEP], deriver: '', source: file }], (h) => printAdvanced(signHash(pair, h))));
    // marker, signed part, flag, signature, end marker
    expect(bundle.subarray(0, 8).equals(Buffer.from('0100000000000000', 'hex'))).toBe(true);
    expect(bundle.subarray(8, 272).equals(signedPart)).toBe(true);
    expect(bundle.subarray(bundle.length - 8).equals(Buffer.alloc(8))).toBe(true);
    const parser = new BundleParser();
    const items = parser.push(bundle).flatMap((e) => (e.type === 'item' ? [e.item] : []));
    expect(parser.end()).toBe(1);
    expect(items[0]!.storePath).toBe(HELLO);
    expect(items[0]!.references).toEqual([DEP]);
    expect(Buffer.from(items[0]!.hash).toString('hex')).toBe('fa7394d49409cc5b827de9bf219099525aa9ea33f0ccdd6aca9179231b247501');
    expect(rs(items[0]!.signature!)).toEqual([
      '07590D303E08ACC361776264277A61FAD011EB1AE9B28D25CBCFD1171516BD71',
      '08714D996DA6F6F58C323FBB7A99B4546B4D2A03729880E11C6EB11FE0738279',
    ]);
  });
});

describe('appendix A.4: narinfo signature', () => {
  it('signing the A.4 narinfo with the A.1 key gives exactly the A.4 Signature line, in place', () => {
    const signed = signNarinfo(A4_UNSIGNED, a1Pair(), 'example.org');
    const b64 = Buffer.from(A4_SIGNATURE_TEXT, 'latin1').toString('base64');
    expect(b64.startsWith('KHNpZ25hdHVyZSAKIChkYXRhIAogIChmbGFncyByZmM2OTc5KQog')).toBe(true);
    expect(b64.endsWith('CiAgICkKICApCiApCg==')).toBe(true);
    const lines = A4_UNSIGNED.split('\n');
    expect(signed).toBe([...lines.slice(0, 5), `Signature: 1;example.org;${b64}`, ...lines.slice(5)].join('\n'));
    expect(sha256hex(Buffer.from(lines.slice(0, 5).join('\n') + '\n'))).toBe('068bf518f909137d47f0c89ceb3b30ae4c107955872b59c7dab3afad022559b0');
  });

  it('the A.4 narinfo verifies against an ACL holding the A.1 key, and re-signing replaces the line', () => {
    const acl = [parseSexp(A1_PUBLIC)] as never;
    const signed = signNarinfo(A4_UNSIGNED, a1Pair(), 'example.org');
    const v = verifyNarinfo(signed, acl);
    expect(v.status).toBe('valid');
    expect(v.host).toBe('example.org');
    const again = signNarinfo(signed, a1Pair(), 'other.example');
    expect(again).toBe(signed.replace(';example.org;', ';other.example;'));
  });

  it('Latin-1 bytes >= 0xa1 in the signature text are UTF-8 encoded inside the base64', () => {
    const text = Buffer.from('(hash sha256 "caf\xe9")\n', 'latin1');
    expect(Buffer.from(signatureBase64(text), 'base64').toString('utf8')).toBe('(hash sha256 "café")\n');
  });
});
