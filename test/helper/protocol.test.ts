// The request reader alone: well-formed requests come back as sent, malformed ones are reported
// and skipped to the line's end, oversized lengths stop the reader without allocating, and the
// chunking of the input never changes what it reads.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { readRequests, RequestReader, type ProtocolEvent } from '../../src/helper/protocol.js';

const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** Events in a comparable form. */
const show = (events: ProtocolEvent[]) =>
  events.map((e) => (e.kind === 'request' ? { kind: e.kind, command: text(e.command), args: e.args.map(text) } : e));

const read = (s: string) => {
  const r = readRequests(bytes(s));
  return { events: show(r.events), midRequest: r.midRequest };
};

const encode = (command: string, args: Uint8Array[], sep = ' '): Uint8Array =>
  Buffer.concat([Buffer.from(command, 'latin1'), ...args.flatMap((a) => [Buffer.from(`${sep}${a.length}:`), Buffer.from(a)]), Buffer.from('\n')]);

describe('well-formed requests', () => {
  it('reads the two requests the daemon sends', () => {
    const sig = '(signature \n (data \n  (flags rfc6979)\n  )\n )\n';
    expect(read(`sign 25:/etc/guix/signing-key.sec 4:abcd\nverify ${sig.length}:${sig}\n`)).toEqual({
      events: [
        { kind: 'request', command: 'sign', args: ['/etc/guix/signing-key.sec', 'abcd'] },
        { kind: 'request', command: 'verify', args: [sig] },
      ],
      midRequest: false,
    });
  });

  it('takes argument bytes strictly by length: spaces, newlines, colons and Latin-1 inside', () => {
    expect(read('x 7:a b\n:c\xe9 0: 3:\n\n\n\n').events).toEqual([{ kind: 'request', command: 'x', args: ['a b\n:c\xe9', '', '\n\n\n'] }]);
  });

  it('skips spaces, tabs and CRs between arguments and accepts CRLF', () => {
    expect(read('sign\t 1:a  \t1:b \r\n').events).toEqual([{ kind: 'request', command: 'sign', args: ['a', 'b'] }]);
  });

  it('reads an empty line and a bare word as requests without arguments', () => {
    expect(read('\nfoo\nbar \n').events).toEqual([
      { kind: 'request', command: '', args: [] },
      { kind: 'request', command: 'foo', args: [] },
      { kind: 'request', command: 'bar', args: [] },
    ]);
  });

  it('reports end of input in the middle of a request', () => {
    expect(read('verify 10:abc')).toEqual({ events: [], midRequest: true });
    expect(read('sign')).toEqual({ events: [], midRequest: true });
    expect(read('sign 1:a\n')).toEqual({ events: [{ kind: 'request', command: 'sign', args: ['a'] }], midRequest: false });
  });
});

describe('malformed requests', () => {
  it('a declared length shorter than the bytes: reported, then the next line is read', () => {
    const r = read('sign 3:abcdef 4:zzzz\nfoo 1:x\n');
    expect(r.events).toEqual([
      { kind: 'malformed', message: "malformed request 'sign' at byte 10: argument 1 is followed by 'd' instead of a space or the end of the line (its declared length does not match its bytes)" },
      { kind: 'request', command: 'foo', args: ['x'] },
    ]);
  });

  it('an empty line then a request reads as two requests (the real helper crashes here)', () => {
    expect(read('\nsign 1:a 1:b\n').events).toEqual([
      { kind: 'request', command: '', args: [] },
      { kind: 'request', command: 'sign', args: ['a', 'b'] },
    ]);
  });

  it.each([
    ['sign abc\n', "malformed request 'sign' at byte 5: expected a length-prefixed argument (LEN:BYTES) but found 'a'"],
    ['sign 12\n', "malformed request 'sign' at byte 7: argument 1's length is followed by end of line instead of ':'"],
    ['sign 1x:a\n', "malformed request 'sign' at byte 6: argument 1's length is followed by 'x' instead of ':'"],
    ['sign :a\n', "malformed request 'sign' at byte 5: expected a length-prefixed argument (LEN:BYTES) but found ':'"],
    ['sign 1:a\x00\n', "malformed request 'sign' at byte 8: argument 1 is followed by byte 0x00 instead of a space or the end of the line (its declared length does not match its bytes)"],
  ])('%j', (input, message) => {
    // The offending line is reported once; the line after it is read normally.
    expect(read(`${input}ok\n`).events).toEqual([{ kind: 'malformed', message }, { kind: 'request', command: 'ok', args: [] }]);
  });

  it('caps the command word and the number of arguments', () => {
    const r = readRequests(bytes(`${'c'.repeat(70)} 1:a\nx${' 1:a'.repeat(9)}\nok\n`));
    expect(show(r.events).map((e) => e.kind)).toEqual(['malformed', 'malformed', 'request']);
    expect((r.events[0] as { message: string }).message).toContain('command word longer than 64 bytes');
    expect((r.events[1] as { message: string }).message).toContain('more than 8 arguments');
  });
});

describe('lengths above the limit', () => {
  it('stops at the first digit past the limit, without allocating, and reads nothing further', () => {
    const reader = new RequestReader({ maxArgumentLength: 1000 });
    const events = reader.push(bytes('sign 1:a\nverify 99999999999999999999:abc\nsign 1:a\n'));
    expect(show(events)).toEqual([
      { kind: 'request', command: 'sign', args: ['a'] },
      { kind: 'fatal', message: "request 'verify' at byte 19: argument 1 declares more than 1000 bytes (the limit); ending the session" },
    ]);
    expect(reader.stopped).toBe(true);
    expect(reader.push(bytes('sign 1:a\n'))).toEqual([]);
  });

  it('accepts exactly the limit', () => {
    const reader = new RequestReader({ maxArgumentLength: 5 });
    expect(show(reader.push(bytes('v 5:abcde\nv 6:abcdef\n')))).toEqual([
      { kind: 'request', command: 'v', args: ['abcde'] },
      { kind: 'fatal', message: "request 'v' at byte 12: argument 1 declares more than 5 bytes (the limit); ending the session" },
    ]);
  });
});

// Streams made of request-like pieces, so that the interesting states are reached often.
const piece = fc.oneof(
  fc.constantFrom('sign', 'verify', ' ', '\t', '\r', '\n', ':', '1:', '3:', '0:', '10:', '99999999999:', '1:a', '2:\n\n'),
  fc.string({ maxLength: 6 }),
  fc.uint8Array({ maxLength: 8 }).map(text),
);
const streamArb = fc.array(piece, { maxLength: 40 }).map((parts) => bytes(parts.join('')));

/** Feed `input` cut at the given offsets. */
function readSplit(input: Uint8Array, cuts: number[], limits = { maxArgumentLength: 64 }) {
  const reader = new RequestReader(limits);
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const events: ProtocolEvent[] = [];
  let last = 0;
  for (const p of [...points, input.length]) {
    events.push(...reader.push(input.subarray(last, p)));
    last = p;
  }
  return { events: show(events), midRequest: reader.midRequest };
}

describe('properties', () => {
  test.prop([streamArb, fc.array(fc.nat(), { maxLength: 12 })])('any split of the input gives the same events', (input, cuts) => {
    expect(readSplit(input, cuts)).toEqual(readSplit(input, []));
  });

  it('every single cut point and byte-at-a-time give the same events', () => {
    const input = bytes('sign 25:/etc/guix/signing-key.sec 64:' + 'ab'.repeat(32) + '\nbad 3:abcd\n\nverify 5:(a\nb)\nx 9999:');
    const whole = readSplit(input, []);
    for (let cut = 0; cut <= input.length; cut++) expect(readSplit(input, [cut])).toEqual(whole);
    expect(readSplit(input, Array.from({ length: input.length }, (_, i) => i))).toEqual(whole);
  });

  const requestArb = fc.record({
    command: fc.stringMatching(/^[a-z-]{1,10}$/),
    args: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }),
    sep: fc.constantFrom(' ', '  ', '\t', ' \r'),
  });

  test.prop([fc.array(requestArb, { maxLength: 10 })])('encoded requests read back exactly', (requests) => {
    const input = Buffer.concat(requests.map((r) => encode(r.command, r.args, r.sep)));
    expect(read(text(input))).toEqual({
      events: requests.map((r) => ({ kind: 'request', command: r.command, args: r.args.map(text) })),
      midRequest: false,
    });
  });

  test.prop([streamArb])('one event per line at most, and nothing after a fatal one', (input) => {
    const { events } = readRequests(input, { maxArgumentLength: 64 });
    const fatal = events.findIndex((e) => e.kind === 'fatal');
    if (fatal >= 0) expect(fatal).toBe(events.length - 1);
    for (const e of events) if (e.kind !== 'request') expect(e.message).not.toMatch(/\n/);
  });
});
