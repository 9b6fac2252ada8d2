// `keytool generate`: a key pair written the way `guix archive --generate-key` writes it
// (spec/guix-formats.md §4): refuse to overwrite, public key then secret key, each atomically,
// public 0444, secret 0400, owned by the store's owner when the store exists.
import { existsSync, mkdirSync, chmodSync, chownSync, fchownSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { ConfigPaths } from '../config.js';
import { generateKeyPair } from '../crypto/index.js';
import { KeytoolError } from '../errors.js';
import { writeFileAtomic } from '../fsutil/atomic.js';
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

/** mkdir -p, giving each directory it creates exactly `mode`. */
function makeDirectories(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
      chmodSync(d, mode); // exact, whatever the umask
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new KeytoolError(`cannot create directory ${d}: ${code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
    }
  }
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

  // Guix runs with umask 0266, so the directories it creates are 0511; the owner keeps write
  // access here when it is not root, or it could never remove the key pair it asked for.
  const isRoot = process.geteuid?.() === 0;
  makeDirectories(paths.dir, isRoot ? 0o511 : 0o711);

  return withAclLock(paths, () => {
    if (existsSync(paths.publicKey) || existsSync(paths.secretKey)) refuse();

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
        const code = (e as NodeJS.ErrnoException).code;
        throw new KeytoolError(`cannot write ${file}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message}`);
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
