// The dialogs that take the keyboard from the list: remove confirmation, label editor, save
// summary, conflict, quit confirmation, key generation, and the help screen. Each one owns the
// input while it is shown (isActive) and reports a decision; none of them touches the disk.
import { Box, Text } from 'ink';
import { useKeys } from './keyboard.js';
import { useState } from 'react';
import { shortFingerprint } from '../fingerprint.js';
import {
  CONFIRM_REMOVE_KEYS, CONFLICT_KEYS, DETAIL_KEYS, FIELD_KEYS, GENERATE_KEYS, HELP_KEYS, LIST_KEYS, QUIT_KEYS, SAVE_KEYS,
  commandFor, displayKey, keyName, type Binding, type ConfirmCommand, type ConflictCommand,
} from './keymap.js';
import { ALGO_WIDTH, GAP, fit } from './KeyList.js';
import { countChanges, displayName, type Changes, type Doc, type KeyEntry } from './state.js';
import { TextField } from './TextField.js';
import { plural } from './text.js';
import { Para, Styled } from './theme.js';

function useTable<C extends string>(table: readonly Binding<C>[], isActive: boolean, on: (c: C) => void): void {
  useKeys((input, key) => {
    const c = commandFor(table, keyName(input, key));
    if (c !== undefined) on(c);
  }, isActive);
}

export function ConfirmRemove(props: { doc: Doc; entry: KeyEntry; local: boolean; isActive: boolean; width: number; onAnswer: (yes: boolean) => void }) {
  const { doc, entry, local, isActive, width, onAnswer } = props;
  useTable<ConfirmCommand>(CONFIRM_REMOVE_KEYS, isActive, (c) => onAnswer(c === 'yes'));
  return (
    <Box flexDirection="column" borderStyle="single" width={width} paddingX={1}>
      <Styled tone="strong">{`Remove ${displayName(doc, entry, local ? entry.fpr : undefined)}?`}</Styled>
      <Text wrap="truncate-end">{`${entry.description}  ${shortFingerprint(entry.fpr)}`}</Text>
      {local ? <Para tone="warn" width={width - 4} text="This is this machine's own key: without it, this machine no longer accepts archives it exported itself." /> : null}
      <Styled tone="dim">Nothing is written until you save; u undoes.</Styled>
    </Box>
  );
}

export function LabelEditor(props: { doc: Doc; entry: KeyEntry; isActive: boolean; width: number; onDone: (label: string | undefined) => void }) {
  const { doc, entry, isActive, width, onDone } = props;
  const [value, setValue] = useState(doc.labels[entry.fpr] ?? '');
  const [error, setError] = useState<string | undefined>();
  return (
    <Box flexDirection="column" borderStyle="single" width={width} paddingX={1}>
      <Styled tone="strong">{`Label for ${entry.description} ${shortFingerprint(entry.fpr)}`}</Styled>
      {entry.wellKnown ? <Styled tone="dim">{`Well-known as ${entry.wellKnown}; an empty label shows that name again.`}</Styled> : <Styled tone="dim">An empty label removes it.</Styled>}
      <TextField
        value={value}
        onChange={(v) => {
          setValue(v);
          setError(v.length > 80 ? 'at most 80 characters' : undefined);
        }}
        onSubmit={(v) => (v.length > 80 ? setError('at most 80 characters') : onDone(v.trim()))}
        onCancel={() => onDone(undefined)}
        isActive={isActive}
        width={width - 4}
        prompt="label: "
      />
      {error ? <Styled tone="error">{error}</Styled> : null}
    </Box>
  );
}

/** The lines of the save summary, worst news first. */
export function summaryLines(base: Doc, doc: Doc, c: Changes, localFpr: string | undefined): { text: string; tone: 'ok' | 'error' | 'warn' | 'plain' }[] {
  const out: { text: string; tone: 'ok' | 'error' | 'warn' | 'plain' }[] = [];
  const row = (e: KeyEntry, d: Doc) => `${fit(e.description, ALGO_WIDTH)}${GAP}${shortFingerprint(e.fpr)}${GAP}${displayName(d, e, localFpr)}`;
  for (const e of c.added) out.push({ text: `+ add     ${row(e, doc)}`, tone: 'ok' });
  for (const e of c.removed) out.push({ text: `- remove  ${row(e, base)}`, tone: 'error' });
  for (const l of c.labels) {
    const text = l.to === undefined ? `"${l.from}" removed` : l.from === undefined ? `"${l.to}"` : `"${l.from}" → "${l.to}"`;
    out.push({ text: `~ label   ${shortFingerprint(l.fpr)}  ${text}`, tone: 'plain' });
  }
  if (c.reordered) out.push({ text: '~ order of the keys', tone: 'plain' });
  if (doc.keys.length === 0 && base.keys.length > 0) {
    out.push({ text: 'The ACL will be empty: this machine will accept no substitutes and no imports.', tone: 'warn' });
  }
  return out;
}

export function SaveSummary(props: {
  base: Doc; doc: Doc; changes: Changes; localFpr?: string; aclPath: string; symlinkTarget?: string;
  width: number; height: number; isActive: boolean; onAnswer: (yes: boolean) => void;
}) {
  const { base, doc, changes, localFpr, aclPath, symlinkTarget, width, height, isActive, onAnswer } = props;
  useTable<ConfirmCommand>(SAVE_KEYS, isActive, (c) => onAnswer(c === 'yes'));
  const lines = summaryLines(base, doc, changes, localFpr);
  const keysChange = changes.added.length + changes.removed.length > 0 || changes.reordered;
  const notes: string[] = [];
  if (keysChange && symlinkTarget !== undefined) notes.push(`${aclPath} is a symbolic link to ${symlinkTarget}: it becomes a regular file.`);
  notes.push(keysChange
    ? 'Written atomically under the ACL lock; if the file changed on disk since it was read, nothing is written.'
    : 'Only labels change: the ACL itself is not rewritten.');
  const room = Math.max(1, height - 3 - notes.length * 2);
  const shown = lines.length > room ? [...lines.slice(0, room - 1), { text: `… and ${lines.length - room + 1} more`, tone: 'plain' as const }] : lines;
  const n = countChanges(changes);
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Styled tone="accent">{`Save ${plural(n, 'change')} to ${aclPath}?`}</Styled>
      <Box flexDirection="column" marginY={1}>
        {shown.map((l, i) => <Styled key={i} tone={l.tone}>{`  ${l.text}`}</Styled>)}
      </Box>
      {notes.map((n, i) => <Para key={i} tone={n.includes('symbolic') ? 'warn' : 'dim'} width={width} text={n} />)}
    </Box>
  );
}

export function Conflict(props: { aclPath: string; pending: number; width: number; height: number; isActive: boolean; onCommand: (c: ConflictCommand) => void }) {
  const { aclPath, pending, width, height, isActive, onCommand } = props;
  useTable<ConflictCommand>(CONFLICT_KEYS, isActive, onCommand);
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Styled tone="error">{`${aclPath} changed on disk since it was read.`}</Styled>
      <Para width={width} text="Nothing was written: someone else (keytool authorize, guix archive --authorize, a system reconfiguration, another editor) saved it meanwhile, and saving now would silently undo their change." />
      <Box flexDirection="column" marginTop={1}>
        <Text wrap="truncate-end">{`  r  reload it and apply your ${plural(pending, 'change')} to it again, to review and save`}</Text>
        <Text wrap="truncate-end">  d  reload it and drop your changes</Text>
        <Text wrap="truncate-end">  Esc  back to editing (saving keeps refusing until you reload)</Text>
      </Box>
    </Box>
  );
}

export function QuitConfirm(props: { pending: number; width: number; isActive: boolean; onCommand: (c: ConfirmCommand) => void }) {
  const { pending, width, isActive, onCommand } = props;
  useTable<ConfirmCommand>(QUIT_KEYS, isActive, onCommand);
  return (
    <Box flexDirection="column" borderStyle="single" width={width} paddingX={1}>
      <Styled tone="strong">{`You have ${plural(pending, 'unsaved change')}. Quit without saving?`}</Styled>
      <Text wrap="truncate-end">y quits and discards them, s saves then quits, n or Esc goes back.</Text>
    </Box>
  );
}

export function Generate(props: { dir: string; error?: string; busy: boolean; width: number; height: number; isActive: boolean; onAnswer: (yes: boolean) => void }) {
  const { dir, error, busy, width, height, isActive, onAnswer } = props;
  useTable<ConfirmCommand>(GENERATE_KEYS, isActive && !busy, (c) => onAnswer(c === 'yes'));
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Styled tone="accent">Generate this machine's signing key pair</Styled>
      <Para width={width} text={`There is no key pair in ${dir}. keytool can make one the way \`guix archive --generate-key\` does: an ECDSA key on the Ed25519 curve, written to signing-key.pub and signing-key.sec (readable by its owner only).`} />
      <Para width={width} text="Its public key is then added to the list, as Guix does when it creates the ACL; save to authorize it." />
      {busy ? <Styled tone="warn">Generating…</Styled> : null}
      {error ? <Para tone="error" width={width} text={`✗ ${error}`} /> : null}
    </Box>
  );
}

/** Every binding of every screen, for `?`. */
export function helpText(): string[] {
  const section = (title: string, table: readonly Binding<string>[]) => [
    title,
    ...table.filter((b) => b.long).map((b) => `  ${b.keys.map(displayKey).join(', ').padEnd(22)} ${b.long}`),
  ];
  return [
    ...section('List', LIST_KEYS),
    ...section('Details', DETAIL_KEYS),
    ...section('Text fields (add, label, filter)', FIELD_KEYS),
    ...section('Remove', CONFIRM_REMOVE_KEYS),
    ...section('Save', SAVE_KEYS),
    ...section('Changed on disk', CONFLICT_KEYS),
    ...section('Quit with unsaved changes', QUIT_KEYS),
    ...section('Generate', GENERATE_KEYS),
  ];
}

export function Help(props: { width: number; height: number; isActive: boolean; onClose: () => void }) {
  const { width, height, isActive, onClose } = props;
  const lines = helpText();
  const [top, setTop] = useState(0);
  const rows = Math.max(1, height - 1);
  const maxTop = Math.max(0, lines.length - rows);
  useKeys(
    (input, key) => {
      const name = keyName(input, key);
      if (name === 'down' || name === 'j') setTop((t) => Math.min(maxTop, t + 1));
      else if (name === 'up' || name === 'k') setTop((t) => Math.max(0, t - 1));
      else if (name === 'pagedown' || name === ' ') setTop((t) => Math.min(maxTop, t + rows - 1));
      else if (name === 'pageup') setTop((t) => Math.max(0, t - rows + 1));
      else if (commandFor(HELP_KEYS, name)) onClose();
    },
    isActive,
  );
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Styled tone="accent">{`Keys${lines.length > rows ? ' (↑↓ scroll)' : ''}`}</Styled>
      {lines.slice(top, top + rows).map((l, i) => (
        <Styled key={i} tone={l.startsWith(' ') ? 'plain' : 'strong'}>{l}</Styled>
      ))}
    </Box>
  );
}
