// Bugs the fuzzer finds that are being fixed on other branches (src/nar/*, src/git/*): the brief
// run in the test suite passes over them, so that it stays green until those fixes are merged;
// `npm run fuzz` still reports them (marked known) and still fails. Remove an entry once its fix
// is in: the suite then guards against its return.
export interface KnownBug {
  /** Fuzz targets, or worst cases (`<target> worst case`, see fuzz.test.ts), that show it. */
  targets: readonly string[];
  /** Matches the bug's signature (engine.ts faultSignature) or its message. */
  pattern: RegExp;
  what: string;
}

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    targets: ['narinfo'],
    pattern: /signNarinfo wrote a narinfo that verifyNarinfo finds unsigned/,
    what: 'signNarinfo keeps the second and later continuation lines of a replaced Signature field, and signs after a blank line that ends the record',
  },
  {
    targets: ['guix-authorizations'],
    pattern: /^RangeError: Invalid code point/,
    what: 'scheme.ts: a \\x escape above U+10FFFF throws RangeError from String.fromCodePoint',
  },
  {
    targets: ['guix-authorizations', 'guix-authorizations worst case'],
    pattern: /^RangeError: Maximum call stack size exceeded/,
    what: 'scheme.ts: deep nesting (lists, #; datum comments) overflows the stack',
  },
  {
    targets: ['nar', 'bundle', 'nar worst case', 'bundle worst case'],
    pattern: /^SlowInput/,
    what: 'reader.ts: cursor.where = displayPath(path) at every node and entry costs O(depth²); a nar nested 1024 deep (139 KB) takes over a second',
  },
];

export const isKnown = (target: string, bug: { signature: string; message: string }): KnownBug | undefined =>
  KNOWN_BUGS.find((k) => k.targets.includes(target) && (k.pattern.test(bug.signature) || k.pattern.test(bug.message)));
