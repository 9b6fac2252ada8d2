// The detail view of one key: label, algorithm, full fingerprint, where it came from, and its
// whole S-expression as Guix writes it, scrolled with the arrows.
import { Box, Text } from 'ink';
import { useKeys } from './keyboard.js';
import { useEffect, useState } from 'react';
import { advancedString } from '../sexp/index.js';
import { DETAIL_KEYS, commandFor, keyName, type DetailCommand } from './keymap.js';
import { labelOf, type Doc, type KeyEntry } from './state.js';
import { hardWrap } from './text.js';
import { Styled } from './theme.js';

export function groupedFingerprint(fpr: string): string {
  return fpr.replace(/(.{4})(?=.)/g, '$1 ');
}

/** Where a key came from, in a few words. */
export function originText(base: Doc, doc: Doc, entry: KeyEntry, aclPath: string): string {
  const position = doc.keys.findIndex((e) => e.fpr === entry.fpr) + 1;
  const saved = base.keys.some((e) => e.fpr === entry.fpr);
  switch (entry.origin.kind) {
    case 'acl':
      return `${aclPath}, entry ${position} of ${doc.keys.length}`;
    case 'file':
      return `added from ${entry.origin.path}${saved ? '' : ' (not saved yet)'}`;
    case 'pasted':
      return `added from pasted text${saved ? '' : ' (not saved yet)'}`;
    case 'generated':
      return `generated here, ${entry.origin.path}${saved ? '' : ' (not in the saved ACL yet)'}`;
  }
}

/** The selected key in a few lines, under the list when there is room. */
export function Preview({ base, doc, entry, localFpr, aclPath, width }: { base: Doc; doc: Doc; entry: KeyEntry; localFpr?: string; aclPath: string; width: number }) {
  const grouped = groupedFingerprint(entry.fpr);
  const label = labelOf(doc, entry) || (entry.fpr === localFpr ? "this machine's key" : 'no label');
  const known = !doc.labels[entry.fpr] && entry.wellKnown ? ' · well-known, shipped with Guix' : '';
  const local = entry.fpr === localFpr && labelOf(doc, entry) ? " · this machine's key" : '';
  return (
    <Box flexDirection="column" width={width}>
      <Styled tone="dim">{'─'.repeat(width)}</Styled>
      <Styled tone="strong">{`${label} · ${entry.description}${known}${local}`}</Styled>
      <Text wrap="truncate-end">{`Fingerprint  ${grouped.slice(0, 39)}`}</Text>
      <Text wrap="truncate-end">{`             ${grouped.slice(40)}`}</Text>
      <Text wrap="truncate-end">{`From         ${originText(base, doc, entry, aclPath)}`}</Text>
      {entry.problem ? <Styled tone="warn">{`Unusable     ${entry.problem}`}</Styled> : <Styled tone="dim">Enter shows the whole key</Styled>}
    </Box>
  );
}

/** Height of <Preview>. */
export const PREVIEW_HEIGHT = 6;

export interface DetailLines {
  lines: string[];
  /** Lines that deserve emphasis (warnings). */
  warn: Set<number>;
}

export function detailLines(base: Doc, doc: Doc, entry: KeyEntry, localFpr: string | undefined, aclPath: string, width: number): DetailLines {
  const lines: string[] = [];
  const warn = new Set<number>();
  const add = (text: string, isWarn = false) => {
    for (const l of hardWrap(text, width)) {
      if (isWarn) warn.add(lines.length);
      lines.push(l);
    }
  };
  const userLabel = doc.labels[entry.fpr];
  const label = labelOf(doc, entry);
  add(`Label:       ${label || '(none)'}${userLabel ? '' : entry.wellKnown ? ' (well-known: shipped with Guix)' : ''}`);
  add(`Algorithm:   ${entry.description}`);
  if (entry.problem) add(`Unusable:    ${entry.problem}`, true);
  add('Fingerprint (SHA-256 of the canonical S-expression):');
  const grouped = groupedFingerprint(entry.fpr);
  // 79 columns in one piece; in two halves of 8 groups on narrower screens, never cut in a group.
  if (width >= grouped.length + 2) add(`  ${grouped}`);
  else for (const half of [grouped.slice(0, 39), grouped.slice(40)]) add(`  ${half}`);
  add(`Origin:      ${originText(base, doc, entry, aclPath)}`);
  if (entry.fpr === localFpr) add("Local:       this machine's own signing key (signing-key.pub)");
  add('');
  add('S-expression:');
  for (const l of advancedString(entry.key).replace(/\n$/, '').split('\n')) add(l);
  return { lines, warn };
}

export interface DetailProps {
  base: Doc;
  doc: Doc;
  entry: KeyEntry;
  index: number;
  count: number;
  localFpr?: string;
  aclPath: string;
  width: number;
  height: number;
  isActive: boolean;
  onCommand: (c: Exclude<DetailCommand, 'up' | 'down' | 'pageup' | 'pagedown' | 'home' | 'end'>) => void;
}

export function Detail(props: DetailProps) {
  const { base, doc, entry, localFpr, aclPath, width, height, isActive, onCommand } = props;
  const [top, setTop] = useState(0);
  useEffect(() => setTop(0), [entry.fpr]);
  const { lines, warn } = detailLines(base, doc, entry, localFpr, aclPath, width);
  const rows = Math.max(1, height - 1);
  const maxTop = Math.max(0, lines.length - rows);
  useKeys(
    (input, key) => {
      const c = commandFor(DETAIL_KEYS, keyName(input, key));
      const scroll = (t: number) => setTop(Math.max(0, Math.min(maxTop, t)));
      switch (c) {
        case 'up': return scroll(top - 1);
        case 'down': return scroll(top + 1);
        case 'pageup': return scroll(top - rows + 1);
        case 'pagedown': return scroll(top + rows - 1);
        case 'home': return scroll(0);
        case 'end': return scroll(maxTop);
        case undefined: return;
        default: return onCommand(c);
      }
    },
    isActive,
  );
  const t = Math.min(top, maxTop);
  const more = lines.length > rows ? ` (lines ${t + 1}–${Math.min(lines.length, t + rows)} of ${lines.length})` : '';
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Styled tone="accent">{`Key ${props.index + 1} of ${props.count}${more}`}</Styled>
      {lines.slice(t, t + rows).map((l, i) => (
        <Styled key={i} tone={warn.has(t + i) ? 'warn' : 'plain'}>
          {l || ' '}
        </Styled>
      ))}
    </Box>
  );
}
