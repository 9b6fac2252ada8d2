// Store file names: `/gnu/store/<32 chars of Nix base32>-<name>`.
import path from 'node:path';
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

/** Stricter, for what we write: a well-formed store file name (hash part and name characters). */
export function checkStorePath(p: string, dir: string, what = 'store path'): string {
  if (!isInStore(p, dir)) throw new KeytoolError(`${what} '${p}' is not in the store ${dir}`, 2);
  const base = path.posix.basename(p);
  if (!NAME.test(base) || base.slice(33).startsWith('.')) {
    throw new KeytoolError(`${what} '${p}' is not a valid store file name (expected ${dir}/<32 Nix base32 characters>-<name>)`, 2);
  }
  return p;
}
