// narinfo reading against hostile input (an audit's findings): every pattern linear in the input,
// messages that quote a bounded excerpt, bytes that were never signed never `valid` (strict UTF-8,
// as Guix's read-narinfo), store paths checked as Guix's substituter and daemon use them, and Guix's
// line reading (LF only, values trimmed on the left only, CRLF refused with a message).
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { signHash } from '../../src/crypto/index.js';
import { printAdvanced, parseSexp } from '../../src/sexp/index.js';
import type { SexpList } from '../../src/sexp/model.js';
import { decodeNarinfo, parseRecutils, parseSignatureField, signatureBase64, signNarinfo, verifyNarinfo } from '../../src/nar/narinfo.js';
import { a1Pair, A1_PUBLIC } from './keys.js';
import { A4_UNSIGNED } from './narinfo-fixtures.js';

const A1_ACL = [parseSexp(A1_PUBLIC) as SexpList];
const ITEM = '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-tree';
/** A4 signed as publish would (the first five lines). */
const signed = signNarinfo(A4_UNSIGNED, a1Pair(), 'example.org');
const sigLine = signed.split('\n').find((l) => l.startsWith('Signature:'))!;
const b64 = sigLine.split(';')[2]!;

/** `prefix` signed with A.1 whatever it holds (signNarinfo refuses what these tests need to forge). */
function forge(prefix: string | Uint8Array, tail = 'URL: nar/x\n'): Buffer {
  const bytes = typeof prefix === 'string' ? Buffer.from(prefix, 'utf8') : Buffer.from(prefix);
  const sig = printAdvanced(signHash(a1Pair(), new Uint8Array(createHash('sha256').update(bytes).digest())));
  return Buffer.concat([bytes, Buffer.from(`Signature: 1;h;${signatureBase64(sig)}\n${tail}`, 'utf8')]);
}
const prefixOf = (text: string): string => text.slice(0, text.indexOf('Signature:'));

/** Run `f` and return how long it took, in milliseconds. */
function timed(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

// Quadratic behaviour at these sizes takes tens of seconds; linear code, milliseconds.
const N = 200_000;
const BOUND_MS = 2_000;
/** An error message quotes at most an excerpt: a few hundred characters whatever the input. */
const MAX_MESSAGE = 600;

describe('hostile input: every pattern is linear, every message bounded', () => {
  const cases: [string, string][] = [
    ['a Signature version of many digits ending in x', `1${'1'.repeat(N)}x;h;${b64}`],
    ['a Signature version of digits, a dot and digits ending in x', `${'1'.repeat(N)}.${'1'.repeat(N)}x;h;${b64}`],
    ['a Signature version with a long exponent ending in x', `1e${'1'.repeat(N)}x;h;${b64}`],
    ['a base64 part of valid characters ending in *', `1;h;${'A'.repeat(N)}*`],
    ['a base64 part of padding', `1;h;${'='.repeat(N)}`],
    ['many ; separated parts', `1${';'.repeat(N)}`],
    ['a huge host', `1;${'h'.repeat(N)};${b64}x`],
    ['a long signature text that is not ISO-8859-1', `1;h;${Buffer.from(`${'a'.repeat(N)}\u0100`).toString('base64')}`],
  ];
  for (const [what, value] of cases) {
    it(`${what}: unsigned, fast, and quoted in part only`, () => {
      const text = signed.replace(sigLine, `Signature: ${value}`);
      let v: ReturnType<typeof verifyNarinfo> | undefined;
      expect(timed(() => (v = verifyNarinfo(text, A1_ACL)))).toBeLessThan(BOUND_MS);
      expect(v!.status).toBe('unsigned');
      expect(v!.message.length).toBeLessThan(MAX_MESSAGE);
    });
  }

  it('long lines of every kind read in linear time, with bounded messages', () => {
    const long = 'x'.repeat(N);
    const texts = [
      `${A4_UNSIGNED}${long}\n`, // unmatched line
      `${A4_UNSIGNED}A${long}\n`, // no colon
      `${A4_UNSIGNED}A:${' '.repeat(N)}x\n`, // a value after many spaces
      `${A4_UNSIGNED}+${long}\n`, // a long continuation
      `${A4_UNSIGNED}${'A: x\n'.repeat(N / 5)}`, // many fields
      `${'#\n'.repeat(N)}${A4_UNSIGNED}`, // many comments
      A4_UNSIGNED.replace('References: ', `References: ${'a '.repeat(N)}`), // many bad references
      A4_UNSIGNED.replace('References: ', `References: ${long}`), // one long reference
      A4_UNSIGNED.replace(ITEM, `${ITEM}${long}/x`), // a long StorePath with a slash
      A4_UNSIGNED.replace('Deriver: ', `Deriver: ${long}`),
      A4_UNSIGNED.replace('URL: ', `URL: ${long}\n${sigLine}\nURL: `).replace('Deriver', 'X'), // a long URL quoted in the message
      `${'\u00e9'.repeat(N)}: x\n`, // a non-ASCII field name
      `${A4_UNSIGNED}${long}\r\n`, // CRLF
    ];
    for (const text of texts) {
      let v: ReturnType<typeof verifyNarinfo> | undefined;
      expect(timed(() => (v = verifyNarinfo(text, A1_ACL)))).toBeLessThan(BOUND_MS);
      expect(v!.status).not.toBe('valid');
      expect(v!.message.length).toBeLessThan(MAX_MESSAGE);
      expect(`${v!.reason ?? ''}`.length).toBeLessThan(MAX_MESSAGE);
    }
    // And invalid UTF-8 late in a large file is located quickly.
    const bytes = Buffer.concat([Buffer.from(A4_UNSIGNED), Buffer.alloc(N, 0x41), Buffer.from([0xff])]);
    let v: ReturnType<typeof verifyNarinfo> | undefined;
    expect(timed(() => (v = verifyNarinfo(bytes, A1_ACL)))).toBeLessThan(BOUND_MS);
    expect(v!.message).toMatch(`not valid UTF-8 at byte ${A4_UNSIGNED.length + N} (line 9)`);
  });

  it('signing refuses a huge host name quickly, quoting an excerpt', () => {
    let err: unknown;
    expect(timed(() => {
      try {
        signNarinfo(A4_UNSIGNED, a1Pair(), `${'h'.repeat(N)};`);
      } catch (e) {
        err = e;
      }
    })).toBeLessThan(BOUND_MS);
    expect((err as Error).message).toMatch(/invalid host name/);
    expect((err as Error).message.length).toBeLessThan(MAX_MESSAGE);
    expect(() => signNarinfo(A4_UNSIGNED, a1Pair(), 'a\x1bb')).toThrow('invalid host name for the signature: "a\\x1bb"');
  });
});

describe('bytes that were never signed never verify (strict UTF-8, as Guix)', () => {
  // A signed U+FFFD (EF BF BD), as a lenient decoder would produce for FF or FE.
  const withFffd = forge(A4_UNSIGNED.slice(0, prefixOf(signed).length).replace('tree\nNarHash', 'tree\nX-Note: \ufffd\nNarHash'));

  it('the signed text verifies as sent; FF or FE in place of EF BF BD is malformed, not valid', () => {
    expect(verifyNarinfo(withFffd, A1_ACL).status).toBe('valid');
    const at = withFffd.indexOf(Buffer.from('\ufffd'));
    for (const b of [0xff, 0xfe]) {
      const swapped = Buffer.concat([withFffd.subarray(0, at), Buffer.from([b]), withFffd.subarray(at + 3)]);
      expect(verifyNarinfo(swapped, A1_ACL)).toMatchObject({ status: 'malformed', message: expect.stringContaining(`not valid UTF-8 at byte ${at} (line 2)`) });
    }
  });

  it('invalid UTF-8 anywhere refuses the whole narinfo, as read-narinfo does (also below the Signature line)', () => {
    const bad = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];
    for (const seq of bad) {
      const bytes = Buffer.concat([Buffer.from(signed), Buffer.from('FileHash: '), Buffer.from(seq), Buffer.from('\n')]);
      expect(verifyNarinfo(bytes, A1_ACL).status).toBe('malformed');
      expect(() => decodeNarinfo(bytes)).toThrow(`not valid UTF-8 at byte ${signed.length + 10} (line 10)`);
    }
    // Well-formed text decodes unchanged, a byte-order mark and U+FFFE included (Guile keeps both).
    const fine = Buffer.from('\ufeffA: \ufffe\ufffd\u{10ffff}\n');
    expect(Buffer.from(decodeNarinfo(fine), 'utf8').equals(fine)).toBe(true);
  });

  it('a byte-order mark before the signature text is kept, so the signature is no S-expression (unsigned)', () => {
    const text = Buffer.from(b64, 'base64');
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]).toString('base64');
    expect(() => parseSignatureField(`1;h;${withBom}`)).toThrow(/not a valid s-expression: "\\ufeff\(signature/);
    expect(verifyNarinfo(signed.replace(b64, withBom), A1_ACL).status).toBe('unsigned');
  });

  it('signing keeps every byte of the text (non-ASCII, U+FFFD) and signs them as they are', () => {
    const text = A4_UNSIGNED.replace('FileSize: 321', 'FileSize: 321\nX-Note: caf\u00e9 \ufffd \u{1f600}').replace('tree\nNarHash', 'tree\nX-Name: \u00fc\ufffd\nNarHash');
    const out = signNarinfo(decodeNarinfo(Buffer.from(text)), a1Pair(), 'h');
    const line = out.split('\n').find((l) => l.startsWith('Signature:'))!;
    expect(Buffer.from(out.replace(`${line}\n`, '')).equals(Buffer.from(text))).toBe(true);
    expect(verifyNarinfo(Buffer.from(out), A1_ACL).status).toBe('valid');
  });
});

describe('the store item: StorePath, References and Deriver as Guix uses them', () => {
  const prefix = prefixOf(signed);
  const hostile: [string, string, RegExp][] = [
    ['StorePath climbing out of the store', prefix.replace(ITEM, '/gnu/store/../../etc/passwd'), /StorePath "\/gnu\/store\/..\/..\/etc\/passwd" is not in the store \/gnu\/store/],
    ['StorePath outside the store', prefix.replace(ITEM, '/etc/passwd'), /StorePath "\/etc\/passwd" is not in the store/],
    ['StorePath the store itself', prefix.replace(ITEM, '/gnu/store/..'), /StorePath "\/gnu\/store\/\.\." is not a valid store file name/],
    ['StorePath without a hash', prefix.replace(ITEM, '/gnu/store/tree'), /is not a valid store file name \(expected \/gnu\/store\/<32 Nix base32 characters>-<name>\)/],
    ['StorePath with a trailing space (Guix keeps it: values are trimmed on the left only)', prefix.replace(ITEM, `${ITEM} `), /StorePath ".*-tree " is not a valid store file name/],
    ['a reference climbing out', prefix.replace('References: ', 'References: zyxwvsrqpnmlkjihgfdcba9876543210-dep ../../etc'), /reference "\/gnu\/store\/..\/..\/etc" is not in the store/],
    ['a reference that is no store name', prefix.replace('References: ', 'References: passwd'), /reference "\/gnu\/store\/passwd" is not a valid store file name/],
    ['a Deriver climbing out', prefix.replace('Deriver: zyxwvsrqpnmlkjihgfdcba9876543210-tree.drv', 'Deriver: ../../etc/x.drv'), /Deriver "\/gnu\/store\/..\/..\/etc\/x.drv" is not in the store/],
    ['a StorePath with an escape sequence', prefix.replace(ITEM, '/gnu/store/\x1b[2J'), /StorePath "\/gnu\/store\/\\x1b\[2J" is not a valid store file name/],
  ];
  for (const [what, p, why] of hostile) {
    it(`${what}: validly signed, yet malformed; signing refuses it`, () => {
      const v = verifyNarinfo(forge(p), A1_ACL);
      expect(v.status).toBe('malformed');
      expect(v.message).toMatch(why);
      expect(v.message).not.toMatch(/\x1b/);
      expect(() => signNarinfo(`${p}URL: nar/x\n`, a1Pair(), 'h')).toThrow(why);
    });
  }

  it('the exact StorePath is kept for --json; good references and an empty Deriver pass', () => {
    expect(verifyNarinfo(forge(prefix.replace(ITEM, '/gnu/store/\x1bx')), A1_ACL).storePath).toBe('/gnu/store/\x1bx');
    const fine = prefix.replace('References: ', 'References: zyxwvsrqpnmlkjihgfdcba9876543210-dep  0123456789abcdfghijklmnpqrsvwxyz-tree').replace(/Deriver: .*\n/, 'Deriver: \n');
    expect(verifyNarinfo(forge(fine), A1_ACL).status).toBe('valid');
  });

  it('the store directory is the one given ($NIX_STORE_DIR by default)', () => {
    expect(verifyNarinfo(signed, A1_ACL, 'n', '/gnu/store').status).toBe('valid');
    expect(verifyNarinfo(signed, A1_ACL, 'n', '/other/store')).toMatchObject({ status: 'malformed', message: expect.stringContaining('is not in the store /other/store') });
    const other = A4_UNSIGNED.replace('/gnu/store/', '/other/store/');
    expect(verifyNarinfo(signNarinfo(other, a1Pair(), 'h', '/other/store'), A1_ACL, 'n', '/other/store').status).toBe('valid');
  });
});

describe("Guix's line reading", () => {
  it('CRLF line endings are refused with a message that says so (Guix keeps the CR in each value)', () => {
    const crlf = signed.replace(/\n/g, '\r\n');
    const v = verifyNarinfo(forge(prefixOf(crlf), 'URL: nar/x\r\n'), A1_ACL);
    expect(v).toMatchObject({ status: 'malformed', message: expect.stringContaining('line 1 ends with a carriage return (CRLF line endings)') });
    expect(() => signNarinfo(A4_UNSIGNED.replace(/\n/g, '\r\n'), a1Pair(), 'h')).toThrow(/CRLF line endings.*convert the file to LF line endings/);
    // A CR inside a line is part of the value, as in Guix: here it makes the StorePath no store name.
    expect(verifyNarinfo(A4_UNSIGNED.replace('tree\nNarHash', 'tree\rNarHash'), A1_ACL).message).toMatch(/StorePath ".*-tree\\rNarHash: sha256:.*" is not a valid store file name/);
  });

  it('a line of spaces is an unmatched line, not a blank line; only an empty line ends the record', () => {
    expect(verifyNarinfo(`${A4_UNSIGNED} \nX: y\n`, A1_ACL)).toMatchObject({ status: 'malformed', message: 'cannot read narinfo: unmatched line 9: " "' });
    expect(parseRecutils('A: x\n\nB: y\n').fields.has('B')).toBe(false);
  });

  it('values are trimmed on the left only, with Guile\'s whitespace set', () => {
    const r = parseRecutils('A: \u00a0\u2003x \t\nB:\ufeffy\n');
    expect(r.fields.get('A')).toBe('x \t');
    expect(r.fields.get('B')).toBe('\ufeffy'); // not whitespace to Guile, unlike JavaScript's trim
  });

  it('a field name must start with an ASCII letter or %', () => {
    expect(() => parseRecutils('\u00c9: x\n')).toThrow(`unmatched line 1: "\u00c9: x" (a field name starts with an ASCII letter or '%')`);
    expect(() => parseRecutils('\ufeffStorePath: x\n')).toThrow(/unmatched line 1/);
    expect(parseRecutils('%rec: x\n').fields.get('%rec')).toBe('x');
  });

  it('the Signature field is read as it stands: no trailing space in the version or the base64', () => {
    expect(verifyNarinfo(signed.replace(sigLine, `${sigLine} `), A1_ACL)).toMatchObject({ status: 'unsigned', reason: expect.stringMatching(/not valid base64/) });
    expect(verifyNarinfo(signed.replace('Signature: 1;', 'Signature: 1 ;'), A1_ACL)).toMatchObject({ status: 'unsigned', reason: 'signature version must be a number: "1 "' });
    for (const v of ['+1', '1.', '1.0', '.1e1', '10e-1', '1E0']) expect(parseSignatureField(`${v};h;${b64}`).version).toBe(1);
    for (const v of ['', '.', 'e1', '1e', '0x1', 'Infinity', '1_0', ' 1']) expect(() => parseSignatureField(`${v};h;${b64}`)).toThrow(/signature version must be a number/);
  });
});

describe('what narinfo sign writes, narinfo verify finds valid (found by the fuzzer)', () => {
  it('replacing a Signature field drops every continuation line of it', () => {
    const old = A4_UNSIGNED.replace(/\n$/, '\nSignature: 1;old;AAAA\n+BBBB\n+CCCC\n');
    const out = signNarinfo(old, a1Pair(), 'h');
    expect(out).not.toMatch(/^\+/m);
    expect(verifyNarinfo(out, A1_ACL, 'n').status).toBe('valid');
  });
  it('a comment line inside the replaced Signature field does not end it (the long fuzz run found it)', () => {
    const old = A4_UNSIGNED.replace(/\n$/, '\nSignature: 1;old;AAAA\n# a comment\n+BBBB\n');
    const out = signNarinfo(old, a1Pair(), 'h');
    expect(out).not.toMatch(/^\+/m);
    expect(out).toContain('\n# a comment\n');
    expect(verifyNarinfo(out, A1_ACL, 'n').status).toBe('valid');
  });
  it('signs inside the record when an empty line ends it, keeping what follows as it was', () => {
    const item = A4_UNSIGNED.slice(0, A4_UNSIGNED.indexOf('URL:')); // no transport fields
    const out = signNarinfo(`# comment\n${item}\nafter the record\n`, a1Pair(), 'h');
    expect(out.indexOf('\nSignature: 1;h;')).toBeLessThan(out.indexOf('\n\n'));
    expect(out.endsWith('\n\nafter the record\n')).toBe(true);
    expect(verifyNarinfo(out, A1_ACL, 'n').status).toBe('valid');
  });
});
