// The Scheme reader under hostile input: it reads as Guile's `read` does (checked against Guile
// 3.0 in the try-root: nesting of any depth up to MAX_DEPTH, Guile's string escapes, dotted
// tails), iteratively, in linear time, and every message is bounded.
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, readAll, readFirst, type Node } from '../../src/git/scheme.js';
import { timed } from './support/timed.js';

/** How deep `node` nests lists, walked without recursion. */
function depth(node: Node): number {
  let d = 0;
  let n: Node | undefined = node;
  while (n?.type === 'list') { d++; n = n.items[n.items.length - 1]; }
  return d;
}

describe('deep input (no recursion)', () => {
  it('reads 10,000 nested lists, 10,000 quotes and 100,000 datum comments', () => {
    const [nested] = readAll(`${'('.repeat(10_000)}${')'.repeat(10_000)}`);
    expect(depth(nested!)).toBe(10_000);
    const [quoted] = readAll(`${"'".repeat(10_000)}x`);
    expect(depth(quoted!)).toBe(10_000);
    expect(readAll(`${'#;'.repeat(100_000)}${'x '.repeat(100_000)}y`)).toMatchObject([{ type: 'atom', text: 'y' }]);
  });

  it(`refuses nesting deeper than ${MAX_DEPTH} levels quickly, saying so`, () => {
    expect(() => timed(() => readAll('('.repeat(1_000_000)), 2000)).toThrow(`input:1:${MAX_DEPTH + 1}: nested more than ${MAX_DEPTH} levels deep`);
    expect(() => readAll(`${"'".repeat(MAX_DEPTH + 1)}x`)).toThrow(/nested more than/);
  });
});

describe('strings, as Guile reads them', () => {
  const str = (s: string) => (readAll(s)[0] as { value: string }).value;

  it('\\x takes two hex digits, \\u four, \\U six', () => {
    expect(str('"\\x110000;"')).toBe('\x110000;');
    expect(str('"\\u00e9\\U01F600\\(\\|\\0"')).toBe('é😀(|\0');
  });

  it('refuses code points beyond Unicode and surrogates with a message, not a crash', () => {
    expect(() => readAll('"\\U110000"')).toThrow('input:1:2: invalid escape "\\U110000" in string: beyond the last Unicode code point');
    expect(() => readAll('"\\uD800"')).toThrow(/a surrogate, not a character/);
    expect(() => readAll('"\\x4"')).toThrow(/"\\x" takes exactly 2 hexadecimal digits/);
    expect(() => readAll('"\\e"')).toThrow(/invalid escape "\\e"/);
  });

  it('a backslash-newline drops the newline only', () => {
    expect(str('"a\\\n   b"')).toBe('a   b');
  });

  it('reads a 10 MiB string in linear time', () => {
    const big = 'a'.repeat(10 * 1024 * 1024);
    expect(timed(() => str(`"${big}"`), 2000)).toHaveLength(big.length);
  });
});

describe('lists, characters and what follows the first datum', () => {
  it('reads dotted tails as Guile does', () => {
    expect(readAll('(a . (b c))')[0]).toMatchObject({ type: 'list', items: [{ text: 'a' }, { text: 'b' }, { text: 'c' }] });
    const improper = readAll('(a . b)')[0] as Node & { type: 'list' };
    expect(improper.tail).toMatchObject({ text: 'b' });
    expect(readAll('(. x)')[0]).toMatchObject({ type: 'atom', text: 'x' });
    expect(() => readAll('(a . b c)')).toThrow(/more than one datum after "."/);
    expect(() => readAll('(a .)')).toThrow(/missing datum after "."/);
  });

  it('reads a character literal as one datum', () => {
    expect(readAll('(#\\( #\\) x)')[0]).toMatchObject({ items: [{ text: '#\\(' }, { text: '#\\)' }, { text: 'x' }] });
  });

  it('readFirst never reads past the first datum', () => {
    expect(readFirst('(a) ) "unterminated')).toMatchObject({ type: 'list' });
    expect(() => readAll('(a) )')).toThrow(/unexpected "\)"/);
  });

  it('names the input through displayable()', () => {
    expect(() => readAll('(', 'evil\x1b[2Jname')).toThrow('evil\\x1b[2Jname:1:1: missing ")"');
  });
});
