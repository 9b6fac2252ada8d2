// The list of commits already authenticated, shared with Guix: same location, key and format.
//   $XDG_CACHE_HOME/guix/authentication/<key>   (default ~/.cache/guix/authentication/<key>)
//   ;; List of previously-authenticated commits.
//
//   ("<newest 40-hex>"
//    "<older>")
// At most 200 IDs, newest first, no duplicates; the file must be mode 0600: one that is not is
// set back to 0600 and its content ignored (someone else could have written it).
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../fsutil/atomic.js';
import { readAll } from './scheme.js';

export const MAX_CACHE_ENTRIES = 200;

export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'guix', 'authentication');
}

/**
 * Guix's key for `guix git authenticate`: "checkouts/" + base64(SHA-256(git directory)), the
 * directory as libgit2 reports it (absolute, with a trailing slash).
 */
export function repositoryCacheKey(gitDir: string): string {
  const dir = gitDir.endsWith('/') ? gitDir : `${gitDir}/`;
  return `checkouts/${createHash('sha256').update(dir, 'utf8').digest('base64')}`;
}

export function cacheFile(key: string, env?: NodeJS.ProcessEnv): string {
  return path.join(cacheDirectory(env), key);
}

/** Previously-authenticated commit IDs for `key`, newest first ([] if none or untrusted). */
export function readCache(key: string, env?: NodeJS.ProcessEnv): string[] {
  const file = cacheFile(key, env);
  let mode: number;
  try {
    mode = statSync(file).mode & 0o7777;
  } catch {
    return [];
  }
  if (mode !== 0o600) {
    chmodSync(file, 0o600);
    return [];
  }
  let data;
  try {
    data = readAll(readFileSync(file, 'utf8'), file);
  } catch {
    return []; // unreadable cache: start afresh rather than fail
  }
  const list = data[0];
  if (!list || list.type !== 'list') return [];
  return list.items.flatMap((n) => (n.type === 'string' && /^[0-9a-f]{40}$/.test(n.value) ? [n.value] : []));
}

/** The cache file's text for these IDs (newest first). */
export function formatCache(ids: string[]): string {
  const body = ids.length === 0 ? '()' : `(${ids.map((id) => `"${id}"`).join('\n ')})`;
  return `;; List of previously-authenticated commits.\n\n${body}\n`;
}

/** Record `id` as authenticated: first in the list, de-duplicated, at most 200 entries. */
export function addToCache(key: string, id: string, env?: NodeJS.ProcessEnv): void {
  const ids = [id, ...readCache(key, env).filter((x) => x !== id)].slice(0, MAX_CACHE_ENTRIES);
  const file = cacheFile(key, env);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, formatCache(ids), { mode: 0o600 });
}
