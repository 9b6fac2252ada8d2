// The channel author's commands, run as a user would (the built bin/keytool, gpg for keys and
// signatures): starting a channel, finding its introduction, adding and removing committers,
// and the pre-push hook run by a real `git push` to a local bare repository.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assertBuilt, keytool } from '../cli/support/run.js';
import { authorizations, TestRepo, type TestKey } from '../git/support/repo.js';
import { fmt } from '../git/support/run.js';

/** keytool run in the repository, with its keys and git identity. */
function kt(r: TestRepo, args: string[], input?: string) {
  return keytool(args, { cwd: r.dir, env: r.env, input });
}

/** The values printed after "commit:" and "signer:". */
function printed(stdout: string): { commit: string; signer: string } {
  return { commit: /;;\s+commit: ([0-9a-f]{40})/.exec(stdout)![1]!, signer: /;;\s+signer: ([0-9A-F ]+)\n/.exec(stdout)![1]! };
}

let keys: TestRepo;
let alice: TestKey;
let bob: TestKey;
let carol: TestKey;

beforeAll(() => {
  assertBuilt();
  keys = TestRepo.create('channel-keys');
  alice = keys.genKey('Alice');
  bob = keys.genKey('Bob', 'ed25519', { signingSubkey: true });
  carol = keys.genKey('Carol');
}, 60_000);
afterAll(() => keys?.cleanup());

/** A new repository sharing the keys. */
function repo(): TestRepo {
  return TestRepo.create('channel', keys.gnupghome);
}

describe('keytool git channel init', () => {
  it('starts a channel in an empty repository: keyring branch, signed .guix-authorizations, introduction that authenticates', () => {
    const r = repo();
    const res = kt(r, ['git', 'channel', 'init', '--key', fmt(alice.primary), '--url', 'https://example.org/chan.git', '--name', 'chan']);
    expect(res.stderr).toContain('committed .guix-authorizations');
    expect(res.status).toBe(0);
    const intro = printed(res.stdout);
    expect(intro.signer).toBe(fmt(alice.primary));
    expect(intro.commit).toBe(r.git(['rev-parse', 'main']));
    expect(res.stdout).toContain(`(channel\n  (name 'chan)\n  (url "https://example.org/chan.git")\n  (branch "main")\n  (introduction\n   (make-channel-introduction\n    "${intro.commit}"\n    (openpgp-fingerprint\n     "${fmt(alice.primary)}")))`);
    // The keyring branch holds the key, as gpg exports it; the work tree has the committed file.
    const listing = r.git(['ls-tree', '--name-only', 'keyring']);
    expect(listing).toBe(`alice-${alice.primary.slice(-16)}.key`);
    expect(r.git(['show', `keyring:${listing}`])).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(readFileSync(path.join(r.dir, '.guix-authorizations'), 'utf8')).toBe(r.git(['show', 'main:.guix-authorizations']) + '\n');
    expect(r.git(['status', '--porcelain'])).toBe('');
    expect(r.git(['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    // The printed introduction authenticates, with a fresh configuration and cache.
    r.git(['config', '--remove-section', 'guix.authentication']);
    const auth = kt(r, ['git', 'authenticate', intro.commit, intro.signer]);
    expect(auth.stderr).toContain('successfully authenticated');
    expect(auth.status).toBe(0);
    // ... and `channel introduction` finds the same one.
    const found = kt(r, ['git', 'channel', 'introduction', '--json']);
    expect(found.status).toBe(0);
    expect(JSON.parse(found.stdout)).toMatchObject({ commit: intro.commit, signer: intro.signer, branch: 'main' });
    r.cleanup();
  });

  it('leaves the work tree, the index and other branches alone, and keeps the keys already on the keyring', () => {
    const r = repo();
    r.git(['config', 'commit.gpgsign', 'false']);
    writeFileSync(path.join(r.dir, 'a'), 'one\n');
    r.git(['add', 'a']);
    r.git(['commit', '-q', '-m', 'first']);
    r.keyring([carol]);
    writeFileSync(path.join(r.dir, 'a'), 'two\n'); // modified, not staged
    writeFileSync(path.join(r.dir, 'b'), 'new\n');
    r.git(['add', 'b']); // staged
    const res = kt(r, ['git', 'channel', 'init', '--key', alice.primary, '--key', bob.primary, '--sign', bob.primary]);
    expect(res.stderr).toContain(`signed by ${fmt(bob.signing)}`);
    expect(res.status).toBe(0);
    expect(printed(res.stdout).signer).toBe(fmt(bob.signing));
    expect(r.git(['status', '--porcelain'])).toBe('M a\nA  b');
    expect(r.git(['show', 'HEAD:a'])).toBe('one');
    expect(r.git(['ls-tree', '--name-only', 'keyring']).split('\n').sort()).toEqual([`alice-${alice.primary.slice(-16)}.key`, `bob-${bob.primary.slice(-16)}.key`, `carol-${carol.primary.slice(-8)}.key`]);
    // Bob signs with his subkey: that is the fingerprint authorized, his primary one noted.
    const auth = r.git(['show', 'HEAD:.guix-authorizations']);
    expect(auth).toContain(`(;; primary: "${fmt(bob.primary)}"\n   "${fmt(bob.signing)}"\n   (name "Bob"))`);
    expect(auth).toContain(`("${fmt(alice.primary)}"\n   (name "Alice"))`);
    r.cleanup();
  });

  it('refuses, in words, what it cannot do', () => {
    const r = repo();
    const none = kt(r, ['git', 'channel', 'init']);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('give at least one committer key');
    const unknown = kt(r, ['git', 'channel', 'init', '--key', '0123456789ABCDEF0123456789ABCDEF01234567']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('gpg has no public key with that fingerprint');
    const bad = kt(r, ['git', 'channel', 'init', '--key', 'xyz']);
    expect(bad.stderr).toContain('"xyz" is not an OpenPGP fingerprint');
    const signer = kt(r, ['git', 'channel', 'init', '--key', alice.primary, '--sign', carol.primary]);
    expect(signer.stderr).toContain(`the signing key ${fmt(carol.primary)} is not one of the committer keys`);
    const missing = kt(r, ['git', 'channel', 'init', '--key-file', 'nope.asc']);
    expect(missing.stderr).toMatch(/nope\.asc: no such file\n/);
    expect(missing.stderr).not.toMatch(/ENOENT/);
    // Nothing was written by the refusals.
    expect(r.git(['for-each-ref'])).toBe('');
    expect(kt(r, ['git', 'channel', 'init', '--key', alice.primary]).status).toBe(0);
    const again = kt(r, ['git', 'channel', 'init', '--key', alice.primary]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already has .guix-authorizations: this channel is started');
    r.cleanup();
  });

  it('asks for a name and address before writing anything when git has none', () => {
    const r = repo();
    const env = { ...r.env, GIT_AUTHOR_NAME: undefined, GIT_AUTHOR_EMAIL: undefined, GIT_COMMITTER_NAME: undefined, GIT_COMMITTER_EMAIL: undefined, EMAIL: undefined };
    r.git(['config', 'user.useConfigOnly', 'true']);
    const p = keytool(['git', 'channel', 'init', '--key', alice.primary], { cwd: r.dir, env });
    expect(p.status).toBe(1);
    expect(p.stderr).toContain('git does not know your name and email address');
    expect(r.git(['for-each-ref'])).toBe('');
    r.cleanup();
  });

  it('takes keys from files', () => {
    const r = repo();
    const file = path.join(r.root, 'carol.asc');
    writeFileSync(file, keys.exportKey(carol, false));
    const res = kt(r, ['git', 'channel', 'init', '--key-file', file]);
    expect(res.status).toBe(0);
    expect(printed(res.stdout).signer).toBe(fmt(carol.primary));
    r.cleanup();
  });
});

describe('keytool git channel introduction', () => {
  it('refuses when the commit adding .guix-authorizations is unsigned or signed by a key it does not list', () => {
    const r = repo();
    r.keyring([alice, bob]);
    const unsigned = r.commit({ '.guix-authorizations': authorizations([alice]) }, [], null);
    r.head(unsigned);
    const a = kt(r, ['git', 'channel', 'introduction']);
    expect(a.status).toBe(1);
    expect(a.stderr).toContain(`no valid introduction in the history of ${unsigned}: commit ${unsigned} lacks a signature`);
    const wrong = r.commit({ '.guix-authorizations': authorizations([alice]) }, [], bob);
    r.head(wrong);
    const b = kt(r, ['git', 'channel', 'introduction']);
    expect(b.stderr).toContain(`commit ${wrong} is signed by ${fmt(bob.signing)}, which the .guix-authorizations it adds does not list`);
    r.head(r.commit({ README: 'x' }, [], alice));
    const c = kt(r, ['git', 'channel', 'introduction']);
    expect(c.stderr).toContain("adds '.guix-authorizations': this is not an authenticated channel yet");
    r.cleanup();
  });

  it('refuses when the given commit does not authenticate from the introduction', () => {
    const r = repo();
    const { auth, s } = r.introduce(alice);
    const bad = r.commit({ '.guix-authorizations': auth, README: 'x' }, [s], null);
    const res = kt(r, ['git', 'channel', 'introduction', bad]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`the introduction is commit ${s}, signed by ${fmt(alice.primary)}, but ${bad} does not authenticate from it: commit ${bad} lacks a signature`);
    r.cleanup();
  });
});

describe('keytool git committer', () => {
  it('adds a committer (key on the keyring, fingerprint authorized) and removes one (key kept)', () => {
    const r = repo();
    expect(kt(r, ['git', 'channel', 'init', '--key', alice.primary]).status).toBe(0);
    const add = kt(r, ['git', 'committer', 'add', bob.primary, '--sign', alice.primary]);
    expect(add.stderr).toContain(`authorized ${fmt(bob.signing)} (Bob)`);
    expect(add.status).toBe(0);
    expect(r.git(['ls-tree', '--name-only', 'keyring'])).toContain(`bob-${bob.primary.slice(-16)}.key`);
    expect(r.git(['log', '-1', '--format=%s'])).toBe('Authorize Bob.');
    writeFileSync(path.join(r.dir, 'README'), 'by bob\n');
    r.git(['add', 'README']);
    r.git(['commit', '-q', `-S${bob.primary}`, '-m', 'Bob writes']);
    expect(kt(r, ['git', 'authenticate']).status).toBe(0);

    // Removing him by his primary fingerprint finds the subkey entry; his key stays.
    const rm = kt(r, ['git', 'committer', 'remove', fmt(bob.primary), '--sign', alice.primary]);
    expect(rm.stderr).toContain(`removed ${fmt(bob.signing)} (Bob)`);
    expect(rm.status).toBe(0);
    expect(r.git(['ls-tree', '--name-only', 'keyring'])).toContain(`bob-${bob.primary.slice(-16)}.key`);
    expect(r.git(['show', 'HEAD:.guix-authorizations'])).not.toContain(fmt(bob.signing));
    writeFileSync(path.join(r.dir, 'README'), 'by bob, again\n');
    r.git(['commit', '-q', '-a', `-S${bob.primary}`, '-m', 'Bob again']);
    const head = r.git(['rev-parse', 'HEAD']);
    const res = kt(r, ['git', 'authenticate']);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`error: commit ${head} not signed by an authorized key: ${fmt(bob.signing)}`);
    r.cleanup();
  });

  it('without --sign edits the work tree only; --sign with an unauthorized key changes nothing', () => {
    const r = repo();
    expect(kt(r, ['git', 'channel', 'init', '--key', alice.primary]).status).toBe(0);
    const head = r.git(['rev-parse', 'HEAD']);
    const refused = kt(r, ['git', 'committer', 'add', carol.primary, '--sign', carol.primary]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`signed by key ${fmt(carol.primary)}, which .guix-authorizations of the current commit ${head} does not list; nothing was changed`);
    expect(r.git(['rev-parse', 'HEAD'])).toBe(head);
    const add = kt(r, ['git', 'committer', 'add', carol.primary]);
    expect(add.status).toBe(0);
    expect(add.stderr).toContain('now commit .guix-authorizations');
    expect(r.git(['status', '--porcelain'])).toBe('M .guix-authorizations');
    expect(readFileSync(path.join(r.dir, '.guix-authorizations'), 'utf8')).toContain(`("${fmt(carol.primary)}"\n   (name "Carol"))`);
    const twice = kt(r, ['git', 'committer', 'add', carol.primary]);
    expect(twice.stderr).toContain('is already authorized');
    const notThere = kt(r, ['git', 'committer', 'remove', bob.primary]);
    expect(notThere.stderr).toContain('is not in');
    r.cleanup();
  });
});

describe('keytool git pre-push, run by git push', () => {
  /** A channel started by Alice, pushed to a bare remote, with the hook installed by init. */
  function pushed(): { r: TestRepo; remote: string; intro: string } {
    const r = repo();
    expect(kt(r, ['git', 'channel', 'init', '--key', alice.primary]).status).toBe(0);
    expect(existsSync(path.join(r.dir, '.git', 'hooks', 'pre-push'))).toBe(true);
    const remote = path.join(r.root, 'remote.git');
    r.git(['init', '-q', '--bare', remote]);
    r.git(['remote', 'add', 'origin', remote]);
    r.git(['push', '-q', 'origin', 'main', 'keyring']);
    return { r, remote, intro: r.git(['rev-parse', 'HEAD']) };
  }

  function push(r: TestRepo) {
    return spawnSync('git', ['push', 'origin', 'main'], { cwd: r.dir, env: r.env, encoding: 'utf8' });
  }

  it('lets authentic commits through', () => {
    const { r, remote, intro } = pushed();
    const c = r.commit({ '.guix-authorizations': r.git(['show', 'HEAD:.guix-authorizations']), README: 'x' }, [intro], alice);
    r.head(c);
    const p = push(r);
    expect(p.stderr).not.toContain('pre-push');
    expect(p.status).toBe(0);
    expect(spawnSync('git', ['rev-parse', 'main'], { cwd: remote, encoding: 'utf8' }).stdout.trim()).toBe(c);
    r.cleanup();
  });

  it('catches an unsigned commit, a key missing from the keyring, an unauthorized signer and a merge whose other side never authorized its signer', () => {
    const { r, remote, intro } = pushed();
    const one = r.git(['show', 'HEAD:.guix-authorizations']);
    const remoteMain = () => spawnSync('git', ['rev-parse', 'main'], { cwd: remote, encoding: 'utf8' }).stdout.trim();
    const refused = (commit: string, ...expected: string[]) => {
      const p = push(r);
      expect(p.status).not.toBe(0);
      expect(p.stderr).toContain(`commit:    ${commit}`);
      for (const e of expected) expect(p.stderr).toContain(e);
      expect(remoteMain()).toBe(intro);
    };

    // Unsigned.
    const unsigned = r.commit({ '.guix-authorizations': one, README: 'x' }, [intro], null, { message: 'no signature' });
    r.head(unsigned);
    refused(unsigned, `commit ${unsigned} lacks a signature`, 'signed by: nobody', 'what to do: sign it');

    // Carol authorized by Alice, but her key never put on the keyring branch.
    const withCarol = authorizations([alice, carol]);
    const authorizeCarol = r.commit({ '.guix-authorizations': withCarol }, [intro], alice);
    const byCarol = r.commit({ '.guix-authorizations': withCarol, README: 'c' }, [authorizeCarol], carol);
    r.head(byCarol);
    refused(byCarol, `key ${fmt(carol.primary)} is missing`, `signed by: ${fmt(carol.primary)}`, `keytool git committer add "${fmt(carol.primary)}"`);

    // Carol's key on the keyring, but nobody authorized her.
    expect(kt(r, ['git', 'committer', 'add', carol.primary]).status).toBe(0);
    r.git(['checkout', '-q', '--', '.guix-authorizations']);
    const unauthorized = r.commit({ '.guix-authorizations': one, README: 'c' }, [intro], carol);
    r.head(unauthorized);
    refused(unauthorized, `not signed by an authorized key: ${fmt(carol.primary)}`, `.guix-authorizations of parent ${intro}`, 'have the change authorizing');

    // A merge signed by Carol: one side authorizes her, the other never did.
    const side = r.commit({ '.guix-authorizations': one, side: 's' }, [intro], alice);
    const merge = r.commit({ '.guix-authorizations': withCarol, side: 's' }, [authorizeCarol, side], carol);
    r.head(merge);
    refused(merge, `.guix-authorizations of parent ${side}`, 'authorize the signer on the other side of the merge first');
    r.cleanup();
  });
});
