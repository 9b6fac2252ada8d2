// Git hooks installed after the first successful `keytool git authenticate`, as Guix installs
// its own: post-merge authenticates what a pull brought, pre-push refuses to push commits that
// do not authenticate. Existing hooks are never overwritten.
import { constants, existsSync, mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The keytool launcher to call from hooks: this installation's bin/keytool when found. */
export function keytoolProgram(env: NodeJS.ProcessEnv = process.env): string {
  const candidates: string[] = [];
  if (process.argv[1]) candidates.push(path.resolve(path.dirname(process.argv[1]), '..', '..', 'bin', 'keytool'));
  try {
    candidates.push(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'keytool'));
  } catch { /* not a file URL */ }
  for (const c of candidates) if (existsSync(c)) return c;
  for (const dir of (env.PATH ?? '').split(':')) if (dir && existsSync(path.join(dir, 'keytool'))) return path.join(dir, 'keytool');
  return 'keytool';
}

export function postMergeHook(program: string): string {
  return `#!/bin/sh
# Installed by 'keytool git authenticate': authenticate channel commits after a merge or pull.
exec ${shellQuote(program)} git authenticate
`;
}

export function prePushHook(program: string): string {
  return `#!/bin/sh
# Installed by 'keytool git authenticate': refuse to push branch commits that do not authenticate.
# Git passes "<local ref> <local oid> <remote ref> <remote oid>" lines on stdin; see keytool-git(1).
exec ${shellQuote(program)} git pre-push "$@"
`;
}

/**
 * Write both hooks into `hooksDir`, or neither when either is already there (as Guix does: a
 * hook of the user's own stays theirs, and half of ours would be a surprise). Returns whether
 * they were written.
 */
export function installHooks(hooksDir: string, program: string): boolean {
  mkdirSync(hooksDir, { recursive: true });
  const hooks: [string, string][] = [['pre-push', prePushHook(program)], ['post-merge', postMergeHook(program)]];
  if (hooks.some(([name]) => existsSync(path.join(hooksDir, name)))) return false;
  for (const [name, text] of hooks) {
    // O_EXCL all the same: a hook made meanwhile is never overwritten.
    let fd: number;
    try {
      fd = openSync(path.join(hooksDir, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o755);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    try { writeSync(fd, text); } finally { closeSync(fd); }
  }
  return true;
}
