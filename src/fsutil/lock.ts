// An exclusive lock between processes (and within one), for the writers of one file: the ACL.
//
// The lock is a file created with O_CREAT|O_EXCL that holds its owner's PID and host name. A
// lock whose owner no longer runs (it crashed or was killed) is stale and gets broken, so a
// crash never blocks later writers. Breaking is itself serialised by a short-lived second lock
// file, so two processes that both see the same stale lock cannot remove one another's fresh lock.
// Waiters retry with a growing, jittered back-off and give up after a timeout with a message that
// names the lock and its holder. Synchronous on purpose: ACL updates are short and callers
// (commands, the editor's save) are simpler without promises.
import { closeSync, constants, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { KeytoolError } from '../errors.js';
import { asFileError } from './problem.js';
import { sleepMs } from './sleep.js';

export interface LockOptions {
  /** Give up after this many milliseconds (default 30 s, or $KEYTOOL_LOCK_TIMEOUT in seconds). */
  timeoutMs?: number;
  /** What the lock protects, for messages (e.g. "the access-control list"). */
  what?: string;
}

/** A break-lock older than this belongs to a process that died while breaking a stale lock. */
const BREAK_LOCK_STALE_MS = 10_000;

/** Locks this process holds, with their nesting depth: taking a held lock again is a no-op. */
const held = new Map<string, number>();

interface Owner {
  /** 0 when the file does not hold a PID (not written by keytool). */
  pid: number;
  host: string;
  /** For a file without a PID: old enough to be judged abandoned. */
  old?: boolean;
}

function readOwner(lockPath: string): Owner | undefined {
  try {
    const [pid, host] = readFileSync(lockPath, 'utf8').split('\n');
    const n = Number(pid);
    if (Number.isInteger(n) && n > 0) return { pid: n, host: host ?? '' };
    // Not written by us (we link complete files into place): stale once it is a few seconds old.
    return { pid: 0, host: '', old: Date.now() - statSync(lockPath).mtimeMs > BREAK_LOCK_STALE_MS };
  } catch {
    return undefined; // gone (released) or unreadable
  }
}

/** Whether the process that wrote this lock is certainly gone. */
function isStale(owner: Owner): boolean {
  if (owner.pid === 0) return owner.old === true;
  if (owner.host && owner.host !== hostname()) return false; // another machine: cannot tell
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Create the lock file if free; false when someone holds it. The file is written in full under a
 * private name first and then hard-linked into place (link fails if the name exists), so a lock
 * file is never seen half-written.
 */
function tryCreate(lockPath: string): boolean {
  const temp = `${lockPath}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (e) {
    throw asFileError(e, lockPath, 'create', 'lock file');
  }
  try {
    writeSync(fd, `${process.pid}\n${hostname()}\n`);
  } catch (e) {
    // A full disk takes the name but not the bytes: the private file goes too.
    unlinkQuiet(temp);
    throw asFileError(e, lockPath, 'create', 'lock file');
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, lockPath);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw asFileError(e, lockPath, 'create', 'lock file');
  } finally {
    unlinkQuiet(temp);
  }
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* nothing to clean */
  }
}

/** Remove `lockPath` if it still holds the same stale owner, serialised with other breakers. */
function breakStale(lockPath: string, stale: Owner): void {
  const breakPath = `${lockPath}.break`;
  if (!tryCreateQuiet(breakPath)) {
    try {
      if (Date.now() - statSync(breakPath).mtimeMs > BREAK_LOCK_STALE_MS) unlinkSync(breakPath);
    } catch {
      /* gone meanwhile */
    }
    return;
  }
  try {
    // Only breakers remove a lock they do not own, and they are serialised here; the stale owner is
    // dead, so the file cannot have been replaced since we read it unless another breaker ran
    // before us, which re-reading catches.
    const now = readOwner(lockPath);
    if (now && now.pid === stale.pid && now.host === stale.host) {
      try {
        unlinkSync(lockPath);
      } catch {
        /* already gone */
      }
    }
  } finally {
    try {
      unlinkSync(breakPath);
    } catch {
      /* removed by someone who thought us dead */
    }
  }
}

function tryCreateQuiet(p: string): boolean {
  try {
    closeSync(openSync(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644));
    return true;
  } catch {
    return false;
  }
}

function defaultTimeout(): number {
  const env = Number(process.env.KEYTOOL_LOCK_TIMEOUT);
  return Number.isFinite(env) && env > 0 ? env * 1000 : 30_000;
}

/** Take the lock at `lockPath`, waiting for other holders; returns the release function. */
export function acquireLock(lockPath: string, options: LockOptions = {}): () => void {
  const depth = held.get(lockPath);
  if (depth !== undefined) {
    held.set(lockPath, depth + 1);
    return once(() => release(lockPath));
  }
  const timeout = options.timeoutMs ?? defaultTimeout();
  const deadline = Date.now() + timeout;
  let delay = 2;
  for (;;) {
    if (tryCreate(lockPath)) break;
    const owner = readOwner(lockPath);
    if (owner && isStale(owner)) {
      breakStale(lockPath, owner);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = owner ? ` held by process ${owner.pid}${owner.host && owner.host !== hostname() ? ` on ${owner.host}` : ''}` : '';
      throw new KeytoolError(
        `timed out after ${Math.round(timeout / 1000)} s waiting for the lock on ${options.what ?? lockPath} (${lockPath}${who}); ` +
          `if no keytool or editor is running, remove ${lockPath}`,
      );
    }
    sleepMs(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
  held.set(lockPath, 1);
  return once(() => release(lockPath));
}

function release(lockPath: string): void {
  const depth = held.get(lockPath) ?? 0;
  if (depth > 1) {
    held.set(lockPath, depth - 1);
    return;
  }
  held.delete(lockPath);
  try {
    unlinkSync(lockPath);
  } catch {
    /* broken by someone who judged us dead (only possible across hosts) */
  }
}

function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}

/** Run `body` holding the lock; released however `body` ends. */
export function withLock<T>(lockPath: string, body: () => T, options: LockOptions = {}): T {
  const release = acquireLock(lockPath, options);
  try {
    return body();
  } finally {
    release();
  }
}
