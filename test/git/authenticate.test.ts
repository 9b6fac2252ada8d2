// Channel authentication scenarios (Guix's own test cases and more), on repositories built here
// with gpg-signed commits; each checks the exact message Guix prints and the exit status.
import { existsSync, readFileSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizations, TestRepo, type TestKey } from './support/repo.js';
import { makeCast } from './support/cast.js';
import { authenticate, authorizationsCommand, fmt } from './support/run.js';
import { repositoryCacheKey, cacheFile } from '../../src/git/cache.js';

const PROG = 'keytool git authenticate';
let repos: TestRepo[] = [];
let keysRepo: TestRepo;
let alice: TestKey, bob: TestKey, carol: TestKey, dave: TestKey, erin: TestKey;

/** A fresh repository sharing the key store made once in beforeAll. */
function fresh(): TestRepo {
  const r = TestRepo.create('repo', keysRepo.gnupghome);
  repos.unshift(r); // cleaned before keysRepo, whose gpg-agent they share
  return r;
}

/** A fresh repository whose keyring holds Alice's key, with an introductory commit `s` signed by
 * Alice and authorizing only her. */
function aliceIntro(): { r: TestRepo; auth: string; s: string } {
  const r = fresh();
  return { r, ...r.introduce(alice) };
}

beforeAll(() => {
  ({ keys: keysRepo, alice, bob, carol, dave, erin } = makeCast());
  repos.push(keysRepo);
});

afterAll(() => {
  for (const r of repos) r.cleanup();
  repos = [];
});

describe('keytool git authenticate', () => {
  it('authenticates a valid chain, records the introduction, installs hooks and fills the cache', async () => {
    const r = fresh();
    r.keyring([alice, bob]);
    const auth = authorizations([alice]);
    const s = r.commit({ '.guix-authorizations': auth, 'README': 'hello\n' }, [], alice);
    const c1 = r.commit({ '.guix-authorizations': auth, 'README': 'hello 2\n' }, [s], alice);
    const c2 = r.commit({ '.guix-authorizations': auth, 'README': 'hello 3\n' }, [c1], alice);
    r.head(c2);
    const out = await authenticate(r, [s, fmt(alice.primary)], { stats: true });
    expect(out.stderr).toBe([
      `Authenticating commits ${s.slice(0, 7)} to ${c2.slice(0, 7)} (2 new commits)...`,
      `${PROG}: introduction and keyring recorded in repository configuration file`,
      `${PROG}: installed hooks '${path.join(r.dir, '.git', 'hooks', 'pre-push')}' and '${path.join(r.dir, '.git', 'hooks', 'post-merge')}'`,
      `${PROG}: successfully authenticated commit ${c2}`,
      '',
    ].join('\n'));
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(`Signing statistics:\n  ${fmt(alice.primary)}          2\n`);
    expect(r.git(['config', 'guix.authentication.introduction-commit'])).toBe(s);
    expect(r.git(['config', 'guix.authentication.introduction-signer'])).toBe(fmt(alice.primary));
    expect(r.git(['config', 'guix.authentication.keyring'])).toBe('keyring');
    // In the generic section, as Guix records it (a branch section is read first when there is one).
    expect(readFileSync(path.join(r.dir, '.git', 'config'), 'utf8')).not.toContain('authentication-');
    for (const hook of ['pre-push', 'post-merge']) {
      const file = path.join(r.dir, '.git', 'hooks', hook);
      expect(statSync(file).mode & 0o777).toBe(0o755);
      expect(readFileSync(file, 'utf8')).toMatch(/git authenticate/);
    }
    const key = repositoryCacheKey(path.join(r.dir, '.git'));
    const file = cacheFile(key, r.env);
    expect(file.startsWith(path.join(r.cache, 'guix', 'authentication', 'checkouts'))).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(`;; List of previously-authenticated commits.\n\n("${c2}")\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Second run: the introduction comes from the config, everything is cached: nothing is
    // checked (a keyring without the signer's key changes nothing). As in Guix, the keyring is
    // loaded all the same: without its branch, even a run with nothing new fails.
    r.keyring([bob]);
    const again = await authenticate(r, []);
    expect(again).toEqual({ status: 0, stdout: '', stderr: `${PROG}: successfully authenticated commit ${c2}\n` });
    r.git(['update-ref', '-d', 'refs/heads/keyring']);
    expect(await authenticate(r, [])).toEqual({ status: 1, stdout: '', stderr: `${PROG}: error: Git error: cannot locate remote-tracking branch 'keyring'\n` });

    // A new commit: only it is checked (the cached one bounds the walk), then the cache grows.
    r.keyring([alice, bob]);
    const c3 = r.commit({ '.guix-authorizations': auth, 'README': 'hello 4\n' }, [c2], alice);
    r.head(c3);
    const third = await authenticate(r, []);
    expect(third.stderr).toContain(`(1 new commits)...`);
    expect(third.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(`;; List of previously-authenticated commits.\n\n("${c3}"\n "${c2}")\n`);
  });

  it('installs neither hook when one is already there, as Guix: warns and hints instead', async () => {
    const { r, auth, s } = aliceIntro();
    r.head(r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice));
    const hooks = path.join(r.dir, '.git', 'hooks');
    writeFileSync(path.join(hooks, 'post-merge'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const out = await authenticate(r, [s, alice.primary]);
    expect(out.status).toBe(0);
    expect(out.stderr).toContain(`${PROG}: warning: not overriding pre-existing hooks '${hooks}/pre-push' and '${hooks}/post-merge'\nhint: `);
    expect(out.stderr).not.toContain('installed hooks');
    expect(existsSync(path.join(hooks, 'pre-push'))).toBe(false);
    expect(readFileSync(path.join(hooks, 'post-merge'), 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });

  it('ignores a cache file whose mode is not 0600, and sets it to 0600', async () => {
    const { r, auth, s } = aliceIntro();
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice);
    r.head(c1);
    expect((await authenticate(r, [s, alice.primary])).status).toBe(0);
    const file = cacheFile(repositoryCacheKey(path.join(r.dir, '.git')), r.env);
    chmodSync(file, 0o644);
    const again = await authenticate(r, [s, alice.primary]);
    expect(again.stderr).toContain('(1 new commits)');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('uses --cache-key for the cache file name', async () => {
    const { r, auth, s } = aliceIntro();
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice);
    r.head(c1);
    expect((await authenticate(r, [s, alice.primary], { cacheKey: 'channels/test' })).status).toBe(0);
    expect(readFileSync(path.join(r.cache, 'guix/authentication/channels/test'), 'utf8')).toContain(c1);
  });

  it('rejects an unsigned commit', async () => {
    const { r, auth, s } = aliceIntro();
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], null);
    const c2 = r.commit({ '.guix-authorizations': auth, a: '2' }, [c1], alice);
    r.head(c2);
    const out = await authenticate(r, [s, alice.primary]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${PROG}: error: commit ${c1} lacks a signature\n`);
    expect(existsSync(path.join(r.dir, '.git', 'hooks', 'post-merge'))).toBe(false);
    expect(existsSync(cacheFile(repositoryCacheKey(path.join(r.dir, '.git')), r.env))).toBe(false);
  });

  it('rejects a commit signed by a key in the keyring but not authorized', async () => {
    const r = fresh();
    r.keyring([alice, bob]);
    const auth = authorizations([alice]);
    const s = r.commit({ '.guix-authorizations': auth }, [], alice);
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], bob);
    r.head(c1);
    const out = await authenticate(r, [s, alice.primary]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${PROG}: error: commit ${c1} not signed by an authorized key: ${fmt(bob.primary)}\n`);
  });

  it('requires a merge to be signed by a key authorized on every side', async () => {
    const r = fresh();
    r.keyring([alice, bob]);
    const s = r.commit({ '.guix-authorizations': authorizations([alice]) }, [], alice);
    // Left side authorizes bob, right side does not.
    const left = r.commit({ '.guix-authorizations': authorizations([alice, bob]) }, [s], alice);
    const right = r.commit({ '.guix-authorizations': authorizations([alice]), b: 'x' }, [s], alice);
    const bobMerge = r.commit({ '.guix-authorizations': authorizations([alice, bob]), b: 'x' }, [left, right], bob);
    r.head(bobMerge);
    const out = await authenticate(r, [s, alice.primary]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${PROG}: error: commit ${bobMerge} not signed by an authorized key: ${fmt(bob.primary)}\n`);

    const aliceMerge = r.commit({ '.guix-authorizations': authorizations([alice, bob]), b: 'x' }, [left, right], alice);
    r.head(aliceMerge);
    expect((await authenticate(r, [s, alice.primary])).status).toBe(0);

    // Once both sides authorize bob, his merges pass.
    const right2 = r.commit({ '.guix-authorizations': authorizations([alice, bob]), b: 'y' }, [right], alice);
    const bobMerge2 = r.commit({ '.guix-authorizations': authorizations([alice, bob]), b: 'y' }, [aliceMerge, right2], bob);
    r.head(bobMerge2);
    expect((await authenticate(r, [s, alice.primary], { stats: true })).stdout).toBe(
      `Signing statistics:\n  ${fmt(alice.primary)}          1\n  ${fmt(bob.primary)}          1\n`,
    );
  });

  it("rejects the removal of '.guix-authorizations'", async () => {
    const r = fresh();
    r.keyring([alice]);
    const s = r.commit({ '.guix-authorizations': authorizations([alice]) }, [], alice);
    const removal = r.commit({ a: '1' }, [s], alice);
    const next = r.commit({ a: '2' }, [removal], alice);
    r.head(next);
    const out = await authenticate(r, [s, alice.primary]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${PROG}: error: commit ${removal} attempts to remove '.guix-authorizations' file\n`);
  });

  it('rejects an introductory commit signed by another key than SIGNER', async () => {
    const r = fresh();
    r.keyring([alice, bob]);
    const auth = authorizations([alice, bob]);
    const s = r.commit({ '.guix-authorizations': auth }, [], alice);
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice);
    r.head(c1);
    const out = await authenticate(r, [s, bob.primary]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${PROG}: error: initial commit ${s} is signed by '${fmt(alice.primary)}' instead of '${fmt(bob.primary)}'\n`);
  });

  it('rejects an end commit that does not descend from the introduction', async () => {
    const { r, auth, s } = aliceIntro();
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice);
    const other = r.commit({ '.guix-authorizations': auth, b: 'other root' }, [], alice);
    const otherChild = r.commit({ '.guix-authorizations': auth, b: 'child' }, [other], alice);
    r.head(c1);
    const out = await authenticate(r, [s, alice.primary], { end: otherChild });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${PROG}: error: commit ${otherChild} is not a descendant of introductory commit ${s}\n`);
    // END equal to START, or one of its ancestors: nothing to check.
    expect((await authenticate(r, [c1, alice.primary], { end: s })).status).toBe(0);
  });

  it('refuses SHA-1 signatures where Guix does and accepts them on older commits', async () => {
    const r = fresh();
    r.keyring([alice, carol]);
    const history = path.join(r.root, 'history');
    writeFileSync(history, authorizations([carol]));
    // Root and its child have no .guix-authorizations: SHA-1 allowed, historical authorizations apply.
    const root = r.commit({ a: '0' }, [], carol, { digest: 'SHA1' });
    const old = r.commit({ a: '1' }, [root], carol, { digest: 'SHA1' });
    r.head(old);
    const okOld = await authenticate(r, [root, carol.primary], { historicalAuthorizations: history });
    // ... but not for the introductory commit itself.
    expect(okOld.stderr).toContain(`${PROG}: error: commit ${root} has a sha1 signature, which is not permitted\n`);
    expect(okOld.status).toBe(1);

    const s = r.commit({ a: '0' }, [], carol, { digest: 'SHA256' });
    const c1 = r.commit({ a: '1' }, [s], carol, { digest: 'SHA1' });
    r.head(c1);
    const ok = await authenticate(r, [s, carol.primary], { historicalAuthorizations: history, cacheKey: 'sha1-ok' });
    expect(ok.stderr).toContain(`successfully authenticated commit ${c1}`);
    expect(ok.status).toBe(0);

    // Once the tree has .guix-authorizations, SHA-1 is refused.
    const c2 = r.commit({ a: '2', '.guix-authorizations': authorizations([carol]) }, [c1], carol, { digest: 'SHA1' });
    r.head(c2);
    const bad = await authenticate(r, [s, carol.primary], { historicalAuthorizations: history, cacheKey: 'sha1-bad' });
    expect(bad.stderr).toContain(`${PROG}: error: commit ${c2} has a sha1 signature, which is not permitted\n`);
    expect(bad.status).toBe(1);
  });

  it('reports a signing key missing from the keyring', async () => {
    const r = fresh();
    r.keyring([alice]);
    const auth = authorizations([alice, dave]);
    const s = r.commit({ '.guix-authorizations': auth }, [], alice);
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], dave);
    r.head(c1);
    const out = await authenticate(r, [s, alice.primary]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${PROG}: error: could not authenticate commit ${c1}: key ${fmt(dave.primary)} is missing\n`);
  });

  it('detects a tampered commit (signature no longer matches)', async () => {
    const { r, auth, s } = aliceIntro();
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice, { message: 'original' });
    const raw = r.git(['cat-file', 'commit', c1]) + '\n';
    const forged = r.git(['hash-object', '-t', 'commit', '-w', '--stdin'], raw.replace('original', 'forged!!'));
    r.head(forged);
    const out = await authenticate(r, [s, alice.primary]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${PROG}: error: signature verification failed for commit ${forged}\n`);
  });

  it('looks keys up by subkey, binary key files and RSA keys', async () => {
    const r = fresh();
    r.keyring([alice, carol, erin], { binary: true });
    // The file lists erin's signing subkey, as Guix's own file does.
    const auth = authorizations([alice, carol, erin]);
    const s = r.commit({ '.guix-authorizations': auth }, [], alice);
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], erin);
    const c2 = r.commit({ '.guix-authorizations': auth, a: '2' }, [c1], carol);
    r.head(c2);
    const out = await authenticate(r, [s, alice.primary], { stats: true });
    expect(out.stderr).toContain(`successfully authenticated commit ${c2}`);
    expect(out.stdout).toContain(`  ${fmt(erin.signing)}          1\n`);
    expect(out.status).toBe(0);

    // Listing erin's primary key instead does not authorize her subkey's signatures.
    const primaryOnly = `(authorizations (version 0) (("${erin.primary}" (name "erin")) ("${alice.primary}")))`;
    const c3 = r.commit({ '.guix-authorizations': primaryOnly, a: '3' }, [c2], alice);
    const c4 = r.commit({ '.guix-authorizations': primaryOnly, a: '4' }, [c3], erin);
    r.head(c4);
    const bad = await authenticate(r, [s, alice.primary]);
    expect(bad.stderr).toContain(`error: commit ${c4} not signed by an authorized key: ${fmt(erin.signing)}\n`);
  });

  it('checks commits in Guix order: the oldest bad commit is reported', async () => {
    const r = fresh();
    r.keyring([alice, bob]);
    const auth = authorizations([alice]);
    const s = r.commit({ '.guix-authorizations': auth }, [], alice);
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], bob);
    const c2 = r.commit({ '.guix-authorizations': auth, a: '2' }, [c1], null);
    r.head(c2);
    const out = await authenticate(r, [s, alice.primary]);
    expect(out.stderr).toContain(`error: commit ${c1} not signed by an authorized key`);
  });

  it('handles arguments, configuration and the keyring branch as Guix does', async () => {
    const r = fresh();
    r.keyring([alice]);
    const s = r.commit({ '.guix-authorizations': authorizations([alice]) }, [], alice);
    r.head(s);
    expect(await authenticate(r, [s])).toEqual({ status: 1, stdout: '', stderr: `${PROG}: error: wrong number of arguments; expected COMMIT and SIGNER\n` });
    expect(await authenticate(r, [])).toEqual({ status: 1, stdout: '', stderr: `${PROG}: error: unknown introductory commit and signer\n` });
    expect((await authenticate(r, [s, 'XYZ'])).stderr).toBe(`${PROG}: error: XYZ: invalid OpenPGP fingerprint\n`);
    expect((await authenticate(r, [s, 'ABCD 1234'])).stderr).toBe(`${PROG}: error: ABCD 1234: wrong length for OpenPGP fingerprint\n`);
    expect((await authenticate(r, ['0123456789012345678901234567890123456789', alice.primary])).stderr).toMatch(/^keytool git authenticate: error: Git error: /);
    // E = S: nothing checked, still success.
    const hooks = path.join(r.dir, '.git', 'hooks');
    expect((await authenticate(r, [s, alice.primary])).stderr).toBe(
      `${PROG}: introduction and keyring recorded in repository configuration file\n` +
        `${PROG}: installed hooks '${hooks}/pre-push' and '${hooks}/post-merge'\n${PROG}: successfully authenticated commit ${s}\n`,
    );
    // Nothing to check, but the keyring is loaded all the same (as Guix does).
    expect((await authenticate(r, [s, alice.primary], { keyring: 'nope', end: s })).stderr).toBe(`${PROG}: error: Git error: cannot locate remote-tracking branch 'nope'\n`);
    r.git(['symbolic-ref', 'HEAD', 'refs/heads/keyring']);
    expect(await authenticate(r, [])).toEqual({ status: 0, stdout: '', stderr: `${PROG}: current branch 'keyring' is the keyring branch; doing nothing\n` });
  });

  it('reads the introduction from the generic guix.authentication section too', async () => {
    const { r, auth, s } = aliceIntro();
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice);
    r.head(c1);
    r.git(['config', 'guix.authentication.introduction-commit', s]);
    r.git(['config', 'guix.authentication.introduction-signer', fmt(alice.primary)]);
    const out = await authenticate(r, []);
    expect(out.status).toBe(0);
    expect(out.stderr).not.toContain('recorded');
  });

  it('authorizations add: creates the file, notes primary keys of subkeys, checks the keyring', async () => {
    const r = fresh();
    r.keyring([alice, erin]);
    const file = path.join(r.dir, '.guix-authorizations');
    expect(existsSync(file)).toBe(false);
    expect((await authorizationsCommand(r, { action: 'add', fingerprint: erin.signing, name: 'erin' })).status).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`(;; primary: "${fmt(erin.primary)}"\n   "${fmt(erin.signing)}"\n   (name "erin"))`);
    const primary = await authorizationsCommand(r, { action: 'add', fingerprint: erin.primary });
    expect(primary.stderr).toContain(`warning: key ${fmt(erin.primary)} has subkeys`);
    await expect(authorizationsCommand(r, { action: 'add', fingerprint: dave.primary })).rejects.toThrow(`key ${fmt(dave.primary)} is not in the keyring branch 'keyring'`);
    expect((await authorizationsCommand(r, { action: 'add', fingerprint: dave.primary, force: true })).status).toBe(0);
    const list = await authorizationsCommand(r, { action: 'list' });
    expect(list.stdout).toBe(`${fmt(erin.signing)}  erin\n${fmt(erin.primary)}\n${fmt(dave.primary)}\n`);
    // The file authenticates: Guix reads what we wrote.
    const s = r.commit({ '.guix-authorizations': readFileSync(file, 'utf8') }, [], erin);
    const c1 = r.commit({ '.guix-authorizations': readFileSync(file, 'utf8'), x: '1' }, [s], erin);
    r.head(c1);
    expect((await authenticate(r, [s, erin.signing])).status).toBe(0);
  });

  it('treats hostile revision and branch names as names, never as options or commands', async () => {
    const r = fresh();
    r.keyring([alice]);
    const s = r.commit({ '.guix-authorizations': authorizations([alice]) }, [], alice);
    r.head(s);
    const marker = path.join(r.root, 'pwned');
    for (const end of ['--output=' + marker, `$(touch ${marker})`, `HEAD\n--all`]) {
      const out = await authenticate(r, [s, alice.primary], { end });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(/^keytool git authenticate: error: Git error: /);
    }
    const c1 = r.commit({ '.guix-authorizations': authorizations([alice]), a: '1' }, [s], alice);
    const keyring = `--exec=touch ${marker}`;
    const k = await authenticate(r, [s, alice.primary], { keyring, end: c1 });
    expect(k.stderr).toContain(`error: Git error: cannot locate remote-tracking branch '${keyring}'`);
    expect(existsSync(marker)).toBe(false);
  });
});
