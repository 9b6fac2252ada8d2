// A channel made from nothing with keytool's channel author commands (gpg for the keys, on the
// host), as its users see it: cloned, then authenticated inside the root by the real `guix git
// authenticate` and by `keytool git authenticate` with the introduction `keytool git channel init`
// printed. First with one committer; then after `keytool git committer add --sign` and a commit by
// the new committer; then after `keytool git committer remove --sign`, when that committer's next
// commit must fail in both, with the same message.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYTOOL } from '../cli/support/run.js';
import { TestRepo, type TestKey } from '../git/support/repo.js';
import { fmt } from '../git/support/run.js';
import { authenticateIn, AUTHENTICATORS, copyRepo, freshHome, verdict, type Authenticator } from './support/channels.js';
import { Tally } from './support/tally.js';

const tally = new Tally('channel-workflow');
let keys: TestRepo;
let alice: TestKey;
let bob: TestKey;
let author: TestRepo;
/** The introduction as `keytool git channel init` printed it. */
let intro: { commit: string; signer: string };
const cleanups: TestRepo[] = [];

/** keytool on the host, in the author's repository, as the author runs it. */
function kt(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const p = spawnSync(KEYTOOL, args, { cwd: author.dir, env: { ...author.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { status: p.status, stdout: p.stdout, stderr: p.stderr };
}

/** A commit on the current branch of the author's repository, signed by `who` with gpg. */
function commitAs(who: TestKey, file: string, content: string): string {
  writeFileSync(path.join(author.dir, file), content);
  author.git(['add', file]);
  author.git(['-c', `user.signingkey=${who.primary}`, 'commit', '-q', '-S', '-m', `${file}: ${content.trim()}`]);
  return author.git(['rev-parse', 'HEAD']);
}

/**
 * What a user who clones the channel now gets from each program: a fresh clone (the keyring as
 * origin/keyring, named with --keyring as in a clone, no configuration or hooks of the author's), copied into the root, authenticated
 * with the printed introduction and a fresh HOME. Both must agree; returns the common verdict.
 */
async function usersVerdict(stage: string, ok: boolean): Promise<string> {
  const clone = TestRepo.create('real-guix-channel-clone', keys.gnupghome);
  cleanups.push(clone);
  // TestRepo made an empty repository there: fetch the channel into it as `git clone` would.
  clone.git(['remote', 'add', 'origin', author.dir]);
  clone.git(['fetch', '-q', 'origin']);
  clone.git(['checkout', '-q', '-B', 'main', 'origin/main']);
  const seen: Partial<Record<Authenticator, string>> = {};
  for (const who of AUTHENTICATORS) {
    const repo = copyRepo(clone.dir, 'workflow');
    const result = await authenticateIn(who, repo, freshHome('workflow', who), [intro.commit, intro.signer, '--keyring=origin/keyring']);
    seen[who] = verdict(result);
    expect(result.status, `${who}, ${stage}:\n${result.stderr}`).toBe(ok ? 0 : 1);
  }
  tally.compare(stage, seen.ours!, seen.guix!);
  expect(seen.ours, `${stage}: ours (received) and Guix's (expected) differ`).toBe(seen.guix);
  return seen.guix!;
}

beforeAll(() => {
  keys = TestRepo.create('real-guix-channel-keys');
  alice = keys.genKey('Alice');
  bob = keys.genKey('Bob', 'ed25519', { signingSubkey: true });
  author = TestRepo.create('real-guix-channel', keys.gnupghome);
}, 60_000);

afterAll(() => {
  tally.report();
  for (const r of [...cleanups, author, keys]) r?.cleanup();
});

describe('a channel started and maintained with keytool, authenticated by the real guix git authenticate', () => {
  it('one committer: channel init, then a commit', async () => {
    const init = kt(['git', 'channel', 'init', '--key', fmt(alice.primary), '--name', 'chan', '--url', 'https://example.org/chan.git']);
    expect(init.status, init.stderr).toBe(0);
    const commit = /;;\s+commit: ([0-9a-f]{40})/.exec(init.stdout)?.[1];
    const signer = /;;\s+signer: ([0-9A-F ]+)\n/.exec(init.stdout)?.[1];
    expect(commit && signer, init.stdout).toBeTruthy();
    intro = { commit: commit!, signer: signer! };
    // What users paste into channels.scm names the same commit and signer.
    expect(init.stdout).toContain(`(make-channel-introduction\n    "${intro.commit}"\n    (openpgp-fingerprint\n     "${intro.signer}"))`);
    expect(await usersVerdict('introduction alone', true)).toContain('successfully authenticated');
    commitAs(alice, 'hello.scm', '(define-module (hello))\n');
    expect(await usersVerdict('one committer, one commit', true)).toMatch(/\(1 new commits\)/);
  });

  it('a second committer added with committer add --sign, then committing', async () => {
    const add = kt(['git', 'committer', 'add', fmt(bob.primary), '--sign', alice.primary]);
    expect(add.status, add.stderr).toBe(0);
    commitAs(bob, 'bob.scm', '(define-module (bob))\n');
    commitAs(alice, 'hello.scm', '(define-module (hello) #:use-module (bob))\n');
    expect(await usersVerdict('second committer added and committing', true)).toMatch(/\(4 new commits\)/);
  });

  it('the second committer removed with committer remove --sign: their next commit fails in both', async () => {
    const remove = kt(['git', 'committer', 'remove', fmt(bob.primary), '--sign', alice.primary]);
    expect(remove.status, remove.stderr).toBe(0);
    expect(await usersVerdict('second committer removed', true)).toMatch(/\(5 new commits\)/);
    const late = commitAs(bob, 'bob.scm', '(define-module (bob) #:export (late))\n');
    const refused = await usersVerdict("removed committer's next commit", false);
    expect(refused).toContain(`commit ${late} not signed by an authorized key: ${fmt(bob.signing)}`);
  });
});
