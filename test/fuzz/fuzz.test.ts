// The brief fuzz run of the test suite: a few thousand inputs per target (FUZZ_RUNS to change it,
// FUZZ_SEED for other inputs; the fixed default seed keeps the suite deterministic), and each
// parser's worst case within its limits (deepest nesting, longest lengths) against the time
// bound. The long run is `npm run fuzz` (scripts/fuzz.mjs), over the same targets and generators.
import { describe, expect, it } from 'vitest';
import { deepNar, narCorpus } from './corpus.js';
import { faultSignature, feed, fuzzTarget, minimize, type Bug } from './engine.js';
import { isKnown } from './known.js';
import { latin1Bytes, type FuzzInput } from './mutate.js';
import { TARGETS, targetNamed } from './targets.js';
import { concatBytes, u64 } from '../../src/nar/wire.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
/** An input taking longer is a bug (as in the long run; the suite's inputs are all far below). */
const MAX_MILLIS = 1000;

const show = (b: Bug): string => {
  const input = b.minimal ?? b.input;
  const hex = Buffer.from(input.bytes).toString('hex');
  return `${b.signature}\n  ${b.message}\n  input #${b.index} (${b.count}×), minimal ${input.bytes.length} bytes, cuts ${JSON.stringify(input.cuts)}: ${hex.length > 400 ? `${hex.slice(0, 400)}…` : hex}`;
};

describe('fuzzing (brief run)', () => {
  for (const target of TARGETS) {
    it(`${target.name}: ${target.about}: no bug in ${RUNS} inputs`, () => {
      // Shrinking only the bugs that are not known keeps the run brief.
      const report = fuzzTarget(target, { runs: RUNS, seed: SEED, maxMillisPerInput: MAX_MILLIS, minimize: false });
      const bugs = report.bugs.filter((b) => !isKnown(target.name, b));
      for (const b of bugs) b.minimal = minimize(target, b.input, b.signature, MAX_MILLIS);
      expect(bugs.map(show), `seed ${SEED}`).toEqual([]);
      expect(report.runs).toBe(RUNS);
      // Both outcomes occur: the generators reach past the parser's first check, and refuse too.
      expect(report.counts.accepted).toBeGreaterThan(0);
      expect(report.counts.refused).toBeGreaterThan(0);
    });
  }
});

const whole = (bytes: Uint8Array): FuzzInput => ({ bytes, cuts: [] });
const repeat = (s: string, n: number): Uint8Array => latin1Bytes(s.repeat(n));
const bundleOf = (nar: Uint8Array): Uint8Array => concatBytes([u64(1), nar, u64(0)]); // refused after the nar

/** Inputs at and past each parser's limits: each must end (accepted or refused) within the bound. */
const WORST_CASES: { name: string; target: string; input: () => FuzzInput; outcome: 'accepted' | 'refused' }[] = [
  { name: 'nar nested 1024 deep (the limit)', target: 'nar', input: () => whole(deepNar(1024)), outcome: 'accepted' },
  { name: 'nar nested 1025 deep', target: 'nar', input: () => whole(deepNar(1025)), outcome: 'refused' },
  { name: 'nar with a 2^64-1 file size', target: 'nar', input: () => whole(concatBytes([narCorpus().seeds[0]!.subarray(0, 80), u64((1n << 64n) - 1n)])), outcome: 'refused' },
  { name: 'bundle item nested 1024 deep', target: 'bundle', input: () => whole(bundleOf(deepNar(1024))), outcome: 'refused' },
  { name: 'S-expression nested 1024 deep (the limit)', target: 'sexp', input: () => whole(concatBytes([repeat('(', 1024), repeat(')', 1024)])), outcome: 'accepted' },
  { name: 'S-expression of a million open parentheses', target: 'sexp', input: () => whole(repeat('(', 1_000_000)), outcome: 'refused' },
  { name: 'S-expression atom of declared length 2^53', target: 'sexp', input: () => whole(latin1Bytes('(9007199254740992:a)')), outcome: 'refused' },
  { name: '.guix-authorizations nested 100000 deep', target: 'guix-authorizations', input: () => whole(repeat('(', 100_000)), outcome: 'refused' },
  { name: '.guix-authorizations with 100000 datum comments in a row', target: 'guix-authorizations', input: () => whole(concatBytes([repeat('#;', 100_000), latin1Bytes('()')])), outcome: 'refused' },
  { name: 'narinfo of 100000 continuation lines', target: 'narinfo', input: () => whole(concatBytes([latin1Bytes('StorePath: x\n'), repeat('+ more\n', 100_000)])), outcome: 'accepted' },
  { name: 'OpenPGP packet declaring 2^32-1 bytes', target: 'openpgp-packets', input: () => whole(Uint8Array.of(0xc2, 0xff, 0xff, 0xff, 0xff, 0xff, 4)), outcome: 'refused' },
  { name: 'ASCII armor of one 4 MB base64 line', target: 'openpgp-armor', input: () => whole(latin1Bytes(`-----BEGIN PGP SIGNATURE-----\n\n${'A'.repeat(4 << 20)}\n=AAAA\n-----END PGP SIGNATURE-----\n`)), outcome: 'refused' },
  { name: 'helper request with a 1 MiB argument (the limit)', target: 'helper-protocol', input: () => whole(concatBytes([latin1Bytes(`verify ${1 << 20}:`), repeat('(', 1 << 20), latin1Bytes('\n')])), outcome: 'accepted' },
  { name: 'helper request declaring a 10^18-byte argument', target: 'helper-protocol', input: () => whole(latin1Bytes('verify 1000000000000000000:(a)\n')), outcome: 'refused' },
];

describe('worst cases within the time bound', () => {
  for (const c of WORST_CASES) {
    it(`${c.target}: ${c.name}`, () => {
      const r = feed(targetNamed(c.target), c.input(), MAX_MILLIS);
      if (r.fault !== undefined && isKnown(`${c.target} worst case`, { signature: faultSignature(r.fault), message: String((r.fault as Error).message) })) return;
      expect(r.fault === undefined ? undefined : faultSignature(r.fault)).toBeUndefined();
      expect(r.outcome).toBe(c.outcome);
    });
  }
});

describe('the harness itself', () => {
  // A parser that refuses most inputs properly but lets a TypeError out on a 0x42 byte after an
  // 'x', and is slow on 'zz': the loop must find both, keep them apart, and shrink them.
  const planted = {
    name: 'planted',
    about: 'a parser with two planted bugs',
    corpus: () => ({ seeds: [latin1Bytes('abcxdef'), latin1Bytes('hello zebra')], dictionary: [latin1Bytes('xB'), latin1Bytes('zz')], nesting: [], endian: 'text' as const }),
    run(input: FuzzInput): 'accepted' | 'refused' {
      const s = Buffer.from(input.bytes).toString('latin1');
      if (/xB/.test(s)) (undefined as unknown as { f(): void }).f();
      if (s.includes('zz')) {
        const until = performance.now() + 30;
        while (performance.now() < until);
      }
      return s.length % 2 ? 'accepted' : 'refused';
    },
  };

  it('finds, tells apart and shrinks bugs, and reports inputs over the time bound', () => {
    const report = fuzzTarget(planted, { runs: 400, seed: 1, maxMillisPerInput: 20 });
    const byName = new Map(report.bugs.map((b) => [b.signature.split(':')[0], b]));
    expect([...byName.keys()].sort()).toEqual(['SlowInput', 'TypeError']);
    expect(Buffer.from(byName.get('TypeError')!.minimal!.bytes).toString('latin1')).toBe('xB');
    expect(Buffer.from(byName.get('SlowInput')!.minimal!.bytes).toString('latin1')).toBe('zz');
    expect(report.maxMillis).toBeGreaterThanOrEqual(30);
  });
});
