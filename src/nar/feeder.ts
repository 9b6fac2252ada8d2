// A push-driven byte grammar. Parsers are written as generators that yield how many bytes they
// want next and receive them; the Feeder buffers whatever chunks arrive and resumes the parser
// when its request can be met. So one parser serves a whole buffer, a file read in chunks or
// stdin, and "need more input" never looks like "malformed".
import { NarError } from './errors.js';

export interface Want {
  /** Bytes wanted. */
  n: number;
  /** Accept any number of bytes from 1 to n (for streaming file contents). */
  some?: boolean;
}

export type Grammar<T> = Generator<Want, T, Uint8Array>;

/** State shared by a Feeder and its grammar: where we are, for error messages. */
export interface Cursor {
  /** Bytes consumed so far. */
  offset: number;
  /** Message when the input ends before the grammar does. */
  eofMessage: string;
  /** Path inside the archive being read, for messages: built only when a message needs it. */
  where?: () => string;
  /** Sees every consumed byte range, in order (used to hash the signed part of bundle items). */
  tap?: (bytes: Uint8Array) => void;
}

class Feeder<T> {
  readonly cursor: Cursor = { offset: 0, eofMessage: 'unexpected end of input' };
  private chunks: Uint8Array[] = [];
  private head = 0; // bytes already consumed from chunks[0]
  private available = 0;
  private want: Want | undefined;
  private finished = false;
  private value: T | undefined;
  private readonly gen: Grammar<T>;

  constructor(grammar: (cursor: Cursor) => Grammar<T>) {
    this.gen = grammar(this.cursor);
    this.advance(undefined);
  }

  get done(): boolean {
    return this.finished;
  }

  /**
   * Add input; runs the grammar as far as it can. Throws the grammar's errors. Bytes not yet
   * consumed are copied before returning, so the caller may reuse `chunk` once it is done with
   * what the grammar emitted (views on it).
   */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
    this.run();
    if (this.available) {
      const left = this.rest();
      // new Uint8Array(view) copies; Buffer#slice would not.
      this.chunks = [left.length === 1 ? new Uint8Array(left[0]!) : Buffer.concat(left)];
      this.head = 0;
    }
  }

  /** Declare the end of input: throws when the grammar still wanted bytes. */
  end(): T {
    if (!this.finished) throw new NarError(this.cursor.eofMessage, this.cursor.offset, this.cursor.where?.());
    return this.value as T;
  }

  /** Input left after the grammar finished. */
  rest(): Uint8Array[] {
    const out = this.chunks.slice();
    if (out.length) out[0] = out[0]!.subarray(this.head);
    return out.filter((c) => c.length);
  }

  private advance(input: Uint8Array | undefined): void {
    const r = input === undefined ? this.gen.next() : this.gen.next(input);
    if (r.done) {
      this.finished = true;
      this.value = r.value;
      this.want = undefined;
    } else {
      this.want = r.value;
    }
  }

  private run(): void {
    while (!this.finished && this.want) {
      const { n, some } = this.want;
      if (n === 0) {
        this.advance(new Uint8Array(0));
        continue;
      }
      if (this.available === 0 || (!some && this.available < n)) return;
      const bytes = this.take(some ? Math.min(n, this.available) : n, some === true);
      this.cursor.offset += bytes.length;
      this.cursor.tap?.(bytes);
      this.advance(bytes);
    }
  }

  /** Take n bytes (all available); with `contiguousOnly`, at most what the first chunk holds. */
  private take(n: number, contiguousOnly: boolean): Uint8Array {
    const first = this.chunks[0]!;
    const inFirst = first.length - this.head;
    if (inFirst >= n || contiguousOnly) {
      const k = Math.min(n, inFirst);
      const out = first.subarray(this.head, this.head + k);
      this.head += k;
      this.available -= k;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - got, c.length - this.head);
      out.set(c.subarray(this.head, this.head + k), got);
      got += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.available -= n;
    return out;
  }
}

/**
 * A push parser over a grammar that emits events: feed chunks, get the events each completed
 * (views on the chunk); `end()` checks the input was complete. Bytes after the grammar's end
 * are refused with `trailing`.
 */
export class EventParser<E, T> {
  private events: E[] = [];
  private readonly feeder: Feeder<T>;
  constructor(grammar: (cursor: Cursor, emit: (e: E) => void) => Grammar<T>, private readonly trailing: string) {
    this.feeder = new Feeder((cursor) => grammar(cursor, (e) => this.events.push(e)));
  }

  push(chunk: Uint8Array): E[] {
    if (this.feeder.done) {
      if (chunk.length) throw new NarError(this.trailing, this.feeder.cursor.offset);
      return [];
    }
    this.feeder.push(chunk);
    if (this.feeder.done && this.feeder.rest().length) throw new NarError(this.trailing, this.feeder.cursor.offset);
    const out = this.events;
    this.events = [];
    return out;
  }

  /**
   * The events a failed `push` emitted before its error and so could not return (e.g. the start of
   * the item the error is in, when both came in one chunk).
   */
  pending(): E[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  /** The grammar's result; throws when the input ended early. */
  end(): T {
    return this.feeder.end();
  }
}
