// The editor's key bindings, as data: each screen's table maps key names to commands and says
// what the help line shows. The input layer (useKeymap) and the help screen both read these
// tables, and test/tui/keymap.test.ts checks the man page lists every one of them.
import type { Key } from 'ink';

/**
 * A stable name for a key press: 'up', 'enter', 'escape', 'ctrl+r', or the character typed.
 * ink reports Backspace (0x7f) as `key.delete`, so both Backspace and Delete are 'delete' here,
 * except a Ctrl-H/0x08 Backspace, which is 'backspace'; text fields treat both as erasing.
 */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'escape';
  if (key.tab) return 'tab';
  if (key.delete) return 'delete';
  if (key.backspace) return 'backspace';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
  return input;
}

export interface Binding<C extends string> {
  keys: readonly string[];
  command: C;
  /** Shown in the help line (short) and the help screen (long); no help = not advertised. */
  short?: string;
  long?: string;
}

export type ListCommand =
  | 'up' | 'down' | 'pageup' | 'pagedown' | 'home' | 'end'
  | 'filter' | 'clear-filter' | 'details' | 'help' | 'add' | 'remove' | 'label'
  | 'undo' | 'redo' | 'save' | 'quit' | 'generate';

export const LIST_KEYS: readonly Binding<ListCommand>[] = [
  { keys: ['up', 'k'], command: 'up', short: '↑↓/jk move', long: 'select the previous key' },
  { keys: ['down', 'j'], command: 'down', long: 'select the next key' },
  { keys: ['pageup'], command: 'pageup', long: 'one page up' },
  { keys: ['pagedown'], command: 'pagedown', long: 'one page down' },
  { keys: ['home'], command: 'home', long: 'first key' },
  { keys: ['end'], command: 'end', long: 'last key' },
  { keys: ['/'], command: 'filter', short: '/ filter', long: 'filter the list by label, algorithm or fingerprint' },
  { keys: ['escape'], command: 'clear-filter', long: 'clear the filter' },
  { keys: ['enter', 'i', 'right'], command: 'details', short: '⏎ details', long: 'details of the selected key' },
  { keys: ['a'], command: 'add', short: 'a add', long: 'add a key from a file or pasted text' },
  { keys: ['d', 'delete'], command: 'remove', short: 'd remove', long: 'remove the selected key (asks first)' },
  { keys: ['l'], command: 'label', short: 'l label', long: 'give or change the label of the selected key' },
  { keys: ['u'], command: 'undo', short: 'u undo', long: 'undo the last change' },
  { keys: ['r', 'ctrl+r'], command: 'redo', short: 'r redo', long: 'redo what was undone' },
  { keys: ['s'], command: 'save', short: 's save', long: 'save: shows the changes, then writes the ACL' },
  { keys: ['g'], command: 'generate', long: 'generate a signing key pair (only when there is none)' },
  { keys: ['?'], command: 'help', short: '? help', long: 'all the keys' },
  { keys: ['q', 'ctrl+c'], command: 'quit', short: 'q quit', long: 'quit (asks first when there are unsaved changes)' },
];

export type DetailCommand = 'up' | 'down' | 'pageup' | 'pagedown' | 'home' | 'end' | 'prev' | 'next' | 'label' | 'remove' | 'back';

export const DETAIL_KEYS: readonly Binding<DetailCommand>[] = [
  { keys: ['up', 'k'], command: 'up', short: '↑↓/jk scroll', long: 'scroll up' },
  { keys: ['down', 'j'], command: 'down', long: 'scroll down' },
  { keys: ['pageup'], command: 'pageup', long: 'one page up' },
  { keys: ['pagedown', ' '], command: 'pagedown', long: 'one page down' },
  { keys: ['home'], command: 'home', long: 'top' },
  { keys: ['end'], command: 'end', long: 'bottom' },
  { keys: ['left', 'p'], command: 'prev', short: '←→/pn other key', long: 'previous key' },
  { keys: ['right', 'n'], command: 'next', long: 'next key' },
  { keys: ['l'], command: 'label', short: 'l label', long: 'label this key' },
  { keys: ['d'], command: 'remove', short: 'd remove', long: 'remove this key (asks first)' },
  { keys: ['escape', 'enter', 'q', 'delete', 'backspace'], command: 'back', short: 'Esc back', long: 'back to the list' },
];

export type FieldCommand = 'submit' | 'cancel' | 'clear' | 'erase' | 'erase-word';

/** Keys of the text fields (add key, label, filter); anything printable is typed. */
export const FIELD_KEYS: readonly Binding<FieldCommand>[] = [
  { keys: ['enter'], command: 'submit', long: 'accept' },
  { keys: ['escape'], command: 'cancel', long: 'cancel' },
  { keys: ['delete', 'backspace'], command: 'erase', long: 'erase the last character' },
  { keys: ['ctrl+w'], command: 'erase-word', long: 'erase the last word' },
  { keys: ['ctrl+u'], command: 'clear', long: 'erase everything' },
];

export type ConfirmCommand = 'yes' | 'no' | 'other';

export const CONFIRM_REMOVE_KEYS: readonly Binding<ConfirmCommand>[] = [
  { keys: ['y'], command: 'yes', short: 'y remove', long: 'remove the key (until you save, u undoes it)' },
  { keys: ['n', 'escape', 'q'], command: 'no', short: 'n/Esc keep', long: 'keep the key' },
];

export const SAVE_KEYS: readonly Binding<ConfirmCommand>[] = [
  { keys: ['y', 'enter', 's'], command: 'yes', short: 'y/⏎ write the ACL', long: 'write these changes' },
  { keys: ['n', 'escape', 'q'], command: 'no', short: 'n/Esc back', long: 'back to editing, nothing written' },
];

export const QUIT_KEYS: readonly Binding<ConfirmCommand>[] = [
  { keys: ['y'], command: 'yes', short: 'y quit, discard changes', long: 'quit and discard the unsaved changes' },
  { keys: ['s'], command: 'other', short: 's save and quit', long: 'save, then quit' },
  { keys: ['n', 'escape', 'q'], command: 'no', short: 'n/Esc stay', long: 'back to editing' },
];

export type ConflictCommand = 'reapply' | 'discard' | 'back';

export const CONFLICT_KEYS: readonly Binding<ConflictCommand>[] = [
  { keys: ['r'], command: 'reapply', short: 'r reload + reapply mine', long: 'reload the ACL from disk and apply your changes to it again (review, then save)' },
  { keys: ['d'], command: 'discard', short: 'd reload, drop mine', long: 'reload the ACL from disk and drop your changes' },
  { keys: ['escape', 'n', 'q'], command: 'back', short: 'Esc back', long: 'back to editing (saving keeps refusing until you reload)' },
];

export const GENERATE_KEYS: readonly Binding<ConfirmCommand>[] = [
  { keys: ['y', 'enter'], command: 'yes', short: 'y/⏎ generate', long: 'generate the key pair' },
  { keys: ['n', 'escape', 'q'], command: 'no', short: 'n/Esc cancel', long: 'cancel' },
];

export const HELP_KEYS: readonly Binding<'back'>[] = [
  { keys: ['escape', 'q', '?', 'enter'], command: 'back', short: 'Esc back', long: 'back to the list' },
];

export function commandFor<C extends string>(table: readonly Binding<C>[], name: string): C | undefined {
  return table.find((b) => b.keys.includes(name))?.command;
}

/** The help-line items of a table. */
export function helpItems(table: readonly Binding<string>[]): string[] {
  return table.flatMap((b) => (b.short ? [b.short] : []));
}

/** Lay out help items on as few lines of `width` columns as possible (never splitting an item). */
export function layoutHelp(items: readonly string[], width: number, sep = '  '): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (!line) line = item;
    else if (line.length + sep.length + item.length <= width) line += sep + item;
    else {
      lines.push(line);
      line = item;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => (l.length > width ? `${l.slice(0, Math.max(0, width - 1))}…` : l));
}

/** How a key name is written for people (help screen, man page). */
export function displayKey(name: string): string {
  const names: Record<string, string> = {
    up: '↑', down: '↓', left: '←', right: '→', pageup: 'PgUp', pagedown: 'PgDn', home: 'Home', end: 'End',
    enter: 'Enter', escape: 'Esc', tab: 'Tab', delete: 'Delete/Backspace', backspace: 'Ctrl-H', ' ': 'Space',
  };
  if (names[name]) return names[name]!;
  if (name.startsWith('ctrl+')) return `Ctrl-${name.slice(5).toUpperCase()}`;
  return name;
}
