// Structure-aware inputs for the fuzz targets: valid inputs (seeds) put through byte-level
// mutations the way coverage-guided fuzzers do (flip, overwrite, insert, delete, duplicate,
// splice with another seed, integers set to boundary values, a dictionary of the format's tokens,
// a unit repeated thousands of times for deep nesting, truncation), plus raw random bytes; each
// input comes with random cut points at which streaming readers are fed.
import fc from 'fast-check';

export interface FuzzInput {
  bytes: Uint8Array;
  /** Offsets at which a streaming reader gets its next chunk (sorted, inside the input). */
  cuts: number[];
}

export interface Corpus {
  /** Valid (or nearly valid) inputs of the format. */
  seeds: Uint8Array[];
  /** Tokens of the format, inserted or overwritten at random places. */
  dictionary: Uint8Array[];
  /** Units repeated many times in a row (deep nesting, long runs). */
  nesting: Uint8Array[];
  /** Byte order of the format's integers. */
  endian: 'little' | 'big' | 'text';
}

type Op =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number; to: number }
  | { op: 'splice'; seed: number; from: number; len: number; to: number }
  | { op: 'integer'; at: number; width: 1 | 2 | 4 | 8; value: bigint }
  | { op: 'token'; at: number; token: number; overwrite: boolean }
  | { op: 'nest'; at: number; unit: number; times: number }
  | { op: 'truncate'; at: number };

/** Byte values that sit on the edges of what parsers check. */
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x20, 0x22, 0x28, 0x29, 0x3a, 0x3d, 0x5c, 0x23, 0x7c, 0x2d, 0x30, 0x39];
/** Integers on the edges of length checks: 32/53/64-bit limits, the parsers' own limits, off-by-ones. */
const INTERESTING_INTEGERS = [
  0n, 1n, 7n, 8n, 0x7fn, 0x80n, 0xbfn, 0xc0n, 0xdfn, 0xe0n, 0xffn, 0x100n, 4095n, 4096n, 4097n, 8383n, 8384n, 0x7fffn, 0xffffn, 0x10000n,
  (1n << 20n) - 1n, 1n << 20n, (1n << 20n) + 1n, (1n << 24n), 0x7fffffffn, 0xffffffffn, 1n << 32n, (1n << 53n) - 1n, 1n << 53n,
  (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n,
];

const pos = fc.nat({ max: 1 << 20 });

function opArbitrary(corpus: Corpus): fc.Arbitrary<Op> {
  const seedCount = corpus.seeds.length;
  const ops: fc.Arbitrary<Op>[] = [
    fc.record({ op: fc.constant('flip' as const), at: pos, bit: fc.nat({ max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), at: pos, value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat({ max: 255 })) }),
    fc.record({ op: fc.constant('insert' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ op: fc.constant('delete' as const), at: pos, len: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ op: fc.constant('duplicate' as const), at: pos, len: fc.integer({ min: 1, max: 256 }), to: pos }),
    fc.record({ op: fc.constant('splice' as const), seed: fc.nat({ max: seedCount - 1 }), from: pos, len: fc.integer({ min: 1, max: 512 }), to: pos }),
    fc.record({
      op: fc.constant('integer' as const),
      at: pos,
      width: fc.constantFrom<(1 | 2 | 4 | 8)[]>(1, 2, 4, 8),
      value: fc.oneof(fc.constantFrom(...INTERESTING_INTEGERS), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
    }),
    fc.record({ op: fc.constant('truncate' as const), at: pos }),
  ];
  if (corpus.dictionary.length) {
    ops.push(fc.record({ op: fc.constant('token' as const), at: pos, token: fc.nat({ max: corpus.dictionary.length - 1 }), overwrite: fc.boolean() }));
  }
  if (corpus.nesting.length) {
    ops.push(fc.record({ op: fc.constant('nest' as const), at: pos, unit: fc.nat({ max: corpus.nesting.length - 1 }), times: fc.oneof(fc.integer({ min: 2, max: 64 }), fc.integer({ min: 500, max: 5000 })) }));
  }
  return fc.oneof(...ops);
}

/** `value` written as the format writes integers (text formats: decimal digits). */
function encodeInteger(value: bigint, width: 1 | 2 | 4 | 8, endian: Corpus['endian']): Uint8Array {
  if (endian === 'text') return Buffer.from(value.toString(), 'latin1');
  const out = new Uint8Array(width);
  const v = value & ((1n << BigInt(width * 8)) - 1n);
  for (let i = 0; i < width; i++) {
    const byte = Number((v >> BigInt(8 * i)) & 0xffn);
    out[endian === 'little' ? i : width - 1 - i] = byte;
  }
  return out;
}

const join = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

function apply(corpus: Corpus, input: Uint8Array, op: Op): Uint8Array {
  const n = input.length;
  const at = (p: number, max = n) => (max > 0 ? p % (max + 1) : 0);
  switch (op.op) {
    case 'flip': {
      if (!n) return input;
      const out = input.slice();
      out[op.at % n]! ^= 1 << op.bit;
      return out;
    }
    case 'set': {
      if (!n) return Uint8Array.of(op.value);
      const out = input.slice();
      out[op.at % n] = op.value;
      return out;
    }
    case 'insert': {
      const p = at(op.at);
      return join(input.subarray(0, p), op.bytes, input.subarray(p));
    }
    case 'delete': {
      const p = at(op.at);
      return join(input.subarray(0, p), input.subarray(p + op.len));
    }
    case 'duplicate': {
      const p = at(op.at);
      const to = at(op.to);
      return join(input.subarray(0, to), input.subarray(p, p + op.len), input.subarray(to));
    }
    case 'splice': {
      const other = corpus.seeds[op.seed]!;
      const from = at(op.from, other.length);
      const to = at(op.to);
      return join(input.subarray(0, to), other.subarray(from, from + op.len), input.subarray(to));
    }
    case 'integer': {
      const bytes = encodeInteger(op.value, op.width, corpus.endian);
      const p = corpus.endian === 'little' && op.width === 8 ? at(op.at) & ~7 : at(op.at); // nar fields are 8-aligned
      if (corpus.endian === 'text') return replaceDigits(input, p, bytes);
      return join(input.subarray(0, p), bytes, input.subarray(Math.min(n, p + bytes.length)));
    }
    case 'token': {
      const token = corpus.dictionary[op.token]!;
      const p = at(op.at);
      return join(input.subarray(0, p), token, input.subarray(op.overwrite ? Math.min(n, p + token.length) : p));
    }
    case 'nest': {
      const unit = corpus.nesting[op.unit]!;
      const p = at(op.at);
      const run = new Uint8Array(unit.length * op.times);
      for (let i = 0; i < op.times; i++) run.set(unit, i * unit.length);
      return join(input.subarray(0, p), run, input.subarray(p));
    }
    case 'truncate':
      return input.subarray(0, at(op.at));
  }
}

/** Text formats: the run of digits at or after `p` replaced by `digits` (inserted when none). */
function replaceDigits(input: Uint8Array, p: number, digits: Uint8Array): Uint8Array {
  const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
  let start = p;
  while (start < input.length && !isDigit(input[start])) start++;
  if (start >= input.length) start = p;
  let end = start;
  while (isDigit(input[end])) end++;
  return join(input.subarray(0, start), digits, input.subarray(end));
}

/** Chunk boundaries: none, a few random ones, or every byte (small inputs). */
const cutsArbitrary = fc.oneof(
  { weight: 2, arbitrary: fc.constant<number[] | 'every'>([]) },
  { weight: 6, arbitrary: fc.array(fc.nat({ max: 1 << 20 }), { minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constant<number[] | 'every'>('every') },
);

function cutsFor(spec: number[] | 'every', length: number): number[] {
  if (spec === 'every') return length <= 4096 ? Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1) : [];
  if (length < 2) return [];
  return [...new Set(spec.map((c) => 1 + (c % (length - 1))))].sort((a, b) => a - b);
}

/** The inputs of one target: mostly mutated seeds, some raw bytes, with random chunk splits. */
export function inputArbitrary(corpus: Corpus): fc.Arbitrary<FuzzInput> {
  const mutated = fc
    .record({ seed: fc.nat({ max: corpus.seeds.length - 1 }), ops: fc.array(opArbitrary(corpus), { minLength: 0, maxLength: 6 }) })
    .map(({ seed, ops }) => ops.reduce((bytes, op) => apply(corpus, bytes, op), corpus.seeds[seed]!));
  const raw = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 2048 }));
  const dictionaryOnly = corpus.dictionary.length
    ? fc.array(fc.constantFrom(...corpus.dictionary), { maxLength: 40 }).map((parts) => join(...parts))
    : raw;
  const bytes = fc.oneof({ weight: 16, arbitrary: mutated }, { weight: 2, arbitrary: raw }, { weight: 2, arbitrary: dictionaryOnly });
  return fc.tuple(bytes, cutsArbitrary).map(([b, spec]) => ({ bytes: b, cuts: cutsFor(spec, b.length) }));
}

/** `bytes` split at `cuts`. */
export function chunks({ bytes, cuts }: FuzzInput): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of cuts) {
    if (c <= from || c >= bytes.length) continue;
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

export const latin1Bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
export const utf8Bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
