// Channel authentication against the real `guix git authenticate`: for each scenario repository
// of test/git (signed history, unsigned commit, unauthorized signer, merge with one side
// unauthorized, removed `.guix-authorizations`, introduction signed by another key, a key missing
// from the keyring), both programs run inside the root on the same path, each with a fresh HOME,
// and give the same exit status, output and messages (apart from the program's name). Then the
// cache: what one has authenticated, the other does not check again. And the one deliberate
// difference: Guix (libgit2) follows `.git/info/grafts`; we read the commits' own parents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizations, TestRepo, type TestKey } from '../git/support/repo.js';
import { fmt } from '../git/support/run.js';
import { authenticateIn, AUTHENTICATORS, cacheFiles, copyRepo, freshHome, gitOnCopy, guixConfig, verdict, type Authenticator } from './support/channels.js';
import { onHost } from './support/root.js';
import { Tally } from './support/tally.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

interface Scenario {
  name: string;
  repo: TestRepo;
  intro: string;
  signer: TestKey;
  /** Whether authentication succeeds (both programs must agree with this too). */
  ok: boolean;
}

const repos: TestRepo[] = [];
let keys: TestRepo;
let alice: TestKey, bob: TestKey, carol: TestKey, dave: TestKey;
const scenarios: Scenario[] = [];
/** The signed history (alice, bob and carol, a merge), with commits named for the cache tests. */
let signed: { c1: string; head: string; newCommits: number };

function fresh(): TestRepo {
  const r = TestRepo.create('real-guix', keys.gnupghome);
  repos.unshift(r);
  return r;
}

beforeAll(() => {
  keys = TestRepo.create('real-guix-keys');
  repos.push(keys);
  alice = keys.genKey('Alice', 'ed25519');
  bob = keys.genKey('Bob', 'ed25519');
  carol = keys.genKey('Carol', 'rsa2048');
  dave = keys.genKey('Dave', 'ed25519'); // never on the keyring

  {
    const r = fresh();
    r.keyring([alice, bob, carol]);
    // A keyring holding only an unrelated key: swapped in by the cache tests.
    r.keyring([dave], { branch: 'foreign-keyring' });
    const auth = authorizations([alice, bob, carol]);
    const s = r.commit({ '.guix-authorizations': auth, README: '0\n' }, [], alice);
    const c1 = r.commit({ '.guix-authorizations': auth, README: '1\n' }, [s], bob);
    const left = r.commit({ '.guix-authorizations': auth, README: '2\n' }, [c1], carol);
    const right = r.commit({ '.guix-authorizations': auth, other: 'x\n' }, [c1], alice);
    const merge = r.commit({ '.guix-authorizations': auth, README: '2\n', other: 'x\n' }, [left, right], bob);
    const head = r.commit({ '.guix-authorizations': auth, README: '3\n', other: 'x\n' }, [merge], alice);
    r.head(head);
    signed = { c1, head, newCommits: 4 };
    scenarios.push({ name: 'signed history', repo: r, intro: s, signer: alice, ok: true });
  }
  {
    const r = fresh();
    const { auth, s } = r.introduce(alice);
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], null);
    r.head(r.commit({ '.guix-authorizations': auth, a: '2' }, [c1], alice));
    scenarios.push({ name: 'unsigned commit', repo: r, intro: s, signer: alice, ok: false });
  }
  {
    const r = fresh();
    r.keyring([alice, bob]);
    const auth = authorizations([alice]);
    const s = r.commit({ '.guix-authorizations': auth }, [], alice);
    r.head(r.commit({ '.guix-authorizations': auth, a: '1' }, [s], bob));
    scenarios.push({ name: 'unauthorized signer', repo: r, intro: s, signer: alice, ok: false });
  }
  {
    const r = fresh();
    r.keyring([alice, bob]);
    const s = r.commit({ '.guix-authorizations': authorizations([alice]) }, [], alice);
    // The left side authorizes bob, the right side does not: bob may not merge them.
    const left = r.commit({ '.guix-authorizations': authorizations([alice, bob]) }, [s], alice);
    const right = r.commit({ '.guix-authorizations': authorizations([alice]), b: 'x' }, [s], alice);
    r.head(r.commit({ '.guix-authorizations': authorizations([alice, bob]), b: 'x' }, [left, right], bob));
    scenarios.push({ name: 'merge, one side unauthorized', repo: r, intro: s, signer: alice, ok: false });
  }
  {
    const r = fresh();
    const { s } = r.introduce(alice);
    const removal = r.commit({ a: '1' }, [s], alice);
    r.head(r.commit({ a: '2' }, [removal], alice));
    scenarios.push({ name: "removed '.guix-authorizations'", repo: r, intro: s, signer: alice, ok: false });
  }
  {
    const r = fresh();
    r.keyring([alice, bob]);
    const auth = authorizations([alice, bob]);
    const s = r.commit({ '.guix-authorizations': auth }, [], alice);
    r.head(r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice));
    scenarios.push({ name: 'introduction signed by another key', repo: r, intro: s, signer: bob, ok: false });
  }
  {
    const r = fresh();
    const { auth, s } = r.introduce(alice);
    r.head(r.commit({ '.guix-authorizations': auth, a: '1' }, [s], dave));
    scenarios.push({ name: 'signing key missing from the keyring', repo: r, intro: s, signer: alice, ok: false });
  }
  {
    // A hook of the user's own: neither program overwrites it, and both say so.
    const r = fresh();
    const { auth, s } = r.introduce(alice);
    r.head(r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice));
    writeFileSync(path.join(r.dir, '.git', 'hooks', 'post-merge'), '#!/bin/sh\necho my own hook\n', { mode: 0o755 });
    scenarios.push({ name: 'a post-merge hook already there', repo: r, intro: s, signer: alice, ok: true });
  }
});

afterAll(() => {
  for (const r of repos) r.cleanup();
});

/** The introduction arguments, as a user types them (Guix's spaced fingerprint form). */
function introArgs(s: Scenario): string[] {
  return [s.intro, fmt(s.signer.primary)];
}

describe('guix git authenticate and keytool git authenticate give the same verdict', () => {
  const tally = new Tally('git-authenticate');
  afterAll(() => tally.report());

  it.each(['signed history', 'unsigned commit', 'unauthorized signer', 'merge, one side unauthorized', "removed '.guix-authorizations'", 'introduction signed by another key', 'signing key missing from the keyring', 'a post-merge hook already there'])(
    '%s',
    async (name) => {
      const scenario = scenarios.find((s) => s.name === name)!;
      const runs: Record<Authenticator, { verdict: string; cache: Record<string, string>; config: string }> = {} as never;
      for (const who of AUTHENTICATORS) {
        // Same repository path for both (Guix's cache key is derived from it), fresh copy and HOME.
        const repo = copyRepo(scenario.repo.dir, 'verdict');
        const home = freshHome('verdict', who);
        const result = await authenticateIn(who, repo, home, [...introArgs(scenario), '--stats']);
        expect(result.status, `${who}, ${name}:\n${result.stderr}`).toBe(scenario.ok ? 0 : 1);
        runs[who] = { verdict: verdict(result), cache: cacheFiles(home), config: guixConfig(repo) };
      }
      tally.compare(name, runs.ours.verdict, runs.guix.verdict);
      expect(runs.ours.verdict, `${name}: ours (received) and Guix's (expected) differ`).toBe(runs.guix.verdict);
      // The same cache file (name and contents) and the same recorded introduction.
      expect(runs.ours.cache).toEqual(runs.guix.cache);
      expect(Object.keys(runs.guix.cache).length).toBe(scenario.ok ? 1 : 0);
      expect(runs.ours.config).toBe(runs.guix.config);
    },
  );
});
