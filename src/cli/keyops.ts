// The key and ACL commands' work and output, loaded by the command classes on demand (and by the
// quick path, src/cli/quick.ts). The logic lives in src/keys and src/acl; this module reads
// inputs, prints results and chooses exit codes. No dynamic import here: a bundle that has one
// initializes every module it shares with its target lazily and keeps all of their code (noble's
// SHA-512 tables built at load, for a `keytool list`); sign and verify are in signops.ts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KeytoolError } from '../errors.js';
import { shortFingerprint } from '../fingerprint.js';
import type { SexpList } from '../sexp/model.js';
import { advancedString, parseSexp, sexpEqual } from '../sexp/index.js';
import { isAuthorized } from '../acl/acl.js';
import { authorize, deauthorize, parseSelector } from '../acl/authorize.js';
import { checkLabel, labelFor, loadLabels } from '../acl/labels.js';
import { aclToScheme } from '../acl/scheme-export.js';
import { loadAcl, readPublicKeyFile, type AclSnapshot } from '../acl/store.js';
import { describeKey } from '../keys/describe.js';
import { parseAnyKey, parsePublicKey, readInputFile, type KeyInput } from '../keys/read.js';
import type { CommandIo, OutputIo } from './io.js';
import { displayable } from '../display.js';

const STORE_PREFIX = '/gnu/store/';

export async function readStdin(io: OutputIo, what: string): Promise<KeyInput> {
  if (io.stdin.isTTY) io.err(`keytool: reading ${what} from standard input (end with Ctrl-D)\n`);
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c as Uint8Array));
  return { name: 'standard input', bytes: Buffer.concat(chunks) };
}

function symlinkWarning(io: CommandIo, acl: string) {
  return (target: string): void => {
    io.err(`keytool: warning: replacing symbolic link ${acl} with a regular file\n`);
    if (path.resolve(path.dirname(acl), target).startsWith(STORE_PREFIX)) {
      io.err(
        'keytool: hint: this ACL comes from your Guix System configuration; to keep the key across\n' +
          "  reconfigurations, add it to the 'authorized-keys' of 'guix-service-type' instead:\n" +
          "  'keytool acl export' prints the whole ACL as the Scheme that field takes\n",
      );
    }
  };
}

/** This machine's public key, if readable (for the `this machine` label and --force checks). */
export function localKey(io: CommandIo): SexpList | undefined {
  try {
    return readPublicKeyFile(io.paths.publicKey);
  } catch {
    return undefined;
  }
}

/** The keys checked against: the ACL's or, while there is no ACL, this machine's key alone (as Guix creates it). */
export function aclOrLocal(acl: AclSnapshot, local: SexpList | undefined): SexpList[] {
  return acl.exists ? acl.keys : local ? [local] : [];
}

const isLocal = (key: SexpList, local: SexpList | undefined): boolean => Boolean(local && isAuthorized([local], key));

function keyLabel(labels: ReadonlyMap<string, string>, fpr: string, local: boolean): string | undefined {
  return labelFor(labels, fpr) ?? (local ? 'this machine' : undefined);
}

export async function authorizeFiles(io: CommandIo, files: string[], label: string | undefined): Promise<number> {
  const lbl = label === undefined ? undefined : checkLabel(label);
  const inputs = files.length ? files.map((f) => (f === '-' ? undefined : readInputFile(f))) : [undefined];
  const keys: SexpList[] = [];
  for (const input of inputs) keys.push(parsePublicKey(input ?? (await readStdin(io, 'a public key'))));
  const { alreadyPresent } = authorize(io.paths, keys, { label: lbl, onReplaceSymlink: symlinkWarning(io, io.paths.acl) });
  keys.forEach((k, i) => {
    const info = describeKey(k);
    const note = alreadyPresent[i] ? ' (already authorized; moved first)' : '';
    io.err(`keytool: authorized ${info.fingerprint} ${info.description}${lbl ? ` "${lbl}"` : ''}${note}\n`);
    if (!info.usable) io.err(`keytool: warning: ${info.problem}; keytool and Guix cannot check signatures made with this key\n`);
  });
  return 0;
}

export async function deauthorizeArgs(io: CommandIo, args: string[], force: boolean): Promise<number> {
  const selectors = args.map((a) => parseSelector(a));
  const { removed } = deauthorize(io.paths, selectors, { force, onReplaceSymlink: symlinkWarning(io, io.paths.acl) });
  for (const k of removed) {
    const info = describeKey(k);
    io.err(`keytool: deauthorized ${info.fingerprint} ${info.description}\n`);
  }
  return 0;
}

const bold = (on: boolean, s: string): string => (on ? `\x1b[1m${s}\x1b[22m` : s);
const dim = (on: boolean, s: string): string => (on ? `\x1b[2m${s}\x1b[22m` : s);

export async function listAcl(io: CommandIo, json: boolean): Promise<number> {
  if (!existsSync(io.paths.dir)) throw new KeytoolError(`configuration directory ${io.paths.dir} does not exist (is Guix installed? see --config-dir)`);
  const acl = loadAcl(io.paths, { create: false });
  const local = localKey(io);
  const labels = loadLabels(io.paths);
  const rows = aclOrLocal(acl, local).map((k) => {
    const info = describeKey(k);
    const mine = isLocal(k, local);
    return { info, key: k, label: keyLabel(labels, info.fingerprint, mine), local: mine };
  });
  if (json) {
    io.out(
      `${JSON.stringify(
        {
          acl: io.paths.acl,
          exists: acl.exists,
          keys: rows.map((r) => ({
            fingerprint: r.info.fingerprint,
            kind: r.info.kind,
            algorithm: r.info.description,
            label: r.label ?? null,
            local: r.local,
            usable: r.info.usable,
            publicKey: advancedString(r.key),
          })),
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (!acl.exists) {
    io.err(`keytool: ${io.paths.acl} does not exist yet${local ? '; Guix creates it holding this machine\'s key' : ' (no key is authorized)'}\n`);
  }
  const width = Math.max(0, ...rows.map((r) => r.info.description.length));
  for (const r of rows) {
    const algo = r.info.usable ? r.info.description : `${r.info.description} (unusable)`;
    const label = r.label ? `  ${r.label}` : '';
    io.out(`${bold(io.colourOut, shortFingerprint(r.info.fingerprint))}  ${algo.padEnd(width + (r.info.usable ? 0 : 11))}${dim(io.colourOut, label)}`.trimEnd() + '\n');
  }
  return 0;
}

/** A key's advanced form on one line, as long as it still reads as the same key; else as printed. */
function oneLineKey(key: SexpList): string {
  const text = advancedString(key);
  const line = text.trim().replace(/ ?\n */g, ' ').replace(/ +\)/g, ')');
  try {
    if (sexpEqual(parseSexp(line), key)) return line;
  } catch { /* keep the printed form */ }
  return text;
}

/** `keytool acl export`: the ACL as the Scheme list guix-configuration's authorized-keys takes. */
export async function exportAclScheme(io: CommandIo): Promise<number> {
  if (!existsSync(io.paths.dir)) throw new KeytoolError(`configuration directory ${displayable(io.paths.dir)} does not exist (is Guix installed? see --config-dir)`);
  const acl = loadAcl(io.paths, { create: false });
  const local = localKey(io);
  const labels = loadLabels(io.paths);
  if (!acl.exists) io.err(`keytool: ${displayable(io.paths.acl)} does not exist yet; exporting what Guix would create it with${local ? " (this machine's key)" : ' (no key)'}\n`);
  const keys = aclOrLocal(acl, local).map((k) => {
    const fingerprint = describeKey(k).fingerprint;
    return { text: oneLineKey(k), fingerprint, label: keyLabel(labels, fingerprint, isLocal(k, local)) };
  });
  io.out(aclToScheme(keys, io.paths.acl));
  return 0;
}

export async function showKey(io: CommandIo, file: string, json: boolean): Promise<number> {
  const input = file === '-' ? await readStdin(io, 'a key') : readInputFile(file);
  const { publicKey, isPrivate } = parseAnyKey(input);
  const info = describeKey(publicKey);
  const acl = loadAcl(io.paths, { create: false });
  const local = localKey(io);
  const authorized = isAuthorized(aclOrLocal(acl, local), publicKey);
  const label = keyLabel(loadLabels(io.paths), info.fingerprint, isLocal(publicKey, local));
  if (json) {
    io.out(
      `${JSON.stringify(
        {
          file: input.name,
          type: isPrivate ? 'private' : 'public',
          fingerprint: info.fingerprint,
          kind: info.kind,
          algorithm: info.description,
          usable: info.usable,
          problem: info.problem ?? null,
          authorized,
          acl: io.paths.acl,
          label: label ?? null,
          publicKey: advancedString(publicKey),
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const lines: [string, string][] = [
    ['file', input.name],
    ['type', isPrivate ? 'private key (fingerprint of its public key)' : 'public key'],
    ['algorithm', info.usable ? info.description : `${info.description} (unusable: ${info.problem})`],
    ['fingerprint', info.fingerprint],
    ['authorized', `${authorized ? 'yes' : 'no'} (${io.paths.acl})`],
  ];
  if (label) lines.push(['label', label]);
  for (const [k, v] of lines) io.out(`${`${k}:`.padEnd(13)}${v}\n`);
  return 0;
}
