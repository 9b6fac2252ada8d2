// The daemon's request stream, read as bytes (ISO-8859-1) by a pure, incremental state machine:
//
//     COMMAND LEN:BYTES LEN:BYTES ...\n
//
// The command word runs up to a space, tab, CR or LF; then each argument is taken strictly by its
// declared length; spaces, tabs and CRs between arguments are skipped; the `\n` after the last
// argument ends the request. Chunk boundaries never matter: the reader gives the same events
// whichever way the input is split.
//
// Anything else where an argument or the end of the line should be is a malformed request: the
// reader reports it once and resynchronises at the next `\n` (the daemon then gets a 500 and the
// session goes on). A declared length above the limit is never allocated: the reader reports it
// and stops (the helper answers 500 and ends the session), because the bytes that follow cannot be
// told apart from the next request — skipping them would swallow later requests and leave the
// daemon waiting forever; reading them line by line would answer requests that were never sent.

export interface ProtocolLimits {
  /** Largest argument accepted, in bytes (a signature text is a few KiB). */
  maxArgumentLength: number;
  /** Most arguments in one request (the daemon sends at most two). */
  maxArguments: number;
  /** Longest command word. */
  maxCommandLength: number;
}

const DEFAULT_LIMITS: ProtocolLimits = {
  maxArgumentLength: 1 << 20,
  maxArguments: 8,
  maxCommandLength: 64,
};

export type ProtocolEvent =
  /** A whole, well-formed request. The command word and arguments are raw bytes. */
  | { kind: 'request'; command: Uint8Array; args: Uint8Array[] }
  /** A request that breaks the syntax; the reader has skipped (or will skip) to its line's end. */
  | { kind: 'malformed'; message: string }
  /** A request that cannot be read without risk (oversized length); the reader reads no further. */
  | { kind: 'fatal'; message: string };

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;

const enum State {
  Command,
  Between,
  Length,
  Payload,
  AfterPayload,
  SkipLine,
  Stopped,
}

const describe = (byte: number): string =>
  byte === LF ? 'end of line' : byte >= 0x21 && byte <= 0x7e ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;

/** Bytes as an ISO-8859-1 string (one char per byte), as the daemon's protocol is read. */
export const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

export class RequestReader {
  private state = State.Command;
  private readonly limits: ProtocolLimits;
  // The command word being read (bounded by maxCommandLength).
  private command: number[] = [];
  private args: Uint8Array[] = [];
  // The declared length being read.
  private length = 0;
  // The argument being filled, and how much of it is filled.
  private payload = new Uint8Array(0);
  private filled = 0;
  /** Bytes consumed so far; error messages cite the offset of the offending byte. */
  private offset = 0;

  constructor(limits: Partial<ProtocolLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** True when the stream ended in the middle of a request (nothing is answered for it). */
  get midRequest(): boolean {
    return this.state !== State.Command || this.command.length > 0;
  }

  /** True after a fatal event: the session must end. */
  get stopped(): boolean {
    return this.state === State.Stopped;
  }

  /** Feed the next chunk; returns the events it completes, in order. */
  push(chunk: Uint8Array): ProtocolEvent[] {
    const events: ProtocolEvent[] = [];
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.Stopped:
          this.offset += n - i;
          return events;

        case State.SkipLine: {
          const nl = chunk.indexOf(LF, i);
          if (nl < 0) {
            this.offset += n - i;
            i = n;
          } else {
            this.offset += nl + 1 - i;
            i = nl + 1;
            this.reset();
          }
          break;
        }

        case State.Payload: {
          const take = Math.min(n - i, this.payload.length - this.filled);
          this.payload.set(chunk.subarray(i, i + take), this.filled);
          this.filled += take;
          this.offset += take;
          i += take;
          if (this.filled === this.payload.length) {
            this.args.push(this.payload);
            this.payload = new Uint8Array(0);
            this.state = State.AfterPayload;
          }
          break;
        }

        default: {
          const byte = chunk[i]!;
          i++;
          const event = this.step(byte);
          this.offset++;
          if (event) events.push(event);
          break;
        }
      }
    }
    return events;
  }

  /** One byte outside an argument's payload. */
  private step(byte: number): ProtocolEvent | undefined {
    switch (this.state) {
      case State.Command:
        if (byte === SPACE || byte === TAB || byte === CR) {
          this.state = State.Between;
          return undefined;
        }
        if (byte === LF) return this.finish();
        if (this.command.length >= this.limits.maxCommandLength) {
          return this.malformed(byte, `command word longer than ${this.limits.maxCommandLength} bytes`);
        }
        this.command.push(byte);
        return undefined;

      case State.Between:
      case State.AfterPayload:
        if (byte === SPACE || byte === TAB || byte === CR) {
          this.state = State.Between;
          return undefined;
        }
        if (byte === LF) return this.finish();
        if (this.state === State.AfterPayload) {
          return this.malformed(byte, `argument ${this.args.length} is followed by ${describe(byte)} instead of a space or the end of the line (its declared length does not match its bytes)`);
        }
        if (byte < ZERO || byte > NINE) {
          return this.malformed(byte, `expected a length-prefixed argument (LEN:BYTES) but found ${describe(byte)}`);
        }
        if (this.args.length >= this.limits.maxArguments) {
          return this.malformed(byte, `more than ${this.limits.maxArguments} arguments`);
        }
        this.state = State.Length;
        this.length = byte - ZERO;
        if (this.length > this.limits.maxArgumentLength) return this.fatal();
        return undefined;

      case State.Length:
        if (byte >= ZERO && byte <= NINE) {
          this.length = this.length * 10 + (byte - ZERO);
          if (this.length > this.limits.maxArgumentLength) return this.fatal();
          return undefined;
        }
        if (byte !== COLON) {
          return this.malformed(byte, `argument ${this.args.length + 1}'s length is followed by ${describe(byte)} instead of ':'`);
        }
        this.payload = new Uint8Array(this.length);
        this.filled = 0;
        if (this.length === 0) {
          this.args.push(this.payload);
          this.state = State.AfterPayload;
        } else {
          this.state = State.Payload;
        }
        return undefined;

      default:
        return undefined;
    }
  }

  private finish(): ProtocolEvent {
    const event: ProtocolEvent = { kind: 'request', command: Uint8Array.from(this.command), args: this.args };
    this.reset();
    return event;
  }

  private malformed(byte: number, why: string): ProtocolEvent {
    const word = latin1(Uint8Array.from(this.command.slice(0, this.limits.maxCommandLength)));
    const message = `malformed request${word ? ` '${word}'` : ''} at byte ${this.offset}: ${why}`;
    // The offending byte may itself end the line; otherwise skip to the line's end.
    if (byte === LF) this.reset();
    else {
      this.state = State.SkipLine;
      this.command = [];
      this.args = [];
    }
    return { kind: 'malformed', message };
  }

  private fatal(): ProtocolEvent {
    const word = latin1(Uint8Array.from(this.command));
    const message = `request${word ? ` '${word}'` : ''} at byte ${this.offset}: argument ${this.args.length + 1} declares more than ${this.limits.maxArgumentLength} bytes (the limit); ending the session`;
    this.state = State.Stopped;
    this.command = [];
    this.args = [];
    return { kind: 'fatal', message };
  }

  private reset(): void {
    this.state = State.Command;
    this.command = [];
    this.args = [];
    this.length = 0;
    this.payload = new Uint8Array(0);
    this.filled = 0;
  }
}

/** Parse a whole byte string (tests, tools): the events, and whether it ended mid-request. */
export function readRequests(input: Uint8Array, limits?: Partial<ProtocolLimits>): { events: ProtocolEvent[]; midRequest: boolean } {
  const reader = new RequestReader(limits);
  const events = reader.push(input);
  return { events, midRequest: reader.midRequest };
}
