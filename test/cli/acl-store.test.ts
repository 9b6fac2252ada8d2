// The ACL writers' guarantees: updateAcl's lock, re-read, atomic write and conflict detection,
// stale-lock recovery after a crash, and a writer killed or failing mid-write (old or new file,
// never a broken one). Crash cases run a real second process (support/acl-writer.ts) and SIGKILL it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, utimesSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configPaths } from '../../src/config.js';
import { KeytoolError } from '../../src/errors.js';
import { authorizeKeys } from '../../src/acl/acl.js';
import { AclConflictError, aclLockPath, loadAcl, readPublicKeyFile, updateAcl, withAclLock } from '../../src/acl/store.js';
import { acquireLock } from '../../src/fsutil/lock.js';
import { fingerprint } from '../../src/fingerprint.js';
import { TMP_ROOT } from '../support/oracle.js';
import { startWriter, writerBundle } from './support/harness.js';
import { EXAMPLE } from './support/run.js';

let root: string;
let n = 0;
beforeAll(async () => {
  mkdirSync(TMP_ROOT, { recursive: true });
  root = mkdtempSync(path.join(TMP_ROOT, 'acl-store-'));
  await writerBundle();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh config dir holding a copy of keys-example (its ACL: bordeaux, ci, example key). */
function fresh(withAcl = true) {
  const dir = path.join(root, `c${n++}`);
  cpSync(EXAMPLE, dir, { recursive: true });
  if (!withAcl) rmSync(path.join(dir, 'acl'));
  return configPaths(dir);
}
const rsaKey = () => readPublicKeyFile(path.join(EXAMPLE, 'rsa/signing-key.pub'));
const p256Key = () => readPublicKeyFile(path.join(EXAMPLE, 'p256/signing-key.pub'));
const fprs = (dir: string) => loadAcl(configPaths(dir), { create: false }).keys.map((k) => fingerprint(k));

describe('updateAcl', () => {
  it('re-reads, applies and writes in Guix format with mode 0644, releasing the lock', () => {
    const paths = fresh();
    const before = loadAcl(paths).keys;
    const snap = updateAcl(paths, (keys) => authorizeKeys(keys, [rsaKey()]));
    expect(snap.keys.map((k) => fingerprint(k))).toEqual([fingerprint(rsaKey()), ...before.map((k) => fingerprint(k))]);
    expect(statSync(paths.acl).mode & 0o777).toBe(0o644);
    expect(existsSync(aclLockPath(paths))).toBe(false);
    expect(loadAcl(paths).digest).toBe(snap.digest);
  });

  it('starts a missing ACL from signing-key.pub, as Guix creates it', () => {
    const paths = fresh(false);
    updateAcl(paths, (keys) => authorizeKeys(keys, [rsaKey()]));
    expect(fprs(paths.dir)).toEqual([fingerprint(rsaKey()), fingerprint(readPublicKeyFile(paths.publicKey))]);
  });

  it('refuses with AclConflictError when the file changed since it was read, leaving it alone', () => {
    const paths = fresh();
    const { digest } = loadAcl(paths);
    updateAcl(paths, (keys) => authorizeKeys(keys, [rsaKey()]));
    const now = readFileSync(paths.acl);
    expect(() => updateAcl(paths, (keys) => authorizeKeys(keys, [p256Key()]), { expectDigest: digest })).toThrow(AclConflictError);
    expect(readFileSync(paths.acl)).toEqual(now);
  });

  it('writes nothing when the change throws', () => {
    const paths = fresh();
    const old = readFileSync(paths.acl);
    expect(() => updateAcl(paths, () => { throw new KeytoolError('no'); })).toThrow('no');
    expect(readFileSync(paths.acl)).toEqual(old);
    expect(existsSync(aclLockPath(paths))).toBe(false);
  });

  it('refuses an ACL in a bad shape, naming the problem, and leaves it as it was', () => {
    const paths = fresh();
    const bad = '(acl (entry (public-key (ecc (curve Ed25519) (q #00#))) (tag (guix export))))';
    writeFileSync(paths.acl, bad);
    expect(() => updateAcl(paths, (keys) => keys)).toThrow(/invalid access-control list .*acl: entry 1 is not tagged \(tag \(guix import\)\)/);
    expect(readFileSync(paths.acl, 'latin1')).toBe(bad);
  });

  it('replaces a symbolic link at the ACL path (telling the caller), leaving its target untouched', () => {
    const paths = fresh();
    const target = path.join(paths.dir, 'store-acl');
    cpSync(paths.acl, target);
    rmSync(paths.acl);
    symlinkSync(target, paths.acl);
    const told: string[] = [];
    updateAcl(paths, (keys) => authorizeKeys(keys, [rsaKey()]), { onReplaceSymlink: (t) => told.push(t) });
    expect(told).toEqual([target]);
    expect(lstatSync(paths.acl).isSymbolicLink()).toBe(false);
    expect(readFileSync(target)).toEqual(readFileSync(path.join(EXAMPLE, 'acl')));
  });

  it('says the configuration directory is missing instead of creating it', () => {
    const paths = configPaths(path.join(root, 'nowhere'));
    expect(() => updateAcl(paths, (k) => k)).toThrow(`configuration directory ${paths.dir} does not exist`);
    expect(existsSync(paths.dir)).toBe(false);
  });
});

describe('the ACL lock', () => {
  it('is re-entrant within a process and released by the outermost holder', () => {
    const paths = fresh();
    withAclLock(paths, () => {
      withAclLock(paths, () => expect(existsSync(aclLockPath(paths))).toBe(true));
      expect(existsSync(aclLockPath(paths))).toBe(true);
      updateAcl(paths, (k) => k); // takes the same lock again
    });
    expect(existsSync(aclLockPath(paths))).toBe(false);
  });

  it('times out with a message naming the lock and its live holder', async () => {
    const paths = fresh();
    const w = await startWriter(['hold', paths.dir], 'locked');
    try {
      expect(() => acquireLock(aclLockPath(paths), { timeoutMs: 300, what: 'the ACL' })).toThrow(
        new RegExp(`timed out after 0 s waiting for the lock on the ACL \\(${aclLockPath(paths)} held by process ${w.child.pid}\\)`),
      );
    } finally {
      w.child.kill('SIGKILL');
      await w.exited;
    }
  });

  it('is broken when its holder was killed, so the next writer succeeds', async () => {
    const paths = fresh();
    const w = await startWriter(['hold', paths.dir], 'locked');
    w.child.kill('SIGKILL');
    await w.exited;
    expect(existsSync(aclLockPath(paths))).toBe(true); // left behind by the dead process
    updateAcl(paths, (keys) => authorizeKeys(keys, [rsaKey()]));
    expect(fprs(paths.dir)[0]).toBe(fingerprint(rsaKey()));
    expect(existsSync(aclLockPath(paths))).toBe(false);
  });

  it('treats a lock file without a PID as abandoned only once it is old', () => {
    const paths = fresh();
    writeFileSync(aclLockPath(paths), 'garbage');
    expect(() => acquireLock(aclLockPath(paths), { timeoutMs: 100 })).toThrow(/timed out/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(aclLockPath(paths), old, old);
    acquireLock(aclLockPath(paths), { timeoutMs: 100 })();
  });
});

describe('a writer that dies or fails mid-write', () => {
  it('killed after writing its temporary file: the ACL is the old one, intact, and the next writer works', async () => {
    const paths = fresh();
    const old = readFileSync(paths.acl);
    const w = await startWriter(['stall', paths.dir, path.join(EXAMPLE, 'rsa/signing-key.pub')], 'ready');
    expect(w.output()).toContain('ready');
    // The new content is complete in a temporary file beside the ACL, not yet renamed.
    const temps = readdirSync(paths.dir).filter((f) => /^\.acl\..*\.tmp$/.test(f));
    expect(temps).toHaveLength(1);
    w.child.kill('SIGKILL');
    await w.exited;
    expect(readFileSync(paths.acl)).toEqual(old);
    updateAcl(paths, (keys) => authorizeKeys(keys, [p256Key()]));
    expect(fprs(paths.dir)[0]).toBe(fingerprint(p256Key()));
    // The dead writer's temporary file is recent, so it is spared; once old, the next writer removes it.
    expect(readdirSync(paths.dir)).toContain(temps[0]);
    const old10 = new Date(Date.now() - 11 * 60_000);
    utimesSync(path.join(paths.dir, temps[0]!), old10, old10);
    updateAcl(paths, (keys) => keys);
    expect(readdirSync(paths.dir)).not.toContain(temps[0]);
  });

  it('failing before the rename: the ACL is untouched, no temporary file stays, the lock is released', async () => {
    const paths = fresh();
    const old = readFileSync(paths.acl);
    const w = await startWriter(['fail', paths.dir, path.join(EXAMPLE, 'rsa/signing-key.pub')], 'error');
    expect(await w.exited).toBe(1);
    expect(w.output()).toContain('simulated failure before rename');
    expect(readFileSync(paths.acl)).toEqual(old);
    expect(readdirSync(paths.dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
  });

  it('parallel writers in separate processes never lose an entry', async () => {
    const paths = fresh();
    const keyFiles = ['rsa/signing-key.pub', 'p256/signing-key.pub', 'ci.guix.gnu.org.pub'].map((f) => path.join(EXAMPLE, f));
    const writers = await Promise.all(keyFiles.flatMap((k) => [startWriter(['add', paths.dir, k], 'done'), startWriter(['add', paths.dir, k], 'done')]));
    expect(await Promise.all(writers.map((w) => w.exited))).toEqual(writers.map(() => 0));
    const got = fprs(paths.dir);
    for (const k of keyFiles) expect(got).toContain(fingerprint(readPublicKeyFile(k)));
    expect(new Set(got).size).toBe(got.length);
  });
});
