// The fuzz loop shared by the brief run in the test suite and `npm run fuzz`: generate inputs
// from a seed (reproducible: input i of seed s is always the same), feed each to a target, count
// outcomes, time every input, and keep one input per distinct bug (shrunk to a small one).
import fc from 'fast-check';
import { inputArbitrary, type FuzzInput } from './mutate.js';
import type { Outcome, Target } from './targets.js';

export interface Bug {
  /** What kind of fault: the error's class and message with numbers blanked, and where it came from. */
  signature: string;
  message: string;
  stack: string;
  /** Index of the first input that showed it, and how many inputs did. */
  index: number;
  count: number;
  input: FuzzInput;
  /** The input made smaller while it still shows the same fault. */
  minimal?: FuzzInput;
  /** Set when test/fuzz/known.ts lists it (being fixed elsewhere). */
  known?: string;
}

export interface Report {
  target: string;
  seed: number;
  runs: number;
  seconds: number;
  counts: Record<Outcome, number>;
  /** The slowest input, in milliseconds, and its index. */
  maxMillis: number;
  slowestIndex: number;
  bugs: Bug[];
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** An input taking longer than this is reported as a bug (a hang past the bound). */
  maxMillisPerInput: number;
  /** Stop after this many distinct bugs. */
  maxBugs?: number;
  /** Called with every input before it is fed (the long run keeps it for a post-mortem). */
  onInput?: (index: number, input: FuzzInput) => void;
  /** Called after every input and every attempt to shrink a bug's input (a sign of life). */
  heartbeat?: (done: number) => void;
  /** Shrink each bug's input (default true). */
  minimize?: boolean;
}

/** Inputs are generated in batches, each from its own seed, so any index can be regenerated. */
const BATCH = 1000;

export function* inputs(target: Target, seed: number, from = 0): Generator<FuzzInput> {
  const arb = inputArbitrary(target.corpus());
  for (let batch = Math.floor(from / BATCH); ; batch++) {
    const values = fc.sample(arb, { seed: (seed + batch * 7919) | 0, numRuns: BATCH });
    for (let j = batch === Math.floor(from / BATCH) ? from % BATCH : 0; j < BATCH; j++) yield values[j]!;
  }
}

/** The same fault whatever the input: class, message with numbers and quoted text blanked, top frame. */
export function faultSignature(e: unknown): string {
  if (!(e instanceof Error)) return `non-Error thrown: ${typeof e}`;
  const message = e.message.replace(/"[^"]*"|'[^']*'/g, '…').replace(/\d+/g, 'N').slice(0, 120);
  const frame = (e.stack ?? '').split('\n').find((l) => l.trimStart().startsWith('at ')) ?? '';
  return `${e.name}: ${message} ${frame.trim().replace(/:\d+:\d+\)?$/, '')}`;
}

export class SlowInput extends Error {
  override name = 'SlowInput';
}

/** Feed one input; the fault it shows (a thrown bug, or slowness past the bound), if any. */
export function feed(target: Target, input: FuzzInput, maxMillis: number): { outcome?: Outcome; millis: number; fault?: unknown } {
  const start = performance.now();
  try {
    const outcome = target.run(input);
    const millis = performance.now() - start;
    if (millis > maxMillis) return { outcome, millis, fault: new SlowInput(`input took ${millis.toFixed(0)} ms (bound ${maxMillis} ms)`) };
    return { outcome, millis };
  } catch (fault) {
    return { millis: performance.now() - start, fault };
  }
}

export function fuzzTarget(target: Target, options: FuzzOptions): Report {
  const { runs, seed, maxMillisPerInput } = options;
  const maxBugs = options.maxBugs ?? 20;
  const counts: Record<Outcome, number> = { accepted: 0, refused: 0 };
  const bugs = new Map<string, Bug>();
  let maxMillis = 0;
  let slowestIndex = -1;
  const start = performance.now();
  let index = 0;
  for (const input of inputs(target, seed)) {
    if (index >= runs || bugs.size >= maxBugs) break;
    options.onInput?.(index, input);
    const r = feed(target, input, maxMillisPerInput);
    if (r.millis > maxMillis) {
      maxMillis = r.millis;
      slowestIndex = index;
    }
    if (r.outcome) counts[r.outcome]++;
    if (r.fault !== undefined) {
      const signature = faultSignature(r.fault);
      const known = bugs.get(signature);
      if (known) known.count++;
      else {
        const e = r.fault instanceof Error ? r.fault : new Error(String(r.fault));
        bugs.set(signature, { signature, message: e.message, stack: e.stack ?? '', index, count: 1, input });
      }
    }
    index++;
    options.heartbeat?.(index);
  }
  const seconds = (performance.now() - start) / 1000;
  if (options.minimize ?? true) {
    for (const bug of bugs.values()) bug.minimal = minimize(target, bug.input, bug.signature, maxMillisPerInput, () => options.heartbeat?.(index));
  }
  return { target: target.name, seed, runs: index, seconds, counts, maxMillis, slowestIndex, bugs: [...bugs.values()] };
}

/**
 * Delta debugging over the bytes (cuts dropped first): remove ever smaller pieces while the
 * input still shows the same fault. Bounded in attempts and time, so a slow fault cannot stall it.
 */
export function minimize(target: Target, input: FuzzInput, signature: string, maxMillis: number, tick?: () => void, maxAttempts = 3000, maxSeconds = 5): FuzzInput {
  let attempts = 0;
  const deadline = performance.now() + maxSeconds * 1000;
  const same = (candidate: FuzzInput): boolean => {
    if (performance.now() > deadline) attempts = maxAttempts;
    attempts++;
    tick?.();
    const r = feed(target, candidate, maxMillis);
    return r.fault !== undefined && faultSignature(r.fault) === signature;
  };
  let best = input;
  if (best.cuts.length && same({ bytes: best.bytes, cuts: [] })) best = { bytes: best.bytes, cuts: [] };
  for (let size = best.bytes.length >> 1; size >= 1 && attempts < maxAttempts; size = size >> 1) {
    for (let at = 0; at + size <= best.bytes.length && attempts < maxAttempts;) {
      const bytes = new Uint8Array(Buffer.concat([best.bytes.subarray(0, at), best.bytes.subarray(at + size)]));
      const candidate = { bytes, cuts: best.cuts.filter((c) => c < bytes.length) };
      if (same(candidate)) best = candidate;
      else at += size;
    }
  }
  return best;
}
