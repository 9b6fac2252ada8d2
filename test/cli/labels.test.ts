// Labels, well-known keys and the selection rules of deauthorize, in-process.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { configPaths } from '../../src/config.js';
import { fingerprint } from '../../src/fingerprint.js';
import { parseSexp } from '../../src/sexp/index.js';
import { atom, list, type SexpList } from '../../src/sexp/model.js';
import { WELL_KNOWN_KEYS, checkLabel, formatLabels, labelFor, loadLabels, parseLabels, saveLabels, wellKnownLabel } from '../../src/acl/labels.js';
import { parseSelector, selectKeys } from '../../src/acl/authorize.js';
import { TMP_ROOT } from '../support/oracle.js';
import { EXAMPLE } from './support/run.js';

const ed25519 = (q: Uint8Array): SexpList => list('public-key', list('ecc', list('curve', 'Ed25519'), list('q', atom(q))));

describe('well-known keys', () => {
  it('are the build farms keys shipped in keys-example, with the fingerprints the table holds', () => {
    for (const { label, q } of WELL_KNOWN_KEYS) {
      const key = ed25519(Buffer.from(q, 'hex'));
      expect(wellKnownLabel(fingerprint(key))).toBe(label);
      const file = parseSexp(readFileSync(path.join(EXAMPLE, `${label}.pub`)));
      expect(fingerprint(file)).toBe(fingerprint(key));
    }
  });
  it('do not match a look-alike: the same q with (flags eddsa) is another key', () => {
    const q = Buffer.from(WELL_KNOWN_KEYS[0].q, 'hex');
    const eddsa = list('public-key', list('ecc', list('curve', 'Ed25519'), list('flags', 'eddsa'), list('q', atom(q))));
    expect(wellKnownLabel(fingerprint(eddsa))).toBeUndefined();
  });
});

describe('the labels file', () => {
  const fpr = 'ab'.repeat(32);
  it('parses lines, skipping comments and blanks; later lines win', () => {
    expect(parseLabels(`# c\n\n${fpr} one\n${fpr} two words \n`)).toEqual(new Map([[fpr, 'two words']]));
  });
  it('names the line that is wrong', () => {
    expect(() => parseLabels(`${fpr} ok\nnot a line\n`, '/x/acl.labels')).toThrow('/x/acl.labels:2: expected "<64 hex digit fingerprint> <label>"');
    expect(() => parseLabels(`${fpr.toUpperCase()} upper\n`)).toThrow(':1:');
  });
  it('refuses labels that would break the format', () => {
    expect(() => checkLabel('a\nb')).toThrow('a label must be a single line');
    expect(() => checkLabel('  ')).toThrow('a label cannot be empty');
    expect(checkLabel('  x  ')).toBe('x');
  });
  test.prop([fc.dictionary(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ minLength: 1 }).map((s) => s.replace(/[\r\n\0]/g, ' ').trim()).filter((s) => s.length > 0))])(
    'round-trips through its text form',
    (obj) => {
      const map = new Map(Object.entries(obj));
      expect(parseLabels(formatLabels(map))).toEqual(map);
    },
  );
  it('is saved atomically with mode 0644 and read back; the user label wins over a well-known one', () => {
    mkdirSync(TMP_ROOT, { recursive: true });
    const paths = configPaths(mkdtempSync(path.join(TMP_ROOT, 'labels-')));
    expect(loadLabels(paths).size).toBe(0);
    const ci = fingerprint(ed25519(Buffer.from(WELL_KNOWN_KEYS[0].q, 'hex')));
    saveLabels(paths, new Map([[ci, 'berlin']]));
    expect(labelFor(paths, ci)).toBe('berlin');
    expect(labelFor(new Map(), ci)).toBe('ci.guix.gnu.org');
  });
});

describe('deauthorize selection', () => {
  // Keys whose fingerprints share their first 4 hex digits, found by search (birthday bound: ~300 keys).
  const keys: SexpList[] = [];
  const byPrefix = new Map<string, SexpList>();
  let twins: [SexpList, SexpList] | undefined;
  for (let i = 0; !twins; i++) {
    const k = ed25519(Uint8Array.from(Buffer.alloc(32, 0).fill(i & 0xff, 0, 16).fill(i >> 8, 16)));
    const p = fingerprint(k).slice(0, 4);
    const seen = byPrefix.get(p);
    if (seen) twins = [seen, k];
    else byPrefix.set(p, k);
    keys.push(k);
  }
  const [a, b] = twins;
  const fa = fingerprint(a);
  const fb = fingerprint(b);

  it('an ambiguous prefix lists the candidates and asks for more digits', () => {
    const sel = parseSelector(fa.slice(0, 4));
    expect(() => selectKeys(keys, [sel])).toThrow(new RegExp(`fingerprint prefix ${fa.slice(0, 4)} matches 2 keys .*; give more digits`));
  });
  it('a longer prefix, the full fingerprint or the grouped form picks exactly one', () => {
    let n = 4;
    while (fa.slice(0, n) === fb.slice(0, n)) n++;
    expect(selectKeys(keys, [parseSelector(fa.slice(0, n + 1))])).toEqual([a]);
    expect(selectKeys(keys, [parseSelector(fb)])).toEqual([b]);
    expect(selectKeys(keys, [parseSelector(fb.slice(0, 16).replace(/(.{4})(?=.)/g, '$1 ').toUpperCase())])).toEqual([b]);
  });
  it('selecting the same key twice removes it once', () => {
    expect(selectKeys(keys, [parseSelector(fa), parseSelector(fa.slice(0, 12))])).toEqual([a]);
  });
});
