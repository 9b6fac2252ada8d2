// Line breaking for the screens. ink's own wrapping keeps the space it breaks at at the start of
// the next line; these break cleanly, so every line's width is known before drawing.

/** "1 key", "2 keys". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Break at `width` columns regardless of words (hex atoms have no spaces anyway). */
export function hardWrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  return text.split('\n').flatMap((line) => {
    if (line.length <= w) return [line];
    const out: string[] = [];
    for (let i = 0; i < line.length; i += w) out.push(line.slice(i, i + w));
    return out;
  });
}

/** Break between words at `width` columns; a word longer than a line is cut. */
export function wordWrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  return text.split('\n').flatMap((para) => {
    const out: string[] = [];
    let line = '';
    for (const word of para.split(/ +/)) {
      if (!word) continue;
      if (!line) line = word;
      else if (line.length + 1 + word.length <= w) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
      while (line.length > w) {
        out.push(line.slice(0, w));
        line = line.slice(w);
      }
    }
    out.push(line);
    return out;
  });
}
