// The ACL on disk: `<config dir>/acl`, read and validated, created from the local public key when
// missing (as Guix's `current-acl` does). Writers (authorize, deauthorize, the editor) go through
// `updateAcl`, which holds the ACL lock and writes atomically.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import type { ConfigPaths } from '../config.js';
import { KeytoolError } from '../errors.js';
import { isAtom, isList, atomText, type SexpList } from '../sexp/model.js';
import { parseSexp, SexpError } from '../sexp/index.js';
import { writeFileAtomic } from '../fsutil/atomic.js';
import { aclKeys, printAcl } from './acl.js';

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

export const digestOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

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
  const sexp = parseSexp(readFileSync(file));
  if (!isList(sexp) || !isAtom(sexp.items[0]) || atomText(sexp.items[0]) !== 'public-key') {
    throw new KeytoolError(`${file}: s-expression does not denote a public key`);
  }
  return sexp;
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
  let bytes: Buffer | undefined;
  try {
    bytes = readFileSync(paths.acl);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new KeytoolError(`cannot read access-control list ${paths.acl}: ${(e as Error).message}`);
    }
  }
  if (bytes) return { keys: parseAclBytes(bytes, paths.acl), exists: true, digest: digestOf(bytes), isSymlink };
  if (options.create !== false && existsSync(paths.publicKey)) {
    const keys = [readPublicKeyFile(paths.publicKey)];
    const text = printAcl(keys);
    writeFileAtomic(paths.acl, text, { mode: 0o644 });
    return { keys, exists: true, digest: digestOf(text), isSymlink: false };
  }
  return { keys: [], exists: false, digest: '', isSymlink };
}
