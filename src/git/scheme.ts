// A Scheme reader for the subset `.guix-authorizations` and the authentication cache use, reading
// as Guile's `read` does: lists ( ) [ ] (dotted tails included), strings with Guile's escapes,
// quote prefixes, symbols/numbers/booleans/characters as atoms, and the three kinds of comments
// (`;`, `#| |#`, `#;`). Every node keeps its source span so that files can be edited in place,
// comments and layout untouched.
//
// The reader is iterative (an explicit stack, no recursion): like Guile, it reads any depth of
// nesting, quoting or datum comments, in time and memory linear in the input.
import { displayable } from '../display.js';
import { KeytoolError } from '../errors.js';

export type Node =
  | { type: 'list'; items: Node[]; start: number; end: number /* after the closing paren */; tail?: Node /* after " . " when not a list */ }
  | { type: 'string'; value: string; start: number; end: number }
  | { type: 'atom'; text: string; start: number; end: number };

export class SchemeSyntaxError extends KeytoolError {}

const DELIMITERS = new Set([' ', '\t', '\n', '\r', '\f', '(', ')', '[', ']', '"', ';']);

const PREFIXES: Record<string, string> = { "'": 'quote', '`': 'quasiquote', ',': 'unquote', ',@': 'unquote-splicing' };

/** Guile's one-character string escapes. */
const ESCAPES: Record<string, string> = {
  '"': '"', '\\': '\\', '|': '|', '(': '(', n: '\n', t: '\t', r: '\r', a: '\x07', f: '\f', v: '\v', b: '\b', '0': '\0',
};

/** Guile's hexadecimal escapes and their exact number of digits: `\xHH`, `\uHHHH`, `\UHHHHHH`. */
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 6 };

const HEX_DIGIT = /^[0-9a-fA-F]$/;

/**
 * How deep lists, quote prefixes and datum comments may nest. Guile has no such limit, but every
 * level costs memory here; a real file nests four levels, so any depth reached is absurd.
 */
export const MAX_DEPTH = 100_000;

/** What is open while the reader waits for the datum or the parenthesis that completes it. */
type Frame =
  | { kind: 'list'; open: '(' | '['; start: number; items: Node[]; dot?: number; tail?: Node }
  | { kind: 'prefix'; name: string; start: number }
  | { kind: 'skip'; start: number }; // `#;`: the next datum is a comment

export function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') { line++; last = i; }
  return `${line}:${offset - last}`;
}

/** Read every top-level datum of `text`. */
export function readAll(text: string, what = 'input'): Node[] {
  return read(text, what, Infinity);
}

/** Read the first datum of `text`, as Guile's `read` does (what follows it is never read). */
export function readFirst(text: string, what = 'input'): Node | undefined {
  return read(text, what, 1)[0];
}

function read(text: string, what: string, limit: number): Node[] {
  let p = 0;
  const fail = (msg: string, at = p): never => {
    throw new SchemeSyntaxError(`${displayable(what)}:${lineCol(text, at)}: ${msg}`);
  };

  /** Skip blanks, line comments and (nested) block comments. */
  const skipBlanks = (): void => {
    for (;;) {
      const c = text[p];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') { p++; continue; }
      if (c === ';') { const nl = text.indexOf('\n', p); p = nl < 0 ? text.length : nl; continue; }
      if (c === '#' && text[p + 1] === '|') {
        const start = p;
        let depth = 0;
        while (p < text.length) {
          if (text[p] === '#' && text[p + 1] === '|') { depth++; p += 2; }
          else if (text[p] === '|' && text[p + 1] === '#') { depth--; p += 2; if (depth === 0) break; }
          else p++;
        }
        if (depth !== 0) fail('unterminated block comment', start);
        continue;
      }
      return;
    }
  };

  const string = (): Node => {
    const start = p++;
    let value = '';
    for (;;) {
      // Copy the run up to the next quote or backslash in one slice.
      let q = p;
      while (q < text.length && text[q] !== '"' && text[q] !== '\\') q++;
      if (q > p) { value += text.slice(p, q); p = q; }
      const c = text[p];
      if (c === undefined) return fail('unterminated string', start);
      p++;
      if (c === '"') return { type: 'string', value, start, end: p };
      const at = p - 1;
      const e = text[p++];
      if (e === undefined) return fail('unterminated string', start);
      if (e === '\n') continue; // line continuation: Guile drops the newline only
      const simple = ESCAPES[e];
      if (simple !== undefined) { value += simple; continue; }
      const digits = HEX_ESCAPES[e];
      if (digits === undefined) return fail(`invalid escape "\\${displayable(e)}" in string`, at);
      const hex = text.slice(p, p + digits);
      if (hex.length !== digits || ![...hex].every((d) => HEX_DIGIT.test(d))) {
        return fail(`invalid escape in string: "\\${e}" takes exactly ${digits} hexadecimal digits`, at);
      }
      const code = parseInt(hex, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return fail(`invalid escape "\\${e}${hex}" in string: ${code > 0x10ffff ? 'beyond the last Unicode code point' : 'a surrogate, not a character'}`, at);
      }
      value += String.fromCodePoint(code);
      p += digits;
    }
  };

  const atom = (): Node => {
    const start = p;
    if (text.startsWith('#\\', p) && p + 2 < text.length) p += 3; // a character: `#\(` is one datum
    while (p < text.length && !DELIMITERS.has(text[p]!)) p++;
    return { type: 'atom', text: text.slice(start, p), start, end: p };
  };

  const stack: Frame[] = [];
  const out: Node[] = [];
  for (;;) {
    skipBlanks();
    const top = stack[stack.length - 1];
    if (p >= text.length) {
      if (!top) return out;
      if (top.kind === 'list') fail(`missing "${top.open === '(' ? ')' : ']'}" for the list opened here`, top.start);
      fail('unexpected end of input');
    }
    const c = text[p]!;
    let node: Node;
    if ((c === '(' || c === '[' || c === "'" || c === '`' || c === ',' || (c === '#' && text[p + 1] === ';')) && stack.length >= MAX_DEPTH) {
      fail(`nested more than ${MAX_DEPTH} levels deep (lists, quotes and datum comments)`);
    }
    if (c === '(' || c === '[') { stack.push({ kind: 'list', open: c, start: p++, items: [] }); continue; }
    if (c === "'" || c === '`' || c === ',') {
      const prefix = c === ',' && text[p + 1] === '@' ? ',@' : c;
      stack.push({ kind: 'prefix', name: PREFIXES[prefix]!, start: p });
      p += prefix.length;
      continue;
    }
    if (c === '#' && text[p + 1] === ';') { stack.push({ kind: 'skip', start: p }); p += 2; continue; }
    if (c === ')' || c === ']') {
      if (!top || top.kind !== 'list') return fail(`unexpected "${c}"`);
      if ((c === ')') !== (top.open === '(')) fail(`"${c}" closes a list opened with "${top.open}"`);
      if (top.dot !== undefined && !top.tail) fail('missing datum after "."', top.dot);
      stack.pop();
      node = closeList(top, ++p);
    } else if (c === '"') node = string();
    else node = atom();

    // Hand the finished datum to what is open, which may finish in turn (a quote prefix).
    for (;;) {
      const frame = stack[stack.length - 1];
      if (!frame) {
        out.push(node);
        if (out.length >= limit) return out;
        break;
      }
      if (frame.kind === 'skip') { stack.pop(); break; }
      if (frame.kind === 'prefix') {
        stack.pop();
        node = { type: 'list', items: [{ type: 'atom', text: frame.name, start: frame.start, end: frame.start + 1 }, node], start: frame.start, end: node.end };
        continue;
      }
      if (node.type === 'atom' && node.text === '.') {
        if (frame.dot !== undefined) fail('unexpected "."', node.start);
        frame.dot = node.start;
      } else if (frame.dot !== undefined) {
        if (frame.tail) fail('more than one datum after "."', node.start);
        frame.tail = node;
      } else frame.items.push(node);
      break;
    }
  }
}

/** The list a frame read; a dotted tail that is a list joins it, as `(a . (b))` is `(a b)`. */
function closeList(frame: Frame & { kind: 'list' }, end: number): Node {
  const { tail, items, start } = frame;
  if (!tail) return { type: 'list', items, start, end };
  if (tail.type === 'list') return { type: 'list', items: [...items, ...tail.items], start, end, ...(tail.tail ? { tail: tail.tail } : {}) };
  // `(. x)` is x itself in Guile.
  if (items.length === 0) return tail;
  return { type: 'list', items, start, end, tail };
}

/** `node` as a proper list (not an improper `(a . b)`), else undefined. */
export function properList(node: Node | undefined): (Node & { type: 'list' }) | undefined {
  return node?.type === 'list' && !node.tail ? node : undefined;
}

/** Write `s` as a Scheme string literal. */
export function writeString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}
