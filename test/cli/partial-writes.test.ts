// Writes that fail part way: the disk fills (a small tmpfs, filled up), the file system is
// read-only (that tmpfs remounted), the directory is not writable (as `nobody`). Each writer —
// authorize, deauthorize, the editor's save, generate, nar pack -o, archive export -o — must leave
// the old ACL, labels and key files as they were, remove its temporary file, and say what happened
// in words. Mounting needs root (CI runs as root); elsewhere the tests are skipped, saying why.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, ftruncateSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPaths } from '../../src/config.js';
import { KeytoolError } from '../../src/errors.js';
import { fileBackend } from '../../src/tui/backend.js';
import { assertBuilt, canRunAsNobody, EXAMPLE, isRoot, keytool, NOBODY, scratch, snapshot } from './support/run.js';

const why = !isRoot ? 'needs root to mount a small tmpfs' : '';
if (why) console.warn(`test/cli/partial-writes.test.ts skipped: ${why}`);
// The 'not writable' case runs as nobody, who must be able to reach the checkout (a clone in a
// private directory such as mktemp -d makes is out of reach): only that case is left out then.
if (!why && !canRunAsNobody) console.warn("test/cli/partial-writes.test.ts: the 'not writable' cases skipped: nobody cannot reach the checkout");

let mnt = '';
const PAGE = 4096;
let outside = '';
const ERRNO_NAMES = /\b(ENOSPC|EROFS|EACCES|EPERM|ENOENT|EEXIST|EISDIR|ENOTDIR|EIO|EDQUOT)\b|internal error/;

// Full: not a page left, so the first file made fails (the ACL's lock file, a temporary file).
// Nearly full: one page left (tmpfs allocates whole pages), so the lock file or the first of two
// files is made and the next write fails: the new ACL, the secret key after the public one.
type Failure = 'full' | 'nearly full' | 'read-only' | 'not writable';
const SAYS: Record<Failure, RegExp> = {
  full: /no space left/i,
  'nearly full': /no space left/i,
  'read-only': /read-only/i,
  'not writable': /permission|not allowed/i,
};

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** A configuration directory on the tmpfs: ACL, labels, key pair (or none), an old output file. */
function prepare(keys = true): string {
  sh('sh', ['-c', `rm -rf "${mnt}"/* "${mnt}"/.[!.]*`]);
  const dir = path.join(mnt, 'cfg');
  mkdirSync(dir, { mode: 0o755 });
  copyFileSync(path.join(EXAMPLE, 'acl'), path.join(dir, 'acl'));
  writeFileSync(path.join(dir, 'acl.labels'), '');
  if (keys) {
    copyFileSync(path.join(EXAMPLE, 'signing-key.pub'), path.join(dir, 'signing-key.pub'));
    copyFileSync(path.join(EXAMPLE, 'signing-key.sec'), path.join(dir, 'signing-key.sec'));
    chmodSync(path.join(dir, 'signing-key.sec'), 0o600);
  }
  writeFileSync(path.join(dir, 'old.out'), 'the previous output\n');
  return dir;
}

/** Bring about `failure`; returns how to undo it. */
function bringAbout(failure: Failure, pagesLeft = 1): () => void {
  if (failure === 'full' || failure === 'nearly full') {
    const filler = path.join(mnt, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(1024, 0x2e);
    let size = 0;
    try {
      for (;;) size += writeSync(fd, chunk);
    } catch {
      // ENOSPC: the file system is full
    }
    if (failure === 'nearly full') ftruncateSync(fd, (Math.ceil(size / PAGE) - pagesLeft) * PAGE);
    closeSync(fd);
    return () => rmSync(filler);
  }
  if (failure === 'read-only') {
    sh('mount', ['-o', 'remount,ro', mnt]);
    return () => sh('mount', ['-o', 'remount,rw', mnt]);
  }
  return () => {};
}

const asUser = (failure: Failure) => (failure === 'not writable' ? { uid: NOBODY, gid: NOBODY } : {});

/** Run `args` under `failure`: exit 1, a message in words saying what happened, nothing changed. */
function failsCleanly(failure: Failure, dir: string, args: string[], pagesLeft?: number): void {
  const undo = bringAbout(failure, pagesLeft);
  const before = snapshot(dir);
  let r;
  try {
    r = keytool(args, asUser(failure));
  } finally {
    undo();
  }
  expect(r.stderr).toMatch(SAYS[failure]);
  expect(r.stderr).not.toMatch(ERRNO_NAMES);
  expect(r.status).toBe(1);
  expect(snapshot(dir)).toEqual(before); // no temporary file left, every old file as it was
}

beforeAll(() => {
  if (why) return;
  assertBuilt();
  const base = scratch('partial');
  mnt = path.join(base, 'mnt');
  outside = path.join(base, 'outside');
  mkdirSync(mnt);
  mkdirSync(path.join(outside, 'tree'), { recursive: true });
  // Larger than the whole tmpfs: packing it fills the disk whatever is left.
  writeFileSync(path.join(outside, 'tree', 'big'), Buffer.alloc(200 << 10, 1));
  sh('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', mnt]);
});

afterAll(() => {
  if (mnt && existsSync(mnt)) spawnSync('umount', [mnt]);
});

const FAILURES: Failure[] = ['full', 'nearly full', 'read-only', ...(canRunAsNobody ? ['not writable' as const] : [])];

describe.skipIf(Boolean(why))('a write that fails part way leaves every old file and says why', () => {
  it.each(FAILURES)('authorize (with a label): %s', (failure) => {
    const dir = prepare();
    failsCleanly(failure, dir, ['authorize', '--config-dir', dir, '--label', 'rsa builder', path.join(EXAMPLE, 'rsa', 'signing-key.pub')]);
  });

  it.each(FAILURES)('deauthorize: %s', (failure) => {
    const dir = prepare();
    failsCleanly(failure, dir, ['deauthorize', '--config-dir', dir, '52dfa234']);
  });

  it.each(FAILURES)('generate: %s', (failure) => {
    const dir = prepare(false);
    failsCleanly(failure, dir, ['generate', '--config-dir', dir]);
  });

  it('generate: two pages left, for the lock and the public key but not the secret key', () => {
    const dir = prepare(false);
    failsCleanly('nearly full', dir, ['generate', '--config-dir', dir], 2); // no half pair left
  });

  it.each(FAILURES)('nar pack -o: %s', (failure) => {
    const dir = prepare();
    failsCleanly(failure, dir, ['nar', 'pack', '-o', path.join(dir, 'old.out'), path.join(outside, 'tree')]);
  });

  it.each(FAILURES)('archive export -o: %s', (failure) => {
    const dir = prepare();
    failsCleanly(failure, dir, [
      'archive', 'export', '--key', path.join(dir, 'signing-key.sec'), '-o', path.join(dir, 'old.out'),
      '--store-path', '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-hello', path.join(outside, 'tree'),
    ]);
  });

  it.each(FAILURES)('the editor\'s save (a key removed, a label set): %s', (failure) => {
    const dir = prepare();
    const backend = fileBackend(configPaths(dir), dir);
    const { snapshot: read } = backend.load();
    const doc = { keys: read.doc.keys.slice(1), labels: { ...read.doc.labels, [read.doc.keys[2]!.fpr]: 'build box' } };
    const undo = bringAbout(failure);
    const before = snapshot(dir);
    let error: unknown;
    // As nobody in this process: the effective IDs only, given back after.
    if (failure === 'not writable') { process.setegid!(NOBODY); process.seteuid!(NOBODY); }
    try {
      backend.save(read.doc, doc, read.digest);
    } catch (e) {
      error = e;
    } finally {
      if (failure === 'not writable') { process.seteuid!(0); process.setegid!(0); }
      undo();
    }
    expect(error).toBeInstanceOf(KeytoolError);
    expect((error as Error).message).toMatch(SAYS[failure]);
    expect((error as Error).message).not.toMatch(ERRNO_NAMES);
    expect(snapshot(dir)).toEqual(before);
  });
});
