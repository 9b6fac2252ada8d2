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
];

export const isKnown = (target: string, bug: { signature: string; message: string }): KnownBug | undefined =>
  KNOWN_BUGS.find((k) => k.targets.includes(target) && (k.pattern.test(bug.signature) || k.pattern.test(bug.message)));
