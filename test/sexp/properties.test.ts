// Round trips of the three printers through the reader, and the incremental reader fed every
// split of its input (valid or not) giving what the whole-buffer reader gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseSexp,
  printAdvanced,
  printCanonical,
  printTransport,
  sexpEqual,
  SexpError,
  SexpReader,
  type Sexp,
} from '../../src/sexp/index.js';
import { anySexp, hasEmptyAtom, readerInputArb } from './arbitraries.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type Outcome = { ok: true; canonical: string } | { ok: false; code: number; offset: number; reason: string };

function outcome(read: () => Sexp): Outcome {
  try {
    return { ok: true, canonical: hex(printCanonical(read())) };
  } catch (e) {
    if (!(e instanceof SexpError)) throw e;
    return { ok: false, code: e.code, offset: e.offset, reason: e.reason };
  }
}

function readChunks(chunks: Uint8Array[]): Sexp {
  const r = new SexpReader();
  for (const c of chunks) r.push(c);
  return r.end();
}

describe('round trips', () => {
  it('canonical: print then read gives the same expression (no empty atoms: libgcrypt refuses 0:)', () => {
    fc.assert(
      fc.property(anySexp(false), (s) => {
        const back = parseSexp(printCanonical(s));
        expect(sexpEqual(back, s)).toBe(true);
        expect(hex(printCanonical(back))).toBe(hex(printCanonical(s)));
      }),
      { numRuns: 400 },
    );
  });

  it('canonical with an empty atom is refused with code 207, as libgcrypt does', () => {
    fc.assert(
      fc.property(anySexp(true).filter(hasEmptyAtom), (s) => {
        expect(() => parseSexp(printCanonical(s))).toThrowError(expect.objectContaining({ code: 207 }));
      }),
      { numRuns: 100 },
    );
  });

  it('advanced: print then read gives the same expression, empty atoms included', () => {
    fc.assert(
      fc.property(anySexp(true), (s) => {
        const text = printAdvanced(s);
        expect(text[text.length - 1]).toBe(0x0a);
        expect(sexpEqual(parseSexp(text), s)).toBe(true);
        // printing is a fixed point
        expect(hex(printAdvanced(parseSexp(text)))).toBe(hex(text));
      }),
      { numRuns: 400 },
    );
  });

  it('transport: print then read gives the same expression, empty atoms included', () => {
    fc.assert(
      fc.property(anySexp(true), (s) => {
        const t = printTransport(s);
        expect(/^\{[A-Za-z0-9+/]*={0,2}\}$/.test(Buffer.from(t).toString('latin1'))).toBe(true);
        expect(sexpEqual(parseSexp(t), s)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('incremental reader', () => {
  const forms = [printCanonical, printAdvanced, printTransport] as const;

  it('every single split of a valid input (each form) gives the whole-buffer result', () => {
    fc.assert(
      fc.property(anySexp(false), fc.nat(2), (s, f) => {
        const input = forms[f]!(s);
        const whole = outcome(() => parseSexp(input));
        expect(whole.ok).toBe(true);
        for (let cut = 0; cut <= input.length; cut++) {
          expect(outcome(() => readChunks([input.subarray(0, cut), input.subarray(cut)]))).toEqual(whole);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('byte by byte and random splits give the whole-buffer result', () => {
    fc.assert(
      fc.property(anySexp(true), fc.nat(2), fc.array(fc.nat(), { maxLength: 8 }), (s, f, cuts) => {
        const input = forms[f]!(s);
        const whole = outcome(() => parseSexp(input));
        const bytes = Array.from(input, (_, i) => input.subarray(i, i + 1));
        expect(outcome(() => readChunks(bytes))).toEqual(whole);
        const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points, input.length].slice(1).map((end, k, arr) => input.subarray(k === 0 ? 0 : arr[k - 1]!, end));
        expect(outcome(() => readChunks(chunks))).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('malformed and odd inputs: every split gives the same expression or the same error', () => {
    fc.assert(
      fc.property(fc.oneof(readerInputArb(), anySexp(true).map((s) => Buffer.from(printTransport(s)).subarray(0, -1))), (input) => {
        const whole = outcome(() => parseSexp(input));
        for (let cut = 0; cut <= input.length; cut++) {
          expect(outcome(() => readChunks([input.subarray(0, cut), input.subarray(cut)]))).toEqual(whole);
        }
        expect(outcome(() => readChunks(Array.from(input, (_, i) => input.subarray(i, i + 1))))).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('done turns true exactly when the expression is complete', () => {
    const r = new SexpReader();
    r.push(Buffer.from('(public-key (ecc (curve Ed25519)'));
    expect(r.done).toBe(false);
    r.push(Buffer.from(')'));
    expect(r.done).toBe(false);
    r.push(Buffer.from(')'));
    expect(r.done).toBe(true);
    expect(hex(printCanonical(r.result!))).toBe(Buffer.from('(10:public-key(3:ecc(5:curve7:Ed25519)))').toString('hex'));
    r.push(Buffer.from('\n  \n'));
    expect(hex(printCanonical(r.end()))).toBe(hex(printCanonical(r.result!)));
    expect(() => r.push(Buffer.from('x'))).toThrowError(SexpError);
  });

  it('after an error, push and end throw that same error', () => {
    const r = new SexpReader();
    let first: unknown;
    try {
      r.push(Buffer.from('(a #0#'));
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(SexpError);
    expect(() => r.push(Buffer.from(')'))).toThrow(first as Error);
    expect(() => r.end()).toThrow(first as Error);
  });
});
