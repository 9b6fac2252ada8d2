import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { displayable, excerpt } from '../../src/display.js';

describe('displayable', () => {
  it('escapes the audit’s fake-verdict path so it stays on one line with no escape sequence', () => {
    const hostile = '/gnu/store/x-\x1b]0;TITLE\x07\x1b[2K\rok      fake\nok      x';
    const shown = displayable(hostile);
    expect(shown).toBe('/gnu/store/x-\\x1b]0;TITLE\\x07\\x1b[2K\\rok      fake\\nok      x');
    expect(shown).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });
  it('escapes bidi overrides and doubles backslashes, leaves ordinary text alone', () => {
    expect(displayable('a\u202eb')).toBe('a\\u202eb');
    expect(displayable('a\\x1b')).toBe('a\\\\x1b');
    expect(displayable('/gnu/store/abc-hello-2.12.1 é ü')).toBe('/gnu/store/abc-hello-2.12.1 é ü');
  });
  it('never lets a control character through (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(displayable(s)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    }));
  });
  it('is linear on a long input', () => {
    const s = '\x1b'.repeat(2_000_000);
    const t0 = performance.now();
    expect(displayable(s).length).toBe(8_000_000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('excerpt', () => {
  it('cuts long input and says how long it was', () => {
    expect(excerpt('a'.repeat(10_000_000), 10)).toBe('aaaaaaaaaa… (10000000 characters)');
    expect(excerpt('short\n')).toBe('short\\n');
  });
});
