// `.guix-authorizations`: Guix's reading rules, and in-place edits that keep comments and layout.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addAuthorization, isExactZero, normalizeFingerprint, parseAuthorizations, readAuthorizations, removeAuthorization, EMPTY_AUTHORIZATIONS,
} from '../../src/git/authorizations.js';
import { readAll } from '../../src/git/scheme.js';
import { formatCache, readCache } from '../../src/git/cache.js';
import { timed } from './support/timed.js';

// The layout of Guix's own file: entries in one list, subkeys with a `;; primary:` comment.
const SAMPLE = `;; List of channel committers.
;; Each entry is the fingerprint of the key that signs, and a name.

(authorizations
 (version 0)               ;current version

 (("1111 2222 3333 4444 5555  6666 7777 8888 9999 AAAA"
   (name "alice"))
  (;; primary: "0000 1111 2222 3333 4444  5555 6666 7777 8888 9999"
   "BBBB CCCC DDDD EEEE FFFF  0000 1111 2222 3333 4444"
   (name "bob"))
  ("CCCC DDDD EEEE FFFF 0000  1111 2222 3333 4444 5555"   ; carol, since 2021
   (name "carol"))))
`;

describe('reading', () => {
  it('reads fingerprints as Guix does (spaces dropped, lower-cased) with names', () => {
    const f = parseAuthorizations(SAMPLE);
    expect(f.entries.map((e) => [e.fingerprint, e.name])).toEqual([
      ['11112222333344445555666677778888999aaaa'.replace('999a', '9999a'), 'alice'],
      ['bbbbccccddddeeeeffff00001111222233334444', 'bob'],
      ['ccccddddeeeeffff000011112222333344445555', 'carol'],
    ]);
  });

  it('ignores extra elements, block and datum comments, and accepts [ ]', () => {
    const text = '#| block #| nested |# |# (authorizations [version 0] (("ab cd" (name "x") extra) #;("ef" (name "gone"))) trailing (stuff))';
    expect(readAuthorizations(text)).toEqual(['abcd']);
  });

  it('decodes string escapes as Guile does (\\x takes exactly two digits: "\\x41;" is "A;")', () => {
    const [node] = readAll('"a\\"b\\\\c\\x41;\\n"');
    expect(node).toMatchObject({ type: 'string', value: 'a"b\\cA;\n' });
  });

  it('refuses other shapes and versions with clear messages', () => {
    expect(() => readAuthorizations('(authorizations (version 1) ())')).toThrow(/unsupported authorizations format version 1/);
    expect(() => readAuthorizations('(authorization (version 0) ())')).toThrow(/expected \(authorizations \(version 0\)/);
    expect(() => readAuthorizations('(authorizations (version 0) ("abcd"))')).toThrow(/each authorization must be a list starting with a fingerprint string/);
    expect(() => readAuthorizations('(authorizations (version 0) (("xyz")))')).toThrow(/not a hexadecimal fingerprint/);
    expect(() => readAuthorizations('(authorizations (version 0) (("abc")))')).toThrow(/not a hexadecimal fingerprint/);
    expect(() => readAuthorizations('(authorizations (version 0) (("ab"))', 'f')).toThrow(/^f:1:1: missing "\)"/);
  });

  it('normalizes fingerprints like Guix (graphic characters only)', () => {
    expect(normalizeFingerprint(' AB\tcd\n12 ')).toBe('abcd12');
  });
});

describe('hostile files', () => {
  const file = (entries: string, version = '0') => `(authorizations (version ${version}) (${entries}))`;
  const MiB10 = 10 * 1024 * 1024;

  it('reads deep nesting in ignored parts, as Guile does', () => {
    const deep = `${'('.repeat(10_000)}${')'.repeat(10_000)}`;
    expect(readAuthorizations(file(`("ab" ${deep})`))).toEqual(['ab']);
    expect(() => readAuthorizations(deep)).toThrow(/expected \(authorizations/);
    expect(readAuthorizations(`${'#;'.repeat(100_000)}${'x '.repeat(100_000)}${file('("ab")')}`)).toEqual(['ab']);
  });

  it('reads "\\x110000;" as Guile does (\\x11 then "0000;"), in the name and the fingerprint', () => {
    expect(parseAuthorizations(file('("ab" (name "\\x110000;"))')).entries[0]!.name).toBe('\x110000;');
    expect(() => readAuthorizations(file('("\\x110000;")'))).toThrow(/fingerprint "\\x110000;": not a hexadecimal fingerprint \(";" is not a hexadecimal digit\)/);
    expect(() => readAuthorizations(file('("ab" (name "\\U110000"))'))).toThrow(/beyond the last Unicode code point/);
  });

  it('decodes a 10 MiB fingerprint in linear time, and quotes only an excerpt of a bad one', () => {
    expect(timed(() => readAuthorizations(file(`("${'ab '.repeat(MiB10 / 3)}")`)))[0]).toHaveLength(2 * Math.floor(MiB10 / 3));
    for (const bad of [`${'a'.repeat(MiB10)}x`, 'a'.repeat(MiB10 + 1), `${'a\u00a0'.repeat(MiB10 / 2)}é`]) {
      let message = '';
      timed(() => { try { readAuthorizations(file(`("${bad}")`)); } catch (e) { message = (e as Error).message; } });
      expect(message).toMatch(/not a hexadecimal fingerprint/);
      expect(message.length).toBeLessThan(300);
      expect(message).toContain(`(${bad.length} characters)`);
    }
    expect(() => normalizeFingerprint('ab c')).toThrow('fingerprint "ab c": not a hexadecimal fingerprint (odd number of hexadecimal digits: 3)');
  });

  it('accepts every spelling Guile reads as the exact integer 0, and says what is wrong with others', () => {
    for (const v of ['0', '00', '+0', '-0', '#x0', '#X0', '#e0', '#e0.0', '#e.0', '#e0.', '#e0e5', '0/5', '#x0/a', '#e#x0', '#x#e0', '#b0', '#o-0']) {
      expect(readAuthorizations(file('("ab")', v)), v).toEqual(['ab']);
      expect(isExactZero(v), v).toBe(true);
    }
    for (const v of ['1', '0.0', '0.', '#i0', '0e0', '0/0', '0/00', '#e0/0', '#x#x0', '#e#i0', '+-0', '#b2', '#e0.1', 'zero']) {
      expect(() => readAuthorizations(file('("ab")', v)), v).toThrow(`.guix-authorizations: unsupported authorizations format version ${v} (only version 0 is known)`);
    }
    expect(() => readAuthorizations(file('', '"0"'))).toThrow('.guix-authorizations: the authorizations format version "0" is a string, not a number: write (version 0)');
    expect(() => readAuthorizations(file('', '(0)'))).toThrow('the authorizations format version (0) is a list, not a number');
    expect(() => readAuthorizations(file('', '1'.repeat(MiB10)))).toThrow(/version 1{80}… \(10485760 characters\) \(only version 0 is known\)$/);
  });

  it('version parsing and normalisation stay linear on long adversarial input', () => {
    timed(() => {
      for (const v of [`${'0'.repeat(1e6)}x`, `#e${'0'.repeat(1e6)}x`, `#e${'0'.repeat(1e6)}.${'0'.repeat(1e6)}x`, `${'0'.repeat(1e6)}/${'0'.repeat(1e6)}x`]) {
        expect(isExactZero(v)).toBe(false);
      }
      expect(() => normalizeFingerprint(`${'a'.repeat(1e6)}g`)).toThrow(/"g" is not a hexadecimal digit/);
      expect(() => normalizeFingerprint(`${'a'.repeat(1e6 + 1)}`)).toThrow(/odd number/);
    });
  });

  it('matches Guix on proper and improper lists, and reads only the first datum', () => {
    expect(readAuthorizations('(authorizations . ((version 0) (("ab"))))')).toEqual(['ab']);
    expect(() => readAuthorizations(file('("ab" . x)'))).toThrow(/each authorization must be a list/);
    expect(() => readAuthorizations('(authorizations (version . 0) ())')).toThrow(/expected \(authorizations/);
    expect(readAuthorizations(`${file('("ab")')} ) "never read`)).toEqual(['ab']);
  });
});

describe('editing', () => {
  const fpr = 'DDDD EEEE FFFF 0000 1111  2222 3333 4444 5555 6666';

  it('adds after the last entry with the same layout, and removes it again byte for byte', () => {
    const added = addAuthorization(SAMPLE, { fingerprint: fpr, name: 'dave' });
    expect(added).toBe(SAMPLE.replace('(name "carol"))))', `(name "carol"))\n  ("${fpr}"\n   (name "dave"))))`));
    expect(removeAuthorization(added, fpr.replace(/ /g, '').toLowerCase())).toBe(SAMPLE);
  });

  it('keeps a trailing comment with the entry it follows', () => {
    const text = '(authorizations\n (version 0)\n ((\"AAAA\" (name "a")) ; alice\n  ))\n';
    const added = addAuthorization(text, { fingerprint: 'BBBB', name: 'b' });
    expect(added).toBe('(authorizations\n (version 0)\n (("AAAA" (name "a")) ; alice\n  ("BBBB"\n   (name "b"))\n  ))\n');
    expect(removeAuthorization(added, 'bbbb')).toBe(text);
  });

  it('removes the first, a middle and the only entry cleanly', () => {
    const noAlice = removeAuthorization(SAMPLE, '1111222233334444555566667777888899 99AAAA');
    expect(parseAuthorizations(noAlice).entries.map((e) => e.name)).toEqual(['bob', 'carol']);
    expect(noAlice).toContain(';; primary:');
    const noBob = removeAuthorization(SAMPLE, 'BBBBCCCCDDDDEEEEFFFF00001111222233334444');
    expect(noBob).not.toContain('primary');
    expect(noBob).toBe(SAMPLE.replace(/\n  \(;; primary[^)]*\)\)/, ''));
    expect(noBob).toContain('; carol, since 2021');
    const empty = addAuthorization(EMPTY_AUTHORIZATIONS, { fingerprint: fpr, name: 'dave', primary: 'AAAA BBBB' });
    expect(parseAuthorizations(empty).entries).toHaveLength(1);
    expect(empty).toContain(';; primary: "AAAA BBBB"');
    expect(removeAuthorization(empty, fpr)).toBe(EMPTY_AUTHORIZATIONS);
  });

  it('refuses duplicates and unknown fingerprints', () => {
    expect(() => addAuthorization(SAMPLE, { fingerprint: '1111222233334444555566667777888899 99aaaa' })).toThrow(/already authorized/);
    expect(() => removeAuthorization(SAMPLE, fpr)).toThrow(/is not in/);
  });

  // Files of any layout: comments and blank space between and inside entries.
  const hex4 = fc.stringMatching(/^[0-9A-F]{4}$/);
  const comment = fc.stringMatching(/^[a-z0-9 ,.:"()]{0,20}$/).map((s) => `; ${s}`);
  const gap = fc.tuple(fc.constantFrom('\n  ', '\n\n  ', ' ', '\n    '), fc.option(comment, { nil: undefined })).map(([ws, c]) => (c ? `${ws}${c}${ws.startsWith('\n') ? ws : '\n  '}` : ws));
  const entry = fc.record({
    fpr: fc.array(hex4, { minLength: 10, maxLength: 10 }).map((g) => `${g.slice(0, 5).join(' ')}  ${g.slice(5).join(' ')}`),
    name: fc.stringMatching(/^[a-z]{1,8}$/),
    inner: fc.option(comment, { nil: undefined }),
  }).map((e) => ({ ...e, text: `(${e.inner ? `${e.inner}\n   ` : ''}"${e.fpr}"\n   (name "${e.name}"))` }));
  const file = fc.record({
    head: fc.array(comment, { maxLength: 3 }),
    entries: fc.uniqueArray(entry, { selector: (e) => e.fpr, maxLength: 6 }),
    gaps: fc.array(gap, { minLength: 6, maxLength: 6 }),
    tail: fc.option(comment, { nil: undefined }),
  }).map((f) => {
    const body = f.entries.map((e, i) => (i === 0 ? '' : f.gaps[i]!) + e.text).join('');
    return { ...f, text: `${f.head.map((c) => `${c}\n`).join('')}(authorizations\n (version 0)\n (${body}))\n${f.tail ? `${f.tail}\n` : ''}` };
  });
  const comments = (text: string) => text.match(/;[^\n]*/g) ?? [];

  it('property: add then remove gives the file back; comments are all kept', () => {
    fc.assert(fc.property(file, entry, (f, extra) => {
      fc.pre(!f.entries.some((e) => e.fpr === extra.fpr));
      const added = addAuthorization(f.text, { fingerprint: extra.fpr, name: extra.name });
      const parsed = parseAuthorizations(added).entries;
      expect(parsed.map((e) => e.written)).toEqual([...f.entries.map((e) => e.fpr), extra.fpr]);
      expect(parsed[parsed.length - 1]!.name).toBe(extra.name);
      expect(comments(added)).toEqual(comments(f.text));
      expect(removeAuthorization(added, extra.fpr)).toBe(f.text);
    }));
  });

  it('property: removing an entry keeps every other entry and every comment outside it', () => {
    fc.assert(fc.property(file.filter((f) => f.entries.length > 0), fc.nat(), (f, n) => {
      const victim = f.entries[n % f.entries.length]!;
      const out = removeAuthorization(f.text, victim.fpr);
      expect(parseAuthorizations(out).entries.map((e) => e.written)).toEqual(f.entries.filter((e) => e !== victim).map((e) => e.fpr));
      // The entry goes with a comment on its last line; every other comment stays.
      const at = f.text.indexOf(victim.text) + victim.text.length;
      const sameLine = /^[ \t]*;[^\n]*/.exec(f.text.slice(at))?.[0] ?? '';
      const outside = comments(f.text.replace(victim.text + sameLine, ''));
      expect(comments(out)).toEqual(outside);
    }));
  });
});

describe('cache file format', () => {
  it('prints one ID per line, newest first, and reads it back', () => {
    const ids = ['a'.repeat(40), 'b'.repeat(40)];
    expect(formatCache(ids)).toBe(`;; List of previously-authenticated commits.\n\n("${ids[0]}"\n "${ids[1]}")\n`);
    const nodes = readAll(formatCache(ids));
    expect(nodes[0]).toMatchObject({ type: 'list' });
    expect(readCache('no/such/key', { XDG_CACHE_HOME: '/nonexistent' })).toEqual([]);
  });
});
