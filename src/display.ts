// Text that came from input (store paths, file names, narinfo fields, git data) on its way to a
// terminal or a line of output: a hostile value must not move the cursor, retitle the window, start a
// new line that looks like a verdict, or fill the screen. JSON output keeps the exact value instead.

// C0 and C1 controls, DEL, and the Unicode characters that reorder or hide text (bidi controls,
// line and paragraph separators, zero-width and byte-order marks).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\\]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

/** `s` with every control or reordering character written as an escape (`\n`, `\x1b`, `\u202e`) and
 *  backslash doubled, so the printed text reads back unambiguously. Linear in `s`. */
export function displayable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A bounded excerpt of input for an error message: at most `max` characters of it (escaped as by
 *  `displayable`), with the length said when it was cut. */
export function excerpt(s: string, max = 80): string {
  if (s.length <= max) return displayable(s);
  return `${displayable(s.slice(0, max))}… (${s.length} characters)`;
}
