// Builds every man page: man/<name>.<section>.md → man/<name>.<section> (roff, man macros).
//
//   node scripts/build-man.mjs            write the roff files next to their sources
//   node scripts/build-man.mjs --out DIR  write them into DIR instead (the up-to-date test uses this)
//
// Markdown is read with `marked`'s lexer (installed with marked-man) and rendered by the small
// renderer below, which emits only what `groff -man -ww` accepts without a warning. The subset:
//   # name(section) -- one-line description      (first line: title and NAME section)
//   ## SECTION, ### Subsection, paragraphs, `code` (bold), *emphasis* (italic), **strong**,
//   fenced code blocks, bullet and numbered lists, [text](url) links, tables (simple),
//   and definition items, the way keytool's pages list commands and options:
//       `--config-dir` *DIR*
//       : What it does. Lines that continue it are plain; a line indented by two spaces
//         starts a further paragraph of the same item.
// Anything else fails the build with the file and the construct, rather than printing badly.
// Output is reproducible: the date is $SOURCE_DATE_EPOCH if set, else the package's release date
// below; the version comes from package.json.
import { Lexer } from 'marked';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The manual a section belongs to, as man-pages(7) names them.
const MANUAL_TITLES = { 1: 'User Commands', 5: 'File Formats', 8: 'System Administration' };

/** The date man pages carry when SOURCE_DATE_EPOCH is unset; bump it with each release. */
export const RELEASE_DATE = '2026-11-22';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const manDir = path.join(root, 'man');

/** Escape text for roff: backslashes, and characters that would start a request at line start. */
function esc(text) {
  let t = text.replace(/\\/g, '\\e');
  t = t.replace(/[\u00a0-\uffff]/g, (c) => SPECIAL[c] ?? fail(`character U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')} (${c}) has no roff spelling here; add it to SPECIAL`));
  return t;
}
const SPECIAL = {
  '\u00a0': '\\~', '\u2014': '\\(em', '\u2013': '\\(en', '\u2018': '\\(oq', '\u2019': '\\(cq',
  '\u201c': '\\(lq', '\u201d': '\\(rq', '\u2192': '\\(->', '\u2190': '\\(<-', '\u2026': '.\\|.\\|.',
  '\u00e9': '\\(\'e', '\u00d7': '\\(mu', '\u2264': '\\(<=', '\u2265': '\\(>=', '\u00b7': '\\(pc',
};

let currentFile = '';
function fail(msg) {
  throw new Error(`${currentFile}: ${msg}`);
}

/** Hyphens in code are minus signs (so that copied options work). */
const codeEsc = (text) => esc(text).replace(/-/g, '\\-');

function inline(tokens) {
  let out = '';
  for (const t of tokens ?? []) {
    switch (t.type) {
      case 'text':
        out += t.tokens ? inline(t.tokens) : esc(decode(t.text));
        break;
      case 'escape':
        out += esc(t.text);
        break;
      case 'codespan':
        out += `\\fB${codeEsc(decode(t.text))}\\fR`;
        break;
      case 'strong':
        out += `\\fB${inline(t.tokens)}\\fR`;
        break;
      case 'em':
        out += `\\fI${inline(t.tokens)}\\fR`;
        break;
      case 'link': {
        const text = inline(t.tokens);
        out += t.href === t.text || `mailto:${t.text}` === t.href ? text : `${text} <${esc(t.href)}>`;
        break;
      }
      case 'br':
        out += '\n.br\n';
        break;
      case 'html':
        if (/^<!--[\s\S]*-->$/.test(t.text.trim())) break;
        fail(`inline HTML is not supported: ${t.text}`);
        break;
      default:
        fail(`unsupported inline element ${t.type}: ${JSON.stringify(t.raw)}`);
    }
  }
  return out;
}

const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Make rendered inline text safe as roff lines: no line may start with . or '. */
function lines(text) {
  return text
    .split('\n')
    .map((l) => l.replace(/^[ \t]+/, ''))
    .filter((l) => l !== '')
    .map((l) => (/^[.']/.test(l) && !/^\.br$/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

function block(tokens, depth = 0) {
  let out = '';
  // After a definition item, blocks indented by two spaces (paragraphs, code) belong to it.
  let inDefinition = false;
  for (const t of tokens) {
    const indented = /^ {2}\S/.test(t.raw ?? '') || /^ {2}```/.test(t.raw ?? '');
    if (t.type !== 'space' && !(inDefinition && indented)) inDefinition = false;
    switch (t.type) {
      case 'space':
        break;
      case 'heading':
        if (t.depth === 1) fail('only the first line may be a level-1 heading');
        out += t.depth === 2 ? `.SH ${quoteArg(esc(t.text.toUpperCase()))}\n` : `.SS ${quoteArg(inline(t.tokens))}\n`;
        break;
      case 'paragraph': {
        const def = /^([^\n]+)\n: ([\s\S]*)$/.exec(t.raw.trimEnd());
        if (def) {
          // A body line indented by two spaces starts another paragraph of the same item.
          const paras = def[2].split(/\n {2}(?=\S)/).map((p) => lines(inline(new Lexer().inlineTokens(p))));
          out += `.TP\n${lines(inline(new Lexer().inlineTokens(def[1])))}\n${paras.join('\n.IP\n')}\n`;
          inDefinition = true;
        } else if (inDefinition) {
          out += `.IP\n${lines(inline(t.tokens))}\n`;
        } else {
          out += `${depth ? '' : '.PP\n'}${lines(inline(t.tokens))}\n`;
        }
        break;
      }
      case 'code': {
        const body = t.text.split('\n').map((l) => (/^[.']/.test(l) ? `\\&${codeEsc(l)}` : codeEsc(l))).join('\n');
        out += inDefinition ? `.IP\n.nf\n${body}\n.fi\n` : `.PP\n.RS 4\n.nf\n${body}\n.fi\n.RE\n`;
        break;
      }
      case 'list':
        t.items.forEach((item, i) => {
          out += `.IP ${t.ordered ? `${(t.start || 1) + i}.` : '\\(bu'} 4\n`;
          item.tokens.forEach((sub, j) => {
            if (sub.type === 'text') out += `${lines(inline(sub.tokens ?? [{ type: 'text', text: sub.text }]))}\n`;
            else if (sub.type === 'space') return;
            else if (sub.type === 'paragraph') out += `${j ? '.IP\n' : ''}${lines(inline(sub.tokens))}\n`;
            else if (sub.type === 'code') out += block([sub], depth + 1);
            else fail(`unsupported element inside a list item: ${sub.type}`);
          });
        });
        out += '.PP\n';
        break;
      case 'table': {
        const cell = (c) => `T{\n${lines(inline(c.tokens))}\nT}`;
        out += `.PP\n.TS\nallbox;\n${t.header.map(() => 'lb').join(' ')}\n${t.header.map(() => 'l').join(' ')} .\n`;
        out += `${t.header.map(cell).join('\t')}\n`;
        for (const row of t.rows) out += `${row.map(cell).join('\t')}\n`;
        out += '.TE\n';
        break;
      }
      case 'html':
        if (/^<!--[\s\S]*-->\s*$/.test(t.text.trim())) break;
        fail(`HTML blocks are not supported: ${t.text.trim().slice(0, 60)}`);
        break;
      default:
        fail(`unsupported block ${t.type}: ${JSON.stringify(t.raw.slice(0, 60))}`);
    }
  }
  return out;
}

function quoteArg(text) {
  return /\s/.test(text) ? `"${text.replace(/"/g, '\\(dq')}"` : text;
}

function manDate() {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const d = epoch ? new Date(Number(epoch) * 1000) : new Date(`${RELEASE_DATE}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) throw new Error(`SOURCE_DATE_EPOCH is not a number of seconds: ${epoch}`);
  return d.toISOString().slice(0, 10);
}

/** The roff text of one Markdown page. */
export function renderPage(markdown, file, version) {
  currentFile = file;
  const [first, ...rest] = markdown.split('\n');
  const m = /^# ([\w.-]+)\((\d\w*)\) -- (.+)$/.exec(first ?? '');
  if (!m) fail('the first line must be "# name(section) -- one-line description"');
  const [, name, section, description] = m;
  const expected = path.basename(file).replace(/\.md$/, '');
  if (`${name}.${section}` !== expected) fail(`the title says ${name}(${section}) but the file is named ${expected}.md`);
  const body = block(new Lexer({ gfm: true }).lex(rest.join('\n')));
  return (
    `.\\" Generated by scripts/build-man.mjs from man/${path.basename(file)}; do not edit.\n` +
    `.TH ${name.toUpperCase()} ${section} ${manDate()} "guix-keytool ${version}" "${MANUAL_TITLES[section] ?? 'User Commands'}"\n` +
    // No hyphenation (commands, options and file names must read exactly as typed), and a
    // ragged right margin rather than wide gaps around long unbreakable words.
    '.nh\n.ad l\n' +
    `.SH NAME\n${name} \\- ${esc(description)}\n` +
    body
  );
}

/** Build every man/*.md into `outDir`; returns the written paths. */
export function buildAll(outDir = manDir) {
  const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  mkdirSync(outDir, { recursive: true });
  const written = [];
  for (const f of readdirSync(manDir).filter((n) => /^[\w.-]+\.\d\w*\.md$/.test(n)).sort()) {
    const source = path.join(manDir, f);
    const target = path.join(outDir, f.replace(/\.md$/, ''));
    writeFileSync(target, renderPage(readFileSync(source, 'utf8'), source, version));
    written.push(target);
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  try {
    for (const p of buildAll(i > 0 ? path.resolve(process.argv[i + 1]) : manDir)) console.log(path.relative(process.cwd(), p));
  } catch (e) {
    console.error(`build-man: ${e.message}`);
    process.exit(1);
  }
}
