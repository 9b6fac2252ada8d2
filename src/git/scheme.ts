// A Scheme reader for the subset `.guix-authorizations` and the authentication cache use:
// lists ( ) [ ], strings with their escapes, symbols/numbers/booleans as atoms, and the three
// kinds of comments (`;`, `#| |#`, `#;`). Every node keeps its source span so that files can be
// edited in place, comments and layout untouched.
import { KeytoolError } from '../errors.js';

export type Node =
  | { type: 'list'; items: Node[]; start: number; end: number /* after the closing paren */ }
  | { type: 'string'; value: string; start: number; end: number }
  | { type: 'atom'; text: string; start: number; end: number };

export class SchemeSyntaxError extends KeytoolError {}

const DELIMITERS = new Set([' ', '\t', '\n', '\r', '\f', '(', ')', '[', ']', '"', ';']);

export function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') { line++; last = i; }
  return `${line}:${offset - last}`;
}

/** Read every top-level datum of `text`. */
export function readAll(text: string, what = 'input'): Node[] {
  let p = 0;
  const fail = (msg: string, at = p): never => {
    throw new SchemeSyntaxError(`${what}:${lineCol(text, at)}: ${msg}`);
  };

  const skipAtmosphere = (): void => {
    for (;;) {
      const c = text[p];
      if (c === undefined) return;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') { p++; continue; }
      if (c === ';') { while (p < text.length && text[p] !== '\n') p++; continue; }
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
      if (c === '#' && text[p + 1] === ';') { p += 2; datum(); continue; }
      return;
    }
  };

  const datum = (): Node => {
    skipAtmosphere();
    const start = p;
    const c = text[p];
    if (c === undefined) return fail('unexpected end of input');
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      p++;
      const items: Node[] = [];
      for (;;) {
        skipAtmosphere();
        if (p >= text.length) fail(`missing "${close}" for the list opened here`, start);
        if (text[p] === ')' || text[p] === ']') {
          if (text[p] !== close) fail(`"${text[p]}" closes a list opened with "${c}"`);
          p++;
          return { type: 'list', items, start, end: p };
        }
        items.push(datum());
      }
    }
    if (c === ')' || c === ']') return fail(`unexpected "${c}"`);
    if (c === '"') return string();
    if (c === "'" || c === '`' || c === ',') {
      p++;
      const inner = datum();
      const name = c === "'" ? 'quote' : c === '`' ? 'quasiquote' : 'unquote';
      return { type: 'list', items: [{ type: 'atom', text: name, start, end: start + 1 }, inner], start, end: inner.end };
    }
    while (p < text.length && !DELIMITERS.has(text[p]!)) p++;
    return { type: 'atom', text: text.slice(start, p), start, end: p };
  };

  const string = (): Node => {
    const start = p++;
    let value = '';
    for (;;) {
      const c = text[p];
      if (c === undefined) return fail('unterminated string', start);
      p++;
      if (c === '"') return { type: 'string', value, start, end: p };
      if (c !== '\\') { value += c; continue; }
      const e = text[p++];
      switch (e) {
        case '"': case '\\': case '|': value += e; break;
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'a': value += '\x07'; break;
        case 'f': value += '\f'; break;
        case 'v': value += '\v'; break;
        case 'b': value += '\b'; break;
        case '0': value += '\0'; break;
        case 'x': {
          const m = /^([0-9a-fA-F]+);?/.exec(text.slice(p, p + 9));
          if (!m) fail('invalid \\x escape in string', p - 2);
          value += String.fromCodePoint(parseInt(m![1]!, 16));
          p += m![0].length;
          break;
        }
        case '\n': while (text[p] === ' ' || text[p] === '\t') p++; break; // line continuation
        default: fail(`invalid escape "\\${e ?? ''}" in string`, p - 2);
      }
    }
  };

  const out: Node[] = [];
  for (;;) {
    skipAtmosphere();
    if (p >= text.length) return out;
    out.push(datum());
  }
}

/** Write `s` as a Scheme string literal. */
export function writeString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}
