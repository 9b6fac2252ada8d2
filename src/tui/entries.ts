// From public keys to what the editor shows about them, and the add-key input's validation:
// the parts of the editor that read key files and parse keys, kept out of the reducer.
import { statSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { wellKnownLabel } from '../acl/labels.js';
import { KeytoolError } from '../errors.js';
import { shortFingerprint } from '../fingerprint.js';
import { describeKey } from '../keys/describe.js';
import { atomText, isAtom, isList, type Sexp, type SexpList } from '../sexp/model.js';
import { parseSexp, SexpError } from '../sexp/index.js';
import type { KeyEntry, Origin } from './state.js';

/** A public key file is a few hundred bytes (RSA-4096: about 1.2 KiB); refuse to read anything big. */
export const MAX_KEY_FILE = 64 * 1024;

/** A key as the editor shows it; described as `keytool list` describes it (src/keys/describe.ts). */
export function makeEntry(key: SexpList, origin: Origin): KeyEntry {
  const info = describeKey(key);
  const fpr = info.fingerprint;
  const entry: KeyEntry = { fpr, key, description: info.description, origin };
  if (!info.usable) entry.problem = info.problem ?? 'keytool cannot use this key';
  const known = wellKnownLabel(fpr);
  if (known !== undefined) entry.wellKnown = known;
  return entry;
}

export type KeyInput =
  | { status: 'empty' }
  | { status: 'incomplete'; message: string }
  | { status: 'invalid'; message: string }
  | { status: 'valid'; entry: KeyEntry; summary: string };

const head = (s: Sexp): string | undefined => (isList(s) && isAtom(s.items[0]) ? atomText(s.items[0]) : undefined);

/** Whether the add-key input is S-expression text rather than a file name. */
export function looksLikeSexp(text: string): boolean {
  return /^[([{#"|]/.test(text.trimStart()) || text.includes('(');
}

function expandPath(text: string, cwd: string): string {
  const t = text.trim();
  if (t === '~') return homedir();
  if (t.startsWith('~/')) return path.join(homedir(), t.slice(2));
  return path.resolve(cwd, t);
}

/** Read a key file for the add-key input, with a short reason when it cannot be. */
function readKeyFile(file: string): Uint8Array {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new KeytoolError(`no such file: ${file}`);
    if (code === 'EACCES') throw new KeytoolError(`permission denied: ${file}`);
    throw new KeytoolError(`${file}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) throw new KeytoolError(`${file} is a directory`);
  if (!st.isFile()) throw new KeytoolError(`${file} is not a regular file`);
  if (st.size > MAX_KEY_FILE) throw new KeytoolError(`${file} is too big for a public key (${st.size} bytes)`);
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new KeytoolError(`permission denied: ${file}`);
    throw new KeytoolError(`${file}: ${(e as Error).message}`);
  }
}

/**
 * Validate what the user typed or pasted in the add-key box: a file name (relative to `cwd`, `~`
 * expanded) or the text of a `(public-key ...)`, in any S-expression syntax. Runs on every
 * keystroke, so it never throws.
 */
export function checkKeyInput(text: string, cwd: string, isKnown: (fpr: string) => string | undefined): KeyInput {
  const trimmed = text.trim();
  if (!trimmed) return { status: 'empty' };
  const pasted = looksLikeSexp(trimmed);
  let bytes: Uint8Array | string;
  let origin: Origin;
  let where = '';
  if (pasted) {
    bytes = trimmed;
    origin = { kind: 'pasted' };
  } else {
    const file = expandPath(trimmed, cwd);
    try {
      bytes = readKeyFile(file);
    } catch (e) {
      return { status: 'invalid', message: (e as Error).message };
    }
    origin = { kind: 'file', path: file };
    where = `${file}: `;
  }
  let sexp: Sexp;
  try {
    sexp = parseSexp(bytes);
  } catch (e) {
    if (e instanceof SexpError) {
      // Typed text that stops early is not wrong yet, only unfinished.
      if (pasted && /end of input|input ends/.test(e.reason)) return { status: 'incomplete', message: `incomplete S-expression (${e.reason}); keep typing or paste the rest` };
      return { status: 'invalid', message: `${where}not a valid S-expression: ${e.message}` };
    }
    return { status: 'invalid', message: `${where}${(e as Error).message}` };
  }
  const h = head(sexp);
  if (h === 'private-key') {
    return { status: 'invalid', message: `${where}this is a SECRET key; authorize its public key (the .pub file) instead, and keep this one private` };
  }
  if (h !== 'public-key' || !isList(sexp)) {
    return { status: 'invalid', message: `${where}s-expression does not denote a public key${h ? ` (it starts with "${h}")` : ''}` };
  }
  let entry: KeyEntry;
  try {
    entry = makeEntry(sexp, origin);
  } catch (e) {
    return { status: 'invalid', message: `${where}${(e as Error).message}` };
  }
  if (entry.problem !== undefined) {
    return { status: 'invalid', message: `${where}keytool cannot check signatures made with this key: ${entry.problem}` };
  }
  const known = isKnown(entry.fpr);
  if (known !== undefined) return { status: 'invalid', message: `already authorized: ${known}` };
  const label = entry.wellKnown ? ` (${entry.wellKnown})` : '';
  return { status: 'valid', entry, summary: `${entry.description} key ${shortFingerprint(entry.fpr)}${label}` };
}
