// The editor's screens driven through ink-testing-library against real configuration directories
// (copies of keys-example): navigation, filter, adding valid and invalid keys, removing with
// confirmation, labels, saving, a conflict on disk, quitting with unsaved changes, resizing.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import { existsSync, lstatSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { atom, list } from '../../src/sexp/model.js';
import { generateKeyPair } from '../../src/crypto/index.js';
import { describeKey } from '../../src/keys/describe.js';
import { loadAcl, readPublicKeyFile, updateAcl } from '../../src/acl/store.js';
import { loadLabels } from '../../src/acl/labels.js';
import type { ConfigPaths } from '../../src/config.js';
import { fingerprint, shortFingerprint } from '../../src/fingerprint.js';
import { App } from '../../src/tui/App.js';
import { fileBackend, type EditorBackend } from '../../src/tui/backend.js';
import type { EditorState } from '../../src/tui/state.js';
import { EXAMPLE, cleanScratch, freshConfig, sleep, waitFor } from './support.js';

const KEY = {
  up: '\x1b[A', down: '\x1b[B', left: '\x1b[D', right: '\x1b[C', home: '\x1b[H', end: '\x1b[F',
  enter: '\r', escape: '\x1b', backspace: '\x7f', delete: '\x1b[3~', ctrlR: '\x12', ctrlU: '\x15', ctrlC: '\x03',
};

const BORDEAUX = '52df a234 d73f 7e27';
const CI = '30e7 f84d 37e9 7a13';
const p256 = () => readPublicKeyFile(path.join(EXAMPLE, 'p256/signing-key.pub'));
const rsa = () => readPublicKeyFile(path.join(EXAMPLE, 'rsa/signing-key.pub'));
const local = () => readPublicKeyFile(path.join(EXAMPLE, 'signing-key.pub'));
const onDisk = (paths: ConfigPaths) => loadAcl(paths, { create: false }).keys.map((k) => fingerprint(k));

afterEach(() => cleanup());
afterAll(() => cleanScratch());

interface Editor {
  frame: () => string;
  lines: () => string[];
  press: (...keys: string[]) => Promise<void>;
  type: (text: string) => Promise<void>;
  until: (text: string | RegExp, what?: string) => Promise<string>;
  final: () => EditorState | undefined;
  resize: (columns: number, rows: number) => Promise<void>;
  paths: ConfigPaths;
}

/** The frame's text with every run of white space (line breaks, indentation) folded to one space. */
const flat = (text: string): string => text.replace(/\s+/g, ' ');

/** Open the editor on `paths`; resolves once it has drawn and listens to the keyboard. */
async function open(paths: ConfigPaths, backend: EditorBackend = fileBackend(paths, paths.dir)): Promise<Editor> {
  let final: EditorState | undefined;
  const r = render(<App backend={backend} loaded={backend.load()} colour={false} onExit={(s) => (final = s)} />);
  const frame = () => r.lastFrame() ?? '';
  const editor: Editor = {
    frame,
    lines: () => frame().split('\n'),
    // ink's input hooks re-subscribe in effects after each render: let them run between keys.
    press: async (...keys) => {
      for (const k of keys) {
        r.stdin.write(k);
        await sleep(25);
      }
    },
    type: async (text) => {
      r.stdin.write(text);
      await sleep(25);
    },
    until: (text, what) =>
      waitFor(() => {
        const f = frame();
        // Messages naming paths wrap differently with the checkout's location: match them with
        // line breaks and indentation folded too.
        if (typeof text === 'string' ? f.includes(text) || flat(f).includes(flat(text)) : text.test(f)) return f;
        throw new Error(`frame:\n${f}`);
      }, what ?? String(text)),
    final: () => final,
    resize: async (columns, rows) => {
      Object.defineProperty(r.stdout, 'columns', { value: columns, configurable: true });
      Object.defineProperty(r.stdout, 'rows', { value: rows, configurable: true });
      r.stdout.emit('resize');
      await sleep(25);
    },
    paths,
  };
  await editor.until('keytool acl');
  await sleep(25);
  return editor;
}

/** `text` as a terminal pastes it in bracketed-paste mode (run.tsx turns that on). */
const paste = (text: string) => `\x1b[200~${text}\x1b[201~`;

/** The list row of the key whose short fingerprint is `fpr`. */
const row = (e: Editor, fpr: string) => e.lines().find((l) => l.includes(fpr)) ?? '';

describe('list and navigation', () => {
  it("shows every key with label, algorithm and short fingerprint, this machine's key marked", async () => {
    const e = await open(freshConfig());
    const f = e.frame();
    expect(f).toMatch(/3 keys · no unsaved changes/);
    expect(row(e, BORDEAUX)).toMatch(/^›\s+bordeaux\.guix\.gnu\.org\s+ECDSA\/Ed25519\s+52df a234 d73f 7e27$/);
    expect(row(e, CI)).toMatch(/^\s+ci\.guix\.gnu\.org\s+ECDSA\/Ed25519/);
    expect(row(e, shortFingerprint(fingerprint(local())))).toMatch(/^ {2}\* \(this machine\)\s+ECDSA\/Ed25519/);
    expect(f).toContain('q quit'); // the help line
  });

  it('moves with arrows, j/k, Home and End', async () => {
    const e = await open(freshConfig());
    const selected = () => e.lines().find((l) => l.startsWith('›')) ?? '';
    await e.press('j');
    expect(selected()).toContain(CI);
    await e.press(KEY.down);
    expect(selected()).toContain('(this machine)');
    await e.press(KEY.down); // stays on the last key
    expect(selected()).toContain('(this machine)');
    await e.press('k', KEY.up);
    expect(selected()).toContain(BORDEAUX);
    await e.press(KEY.end);
    expect(selected()).toContain('(this machine)');
    await e.press(KEY.home);
    expect(selected()).toContain(BORDEAUX);
  });

  it('filters with /, keeps the filter with Enter, clears it with Esc', async () => {
    const e = await open(freshConfig());
    await e.press('/');
    await e.type('ci.g');
    await e.until('1 shown (filter: ci.g)');
    expect(row(e, BORDEAUX)).toBe('');
    expect(row(e, CI)).toMatch(/^›/);
    await e.press(KEY.enter);
    expect(e.frame()).toContain('Esc unfilter');
    await e.press(KEY.escape);
    await e.until('3 keys · no unsaved changes');
    expect(row(e, BORDEAUX)).not.toBe('');
    await e.press('/');
    await e.type('zzz');
    await e.until('No key matches "zzz"');
  });

  it('shows the details of a key: fingerprint, origin, S-expression; ← → go to the other keys', async () => {
    const e = await open(freshConfig());
    await e.press(KEY.enter);
    const f = await e.until('S-expression:');
    expect(f).toContain('Key 1 of 3');
    expect(f).toContain('bordeaux.guix.gnu.org (well-known: shipped with Guix)');
    expect(f).toContain(`  ${fingerprint(list()) && '52df a234 d73f 7e27 9b63 7471 a148 fb14'}`);
    expect(f).toContain(`Origin:      ${e.paths.acl}, entry 1 of 3`);
    expect(f).toContain('(q #7D602902D3A2DBB83F8A0FB98602A754C5493B0B778C8D1DD4E0F41DE14DE34F#)');
    await e.press(KEY.right);
    await e.until('Key 2 of 3');
    await e.press('n');
    const mine = await e.until('Key 3 of 3');
    expect(mine).toContain("this machine's own signing key");
    await e.press(KEY.escape);
    await e.until('LABEL');
    expect(e.lines().find((l) => l.startsWith('›'))).toContain('(this machine)');
  });
});

describe('adding keys', () => {
  it('adds a key from a file name, validated as it is typed; nothing reaches the disk', async () => {
    const e = await open(freshConfig());
    const before = readFileSync(e.paths.acl);
    await e.press('a');
    await e.until('Add a key to the ACL');
    await e.type('p256');
    await e.until(`✗ ${path.join(e.paths.dir, 'p256')} is a directory`);
    await e.type('/signing-key.pub');
    await e.until(`✓ ECDSA/NIST P-256 key ${shortFingerprint(fingerprint(p256()))} — Enter adds it`);
    await e.press(KEY.enter);
    await e.until('4 keys · 1 unsaved change');
    expect(e.lines().find((l) => l.startsWith('›'))).toContain(shortFingerprint(fingerprint(p256())));
    expect(readFileSync(e.paths.acl)).toEqual(before);
  });

  it('says what is wrong with a bad key and refuses to add it', async () => {
    const e = await open(freshConfig());
    await e.press('a');
    await e.until('Add a key');
    const check = async (text: string, expected: string) => {
      await e.press(KEY.ctrlU);
      await e.type(text);
      await e.until(expected, `${text} → ${expected}`);
      await e.press(KEY.enter); // refused: still in the dialog
      await e.until('Add a key');
    };
    await check('no-such.pub', `✗ no such file: ${path.join(e.paths.dir, 'no-such.pub')}`);
    await check('signing-key.sec', 'this is a SECRET key');
    await check('acl', 's-expression does not denote a public key');
    await check('(public-key (ecc (curve Ed25519)', '… incomplete S-expression');
    await check('(public-key))', '✗ not a valid S-expression');
    await check('(foo bar)', 's-expression does not denote a public key (it starts with "foo")');
    await check('ci.guix.gnu.org.pub', '✗ already authorized: ci.guix.gnu.org');
    await check('(public-key (ecc (curve Ed25519) (flags eddsa) (q #8D156F295D24B0D9A86FA5741A840FF2D24F60F7B6C4134814AD55625971B394#)))', 'keytool cannot check signatures made with this key');
    await e.press(KEY.escape);
    await e.until('3 keys · no unsaved changes');
  });

  it('takes pasted key text, line breaks and all, and erases with Backspace', async () => {
    const e = await open(freshConfig());
    await e.press('a');
    await e.until('Add a key');
    const text = readFileSync(path.join(EXAMPLE, 'rsa/signing-key.pub'), 'latin1');
    expect(text).toContain('\n');
    await e.type(paste(text)); // as a terminal delivers a paste when asked for bracketed paste
    await e.until('✓ RSA-2048 key');
    await e.press(KEY.backspace, KEY.backspace, KEY.backspace);
    await e.until('… incomplete S-expression');
    await e.type(')');
    await e.until('✓ RSA-2048 key');
    await e.press(KEY.enter);
    await e.until('4 keys · 1 unsaved change');
    await e.press(KEY.enter);
    await e.until('Origin:      added from pasted text (not saved yet)');
  });
});

describe('removing, labels, undo', () => {
  it('removes only after y; n keeps the key; u and r undo and redo', async () => {
    const e = await open(freshConfig());
    await e.press('j', 'd');
    await e.until('Remove ci.guix.gnu.org?');
    await e.press('n');
    await e.until('3 keys · no unsaved changes');
    expect(row(e, CI)).not.toBe('');
    await e.press(KEY.delete);
    await e.until('Remove ci.guix.gnu.org?');
    await e.press('y');
    await e.until('2 keys · 1 unsaved change');
    expect(row(e, CI)).toBe('');
    await e.press('u');
    await e.until('3 keys · no unsaved changes');
    expect(row(e, CI)).not.toBe('');
    await e.press(KEY.ctrlR);
    await e.until('2 keys · 1 unsaved change');
  });

  it("warns before removing this machine's own key", async () => {
    const e = await open(freshConfig());
    await e.press(KEY.end, 'd');
    await e.until("This is this machine's own key");
  });

  it('gives, shows and saves a label', async () => {
    const e = await open(freshConfig());
    await e.press(KEY.end, 'l');
    await e.until('label:');
    await e.type('build box');
    await e.press(KEY.enter);
    await e.until('1 unsaved change');
    expect(row(e, shortFingerprint(fingerprint(local())))).toMatch(/\* build box\s/);
    await e.press('s');
    await e.until('~ label');
    expect(e.frame()).toContain('Only labels change: the ACL itself is not rewritten.');
    await e.press('y');
    await e.until('saved 1 change');
    expect(loadLabels(e.paths).get(fingerprint(local()))).toBe('build box');
  });
});

describe('saving', () => {
  it('shows what changes, then writes the ACL under the lock', async () => {
    const e = await open(freshConfig());
    await e.press('a');
    await e.type('rsa/signing-key.pub');
    await e.until('✓ RSA-2048');
    await e.press(KEY.enter);
    await e.until('1 unsaved change');
    await e.press('j', 'j', 'd'); // ci (the RSA key is first now, then bordeaux, ci)
    await e.until('Remove ci.guix.gnu.org?');
    await e.press('y');
    await e.press('s');
    const summary = await e.until('Save 2 changes to');
    expect(summary).toMatch(/\+ add {5}RSA-2048 +[0-9a-f ]{19} {2}\(no label\)/);
    expect(summary).toMatch(/- remove {2}ECDSA\/Ed25519 +30e7 f84d 37e9 7a13 {2}ci\.guix\.gnu\.org/);
    await e.press('n'); // back: nothing written
    expect(onDisk(e.paths)).toHaveLength(3);
    await e.press('s');
    await e.until('Save 2 changes');
    await e.press('y');
    await e.until('saved 2 changes');
    expect(e.frame()).toContain('no unsaved changes');
    expect(onDisk(e.paths)).toEqual([rsa(), readPublicKeyFile(path.join(EXAMPLE, 'bordeaux.guix.gnu.org.pub')), local()].map((k) => fingerprint(k)));
    expect(existsSync(`${e.paths.acl}.lock`)).toBe(false);
    // Saving again with nothing new says so.
    await e.press('s');
    await e.until('nothing to save: no changes');
  });

  it('creates a missing ACL only on save, starting from what Guix would create', async () => {
    const paths = freshConfig({ acl: false });
    const e = await open(paths);
    await e.until('does not exist yet; shown as Guix will create it');
    expect(e.frame()).toContain('1 key · no unsaved changes');
    expect(existsSync(paths.acl)).toBe(false);
    await e.press('a');
    await e.type('p256/signing-key.pub');
    await e.until('✓');
    await e.press(KEY.enter, 's');
    await e.until('Save 1 change');
    await e.press('y');
    await e.until('saved 1 change');
    expect(onDisk(paths)).toEqual([fingerprint(p256()), fingerprint(local())]);
  });

  it('reports a failed save and keeps the changes', async () => {
    const paths = freshConfig();
    const backend = fileBackend(paths, paths.dir);
    const e = await open(paths, { ...backend, save: () => { throw new Error('cannot write access-control list: permission denied'); } });
    await e.press('d', 'y', 's');
    await e.until('Save 1 change');
    await e.press('y');
    await e.until('not saved: cannot write access-control list: permission denied');
    expect(e.frame()).toContain('1 unsaved change');
  });
});

describe('a conflict on disk', () => {
  it('refuses to overwrite, then reloads and applies the changes again', async () => {
    const e = await open(freshConfig());
    await e.press('d', 'y'); // remove bordeaux in the editor
    await e.until('1 unsaved change');
    // Meanwhile another writer authorizes the P-256 key.
    updateAcl(e.paths, (keys) => [p256(), ...keys]);
    const theirs = readFileSync(e.paths.acl);
    await e.press('s');
    await e.until('Save 1 change');
    await e.press('y');
    await e.until('changed on disk since it was read');
    expect(e.frame()).toContain('Nothing was written: someone else');
    expect(readFileSync(e.paths.acl)).toEqual(theirs);
    await e.press('r');
    await e.until('reloaded from disk; your changes are applied again (1 change to save)');
    expect(row(e, BORDEAUX)).toBe('');
    expect(row(e, shortFingerprint(fingerprint(p256())))).not.toBe('');
    await e.press('s');
    await e.until('Save 1 change');
    await e.press('y');
    await e.until('saved 1 change');
    expect(onDisk(e.paths)).toEqual([p256(), readPublicKeyFile(path.join(EXAMPLE, 'ci.guix.gnu.org.pub')), local()].map((k) => fingerprint(k)));
  });

  it('can drop the changes and take the file as it is now', async () => {
    const e = await open(freshConfig());
    await e.press('d', 'y', 's');
    writeFileSync(e.paths.acl, '(acl)\n');
    await e.until('Save 1 change');
    await e.press('y');
    await e.until('changed on disk');
    await e.press('d');
    await e.until('reloaded from disk; 1 unsaved change discarded');
    expect(e.frame()).toContain('0 keys · no unsaved changes');
    expect(e.frame()).toContain('The ACL is empty');
    expect(readFileSync(e.paths.acl, 'latin1')).toBe('(acl)\n');
  });
});

describe('quitting', () => {
  it('quits at once without changes', async () => {
    const e = await open(freshConfig());
    await e.press('q');
    await waitFor(() => e.final()?.exit === true, 'exit');
  });

  it('asks with unsaved changes; n stays, y leaves without writing', async () => {
    const e = await open(freshConfig());
    const before = readFileSync(e.paths.acl);
    await e.press('d', 'y', 'q');
    await e.until('You have 1 unsaved change. Quit without saving?');
    await e.press('n');
    await e.until('1 unsaved change');
    expect(e.final()).toBeUndefined();
    await e.press(KEY.ctrlC); // Ctrl-C is q: it asks too
    await e.until('Quit without saving?');
    await e.press('y');
    await waitFor(() => e.final()?.exit === true, 'exit');
    expect(readFileSync(e.paths.acl)).toEqual(before);
  });

  it('s in the quit dialog saves, then quits', async () => {
    const e = await open(freshConfig());
    await e.press('d', 'y', 'q');
    await e.until('Quit without saving?');
    await e.press('s');
    await waitFor(() => e.final()?.exit === true, 'exit');
    expect(onDisk(e.paths)).toHaveLength(2);
  });
});

describe('key generation', () => {
  it('offers to generate a key pair when there is none, as keytool generate does', async () => {
    const paths = freshConfig({ keyPair: false });
    const e = await open(paths);
    await e.until('no signing key pair in');
    expect(e.frame()).toContain('g generate key');
    await e.press('g');
    await e.until("Generate this machine's signing key pair");
    await e.press('y');
    await e.until('generated a key pair');
    expect(existsSync(paths.publicKey) && existsSync(paths.secretKey)).toBe(true);
    const fpr = fingerprint(readPublicKeyFile(paths.publicKey));
    expect(e.lines().find((l) => l.startsWith('›'))).toMatch(new RegExp(`^› \\* \\(this machine\\).*${shortFingerprint(fpr)}$`));
    expect(e.frame()).toContain('4 keys · 1 unsaved change');
    expect(e.frame()).not.toContain('g generate key');
  });
});

describe('terminal size', () => {
  const fits = (e: Editor, columns: number, rows: number) => {
    const lines = e.lines();
    expect(lines.length).toBeLessThanOrEqual(rows);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(columns);
  };

  it('fits 80×24 on every screen, and keeps the help line as the terminal shrinks', async () => {
    const e = await open(freshConfig());
    await e.resize(80, 24);
    fits(e, 80, 24);
    expect(e.lines().at(-1)).toContain('q quit');
    for (const [open, close] of [['?', KEY.escape], [KEY.enter, KEY.escape], ['a', KEY.escape], ['d', 'n'], ['l', KEY.escape]] as const) {
      await e.press(open);
      await sleep(25);
      fits(e, 80, 24);
      await e.press(close);
    }
    await e.press('d', 'y', 's');
    await e.until('Save 1 change');
    fits(e, 80, 24);
    await e.press(KEY.escape);
    await e.resize(50, 14);
    await e.until(/q quit/);
    fits(e, 50, 14);
    expect(row(e, CI)).toMatch(/^›\s+ci\.guix\.gnu\.org\s+30e7 f84d 37e9 7a13$/); // no room for the algorithm
    await e.resize(30, 8);
    await e.until('Terminal too small (30×8)');
    await e.resize(100, 30);
    await e.until('ALGORITHM');
    fits(e, 100, 30);
  });

  it('keeps two spaces between columns at 80 columns, with every algorithm keytool uses and long labels', async () => {
    // crypto/index.ts: ECDSA on Ed25519, NIST P-256/384/521 and secp256k1, RSA (the widest name:
    // 16384 bits, the most keytool generate makes), and a key keytool lists but cannot use.
    const curves = ['Ed25519', '"NIST P-256"', '"NIST P-384"', '"NIST P-521"', 'secp256k1'];
    const keys = curves.map((c) => generateKeyPair(`(genkey (ecdsa (curve ${c})))`).publicKey);
    const n = new Uint8Array(2049); // 00 80 00 … 01: 16384 bits in libgcrypt's signed form
    n[1] = 0x80;
    n[2048] = 1;
    keys.push(list('public-key', list('rsa', list('n', atom(n)), list('e', atom(new Uint8Array([1, 0, 1]))))));
    keys.push(list('public-key', list('ecc', list('curve', 'Ed448'), list('flags', 'eddsa'), list('q', atom(new Uint8Array(57).fill(7))))));
    const names = keys.map((k) => describeKey(k).description);
    expect(names.slice(0, 6)).toEqual(['ECDSA/Ed25519', 'ECDSA/NIST P-256', 'ECDSA/NIST P-384', 'ECDSA/NIST P-521', 'ECDSA/secp256k1', 'RSA-16384']);
    const paths = freshConfig();
    updateAcl(paths, () => keys);
    const e = await open(paths);
    await e.resize(80, 24);
    for (let i = 0; i < 3; i++) {
      await e.press('l');
      await e.until('label:');
      await e.type(`${'a long label '.repeat(6)}\r`);
      await e.press(KEY.down);
    }
    await e.until('3 unsaved changes');
    // marks, label, gap, algorithm, gap, fingerprint: nothing touches, nothing is cut but labels
    // and the name of the unusable key.
    const cell = /^(.{4})(.{36}) {2}(.{16}) {2}([0-9a-f]{4}(?: [0-9a-f]{4}){3})$/;
    for (const [i, k] of keys.entries()) {
      const line = row(e, shortFingerprint(fingerprint(k)));
      const m = cell.exec(line);
      expect(m, line).not.toBeNull();
      if (i < 6) expect(m![3]!.trimEnd()).toBe(names[i]);
      if (i < 3) expect(m![2]!.trimEnd()).toMatch(/^a long label .*…$/);
    }
    expect(e.lines().find((l) => l.includes('ALGORITHM'))).toMatch(/^ {4}LABEL.* {2}ALGORITHM {9}FINGERPRINT$/);
    // The save summary lays the same names out the same way.
    await e.press('s');
    await e.until('~ label');
    for (const name of names.slice(0, 6)) {
      await e.press(KEY.escape, KEY.home, 'd', 'y', 's');
      await e.until(`- remove  ${name}`);
      expect(e.lines().find((l) => l.includes(`- remove  ${name}`))).toMatch(/- remove {2}.{16} {2}[0-9a-f]{4}(?: [0-9a-f]{4}){3} {2}\S/);
    }
  });

  it('scrolls a list longer than the screen to keep the selection visible', async () => {
    const paths = freshConfig();
    const many = Array.from({ length: 30 }, (_, i) => list('public-key', list('ecc', list('curve', 'Ed25519'), list('q', `k${i}`))));
    updateAcl(paths, () => many);
    const e = await open(paths);
    await e.resize(80, 24);
    await e.press(KEY.end);
    await e.until(/^› .*/m);
    fits(e, 80, 24);
    expect(e.lines().find((l) => l.startsWith('›'))).toContain(shortFingerprint(fingerprint(many[29]!)));
    await e.press(KEY.home);
    expect(e.lines().find((l) => l.startsWith('›'))).toContain(shortFingerprint(fingerprint(many[0]!)));
  });
});

it('lists every key in the help screen', async () => {
  const e = await open(freshConfig());
  await e.press('?');
  const f = await e.until('Keys');
  expect(f).toContain('add a key from a file or pasted text');
});

describe('keys read in one go', () => {
  it('splits a run of typed keys between the screens they are meant for', async () => {
    const e = await open(freshConfig());
    // As a fast typist (or tmux send-keys) can deliver them: one read holding several keys.
    await e.type('jdy');
    await e.until('2 keys · 1 unsaved change');
    expect(row(e, CI)).toBe('');
    await e.type('ap256/signing-key.pub\r');
    await e.until('3 keys · 2 unsaved changes');
    expect(e.lines().find((l) => l.startsWith('›'))).toContain(shortFingerprint(fingerprint(p256())));
  });

  it('submits a label typed with its Enter in one read, and hands the keys after it to the list', async () => {
    const e = await open(freshConfig());
    await e.press(KEY.end, 'l');
    await e.until('label:');
    // tmux send-keys -t S 'build box' Enter, then j and d: one read.
    await e.type('build box\rkd');
    await e.until('Remove ci.guix.gnu.org?');
    expect(row(e, shortFingerprint(fingerprint(local())))).toMatch(/\* build box\s/);
    expect(e.frame()).not.toContain('label:');
  });

  it('takes a bracketed paste as text, line breaks and key names included, and only in a text field', async () => {
    const e = await open(freshConfig());
    await e.type(paste('jdy')); // the list takes no pasted text: nothing is removed
    await sleep(50);
    expect(e.frame()).toContain('3 keys · no unsaved changes');
    await e.press(KEY.end, 'l');
    await e.until('label:');
    await e.type(paste('build\rbox\n'));
    await e.until('label: build box ');
    expect(e.frame()).toContain('label:'); // still open: the pasted line breaks were text
    await e.type(paste('escape'));
    await e.type('enter'); // typed in one read: text too, not the key of that name
    await e.until('label: build box escapeenter');
    await e.press(KEY.enter);
    await e.until('1 unsaved change');
    expect(row(e, shortFingerprint(fingerprint(local())))).toMatch(/\* build box escapeenter\s/);
  });

  it('takes a paste that arrives in several reads as one paste', async () => {
    const e = await open(freshConfig());
    await e.press(KEY.end, 'l');
    await e.until('label:');
    for (const piece of ['\x1b[200~ci', '\r', 'build', 'er\x1b[201~']) await e.type(piece);
    await e.until('label: ci builder');
    expect(e.frame()).toContain('label:');
    await e.type('\r');
    await e.until('1 unsaved change');
  });
});

describe('unusual ACLs', () => {
  it('saving over a symbolic link says so first, then replaces the link and leaves its target alone', async () => {
    const paths = freshConfig();
    const target = `${paths.dir}/acl-in-store`;
    renameSync(paths.acl, target);
    symlinkSync(target, paths.acl);
    const before = readFileSync(target);
    const e = await open(paths);
    await e.until('acl is a symbolic link to');
    await e.press('d', 'y', 's');
    const s = await e.until('Save 1 change');
    expect(flat(s)).toContain('is a symbolic link to');
    expect(flat(s)).toContain('it becomes a regular file');
    await e.press('y');
    await e.until('saved 1 change');
    expect(lstatSync(paths.acl).isSymbolicLink()).toBe(false);
    expect(onDisk(paths)).toHaveLength(2);
    expect(readFileSync(target)).toEqual(before);
  });

  it('lists a key keytool cannot use, and says why in its details', async () => {
    const paths = freshConfig();
    const eddsa = list('public-key', list('ecc', list('curve', 'Ed25519'), list('flags', 'eddsa'), list('q', 'x'.repeat(32))));
    updateAcl(paths, (keys) => [eddsa, ...keys]);
    const e = await open(paths);
    expect(row(e, shortFingerprint(fingerprint(eddsa)))).toMatch(/^›\s+\(no label\)\s+ecc\/Ed25519 \(fl…/);
    await e.press(KEY.enter);
    const f = await e.until('Unusable:');
    expect(f).toContain('(flags eddsa)');
  });
});
