// Every signature of test/fixtures/signatures.json (libgcrypt 1.10.1, checked identical to the real
// `guix authenticate`): we make the same text byte for byte from the same key files, and accept it.
import { describe, expect, it } from 'vitest';
import { checkSignature, EDDSA_SIGN_ERROR, keyPairFromSexp, publicKeyFromSexp, signHash } from '../../src/crypto/index.js';
import { KeytoolError } from '../../src/errors.js';
import { advancedString, parseSexp, printAdvanced } from '../../src/sexp/index.js';
import { fromHex, latin1, parseHex, vectorKey, vectorKeys } from './fixtures.js';

const KINDS: Record<string, [string, RegExp]> = {
  'ecdsa-ed25519': ['ecdsa-ed25519', /^ECDSA\/Ed25519$/],
  'ecdsa-p256': ['ecdsa-p256', /^ECDSA\/NIST P-256$/],
  'ecdsa-p384': ['ecdsa-p384', /^ECDSA\/NIST P-384$/],
  'ecdsa-p521': ['ecdsa-p521', /^ECDSA\/NIST P-521$/],
  'ecdsa-secp256k1': ['ecdsa-secp256k1', /^ECDSA\/secp256k1$/],
  'rsa-1024': ['rsa', /^RSA-1024$/],
  'rsa-2048': ['rsa', /^RSA-2048$/],
  'rsa-4096': ['rsa', /^RSA-4096$/],
};

describe('libgcrypt signature vectors', () => {
  it('covers every kind', () => {
    expect(new Set(vectorKeys.map((k) => k.label))).toEqual(new Set([...Object.keys(KINDS), 'eddsa-ed25519']));
    expect(vectorKeys.filter((k) => k.label === 'ecdsa-ed25519').length).toBeGreaterThanOrEqual(6);
  });

  for (const [i, key] of vectorKeys.entries()) {
    if (key.label === 'eddsa-ed25519') continue;
    describe(`${key.label} #${i}`, () => {
      const pub = parseHex(key.public_key_file);
      const sec = parseHex(key.secret_key_file);

      it('reads the key files', () => {
        const k = publicKeyFromSexp(pub);
        expect(k.kind).toBe(KINDS[key.label]![0]);
        expect(k.description).toMatch(KINDS[key.label]![1]);
        // The files are libgcrypt's advanced printout: reading and printing is the identity.
        expect(latin1(printAdvanced(pub))).toBe(latin1(fromHex(key.public_key_file)));
      });

      it.each(key.signatures.map((s) => [s.hash, s] as const))('signs %s byte for byte and verifies', (_h, s) => {
        expect(s.verify).toBe('ok');
        const pair = keyPairFromSexp(sec, pub);
        const sig = signHash(pair, fromHex(s.hash));
        expect(latin1(printAdvanced(sig))).toBe(latin1(fromHex(s.signature!)));
        const check = checkSignature(parseHex(s.signature!), () => true);
        expect(check.reason).toBeUndefined();
        expect(check.status).toBe('valid');
        expect(Buffer.from(check.hash!).toString('hex')).toBe(s.hash);
      });
    });
  }

  it('refuses to sign with the EdDSA key, with the error libgcrypt gives behind a clear message', () => {
    const key = vectorKey('eddsa-ed25519');
    expect(key.signatures.every((s) => s.error === 'ERR Invalid object')).toBe(true);
    const call = () => keyPairFromSexp(parseHex(key.secret_key_file), parseHex(key.public_key_file));
    expect(call).toThrow(KeytoolError);
    expect(call).toThrow(EDDSA_SIGN_ERROR);
    expect(() => publicKeyFromSexp(parseHex(key.public_key_file))).toThrow(/EdDSA keys \(\(flags eddsa\)\) cannot verify/);
  });

  it('calls a signature made with an EdDSA key invalid, with the reason', () => {
    const ed = vectorKey('eddsa-ed25519');
    const good = vectorKey('ecdsa-ed25519').signatures[0]!;
    // A real ECDSA signature whose public key is swapped for the EdDSA one.
    const text = latin1(fromHex(good.signature!)).replace(/\(public-key[\s\S]*$/, `${latin1(fromHex(ed.public_key_file))})`);
    const check = checkSignature(parseSexp(text), () => true);
    expect(check.status).toBe('invalid');
    expect(check.reason).toMatch(/EdDSA/);
    expect(Buffer.from(check.hash!).toString('hex')).toBe(good.hash);
  });
});

describe('spec/guix-formats.md appendix A', () => {
  const pub = parseSexp('(public-key (ecc (curve Ed25519) (q #A667B2B55D3A515F5627025B3473EAA648F4D5DAD66D39BD0BECA99F04D46869#)))');
  const sec = parseSexp(
    '(private-key (ecc (curve Ed25519) (q #A667B2B55D3A515F5627025B3473EAA648F4D5DAD66D39BD0BECA99F04D46869#) (d #7F21FF505337A8FD19F7F75C4C0A5D360F841BD540786B93413C1A74F26835F0#)))',
  );
  const pair = keyPairFromSexp(sec, pub);
  const rs = (hash: string) => {
    const text = advancedString(signHash(pair, fromHex(hash)));
    return [/\(r #([0-9A-F]+)#\)/.exec(text)![1], /\(s #([0-9A-F]+)#\)/.exec(text)![1]];
  };

  it('A.1: sha256("hello")', () => {
    expect(rs('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824')).toEqual([
      '0474CFDCAFE729593D3D73B2D670710DB0190B29252B70E85ED15823A734F796',
      '05015DB2D035F7DEE662A134606712B9610D292613CF7E07231D137C5D52B4DA',
    ]);
  });

  it('A.3: the export item', () => {
    expect(rs('fa7394d49409cc5b827de9bf219099525aa9ea33f0ccdd6aca9179231b247501')).toEqual([
      '07590D303E08ACC361776264277A61FAD011EB1AE9B28D25CBCFD1171516BD71',
      '08714D996DA6F6F58C323FBB7A99B4546B4D2A03729880E11C6EB11FE0738279',
    ]);
  });

  it('A.4: the narinfo signature text, whole', () => {
    const expected = [
      '(signature ',
      ' (data ',
      '  (flags rfc6979)',
      '  (hash sha256 #068BF518F909137D47F0C89CEB3B30AE4C107955872B59C7DAB3AFAD022559B0#)',
      '  )',
      ' (sig-val ',
      '  (ecdsa ',
      '   (r #037F0E940F40A63C89BD9555E46643EA754E4B598C17251142559461AA78884E#)',
      '   (s #082993350C53D231316827F04614F22CF63E1368E53D07966133FE2DB00DBCC8#)',
      '   )',
      '  )',
      ' (public-key ',
      '  (ecc ',
      '   (curve Ed25519)',
      '   (q #A667B2B55D3A515F5627025B3473EAA648F4D5DAD66D39BD0BECA99F04D46869#)',
      '   )',
      '  )',
      ' )',
      '',
    ].join('\n');
    const text = advancedString(signHash(pair, fromHex('068bf518f909137d47f0c89ceb3b30ae4c107955872b59c7dab3afad022559b0')));
    expect(text).toBe(expected);
    expect(Buffer.from(text, 'latin1').toString('base64')).toMatch(/^KHNpZ25hdHVyZSAKIChkYXRhIAogIChmbGFncyByZmM2OTc5KQog.*CiAgICkKICApCiApCg==$/);
  });
});
