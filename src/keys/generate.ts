// `keytool generate`: a key pair written the way `guix archive --generate-key` writes it
// (spec/guix-formats.md §4): refuse to overwrite, public key then secret key, each atomically,
// public 0444, secret 0400, owned by the store's owner when the store exists.
import { existsSync, mkdirSync, chmodSync, chownSync, fchownSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { ConfigPaths } from '../config.js';
import { generateKeyPair } from '../crypto/index.js';
import { KeytoolError } from '../errors.js';
import { displayable } from '../display.js';
import { writeFileAtomic } from '../fsutil/atomic.js';
import { asFileError, fileError } from '../fsutil/problem.js';
import { withAclLock } from '../acl/store.js';
import { storeDir } from '../nar/storepath.js';
import { parseSexp, printAdvanced, SexpError } from '../sexp/index.js';
import type { Sexp, SexpList } from '../sexp/model.js';
import { describeKey, type KeyInfo } from './describe.js';

/** Guix's default: ECDSA on the Ed25519 curve with RFC 6979 nonces (not EdDSA). */
export const DEFAULT_PARAMETERS = '(genkey (ecdsa (curve Ed25519) (flags rfc6979)))';

export interface GenerateResult {
  publicKey: SexpList;
  info: KeyInfo;
}

function parseParameters(text: string): Sexp {
  try {
    return parseSexp(text);
  } catch (e) {
    if (e instanceof SexpError) throw new KeytoolError(`invalid key generation parameters: ${e.message}`);
    throw e;
  }
}

/**
 * Make the configuration directory if missing: the directory itself with `mode` (Guix makes it
 * under umask 0266: 0511), missing parents as ordinary directories (0755, as `mkdir -p` under the
 * usual umask: Guix would make them 0511 too, leaving e.g. /srv unlistable for no secrecy gained,
 * the key files being 0400 themselves). Returns the directories it created, with their modes.
 */
function makeConfigDirectory(dir: string, mode: number): { dir: string; mode: number }[] {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (d === path.dirname(d)) break;
  }
  const made: { dir: string; mode: number }[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      const dirMode = d === missing.at(-1) ? mode : 0o755;
      chmodSync(d, dirMode); // exact, whatever the umask
      made.push({ dir: d, mode: dirMode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw fileError(e, d, 'create', 'directory');
    }
  }
  try {
    if (!statSync(dir).isDirectory()) throw new KeytoolError(`the configuration directory ${displayable(dir)} is a file, not a directory (see --config-dir)`);
  } catch (e) {
    throw asFileError(e, dir, 'open', 'the configuration directory');
  }
  return made;
}

export function generateKeyFiles(
  paths: ConfigPaths,
  parametersText: string = DEFAULT_PARAMETERS,
  progress: (line: string) => void = () => {},
  env: NodeJS.ProcessEnv = process.env,
): GenerateResult {
  const params = parseParameters(parametersText);
  const refuse = (): never => {
    throw new KeytoolError(`key pair exists under '${paths.dir}'; remove it first`);
  };
  // existsSync follows symbolic links: a dangling one counts as absent, as in Guix.
  if (existsSync(paths.publicKey) || existsSync(paths.secretKey)) refuse();

  // Everything that can fail for want of a directory or a permission fails before the slow part.
  // Guix runs with umask 0266, so the directory it creates is 0511; the owner keeps write
  // access here when it is not root, or it could never remove the key pair it asked for.
  const isRoot = process.geteuid?.() === 0;
  const made = makeConfigDirectory(paths.dir, isRoot ? 0o511 : 0o711);
  for (const d of made) progress(`created directory ${displayable(d.dir)} (mode ${d.mode.toString(8).padStart(4, '0')})`);

  return withAclLock(paths, () => {
    if (existsSync(paths.publicKey) || existsSync(paths.secretKey)) refuse();

    progress('Please wait while gathering entropy to generate the key pair;');
    progress('this may take time...');
    let pair: { publicKey: SexpList; secretKey: SexpList };
    try {
      pair = generateKeyPair(params);
    } catch (e) {
      if (e instanceof KeytoolError || e instanceof SexpError) {
        throw new KeytoolError(e.message.startsWith('key generation failed') ? e.message : `key generation failed: ${e.message}`);
      }
      throw e;
    }

    // Ownership: the store's owner, gid 0 when that owner is root. Only root can give files away;
    // anyone else keeps their own files (Guix would fail there).
    let owner: { uid: number; gid: number } | undefined;
    const store = storeDir(env); // its owner gets the keys
    if (existsSync(store)) {
      const st = statSync(store);
      const want = { uid: st.uid, gid: st.uid === 0 ? 0 : st.gid };
      if (isRoot || want.uid === process.geteuid?.()) owner = want;
    }
    const chown = owner ? (fd: number) => fchownSync(fd, owner!.uid, owner!.gid) : undefined;

    const write = (file: string, key: SexpList, mode: number): void => {
      try {
        writeFileAtomic(file, printAdvanced(key), { mode, beforeRename: chown });
      } catch (e) {
        throw asFileError(e, file, 'write');
      }
    };
    write(paths.publicKey, pair.publicKey, 0o444);
    try {
      write(paths.secretKey, pair.secretKey, 0o400);
    } catch (e) {
      try {
        unlinkSync(paths.publicKey); // no half pair left behind
      } catch {
        /* already gone */
      }
      throw e;
    }
    if (owner) {
      try {
        chownSync(paths.dir, owner.uid, owner.gid);
      } catch {
        /* the keys are in place and correctly owned; the directory keeps its owner */
      }
    }
    return { publicKey: pair.publicKey, info: describeKey(pair.publicKey) };
  });
}
