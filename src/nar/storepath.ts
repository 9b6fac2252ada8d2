// Store file names: `/gnu/store/<32 chars of Nix base32>-<name>`.
//
// What Guix itself checks when it imports (read in Guix 1.5.0's sources): Guile's
// `read-store-path` (guix/serialization.scm) reads a plain string ("TODO: assert path"), and so
// does `restore-one-item` (guix/nar.scm) for the path, references and deriver; the daemon's
// importPaths only asserts that each is a direct child of the store directory (spec §2), which
// `/gnu/store/..`, `/gnu/store/.` or a name holding NUL or a newline all pass. Guix's own idea of
// a store file name is 32 Nix base32 characters (`store-path-hash-part`, guix/store.scm), `-`,
// then a name of [A-Za-z0-9+-._?=] not starting with `.` (the daemon's checkStoreName in
// libstore/store-api.cc, whose C++ is not in that tree: from Nix's sources, not re-read here). We
// hold every store path read from input (bundle items, their references and deriver) and every
// one we write to that form: stricter than the daemon, never looser.
import path from 'node:path';
import { excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';

export const DEFAULT_STORE_DIR = '/gnu/store';

/** $NIX_STORE_DIR (as the daemon reads it) or /gnu/store. */
export const storeDir = (env: NodeJS.ProcessEnv = process.env): string => env.NIX_STORE_DIR || DEFAULT_STORE_DIR;

/** The daemon's import check: a direct child of the store directory. */
export function isInStore(p: string, dir: string): boolean {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return p.startsWith(prefix) && p.length > prefix.length && !p.slice(prefix.length).includes('/');
}

const NAME = /^[0-9abcdfghijklmnpqrsvwxyz]{32}-[A-Za-z0-9+\-._?=]+$/;

/** Why `p` is not a well-formed store file name of `dir` (the quoted path escaped and bounded), or
 *  undefined when it is one. */
export function storePathProblem(p: string, dir: string, what = 'store path'): string | undefined {
  if (!isInStore(p, dir)) return `${what} '${excerpt(p)}' is not in the store ${dir}`;
  const base = path.posix.basename(p);
  if (!NAME.test(base) || base.slice(33).startsWith('.')) {
    return `${what} '${excerpt(p)}' is not a valid store file name (expected ${dir}/<32 Nix base32 characters>-<name of letters, digits and +-._?=>)`;
  }
  return undefined;
}

/** A well-formed store file name of `dir`, else a usage error (exit 2) saying what is wrong. */
export function checkStorePath(p: string, dir: string, what = 'store path'): string {
  const problem = storePathProblem(p, dir, what);
  if (problem) throw new KeytoolError(problem, 2);
  return p;
}
