// Human names for ACL keys, kept beside the ACL (never inside it, so Guix still reads the ACL).
//
// File `<config dir>/acl.labels`, UTF-8 text, one label per line:
//     <fingerprint: 64 lower-case hex digits> <one space> <label, to the end of the line>
// Blank lines and lines starting with `#` are ignored; a later line for the same fingerprint
// wins. Written atomically (mode 0644) under the ACL lock. Two keys need no file at all: the
// build farms' keys shipped with Guix (etc/substitutes/*.pub) have well-known labels.
import { readFileSync } from 'node:fs';
import type { ConfigPaths } from '../config.js';
import { KeytoolError } from '../errors.js';
import { writeFileAtomic } from '../fsutil/atomic.js';
import { fileError } from '../fsutil/problem.js';
import { withAclLock } from './store.js';

/** The build farms' public keys (q of `(public-key (ecc (curve Ed25519) (q #…#)))`), as Guix ships them. */
export const WELL_KNOWN_KEYS = [
  { label: 'ci.guix.gnu.org', q: '8D156F295D24B0D9A86FA5741A840FF2D24F60F7B6C4134814AD55625971B394' },
  { label: 'bordeaux.guix.gnu.org', q: '7D602902D3A2DBB83F8A0FB98602A754C5493B0B778C8D1DD4E0F41DE14DE34F' },
] as const;

/** Fingerprints (src/fingerprint.ts) of WELL_KNOWN_KEYS; test/cli/labels.test.ts recomputes them. */
const WELL_KNOWN: ReadonlyMap<string, string> = new Map([
  ['30e7f84d37e97a135d718a205a025cba5d30c80c20721b61c675388ca4712231', 'ci.guix.gnu.org'],
  ['52dfa234d73f7e279b637471a148fb1404a86230e62fe08197dc062246193c24', 'bordeaux.guix.gnu.org'],
]);

export function wellKnownLabel(fpr: string): string | undefined {
  return WELL_KNOWN.get(fpr.toLowerCase());
}

const LINE = /^([0-9a-f]{64}) (.*)$/;

/** Parse the labels file's text; `file` names it in errors. */
export function parseLabels(text: string, file = 'acl.labels'): Map<string, string> {
  const map = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) throw new KeytoolError(`${file}:${i + 1}: expected "<64 hex digit fingerprint> <label>"`);
    const label = m[2]!.trim();
    if (label) map.set(m[1]!, label);
  });
  return map;
}

export function formatLabels(map: ReadonlyMap<string, string>): string {
  let out = '# keytool key labels: <fingerprint> <label> (see keytool(1)); Guix does not read this file\n';
  for (const [fpr, label] of [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out += `${fpr} ${label}\n`;
  return out;
}

/** The user's labels (empty when there is no file). */
export function loadLabels(paths: ConfigPaths): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(paths.labels, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw fileError(e, paths.labels, 'read', 'the labels file');
  }
  return parseLabels(text, paths.labels);
}

/** A label must fit on one line of the file. */
export function checkLabel(label: string): string {
  const l = label.trim();
  if (!l) throw new KeytoolError('a label cannot be empty', 2);
  if (/[\n\r\0]/.test(l)) throw new KeytoolError('a label must be a single line', 2);
  return l;
}

/** Replace the labels file with `map` (atomically, under the ACL lock). */
export function saveLabels(paths: ConfigPaths, map: ReadonlyMap<string, string>): void {
  withAclLock(paths, () => {
    try {
      writeFileAtomic(paths.labels, Buffer.from(formatLabels(map), 'utf8'), { mode: 0o644 });
    } catch (e) {
      throw new KeytoolError(`${fileError(e, paths.labels, 'write', 'the labels file').message}; it is unchanged`);
    }
  });
}

/** Read, change and save the labels under the ACL lock. */
export function updateLabels(paths: ConfigPaths, change: (map: Map<string, string>) => void): void {
  withAclLock(paths, () => {
    const map = loadLabels(paths);
    change(map);
    saveLabels(paths, map);
  });
}

/** What to call the key with this fingerprint: the user's label, else a well-known one. */
export function labelFor(source: ConfigPaths | ReadonlyMap<string, string>, fpr: string): string | undefined {
  const map = source instanceof Map ? source : loadLabels(source as ConfigPaths);
  return map.get(fpr) ?? wellKnownLabel(fpr);
}
