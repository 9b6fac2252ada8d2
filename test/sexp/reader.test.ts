// The reader, construct by construct: what each form reads to, each error's code, offset and
// wording, the libgcrypt quirks we keep, the ones we do not, and the limits.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  parseSexp,
  printCanonical,
  SexpError,
  SexpReader,
  type SexpLimits,
} from '../../src/sexp/index.js';

const canon = (input: string | Uint8Array, limits?: SexpLimits): string =>
  Buffer.from(printCanonical(parseSexp(input, limits))).toString('latin1');

function error(input: string | Uint8Array, limits?: SexpLimits): SexpError {
  try {
    parseSexp(input, limits);
  } catch (e) {
    if (e instanceof SexpError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(input)}`);
}
const codeAt = (input: string, limits?: SexpLimits) => {
  const e = error(input, limits);
  return [e.code, e.offset];
};
const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

describe('atoms', () => {
  it('tokens, length-prefixed, quoted, hex, base64', () => {
    expect(canon('(a x.y/z:w _u* +- - =)')).toBe('(1:a7:x.y/z:w3:_u*2:+-1:-1:=)');
    expect(canon('(3:abcd 2:())')).toBe('(3:abc1:d2:())');
    expect(canon('(a "hello world" #00 ff# |YWJj|)')).toBe('(1:a11:hello world2:\x00\xff3:abc)');
    expect(canon('(a1"b"#63#|ZA==|e)')).toBe('(2:a11:b1:c1:d1:e)');
  });

  it('every escape of quoted strings', () => {
    expect(canon('("\\b\\t\\v\\n\\f\\r\\"\\\'\\\\")')).toBe('(9:\b\t\v\n\f\r"\'\\)');
    expect(canon('("\\101\\x41\\xaF\\377\\400")')).toBe('(5:AA\xaf\xff\x00)');
    // a backslash before CR, LF, CR LF or LF CR continues the line; a second equal one stays
    expect(canon('("a\\\nb" "a\\\r\nb" "a\\\n\rb" "a\\\rb" "a\\\n\nb" "a\\\r\rb")')).toBe('(2:ab2:ab2:ab2:ab3:a\nb3:a\rb)');
  });

  it('a length before a quoted, hex or base64 atom is ignored, as libgcrypt does', () => {
    expect(canon('(2"abc" 9#6162# 1|YWJj|)')).toBe('(3:abc2:ab3:abc)');
  });

  it('libgcrypt base64 decoding: the first = ends the data, a lone pending sextet is kept', () => {
    expect(canon('(|YWJjZA| |YWJjZA==| |YW=Jj| |Y=| |Y| |YQ==YQ==|)')).toBe('(4:abcd4:abcd1:a1:`0:1:a)');
  });

  it('NUL is a token byte; display hints read as plain atoms (libgcrypt 1.10.1)', () => {
    expect(canon('(a\x00b \x00)')).toBe('(3:a\x00b1:\x00)');
    expect(canon('(a [text/plain] "x" [#00#]y)')).toBe('(1:a10:text/plain1:x1: 1:y)'.replace(' ', '\x00'));
  });

  it('empty atoms: "" and ## are fine, 0: is refused', () => {
    expect(canon('("" ##)')).toBe('(0:0:)');
    expect(codeAt('(a 0:)')).toEqual([207, 3]);
  });
});

describe('top level', () => {
  it('white space around the expression is fine', () => {
    expect(canon(' \t\r\n\v\f(a) \n')).toBe('(1:a)');
  });
  it('empty input and an unterminated bare atom read as (), as in libgcrypt', () => {
    for (const input of ['', '  ', 'abc', 'wrong', '"ab', '#ab', '12', '[x']) expect(canon(input)).toBe('()');
  });
  it('a terminated bare atom is an atom', () => {
    expect(canon('abc ')).toBe('3:abc');
    expect(canon('3:abc')).toBe('3:abc');
    expect(canon('"a b"')).toBe('3:a b');
    expect(canon('[x] ')).toBe('1:x');
  });
  it('refuses a second expression (libgcrypt would read it)', () => {
    const e = error('(a b) (c)');
    expect([e.code, e.offset]).toEqual([0, 6]);
    expect(e.message).toBe("unexpected '(' after the end of the S-expression (only one expression is read) at byte 6");
    expect(codeAt('(a) b')).toEqual([0, 4]);
    expect(codeAt('abc (d)')).toEqual([0, 4]);
  });
  it('after the expression, bytes libgcrypt refuses anyway get its error', () => {
    expect(codeAt('(a))')).toEqual([203, 3]);
    expect(codeAt('(a)\x80')).toEqual([205, 3]);
    expect(codeAt('(a)]')).toEqual([209, 3]);
  });
});

describe('errors: libgcrypt code, offset, and what was expected', () => {
  const cases: [string, number, number, string][] = [
    ['(a 123 0)', 201, 6, "bad length prefix: expected a digit or ':' but found byte 0x20"],
    ['(a 5:ab)', 202, 4, 'input ends before the 5 bytes announced by the length prefix'],
    ['(a "x)', 203, 0, "unexpected end of input inside the string opened at byte 3: ')' missing for the list opened"],
    ['(a (b c)', 203, 0, "unexpected end of input: ')' missing for the list opened"],
    ['(a #0', 203, 0, "unexpected end of input inside the hex atom opened at byte 3: ')' missing for the list opened"],
    ['(a |YW', 203, 0, "unexpected end of input inside the base64 atom opened at byte 3: ')' missing for the list opened"],
    ['(a 12', 203, 0, "unexpected end of input inside the length prefix at byte 3: ')' missing for the list opened"],
    [')', 203, 0, "')' without a matching '('"],
    ['(\x80)', 205, 1, "bad character byte 0x80: expected '(', ')', an atom or white space"],
    ['(a ; comment\n)', 205, 3, "bad character ';': expected '(', ')', an atom or white space"],
    ['(a |YW Jj|)', 205, 6, "bad character in base64 atom: expected base64 or '|' but found byte 0x20"],
    ['(a "\\q")', 206, 5, "bad escape in string: '\\' followed by 'q'"],
    ['(a "\\x4")', 206, 5, "bad hex escape in string: expected two hex digits after '\\x'"],
    ['(a "\\01")', 206, 5, "bad octal escape in string: expected three octal digits after '\\'"],
    ['(a "\\0', 206, 5, 'escape in string cut short by the end of input'],
    ['(a 007)', 207, 3, 'length prefix starts with 0 (a length is 1 or more, without leading zeros)'],
    ['(a [[x]] y)', 208, 4, "'[' inside a display hint"],
    ['(a ]x)', 209, 3, "']' without a matching '['"],
    ['(a [x (b)])', 209, 6, "'(' inside a display hint"],
    ['(a & b)', 210, 3, "unexpected reserved punctuation '&'"],
    ['(a {b})', 210, 3, "unexpected '{' (the transport form {base64} is read only as a whole expression)"],
    ['(a #xyz#)', 211, 4, "bad character in hex atom: expected a hex digit or '#' but found 'x'"],
    ['(a #0#)', 212, 5, 'odd number of hex digits in hex atom'],
    ['(a ||)', 32816, 3, 'empty base64 atom'],
  ];
  it.each(cases)('%j → %i at %i', (input, code, offset, reason) => {
    const e = error(input);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SexpError');
    expect({ code: e.code, offset: e.offset, reason: e.reason }).toEqual({ code, offset, reason });
    expect(e.message).toBe(`${reason} at byte ${offset}`);
  });

  it('names the outermost open list at end of input even after leading white space', () => {
    expect(codeAt('  (a (b')).toEqual([203, 2]);
  });
});

describe('string input', () => {
  it('is ISO-8859-1, one char per byte; other chars are refused, not truncated', () => {
    expect(canon('(a "caf\xe9")')).toBe('(1:a4:caf\xe9)');
    const e = error('(a "\u20ac")');
    expect([e.code, e.offset, e.reason]).toEqual([0, 4, 'character U+20AC is not ISO-8859-1 (pass bytes for UTF-8 text)']);
    expect(canon(Buffer.from('(a "\u20ac")', 'utf8'))).toBe('(1:a3:\xe2\x82\xac)');
  });
});

describe('limits, checked before allocating', () => {
  it('a huge length prefix fails at its colon, before any data arrives', () => {
    expect(codeAt('(a 99999999999:x)')).toEqual([202, 14]);
    expect(codeAt('(a 99999999999999999999999999999999999999:')).toEqual([202, 41]);
    const r = new SexpReader();
    expect(() => r.push(Buffer.from('(a 99999999999:'))).toThrowError(expect.objectContaining({ code: 202, offset: 14 }));
  });

  it('maxAtomLength bounds every kind of atom', () => {
    const limits = { maxAtomLength: 4 };
    expect(canon('(abcd 4:wxyz "1234" #01020304# |YWJj|)', limits)).toBe('(4:abcd4:wxyz4:12344:\x01\x02\x03\x043:abc)');
    expect(codeAt('(a 5:abcde)', limits)).toEqual([202, 4]);
    expect(codeAt('(abcde)', limits)).toEqual([202, 1]);
    expect(codeAt('(a "12345")', limits)).toEqual([202, 3]);
    expect(codeAt('(a #0102030405#)', limits)).toEqual([202, 3]);
    expect(codeAt('(a |YWJjZGU=|)', limits)).toEqual([202, 3]);
    // across chunks too
    const r = new SexpReader(limits);
    r.push(Buffer.from('(a abc'));
    expect(() => r.push(Buffer.from('de)'))).toThrowError(expect.objectContaining({ code: 202, offset: 3 }));
  });

  it('maxDepth bounds nesting', () => {
    expect(canon('(((a)))', { maxDepth: 3 })).toBe('(((1:a)))');
    const e = error('((((a))))', { maxDepth: 3 });
    expect([e.code, e.offset, e.reason]).toEqual([0, 3, 'lists nested deeper than the limit of 3']);
    const deep = (n: number) => '('.repeat(n) + ')'.repeat(n);
    expect(() => parseSexp(deep(DEFAULT_LIMITS.maxDepth))).not.toThrow();
    expect(codeAt(deep(DEFAULT_LIMITS.maxDepth + 1))).toEqual([0, DEFAULT_LIMITS.maxDepth]);
  });

  it('maxSize bounds the input, white space included, whatever the chunks', () => {
    expect(canon('(a)       ', { maxSize: 10 })).toBe('(1:a)');
    expect(codeAt('(a)        ', { maxSize: 10 })).toEqual([0, 10]);
    const r = new SexpReader({ maxSize: 10 });
    r.push(Buffer.from('(abcdefg'));
    expect(() => r.push(Buffer.from('hij)'))).toThrowError(expect.objectContaining({ code: 0, offset: 10, reason: 'input longer than the limit of 10 bytes' }));
    // a fault before the limit is reported first, as with one buffer
    expect(codeAt('(a \x80 bcdefghijk)', { maxSize: 10 })).toEqual([205, 3]);
  });
});

describe('transport form {base64} (our extension)', () => {
  it('reads the canonical payload, white space inside, empty atoms allowed', () => {
    expect(canon(`{${b64('(1:a)')}}`)).toBe('(1:a)');
    expect(canon(`  {${b64('(10:public-key(3:ecc))').replace(/(.{4})/g, '$1 \n')}}\n`)).toBe('(10:public-key(3:ecc))');
    expect(canon(`{${b64('(1:a0:)')}}`)).toBe('(1:a0:)');
    expect(canon(`{${b64('(1:a1:b)').replace(/=+$/, '')}}`)).toBe('(1:a1:b)');
  });

  it('reports faults in the payload and in the base64', () => {
    const e = error(`{${b64('(1:a5:b)')}}`);
    expect([e.code, e.offset]).toEqual([202, 5]); // the base64 quad holding decoded byte 5
    expect(e.reason).toBe('in the transport payload at decoded byte 5: input ends before the 5 bytes announced by the length prefix');
    expect(codeAt('{KDE6YSk*}')).toEqual([205, 8]);
    expect(codeAt('{KDE6YSk=A}')).toEqual([205, 9]);
    expect(codeAt('{KDE6Y}')).toEqual([205, 6]);
    expect(error('{KDE6YSk=').reason).toBe("unterminated transport form opened at byte 0: expected '}'");
    expect(codeAt(`{${b64('{KDE6YSk=}')}}`)).toEqual([210, 1]);
    expect(codeAt(`{${b64('(1:a)')}} x`)).toEqual([0, 11]);
  });
});
