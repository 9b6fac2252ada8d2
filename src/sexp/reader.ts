// One reader for the three written forms of an S-expression (canonical, libgcrypt's advanced
// text, SPKI transport `{base64}`), as a state machine fed chunk by chunk: `parseSexp` pushes a
// whole buffer at once, streaming callers push what they have. Running out of input is never an
// error inside `push` ("need more input"); only `end()` decides what an incomplete input means.
// Every byte-level rule below was learnt by running Debian's libgcrypt 1.10.1 (gcry_sexp_sscan)
// and is pinned by test/sexp/vectors.test.ts; the exceptions are listed in index.ts.
import { SexpError, SexpErrorCode as E } from './errors.js';
import type { Sexp, SexpAtom, SexpList } from './model.js';

export interface SexpLimits {
  /** Deepest list nesting accepted (the outermost list is depth 1). Default 1024. */
  maxDepth?: number;
  /** Longest atom accepted, in bytes; a longer length prefix fails before anything is allocated. Default 16 MiB. */
  maxAtomLength?: number;
  /** Most input bytes accepted (white space included). Default 64 MiB. */
  maxSize?: number;
}

export const DEFAULT_LIMITS: Required<SexpLimits> = {
  maxDepth: 1024,
  maxAtomLength: 16 << 20,
  maxSize: 64 << 20,
};

// Byte classes, one table lookup per byte.
const WS = 1; // white space: HT LF VT FF CR and space
const TOK = 2; // may start a token: letters, `-./_:*+=`, and NUL (libgcrypt 1.10.1 takes NUL as a token byte)
const DIG = 4; // decimal digit: continues a token, starts a length prefix
const CLASS = new Uint8Array(256);
for (const c of [9, 10, 11, 12, 13, 32]) CLASS[c] = WS;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = TOK;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = TOK;
for (const ch of '-./_:*+=') CLASS[ch.charCodeAt(0)] = TOK;
CLASS[0] = TOK;
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = DIG;

const NONE = 255;
const HEXVAL = new Uint8Array(256).fill(NONE);
for (let i = 0; i < 10; i++) HEXVAL[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEXVAL[0x41 + i] = HEXVAL[0x61 + i] = 10 + i;

const B64VAL = new Uint8Array(256).fill(NONE);
const B64ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let i = 0; i < 64; i++) B64VAL[B64ALPHABET.charCodeAt(i)] = i;

// Escapes of quoted strings that stand for one byte.
const ESCAPE = new Int16Array(256).fill(-1);
for (const [ch, v] of [['b', 8], ['t', 9], ['v', 11], ['n', 10], ['f', 12], ['r', 13], ['"', 34], ["'", 39], ['\\', 92]] as const) {
  ESCAPE[ch.charCodeAt(0)] = v;
}

const enum S {
  Between, // between elements
  Token, // inside a token
  Digits, // inside a length prefix `123`
  Data, // inside the bytes of `LEN:bytes`
  Str, // inside "..."
  StrEsc, // just after a backslash
  StrOct, // inside \NNN
  StrHex, // inside \xNN
  StrCont, // after backslash + CR or LF: swallow the other one of the pair
  Hex, // inside #...#
  B64, // inside |...|
  Transport, // inside {...}
  Done, // the expression is complete; only white space may follow
}

const describe = (c: number): string =>
  c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_LIST: SexpList = Object.freeze({ type: 'list', items: Object.freeze([]) as readonly Sexp[] }) as SexpList;

export interface ReaderOptions extends SexpLimits {
  /** Accept `0:` (libgcrypt refuses it); used inside our transport form, whose payload we print. */
  allowZeroLength?: boolean;
  /** Refuse `{` (the payload of a transport form cannot itself be one). */
  noTransport?: boolean;
}

/**
 * Incremental S-expression reader. `push()` chunks (any split gives the same result), then
 * `end()` for the expression; `done` turns true as soon as a complete expression has been read.
 * Throws SexpError as soon as the input is malformed.
 */
export class SexpReader {
  private readonly maxDepth: number;
  private readonly maxAtom: number;
  private readonly maxSize: number;
  private readonly allowZero: boolean;
  private readonly noTransport: boolean;

  private state = S.Between;
  private base = 0; // offset of the current chunk's first byte
  private value: Sexp | undefined;
  private readonly stack: Sexp[][] = [];
  private readonly opens: number[] = []; // offsets of the open parentheses
  private hintOpen = false;
  private error: SexpError | undefined; // the first error: the reader is spent

  private acc = EMPTY_BYTES; // bytes of an atom being read across chunks, allocated on first use
  private accLen = 0;
  private accCap = 0; // min(acc.length, maxAtomLength): reaching it means grow or fail
  private atomStart = 0; // offset where the current atom began
  private lenValue = 0; // length prefix being read
  private colonAt = 0; // offset of the colon of the current `LEN:`
  private remaining = 0; // bytes still expected for `LEN:bytes`
  private escStart = 0; // offset of the byte after the backslash
  private escValue = 0;
  private escCount = 0;
  private contChar = 0;
  private nibble = -1; // high nibble waiting for its pair inside #...#
  private b64State = 0; // sextets pending in the current quad (libgcrypt's decoder)
  private b64Bits = 0;
  private b64Chars = 0;
  private b64Stopped = false;

  // Transport form: base64 quads decoded and fed to an inner reader.
  private inner: SexpReader | undefined;
  private tStart = 0;
  private tQuad = 0;
  private tCount = 0;
  private tPad = 0;
  private tOut: Uint8Array = EMPTY_BYTES;
  private tOutLen = 0;

  constructor(options: ReaderOptions = {}) {
    this.maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxDepth;
    this.maxAtom = options.maxAtomLength ?? DEFAULT_LIMITS.maxAtomLength;
    this.maxSize = options.maxSize ?? DEFAULT_LIMITS.maxSize;
    this.allowZero = options.allowZeroLength ?? false;
    this.noTransport = options.noTransport ?? false;
    this.accCap = Math.min(this.acc.length, this.maxAtom);
  }

  /** True once one whole expression has been read (more white space may still follow). */
  get done(): boolean {
    return this.state === S.Done;
  }

  /** The expression read so far, once `done`. */
  get result(): Sexp | undefined {
    return this.value;
  }

  /** Feed the next bytes of input. After an error, every call throws that error again. */
  push(chunk: Uint8Array): void {
    if (this.error) throw this.error;
    try {
      if (this.base + chunk.length > this.maxSize) {
        const allowed = Math.max(0, this.maxSize - this.base);
        if (allowed > 0) this.run(chunk.subarray(0, allowed));
        throw new SexpError(`input longer than the limit of ${this.maxSize} bytes`, this.maxSize);
      }
      this.run(chunk);
    } catch (e) {
      if (e instanceof SexpError) this.error = e;
      throw e;
    }
  }

  /** No more input: the expression, or an error saying what was left open. */
  end(): Sexp {
    if (this.error) throw this.error;
    try {
      return this.finish();
    } catch (e) {
      if (e instanceof SexpError) this.error = e;
      throw e;
    }
  }

  private finish(): Sexp {
    const at = this.base;
    switch (this.state) {
      case S.Done:
        return this.value!;
      case S.Data:
        // libgcrypt compares a length prefix with the bytes left at the colon.
        throw new SexpError(`input ends before the ${this.lenValue} bytes announced by the length prefix`, this.colonAt, E.STRING_TOO_LONG);
      case S.StrOct:
      case S.StrHex:
        // libgcrypt looks ahead for the digits of an escape, so a truncated one is a bad quotation.
        throw new SexpError('escape in string cut short by the end of input', this.escStart, E.BAD_QUOTATION);
      case S.Transport:
        this.flushTransport();
        throw new SexpError(`unterminated transport form opened at byte ${this.tStart}: expected '}'`, at);
      default:
        break;
    }
    if (this.stack.length > 0) {
      // libgcrypt reports the offset 0 here; we name the outermost list left open, which is byte 0
      // for every input that starts with its list.
      throw new SexpError(`unexpected end of input${this.openConstruct()}: ')' missing for the list opened`, this.opens[0]!, E.UNMATCHED_PAREN);
    }
    // At top level libgcrypt drops an atom the input ends inside (a bare token is never
    // terminated), so `abc` and empty input read as the empty list.
    return EMPTY_LIST;
  }

  private openConstruct(): string {
    switch (this.state) {
      case S.Str:
      case S.StrEsc:
      case S.StrOct:
      case S.StrHex:
      case S.StrCont:
        return ` inside the string opened at byte ${this.atomStart}`;
      case S.Hex:
        return ` inside the hex atom opened at byte ${this.atomStart}`;
      case S.B64:
        return ` inside the base64 atom opened at byte ${this.atomStart}`;
      case S.Digits:
        return ` inside the length prefix at byte ${this.atomStart}`;
      default:
        return '';
    }
  }

  private fail(reason: string, at: number, code: number): never {
    throw new SexpError(reason, at, code);
  }

  private accPush(c: number): void {
    if (this.accLen === this.accCap) this.accGrow(1);
    this.acc[this.accLen++] = c;
  }

  private accGrow(extra: number): void {
    const need = this.accLen + extra;
    if (need > this.maxAtom) {
      this.fail(`atom longer than the limit of ${this.maxAtom} bytes`, this.atomStart, E.STRING_TOO_LONG);
    }
    let size = Math.max(this.acc.length * 2, 64);
    while (size < need) size *= 2;
    const grown = new Uint8Array(Math.min(size, Math.max(need, this.maxAtom)));
    grown.set(this.acc.subarray(0, this.accLen));
    this.acc = grown;
    this.accCap = Math.min(grown.length, this.maxAtom);
  }

  private accTake(): Uint8Array {
    const bytes = this.acc.slice(0, this.accLen);
    this.accLen = 0;
    if (this.acc.length > 4096) {
      this.acc = new Uint8Array(64); // do not pin a large buffer
      this.accCap = Math.min(64, this.maxAtom);
    }
    return bytes;
  }

  private addAtom(bytes: Uint8Array): void {
    const a: SexpAtom = { type: 'atom', bytes };
    const top = this.stack.length;
    if (top === 0) {
      this.value = a;
      this.state = S.Done;
    } else {
      this.stack[top - 1]!.push(a);
      this.state = S.Between;
    }
  }

  private run(chunk: Uint8Array): void {
    const n = chunk.length;
    const base = this.base;
    let i = 0;
    try {
      while (i < n) {
        switch (this.state) {
          case S.Between: {
            let c = chunk[i]!;
            let cls = CLASS[c]!;
            if (cls === WS) {
              // Skip the run of white space (indentation of the advanced form) in one loop.
              while (++i < n && (cls = CLASS[(c = chunk[i]!)]!) === WS);
              if (i === n) break;
            }
            if (cls === TOK) {
              this.atomStart = base + i;
              // Fast path: the whole token in this chunk.
              let j = i + 1;
              while (j < n && CLASS[chunk[j]!]! & (TOK | DIG)) j++;
              if (j < n) {
                if (j - i > this.maxAtom) this.fail(`atom longer than the limit of ${this.maxAtom} bytes`, this.atomStart, E.STRING_TOO_LONG);
                this.addAtom(chunk.slice(i, j));
              } else {
                this.accLen = 0;
                this.accAppend(chunk, i, j);
                this.state = S.Token;
              }
              i = j;
              break;
            }
            if (cls === DIG) {
              this.atomStart = base + i;
              if (c === 0x30 && !this.allowZero) this.fail('length prefix starts with 0 (a length is 1 or more, without leading zeros)', base + i, E.ZERO_PREFIX);
              this.lenValue = c - 0x30;
              this.state = S.Digits;
              i++;
              break;
            }
            this.between(c, base + i);
            i++;
            break;
          }
          case S.Token: {
            let j = i;
            while (j < n && CLASS[chunk[j]!]! & (TOK | DIG)) j++;
            this.accAppend(chunk, i, j);
            i = j;
            if (j < n) this.addAtom(this.accTake());
            break;
          }
          case S.Digits: {
            const c = chunk[i]!;
            if (CLASS[c] === DIG) {
              if (this.lenValue === 0) this.fail('length prefix starts with 0', this.atomStart, E.ZERO_PREFIX);
              // Saturate: anything above the limit fails at the colon anyway.
              if (this.lenValue <= this.maxAtom) this.lenValue = this.lenValue * 10 + (c - 0x30);
              i++;
              break;
            }
            if (c === 0x22 || c === 0x23 || c === 0x7c) {
              // `3"abc"`, `3#616263#`, `4|YWJj|`: libgcrypt reads the string and ignores the length.
              this.between(c, base + i);
              i++;
              break;
            }
            if (c !== 0x3a) this.fail(`bad length prefix: expected a digit or ':' but found ${describe(c)}`, base + i, E.INV_LEN_SPEC);
            this.colonAt = base + i;
            if (this.lenValue > this.maxAtom) {
              this.fail(`length prefix announces more than the limit of ${this.maxAtom} bytes`, base + i, E.STRING_TOO_LONG);
            }
            this.remaining = this.lenValue;
            this.accLen = 0;
            i++;
            if (this.remaining === 0) this.addAtom(new Uint8Array(0));
            else this.state = S.Data;
            break;
          }
          case S.Data: {
            const take = Math.min(this.remaining, n - i);
            if (this.accLen === 0 && take === this.remaining) {
              this.addAtom(chunk.slice(i, i + take));
            } else {
              this.accAppend(chunk, i, i + take);
              this.remaining -= take;
              if (this.remaining === 0) this.addAtom(this.accTake());
            }
            i += take;
            break;
          }
          case S.Str: {
            // Copy the run of plain bytes in one go.
            let j = i;
            while (j < n) {
              const c = chunk[j]!;
              if (c === 0x22 || c === 0x5c) break;
              j++;
            }
            if (j > i) this.accAppend(chunk, i, j);
            i = j;
            if (i < n) {
              if (chunk[i] === 0x22) this.addAtom(this.accTake());
              else this.state = S.StrEsc;
              i++;
            }
            break;
          }
          case S.StrEsc: {
            const c = chunk[i]!;
            const at = base + i;
            const v = ESCAPE[c]!;
            if (v >= 0) {
              this.accPush(v);
              this.state = S.Str;
            } else if (c === 0x0a || c === 0x0d) {
              this.contChar = c;
              this.state = S.StrCont;
            } else if (c >= 0x30 && c <= 0x37) {
              this.escStart = at;
              this.escValue = c - 0x30;
              this.escCount = 1;
              this.state = S.StrOct;
            } else if (c === 0x78) {
              this.escStart = at;
              this.escValue = 0;
              this.escCount = 0;
              this.state = S.StrHex;
            } else {
              this.fail(`bad escape in string: '\\' followed by ${describe(c)}`, at, E.BAD_QUOTATION);
            }
            i++;
            break;
          }
          case S.StrOct: {
            const c = chunk[i]!;
            if (c < 0x30 || c > 0x37) this.fail('bad octal escape in string: expected three octal digits after \'\\\'', this.escStart, E.BAD_QUOTATION);
            this.escValue = this.escValue * 8 + (c - 0x30);
            if (++this.escCount === 3) {
              this.accPush(this.escValue & 0xff); // libgcrypt keeps the low byte of \400..\777
              this.state = S.Str;
            }
            i++;
            break;
          }
          case S.StrHex: {
            const v = HEXVAL[chunk[i]!]!;
            if (v === NONE) this.fail("bad hex escape in string: expected two hex digits after '\\x'", this.escStart, E.BAD_QUOTATION);
            this.escValue = this.escValue * 16 + v;
            if (++this.escCount === 2) {
              this.accPush(this.escValue);
              this.state = S.Str;
            }
            i++;
            break;
          }
          case S.StrCont: {
            const c = chunk[i]!;
            this.state = S.Str;
            if ((c === 0x0a || c === 0x0d) && c !== this.contChar) i++; // CR LF or LF CR
            break;
          }
          case S.Hex: {
            // Tight loop over the run of hex digits and white space.
            let j = i;
            for (; j < n; j++) {
              const c = chunk[j]!;
              const v = HEXVAL[c]!;
              if (v !== NONE) {
                if (this.nibble < 0) this.nibble = v;
                else {
                  if (this.accLen === this.accCap) this.accGrow(1);
                  this.acc[this.accLen++] = (this.nibble << 4) | v;
                  this.nibble = -1;
                }
              } else if (c === 0x23) {
                if (this.nibble >= 0) this.fail('odd number of hex digits in hex atom', base + j, E.ODD_HEX_NUMBERS);
                this.addAtom(this.accTake());
                j++;
                break;
              } else if (CLASS[c] !== WS) {
                this.fail(`bad character in hex atom: expected a hex digit or '#' but found ${describe(c)}`, base + j, E.BAD_HEX_CHAR);
              }
            }
            i = j;
            break;
          }
          case S.B64: {
            const c = chunk[i]!;
            if (c === 0x7c) {
              if (this.b64Chars === 0) this.fail('empty base64 atom', this.atomStart, E.EMPTY_BASE64);
              this.addAtom(this.accTake());
            } else {
              const v = B64VAL[c]!;
              if (v === NONE && c !== 0x3d) this.fail(`bad character in base64 atom: expected base64 or '|' but found ${describe(c)}`, base + i, E.BAD_CHARACTER);
              this.b64Chars++;
              if (!this.b64Stopped) this.b64Step(v, c === 0x3d);
            }
            i++;
            break;
          }
          case S.Transport:
            i = this.transport(chunk, i);
            break;
          case S.Done: {
            const c = chunk[i]!;
            if (CLASS[c] === WS) i++;
            else if (c === 0x5d && this.hintOpen) {
              this.hintOpen = false;
              i++;
            } else if (CLASS[c] !== 0 || c === 0x28 || c === 0x22 || c === 0x23 || c === 0x7c || c === 0x5b || c === 0x7b) {
              // The start of a second expression, which libgcrypt would read on.
              this.fail(`unexpected ${describe(c)} after the end of the S-expression (only one expression is read)`, base + i, E.NONE);
            } else {
              this.between(c, base + i); // a byte libgcrypt refuses here too: same error
            }
            break;
          }
        }
      }
    } finally {
      this.base = base + n;
    }
  }

  /** A byte that is neither white space, a token nor a digit, between elements. */
  private between(c: number, at: number): void {
    switch (c) {
      case 0x28: {
        // (
        if (this.hintOpen) this.fail("'(' inside a display hint", at, E.UNMATCHED_DH);
        if (this.stack.length >= this.maxDepth) this.fail(`lists nested deeper than the limit of ${this.maxDepth}`, at, E.NONE);
        this.stack.push([]);
        this.opens.push(at);
        return;
      }
      case 0x29: {
        // )
        if (this.hintOpen) this.fail("')' inside a display hint", at, E.UNMATCHED_DH);
        const items = this.stack.pop();
        if (items === undefined) this.fail("')' without a matching '('", at, E.UNMATCHED_PAREN);
        this.opens.pop();
        const l: SexpList = { type: 'list', items };
        const top = this.stack.length;
        if (top === 0) {
          this.value = l;
          this.state = S.Done;
        } else this.stack[top - 1]!.push(l);
        return;
      }
      case 0x22: // "
        this.atomStart = at;
        this.accLen = 0;
        this.state = S.Str;
        return;
      case 0x23: // #
        this.atomStart = at;
        this.accLen = 0;
        this.nibble = -1;
        this.state = S.Hex;
        return;
      case 0x7c: // |
        this.atomStart = at;
        this.accLen = 0;
        this.b64State = 0;
        this.b64Bits = 0;
        this.b64Chars = 0;
        this.b64Stopped = false;
        this.state = S.B64;
        return;
      case 0x5b: // [
        if (this.hintOpen) this.fail("'[' inside a display hint", at, E.NESTED_DH);
        this.hintOpen = true;
        return;
      case 0x5d: // ]
        if (!this.hintOpen) this.fail("']' without a matching '['", at, E.UNMATCHED_DH);
        this.hintOpen = false;
        return;
      case 0x7b: // {
        if (this.stack.length === 0 && !this.noTransport) {
          this.tStart = at;
          this.tQuad = 0;
          this.tCount = 0;
          this.tPad = 0;
          this.inner = new SexpReader({
            maxDepth: this.maxDepth,
            maxAtomLength: this.maxAtom,
            maxSize: this.maxSize,
            allowZeroLength: true,
            noTransport: true,
          });
          this.state = S.Transport;
          return;
        }
        this.fail(
          this.stack.length === 0
            ? "unexpected '{': the transport form {base64} is not read here (libgcrypt does not read it)"
            : "unexpected '{' (the transport form {base64} is read only as a whole expression)",
          at,
          E.UNEXPECTED_PUNC,
        );
      // eslint-disable-next-line no-fallthrough
      case 0x26: // &
      case 0x5c: // \
        this.fail(`unexpected reserved punctuation ${describe(c)}`, at, E.UNEXPECTED_PUNC);
      // eslint-disable-next-line no-fallthrough
      default:
        this.fail(`bad character ${describe(c)}: expected '(', ')', an atom or white space`, at, E.BAD_CHARACTER);
    }
  }

  private accAppend(chunk: Uint8Array, from: number, to: number): void {
    const k = to - from;
    if (k === 0) return;
    if (this.accLen + k > this.accCap) this.accGrow(k);
    this.acc.set(chunk.subarray(from, to), this.accLen);
    this.accLen += k;
  }

  /** libgcrypt's base64 decoding inside |...|: the first '=' ends the data, a lone pending sextet is kept. */
  private b64Step(v: number, pad: boolean): void {
    if (pad) {
      if (this.b64State === 1) this.accPush(this.b64Bits);
      this.b64Stopped = true;
      return;
    }
    switch (this.b64State) {
      case 0:
        this.b64Bits = v << 2;
        this.b64State = 1;
        break;
      case 1:
        this.accPush(this.b64Bits | (v >> 4));
        this.b64Bits = (v & 15) << 4;
        this.b64State = 2;
        break;
      case 2:
        this.accPush(this.b64Bits | (v >> 2));
        this.b64Bits = (v & 3) << 6;
        this.b64State = 3;
        break;
      default:
        this.accPush(this.b64Bits | v);
        this.b64State = 0;
    }
  }

  // Transport form: `{` base64 of a canonical expression `}`, white space allowed inside.
  private transport(chunk: Uint8Array, i: number): number {
    const n = chunk.length;
    if (this.tOut.length < n) this.tOut = new Uint8Array(Math.max(n, 256));
    this.tOutLen = 0;
    try {
      for (; i < n; i++) {
        const c = chunk[i]!;
        const v = B64VAL[c]!;
        if (v !== NONE) {
          if (this.tPad > 0) this.fail("bad transport form: base64 data after '=' padding", this.base + i, E.BAD_CHARACTER);
          this.tQuad = (this.tQuad << 6) | v;
          if (++this.tCount === 4) {
            const q = this.tQuad;
            this.tOut[this.tOutLen++] = q >>> 16;
            this.tOut[this.tOutLen++] = (q >>> 8) & 0xff;
            this.tOut[this.tOutLen++] = q & 0xff;
            this.tQuad = 0;
            this.tCount = 0;
          }
        } else if (c === 0x3d) {
          if (this.tCount < 2 || this.tCount + this.tPad >= 4) this.fail("bad transport form: misplaced '=' padding", this.base + i, E.BAD_CHARACTER);
          this.tPad++;
        } else if (c === 0x7d) {
          if (this.tCount === 1) this.fail('bad transport form: truncated base64 (a lone final character)', this.base + i, E.BAD_CHARACTER);
          if (this.tCount === 2) this.tOut[this.tOutLen++] = (this.tQuad >>> 4) & 0xff;
          else if (this.tCount === 3) {
            this.tOut[this.tOutLen++] = (this.tQuad >>> 10) & 0xff;
            this.tOut[this.tOutLen++] = (this.tQuad >>> 2) & 0xff;
          }
          this.flushTransport();
          let value: Sexp;
          try {
            value = this.inner!.end();
          } catch (e) {
            throw this.innerError(e);
          }
          this.value = value;
          this.inner = undefined;
          this.state = S.Done;
          return i + 1;
        } else if (CLASS[c] !== WS) {
          this.fail(`bad character in transport form: expected base64 or '}' but found ${describe(c)}`, this.base + i, E.BAD_CHARACTER);
        }
      }
      this.flushTransport();
      return i;
    } catch (e) {
      // Report faults in stream order: bytes decoded before this one may hold an earlier fault.
      if (e instanceof SexpError && this.inner && this.tOutLen > 0) this.flushTransport();
      throw e;
    }
  }

  private flushTransport(): void {
    if (this.tOutLen === 0 || !this.inner) return;
    const out = this.tOut.subarray(0, this.tOutLen);
    this.tOutLen = 0;
    try {
      this.inner.push(out);
    } catch (e) {
      throw this.innerError(e);
    }
  }

  private innerError(e: unknown): unknown {
    if (!(e instanceof SexpError)) return e;
    // The payload offset maps to the base64 quad that holds it (white space inside not counted).
    const at = this.tStart + 1 + Math.floor(e.offset / 3) * 4;
    return new SexpError(`in the transport payload at decoded byte ${e.offset}: ${e.reason}`, at, e.code);
  }
}

/**
 * Read one S-expression from a whole buffer (a string is taken as ISO-8859-1). `noTransport`
 * reads only what libgcrypt reads, where a text must mean to Guix what it means to us.
 */
export function parseSexp(input: Uint8Array | string, options?: ReaderOptions): Sexp {
  if (typeof input === 'string') {
    // One char per byte: a char above U+00FF would be silently truncated by the conversion.
    const bad = input.search(/[^\u0000-\u00ff]/);
    if (bad >= 0) throw new SexpError(`character U+${input.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0')} is not ISO-8859-1 (pass bytes for UTF-8 text)`, bad);
  }
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const r = new SexpReader(options);
  r.push(bytes);
  return r.end();
}
