// The list of authorized keys: one row per key with its label, algorithm and short fingerprint,
// the selection marked with ›, this machine's own key with *. Scrolls to keep the selection in view.
import { Box } from 'ink';
import { useRef } from 'react';
import { shortFingerprint } from '../fingerprint.js';
import { displayName, type Doc, type KeyEntry } from './state.js';
import { Para, Styled } from './theme.js';

/** Wide enough for every algorithm keytool can use: 'ECDSA/NIST P-256' is the longest (16). */
export const ALGO_WIDTH = 16;
export const FPR_WIDTH = 19;
/** Between two columns: two spaces, so that words of one never read as words of the next. */
export const GAP = '  ';
/** Before the label: the selection mark, the this-machine mark. */
const MARKS = 4;

export interface Columns {
  label: number;
  algo: number;
}

/**
 * Column widths for a terminal `width` wide, the last column left free (a line that fills the
 * terminal wraps on some): the label takes what is left; narrow terminals drop the algorithm.
 */
export function columnsFor(width: number): Columns {
  const room = width - 1 - MARKS - GAP.length - FPR_WIDTH;
  if (room - ALGO_WIDTH - GAP.length >= 16) return { label: room - ALGO_WIDTH - GAP.length, algo: ALGO_WIDTH };
  return { label: Math.max(4, room), algo: 0 };
}

/** `s` in exactly `n` columns: padded, or cut with an ellipsis. */
export const fit = (s: string, n: number): string => (s.length > n ? `${s.slice(0, Math.max(0, n - 1))}…` : s.padEnd(n));

export function rowText(doc: Doc, entry: KeyEntry, cols: Columns, selected: boolean, local: boolean): string {
  const label = displayName(doc, entry, local ? entry.fpr : undefined);
  const algo = cols.algo ? fit(entry.description, cols.algo) + GAP : '';
  return `${selected ? '›' : ' '} ${local ? '*' : ' '} ${fit(label, cols.label)}${GAP}${algo}${shortFingerprint(entry.fpr)}`;
}

export function headerText(cols: Columns): string {
  const algo = cols.algo ? fit('ALGORITHM', cols.algo) + GAP : '';
  return `${' '.repeat(MARKS)}${fit('LABEL  (* = this machine)', cols.label)}${GAP}${algo}FINGERPRINT`;
}

export interface KeyListProps {
  doc: Doc;
  entries: readonly KeyEntry[];
  selected?: string;
  localFpr?: string;
  width: number;
  height: number;
  filter: string;
}

export function KeyList({ doc, entries, selected, localFpr, width, height, filter }: KeyListProps) {
  const top = useRef(0);
  const cols = columnsFor(width);
  const rows = Math.max(1, height - 1);
  const sel = Math.max(0, entries.findIndex((e) => e.fpr === selected));
  if (sel < top.current) top.current = sel;
  if (sel >= top.current + rows) top.current = sel - rows + 1;
  top.current = Math.max(0, Math.min(top.current, Math.max(0, entries.length - rows)));
  const shown = entries.slice(top.current, top.current + rows);
  let empty: string | undefined;
  if (entries.length === 0) {
    empty = filter
      ? `No key matches "${filter}" (Esc clears the filter).`
      : 'The ACL is empty: this machine accepts no substitutes. Press a to add a key.';
  }
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Styled tone="dim">{headerText(cols)}</Styled>
      {empty ? <Para width={width - 1} text={empty} /> : null}
      {shown.map((e) => {
        const isSel = e.fpr === selected;
        const text = rowText(doc, e, cols, isSel, e.fpr === localFpr);
        return (
          <Styled key={e.fpr} tone={isSel ? 'selected' : e.problem ? 'warn' : 'plain'}>
            {text}
          </Styled>
        );
      })}
    </Box>
  );
}
