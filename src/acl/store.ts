// The ACL on disk: `<config dir>/acl`, read and validated, created from the local public key when
// missing (as Guix's `current-acl` does). Writers (authorize, deauthorize, the editor) go through
// `updateAcl`, which holds the ACL lock and writes atomically.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { ConfigPaths } from '../config.js';
import { KeytoolError } from '../errors.js';
import { isAtom, isList, atomText, type SexpList } from '../sexp/model.js';
import { parseSexp, SexpError } from '../sexp/index.js';
import { writeFileAtomic } from '../fsutil/atomic.js';
import { readFileBytes } from '../fsutil/read.js';
import { fileError } from '../fsutil/problem.js';
import { withLock } from '../fsutil/lock.js';
import { aclKeys, printAcl } from './acl.js';
import { displayable } from '../display.js';

export interface AclSnapshot {
  /** The authorized public keys, in file order. */
  keys: SexpList[];
  /** Whether the ACL file exists (after creation, if that happened). */
  exists: boolean;
  /** SHA-256 of the file's bytes ('' when there is no file): how writers notice a change on disk. */
  digest: string;
  /** The ACL path is a symbolic link (on Guix System it points into the store). */
  isSymlink: boolean;
}

// noble's, not node:crypto's: see fingerprint.ts (an ACL is small, and noble hashes a MB in milliseconds).
const digestOf = (bytes: Uint8Array): string => bytesToHex(sha256(bytes));

/** Parse ACL bytes, with a message that says what is wrong. */
export function parseAclBytes(bytes: Uint8Array, file: string): SexpList[] {
  let sexp;
  try {
    sexp = parseSexp(bytes);
  } catch (e) {
    if (e instanceof SexpError) throw new KeytoolError(`invalid access-control list ${file}: ${e.message}`);
    throw e;
  }
  try {
    return aclKeys(sexp);
  } catch (e) {
    if (e instanceof KeytoolError) throw new KeytoolError(e.message.replace('invalid access-control list', `invalid access-control list ${file}`));
    throw e;
  }
}

/** Read a public key file: `(public-key ...)` or an error naming the file. */
export function readPublicKeyFile(file: string): SexpList {
  let sexp;
  try {
    sexp = parseSexp(readFileBytes(file, 'the public key'));
  } catch (e) {
    if (e instanceof SexpError) throw new KeytoolError(`${displayable(file)}: failed to read public key: ${e.message}`);
    throw e;
  }
  if (!isList(sexp) || !isAtom(sexp.items[0]) || atomText(sexp.items[0]) !== 'public-key') {
    throw new KeytoolError(`${displayable(file)}: s-expression does not denote a public key`);
  }
  return sexp;
}

/** The ACL's keys and bytes (as read, or as written when `create` made the file); none without an ACL. */
function readAcl(paths: ConfigPaths, create: boolean): { keys: SexpList[]; bytes: Uint8Array; created: boolean } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(paths.acl);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw fileError(e, paths.acl, 'read', 'the access-control list');
    }
    if (!create || !existsSync(paths.publicKey)) return undefined;
    const keys = [readPublicKeyFile(paths.publicKey)];
    const text = printAcl(keys);
    writeFileAtomic(paths.acl, text, { mode: 0o644 });
    return { keys, bytes: text, created: true };
  }
  return { keys: parseAclBytes(bytes, paths.acl), bytes, created: false };
}

/**
 * The current ACL. When the file is missing and `signing-key.pub` exists, the ACL is first created
 * holding that one key (mode 0644), unless `create` is false; with neither, the ACL is empty.
 */
export function loadAcl(paths: ConfigPaths, options: { create?: boolean } = {}): AclSnapshot {
  let isSymlink = false;
  try {
    isSymlink = lstatSync(paths.acl).isSymbolicLink();
  } catch {
    /* missing */
  }
  const acl = readAcl(paths, options.create !== false);
  if (!acl) return { keys: [], exists: false, digest: '', isSymlink };
  // Hashed when asked: only writers compare digests, and `keytool list` need not hash the file.
  let digest: string | undefined;
  const bytes = acl.bytes;
  return {
    keys: acl.keys,
    exists: true,
    get digest() {
      return (digest ??= digestOf(bytes));
    },
    isSymlink: isSymlink && !acl.created,
  };
}

/** `loadAcl(paths).keys` without the digest and the symbolic-link test, which the helper never uses. */
export function loadAclKeys(paths: ConfigPaths): SexpList[] {
  return readAcl(paths, true)?.keys ?? [];
}

/** Temporary ACL files older than this were left by a writer that died before its rename. */
const ABANDONED_TEMP_MS = 10 * 60_000;

/**
 * Remove temporary files a killed writer left beside the ACL (`.acl.<random>.tmp`, see
 * fsutil/atomic.ts). Called under the lock; the age test spares a file that `loadAcl`'s creation
 * (which does not lock) might be writing at this moment.
 */
function removeAbandonedTemps(paths: ConfigPaths): void {
  const prefix = `.${path.basename(paths.acl)}.`;
  try {
    for (const f of readdirSync(paths.dir)) {
      if (!f.startsWith(prefix) || !f.endsWith('.tmp')) continue;
      const p = path.join(paths.dir, f);
      if (Date.now() - statSync(p).mtimeMs > ABANDONED_TEMP_MS) unlinkSync(p);
    }
  } catch {
    /* tidying only: never a reason to fail the update */
  }
}

/** The ACL changed on disk since the writer read it (someone else saved in between). */
export class AclConflictError extends KeytoolError {
  constructor(file: string) {
    super(`${file} changed on disk since it was read; reload it and try again`);
  }
}

/** The lock every ACL writer (and `generate`) holds: `<acl>.lock`, beside the ACL. */
export const aclLockPath = (paths: ConfigPaths): string => `${paths.acl}.lock`;

/** Run `body` holding the ACL lock (re-entrant within this process). */
export function withAclLock<T>(paths: ConfigPaths, body: () => T): T {
  if (!existsSync(paths.dir)) throw new KeytoolError(`configuration directory ${paths.dir} does not exist`);
  return withLock(aclLockPath(paths), body, { what: `the access-control list ${paths.acl}` });
}

export interface UpdateAclOptions {
  /** Refuse (AclConflictError) unless the file's digest is still this ('' = the file is absent). */
  expectDigest?: string;
  /** Told before a symbolic link at the ACL path is replaced by a regular file. */
  onReplaceSymlink?: (linkTarget: string) => void;
  /** For tests: called with the temporary file just before it is renamed over the ACL. */
  beforeRename?: (fd: number, tempPath: string) => void;
}

/**
 * Change the ACL: hold the lock, re-read the file (a missing ACL starts as Guix would create it:
 * the local public key alone, if there is one), apply `change`, and replace the file atomically
 * (mode 0644) in Guix's `write-acl` format. `change` may throw to abandon the update; nothing is
 * written then. Returns the new snapshot.
 */
export function updateAcl(
  paths: ConfigPaths,
  change: (keys: SexpList[]) => SexpList[],
  options: UpdateAclOptions = {},
): AclSnapshot {
  return withAclLock(paths, () => {
    const current = loadAcl(paths, { create: false });
    if (options.expectDigest !== undefined && options.expectDigest !== current.digest) {
      throw new AclConflictError(paths.acl);
    }
    const start = current.exists || !existsSync(paths.publicKey) ? current.keys : [readPublicKeyFile(paths.publicKey)];
    const keys = change([...start]);
    removeAbandonedTemps(paths);
    if (current.isSymlink) options.onReplaceSymlink?.(readlinkSync(paths.acl));
    const bytes = printAcl(keys);
    try {
      writeFileAtomic(paths.acl, bytes, { mode: 0o644, beforeRename: options.beforeRename });
    } catch (e) {
      if (e instanceof KeytoolError) throw e;
      throw new KeytoolError(`${fileError(e, paths.acl, 'write', 'the access-control list').message}; it is unchanged`);
    }
    return { keys, exists: true, digest: digestOf(bytes), isSymlink: false };
  });
}
