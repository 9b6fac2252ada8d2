// The OpenPGP keys of channel committers, as the keyring branch holds them: exported from gpg by
// fingerprint (`gpg --armor --export`) or read from a key file, and described by gpg
// (`--show-keys`), which tells which key signs: gpg signs with the newest valid signing subkey,
// else with the primary key, and `.guix-authorizations` must list the key that signs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { displayable, excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';
import { Keyring, OpenPGPError, formatFingerprint } from '../git/openpgp/index.js';

export interface CommitterKey {
  /** Where it came from, for messages: "gpg key FPR" or the file name. */
  source: string;
  /** The key file as it goes on the keyring branch (armored). */
  data: Buffer;
  /** Primary key fingerprint, upper-case hex. */
  primary: string;
  /** Fingerprint of the key that signs commits (a signing subkey, or the primary), upper-case hex. */
  signing: string;
  /** The first user ID, if any. */
  uid?: string;
}

const FPR = /^[0-9A-F]{40}$/;

/** A fingerprint as given on the command line (any spacing or case); upper-case hex. */
export function fingerprintArgument(s: string): string {
  const h = s.replace(/\s+/g, '').toUpperCase();
  if (!FPR.test(h)) throw new KeytoolError(`"${excerpt(s)}" is not an OpenPGP fingerprint (40 hexadecimal digits, spaces allowed)`);
  return h;
}

function gpg(args: string[], env: NodeJS.ProcessEnv, input?: Buffer): Buffer {
  try {
    return execFileSync('gpg', ['--batch', '--no-tty', ...args], { env, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new KeytoolError('gpg is not installed (or not on PATH): it is needed to read and sign with OpenPGP keys');
    const text = err.stderr ? err.stderr.toString('utf8').trim().split('\n').pop() : err.message;
    throw new KeytoolError(`gpg failed: ${excerpt(text ?? '', 200)}`);
  }
}

/** Describe one key file with `gpg --show-keys`, which imports nothing. */
function describe(source: string, data: Buffer, env: NodeJS.ProcessEnv): CommitterKey {
  // Our own reading first: what the keyring branch holds must be what Guix (and we) can read.
  const keyring = new Keyring();
  try {
    keyring.addFile(data);
  } catch (e) {
    if (e instanceof OpenPGPError) throw new KeytoolError(`${source}: not a readable OpenPGP public key: ${e.message}`);
    throw e;
  }
  const primaries = [...keyring.keys()].filter((k) => !k.subkey);
  if (primaries.length !== 1) throw new KeytoolError(`${source}: expected one OpenPGP public key, found ${primaries.length}`);
  const lines = gpg(['--with-colons', '--fixed-list-mode', '--show-keys'], env, data).toString('utf8').split('\n');
  let primary: string | undefined;
  let uid: string | undefined;
  let primaryCanSign = false;
  let best: { fpr: string; created: number } | undefined;
  let current: { kind: string; usable: boolean; sign: boolean; created: number } | undefined;
  for (const line of lines) {
    const f = line.split(':');
    if (f[0] === 'pub' || f[0] === 'sub') {
      current = { kind: f[0], usable: !/[rei]/.test(f[1] ?? ''), sign: /s/.test(f[11] ?? ''), created: Number(f[5]) };
    } else if (f[0] === 'fpr' && current) {
      const fpr = (f[9] ?? '').toUpperCase();
      if (current.kind === 'pub') { primary = fpr; primaryCanSign = current.usable && current.sign; }
      else if (current.usable && current.sign && (!best || current.created >= best.created)) best = { fpr, created: current.created };
      current = undefined;
    } else if (f[0] === 'uid' && uid === undefined) {
      uid = (f[9] ?? '').replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
  }
  if (!primary || !FPR.test(primary)) throw new KeytoolError(`${source}: gpg could not read the key`);
  const signing = best?.fpr ?? (primaryCanSign ? primary : undefined);
  if (!signing) throw new KeytoolError(`${source}: key ${formatFingerprint(primary)} has no valid key that can sign (revoked or expired?)`);
  return { source, data, primary, signing, uid };
}

/** The key gpg holds for `fingerprint`, exported armored. */
export function keyFromGpg(fingerprint: string, env: NodeJS.ProcessEnv): CommitterKey {
  const fpr = fingerprintArgument(fingerprint);
  const source = `gpg key ${formatFingerprint(fpr)}`;
  // A subkey's fingerprint exports its whole key; export-minimal leaves out third-party signatures.
  const data = gpg(['--armor', '--export', '--export-options', 'export-minimal', fpr], env);
  if (data.length === 0) throw new KeytoolError(`${source}: gpg has no public key with that fingerprint (see gpg --list-keys; import it first, or give the key file with --key-file)`);
  return describe(source, data, env);
}

/** The key in `file` (binary or armored). */
export function keyFromFile(file: string, env: NodeJS.ProcessEnv): CommitterKey {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeytoolError(`${displayable(file)}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a key file' : code === 'EACCES' ? 'permission denied' : 'cannot be read'}`);
  }
  return describe(displayable(file), data, env);
}

/** The key's name for `.guix-authorizations` and its keyring file: the given one, else the user
 *  ID's name part, else nothing. */
export function committerName(key: CommitterKey, given?: string): string | undefined {
  if (given !== undefined) return given;
  const m = key.uid ? /^\s*([^<(]*?)\s*(?:[<(]|$)/.exec(key.uid) : null;
  return m && m[1] ? m[1] : undefined;
}

/** Whether `fingerprint` (upper-case hex) names this key or its signing key. */
export function keyMatches(key: CommitterKey, fingerprint: string): boolean {
  return key.primary === fingerprint || key.signing === fingerprint;
}
