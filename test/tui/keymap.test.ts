// The key tables: what each key press is called, the help line's layout, and the man page
// documenting every binding of every screen (so that neither can change without the other).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Key } from 'ink';
import {
  CONFIRM_REMOVE_KEYS, CONFLICT_KEYS, DETAIL_KEYS, FIELD_KEYS, GENERATE_KEYS, HELP_KEYS, LIST_KEYS, QUIT_KEYS, SAVE_KEYS,
  commandFor, helpItems, keyName, layoutHelp, type Binding,
} from '../../src/tui/keymap.js';
import { keyOf } from '../../src/tui/keyboard.js';
import { ROOT } from './support.js';

const none: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

describe('key names', () => {
  it('names special keys, Ctrl combinations and characters', () => {
    expect(keyName('', { ...none, upArrow: true })).toBe('up');
    expect(keyName('', { ...none, pageDown: true })).toBe('pagedown');
    expect(keyName('', { ...none, return: true })).toBe('enter');
    expect(keyName('', { ...none, escape: true, meta: true })).toBe('escape');
    expect(keyName('r', { ...none, ctrl: true })).toBe('ctrl+r');
    expect(keyName('G', { ...none, shift: true })).toBe('G');
    expect(keyName('/', none)).toBe('/');
  });

  it('treats Backspace (0x7f, which ink reports as delete) as delete everywhere', () => {
    expect(keyName(...keyOf('\x7f'))).toBe('delete');
    expect(commandFor(LIST_KEYS, 'delete')).toBe('remove');
    expect(commandFor(FIELD_KEYS, 'delete')).toBe('erase');
    expect(commandFor(FIELD_KEYS, keyName(...keyOf('\b')))).toBe('erase');
    expect(commandFor(DETAIL_KEYS, 'delete')).toBe('back');
  });

  it('splits a run of characters into the keys ink reports for each alone', () => {
    expect(keyName(...keyOf('\r'))).toBe('enter');
    expect(keyName(...keyOf('\x12'))).toBe('ctrl+r');
    expect(keyName(...keyOf('q'))).toBe('q');
  });

  it('binds each key at most once per screen', () => {
    const tables: readonly (readonly Binding<string>[])[] = [LIST_KEYS, DETAIL_KEYS, FIELD_KEYS, CONFIRM_REMOVE_KEYS, SAVE_KEYS, QUIT_KEYS, CONFLICT_KEYS, GENERATE_KEYS, HELP_KEYS];
    for (const table of tables) {
      const keys = table.flatMap((b) => b.keys);
      expect(new Set(keys).size, keys.join(' ')).toBe(keys.length);
    }
  });
});

describe('the help line', () => {
  it('never splits an item and never exceeds the width when an item fits', () => {
    // Items as the tables write them: words separated by single spaces.
    const items = fc.array(fc.stringMatching(/^[a-z/⏎↑↓]{1,8}( [a-z]{1,8}){0,2}$/), { maxLength: 20 });
    fc.assert(
      fc.property(items, fc.integer({ min: 26, max: 200 }), (xs, width) => {
        const lines = layoutHelp(xs, width);
        for (const l of lines) expect(l.length).toBeLessThanOrEqual(width);
        expect(lines.flatMap((l) => l.split('  '))).toEqual(xs);
        // Greedy: no line could have taken the next line's first item.
        for (let i = 0; i + 1 < lines.length; i++) expect(lines[i]!.length + 2 + lines[i + 1]!.split('  ')[0]!.length).toBeGreaterThan(width);
      }),
    );
  });

  it("fits every screen's keys in two lines of an 80-column terminal", () => {
    const tables: readonly (readonly Binding<string>[])[] = [LIST_KEYS, DETAIL_KEYS, CONFIRM_REMOVE_KEYS, SAVE_KEYS, QUIT_KEYS, CONFLICT_KEYS, GENERATE_KEYS, HELP_KEYS];
    for (const table of tables) {
      expect(layoutHelp([...helpItems(table), 'g generate key', 'Esc unfilter'], 79).length).toBeLessThanOrEqual(2);
    }
  });
});

describe('the man page', () => {
  const man = readFileSync(path.join(ROOT, 'man/keytool-acl.1.md'), 'utf8');
  const section = (title: string, end = '\n### ') => {
    const start = man.indexOf(`### ${title}`);
    expect(start, title).toBeGreaterThan(-1);
    const stop = man.indexOf(end, start + 4);
    return man.slice(start, stop === -1 ? undefined : stop);
  };
  const paragraph = (text: string, start: string) => text.split('\n\n').find((p) => p.startsWith(start)) ?? '';
  const spelling: Record<string, string> = {
    up: 'Up', down: 'Down', left: 'Left', right: 'Right', pageup: 'PgUp', pagedown: 'PgDn', home: 'Home', end: 'End',
    enter: 'Enter', escape: 'Esc', delete: 'Delete', backspace: 'Backspace', ' ': 'Space', tab: 'Tab',
  };
  const manName = (k: string) => spelling[k] ?? (k.startsWith('ctrl+') ? `Ctrl-${k.slice(5).toUpperCase()}` : k);
  const documents = (text: string, table: readonly Binding<string>[], where: string) => {
    for (const b of table) for (const k of b.keys) expect(text, `${where}: key ${JSON.stringify(k)} (${b.command})`).toContain(`\`${manName(k)}\``);
  };

  it('documents every key of the list, the details and the text fields', () => {
    documents(section('The list'), LIST_KEYS, 'The list');
    documents(section('Details'), DETAIL_KEYS, 'Details');
    documents(section('Adding a key'), FIELD_KEYS, 'Adding a key');
  });

  it('documents every key of every confirmation', () => {
    const c = section('Confirmations', '\n## ');
    documents(paragraph(c, 'Removing a key'), CONFIRM_REMOVE_KEYS, 'remove');
    documents(paragraph(c, 'Saving'), SAVE_KEYS, 'save');
    documents(paragraph(c, 'Quitting'), QUIT_KEYS, 'quit');
    documents(paragraph(c, 'The ACL changed'), CONFLICT_KEYS, 'conflict');
    documents(paragraph(c, 'Generating'), GENERATE_KEYS, 'generate');
    documents(paragraph(c, 'The help screen'), HELP_KEYS, 'help');
  });

  it('has the sections of every keytool page, and NO_COLOR', () => {
    for (const s of ['SYNOPSIS', 'DESCRIPTION', 'KEYS', 'OPTIONS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SEE ALSO']) expect(man).toContain(`\n## ${s}\n`);
    expect(man).toContain('`NO_COLOR`');
  });
});
