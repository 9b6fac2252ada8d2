// findToken (libgcrypt's gcry_sexp_find_token order), nth, equality, hints.
import { describe, expect, it } from 'vitest';
import {
  advancedString,
  atom,
  findToken,
  list,
  nth,
  parseSexp,
  printAdvanced,
  printCanonical,
  sexpEqual,
  stripHints,
  type Sexp,
} from '../../src/sexp/index.js';

const text = (s: Sexp | undefined) => (s === undefined ? undefined : Buffer.from(printCanonical(s)).toString('latin1'));

describe('findToken', () => {
  const sig = parseSexp(
    '(signature (data (flags rfc6979) (hash sha256 #01#)) (sig-val (ecdsa (r #02#) (s #03#))) (public-key (ecc (curve Ed25519) (q #04#))))',
  );

  it('finds lists by head, depth first, pre-order', () => {
    expect(text(findToken(sig, 'data'))).toBe('(4:data(5:flags7:rfc6979)(4:hash6:sha2561:\x01))');
    expect(text(findToken(sig, 'q'))).toBe('(1:q1:\x04)');
    expect(text(findToken(sig, 'signature'))).toBe(text(sig)); // the whole expression counts
    expect(findToken(sig, 'rsa')).toBeUndefined();
    expect(findToken(sig, 'sha256')).toBeUndefined(); // an atom that heads no list
    expect(findToken(atom('data'), 'data')).toBeUndefined();
  });

  it('returns the first in pre-order: an outer match before a deeper, earlier-nested one', () => {
    const s = parseSexp('(top (a (x (b 1:1))) (b 1:2))');
    expect(text(findToken(s, 'b'))).toBe('(1:b1:1)');
    const t = parseSexp('(top (x (y (k 1:1))) (k 1:2))');
    expect(text(findToken(t, 'k'))).toBe('(1:k1:1)');
  });

  it('compares bytes (a Latin-1 string or bytes)', () => {
    const s = parseSexp('(a ("caf\xe9" 1:x))');
    expect(text(findToken(s, 'caf\xe9'))).toBe('(4:caf\xe91:x)');
    expect(text(findToken(s, Uint8Array.from([0x63, 0x61, 0x66, 0xe9])))).toBe('(4:caf\xe91:x)');
    expect(findToken(s, 'cafe')).toBeUndefined();
  });
});

describe('nth, sexpEqual, stripHints', () => {
  it('nth', () => {
    const s = parseSexp('(a (b) c)');
    expect(text(nth(s, 0))).toBe('1:a');
    expect(text(nth(s, 1))).toBe('(1:b)');
    expect(nth(s, 3)).toBeUndefined();
    expect(nth(atom('a'), 0)).toBeUndefined();
    expect(nth(undefined, 0)).toBeUndefined();
  });

  it('equality is structural over bytes, whatever the written form', () => {
    expect(sexpEqual(parseSexp('(curve "Ed25519")'), parseSexp('(5:curve7:Ed25519)'))).toBe(true);
    expect(sexpEqual(parseSexp('(q #00ff#)'), parseSexp('(q |AP8=|)'))).toBe(true);
    expect(sexpEqual(parseSexp('(a b)'), parseSexp('(a (b))'))).toBe(false);
    expect(sexpEqual(parseSexp('(a b)'), parseSexp('(a b c)'))).toBe(false);
    expect(sexpEqual(parseSexp('(a b)'), parseSexp('(a B)'))).toBe(false);
    expect(sexpEqual(atom('x', 'hint'), atom('x'))).toBe(true);
  });

  it('model hints print SPKI-style and strip away', () => {
    const s = list('a', atom('x', 'text/plain'));
    expect(text(s)).toBe('(1:a[10:text/plain]1:x)');
    expect(advancedString(s)).toBe('(a [text/plain]x)\n');
    expect(text(stripHints(s))).toBe('(1:a1:x)');
    // libgcrypt reads a hint as an ordinary atom, and so do we
    expect(text(parseSexp(printCanonical(s)))).toBe('(1:a10:text/plain1:x)');
  });

  it('advancedString is printAdvanced as Latin-1', () => {
    const s = parseSexp('(a "caf\xe9")');
    expect(advancedString(s)).toBe('(a "caf\xe9")\n');
    expect(Buffer.from(advancedString(s), 'latin1')).toEqual(Buffer.from(printAdvanced(s)));
  });
});
