// Signature texts are read as libgcrypt reads them (the real helper and guix substitute hand them
// to it): our S-expression reader's transport form {base64} is refused there, found by the
// real-Guix tier (test/real-guix/narinfo.test.ts, helper-differential.test.ts).
import { describe, expect, it } from 'vitest';
import { aclKeys } from '../../src/acl/acl.js';
import { signNarinfo, verifyNarinfo } from '../../src/nar/narinfo.js';
import { parseSexp, printCanonical, printTransport } from '../../src/sexp/index.js';
import { a1Pair, A1_PUBLIC, aclText } from './keys.js';

const NARINFO = `StorePath: /gnu/store/0123456789abcdfghijklmnpqrsvwxyz-hello
NarHash: sha256:0419pif2rvriijb8s48j2cnzyg7h2d87nhpvxxy41bfzgjwa9sxx
NarSize: 504
References: 
URL: nar/0123456789abcdfghijklmnpqrsvwxyz-hello
Compression: none
`;

/** The narinfo signed, with its signature text rewritten by `form`. */
function signedAs(form: (sig: Uint8Array) => Uint8Array): string {
  const signed = signNarinfo(NARINFO, a1Pair(), 'example.org');
  return signed.replace(/^(Signature: 1;example\.org;)(.*)$/m, (_, head: string, b64: string) => {
    const text = Buffer.from(Buffer.from(b64, 'base64').toString('utf8'), 'latin1');
    return head + Buffer.from(Buffer.from(form(text)).toString('latin1'), 'utf8').toString('base64');
  });
}

describe('narinfo signature texts in the forms libgcrypt reads', () => {
  const acl = aclKeys(parseSexp(aclText([A1_PUBLIC])));
  it('advanced and canonical: valid', () => {
    expect(verifyNarinfo(signedAs((s) => s), acl).status).toBe('valid');
    expect(verifyNarinfo(signedAs((s) => printCanonical(parseSexp(s))), acl).status).toBe('valid');
  });
  it('the transport form {base64}: refused, as guix substitute refuses it', () => {
    const verdict = verifyNarinfo(signedAs((s) => printTransport(parseSexp(s))), acl);
    expect(verdict.status).not.toBe('valid');
    expect(`${verdict.message} ${verdict.reason ?? ''}`).toContain('transport form');
  });
});
