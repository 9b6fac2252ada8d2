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
import { makeCast } from '../git/support/cast.js';
import { authenticateIn, AUTHENTICATORS, cacheFiles, copyRepo, freshHome, gitOnCopy, guixConfig, verdict, withoutProgramName, type Authenticator } from './support/channels.js';
import { onHost } from './support/root.js';
import { Tally } from './support/tally.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Scenario {
  name: string;
  repo: TestRepo;
  intro: string;
  signer: TestKey;
  /** Whether authentication succeeds (both programs must agree with this too). */
  ok: boolean;
  /** More arguments, after COMMIT SIGNER --stats (run in the repository: paths may be relative). */
  args?: string[];
}

const repos: TestRepo[] = [];
let keys: TestRepo;
let alice: TestKey, bob: TestKey, carol: TestKey, dave: TestKey, erin: TestKey;
const scenarios: Scenario[] = [];
/** The signed history (alice, bob and carol, a merge), with commits named for the cache tests. */
let signed: { c1: string; head: string; newCommits: number };

function fresh(): TestRepo {
  const r = TestRepo.create('real-guix', keys.gnupghome);
  repos.unshift(r);
  return r;
}

beforeAll(() => {
  ({ keys, alice, bob, carol, dave, erin } = makeCast('real-guix-keys'));
  repos.push(keys);

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
  for (const [name, more] of [['no keyring branch', true], ['no keyring branch, nothing new', false]] as const) {
    // The keyring is loaded even when there is nothing to check.
    const r = fresh();
    const auth = authorizations([alice]);
    const s = r.commit({ '.guix-authorizations': auth }, [], alice);
    r.head(more ? r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice) : s);
    scenarios.push({ name, repo: r, intro: s, signer: alice, ok: false });
  }
  {
    const r = fresh();
    const { auth, s } = r.introduce(alice);
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], alice, { message: 'original' });
    const raw = r.git(['cat-file', 'commit', c1]) + '\n';
    r.head(r.git(['hash-object', '-t', 'commit', '-w', '--stdin'], raw.replace('original', 'forged!!')));
    scenarios.push({ name: 'tampered commit', repo: r, intro: s, signer: alice, ok: false });
  }
  for (const [name, listed] of [['signing subkey, binary keyring, RSA', 'subkey'], ['subkey listed by its primary key only', 'primary']] as const) {
    const r = fresh();
    r.keyring([alice, carol, erin], { binary: true });
    const auth = listed === 'subkey' ? authorizations([alice, carol, erin]) : `(authorizations (version 0) (("${erin.primary}" (name "erin")) ("${alice.primary}") ("${carol.primary}")))`;
    const s = r.commit({ '.guix-authorizations': auth }, [], alice);
    const c1 = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], erin);
    r.head(r.commit({ '.guix-authorizations': auth, a: '2' }, [c1], carol));
    scenarios.push({ name, repo: r, intro: s, signer: alice, ok: listed === 'subkey' });
  }
  {
    // SHA-1 signatures: allowed before the history has '.guix-authorizations' (with historical
    // authorizations), refused after, and on the introduction.
    const history = ['--historical-authorizations=.git/historical-authorizations'];
    const sha1 = (name: string, build: (r: TestRepo) => { intro: string; head: string }, ok: boolean) => {
      const r = fresh();
      r.keyring([carol]);
      writeFileSync(path.join(r.dir, '.git', 'historical-authorizations'), authorizations([carol]));
      const { intro, head } = build(r);
      r.head(head);
      scenarios.push({ name, repo: r, intro, signer: carol, ok, args: history });
    };
    sha1('SHA-1 signature on the introduction', (r) => {
      const root = r.commit({ a: '0' }, [], carol, { digest: 'SHA1' });
      return { intro: root, head: r.commit({ a: '1' }, [root], carol, { digest: 'SHA1' }) };
    }, false);
    sha1('SHA-1 signature before .guix-authorizations', (r) => {
      const s = r.commit({ a: '0' }, [], carol, { digest: 'SHA256' });
      return { intro: s, head: r.commit({ a: '1' }, [s], carol, { digest: 'SHA1' }) };
    }, true);
    sha1('SHA-1 signature after .guix-authorizations', (r) => {
      const s = r.commit({ a: '0' }, [], carol, { digest: 'SHA256' });
      const c1 = r.commit({ a: '1' }, [s], carol, { digest: 'SHA1' });
      return { intro: s, head: r.commit({ a: '2', '.guix-authorizations': authorizations([carol]) }, [c1], carol, { digest: 'SHA1' }) };
    }, false);
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

  it.each(['signed history', 'unsigned commit', 'unauthorized signer', 'merge, one side unauthorized', "removed '.guix-authorizations'", 'introduction signed by another key', 'signing key missing from the keyring', 'no keyring branch', 'no keyring branch, nothing new', 'tampered commit',
    'signing subkey, binary keyring, RSA', 'subkey listed by its primary key only', 'SHA-1 signature on the introduction',
    'SHA-1 signature before .guix-authorizations', 'SHA-1 signature after .guix-authorizations', 'a post-merge hook already there'])(
    '%s',
    async (name) => {
      const scenario = scenarios.find((s) => s.name === name)!;
      const runs: Record<Authenticator, { verdict: string; cache: Record<string, string>; config: string }> = {} as never;
      for (const who of AUTHENTICATORS) {
        // Same repository path for both (Guix's cache key is derived from it), fresh copy and HOME.
        const repo = copyRepo(scenario.repo.dir, 'verdict');
        const home = freshHome('verdict', who);
        const result = await authenticateIn(who, repo, home, [...introArgs(scenario), '--stats', ...(scenario.args ?? [])]);
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

describe('each reuses the cache the other filled (same HOME, same repository)', () => {
  const tally = new Tally('git-cache');
  afterAll(() => tally.report());

  /** What each step printed, by direction: the two directions must print the same. */
  const steps: Record<string, Record<string, string>> = {};

  it.each<[Authenticator, Authenticator]>([
    ['guix', 'ours'],
    ['ours', 'guix'],
  ])('%s first, then %s', async (first, second) => {
    const scenario = scenarios.find((s) => s.name === 'signed history')!;
    const repo = copyRepo(scenario.repo.dir, 'cache');
    const home = freshHome('cache', 'shared');
    const seen: Record<string, string> = (steps[first] = {});
    const short = (id: string) => id.slice(0, 7);

    // 1. The first authenticates up to c1 only.
    const upToC1 = await authenticateIn(first, repo, home, [...introArgs(scenario), `--end=${signed.c1}`]);
    expect(upToC1.status, upToC1.stderr).toBe(0);
    expect(upToC1.stderr).toContain(`Authenticating commits ${short(scenario.intro)} to ${short(signed.c1)} (1 new commits)...\n`);
    seen['up to c1'] = verdict(upToC1);

    // 2. The second checks only what follows c1: the first's cache bounds its walk.
    const rest = await authenticateIn(second, repo, home, ['--stats']);
    expect(rest.status, rest.stderr).toBe(0);
    expect(rest.stderr).toContain(`Authenticating commits ${short(scenario.intro)} to ${short(signed.head)} (${signed.newCommits} new commits)...\n`);
    const counted = [...rest.stdout.toString().matchAll(/ (\d+)\n/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(counted, rest.stdout.toString()).toBe(signed.newCommits);
    seen['the rest'] = verdict(rest);

    // 3. A keyring without any of the signers' keys: checking any commit now fails (4 shows it),
    // so the first succeeds only because the second's cache says HEAD is authentic.
    gitOnCopy(repo, ['update-ref', 'refs/heads/keyring', 'refs/heads/foreign-keyring']);
    const cached = await authenticateIn(first, repo, home, []);
    expect(cached.stderr).not.toContain('Authenticating');
    expect(withoutProgramName(cached.stderr)).toBe(`PROGRAM: successfully authenticated commit ${signed.head}\n`);
    expect(cached.status).toBe(0);
    seen['nothing new'] = verdict(cached);

    // 4. The control: without the cache (another HOME), the same command fails.
    const uncached = await authenticateIn(first, repo, freshHome('cache', 'empty'), []);
    expect(uncached.status, uncached.stderr).toBe(1);
    expect(uncached.stderr).toMatch(/key .* is missing/);
    seen['no cache'] = verdict(uncached);

    seen['cache file'] = JSON.stringify(cacheFiles(home));
    expect(Object.values(cacheFiles(home))).toEqual([`;; List of previously-authenticated commits.\n\n("${signed.head}"\n "${signed.c1}")\n`]);
    if (first === 'ours') {
      for (const step of Object.keys(steps.guix!)) tally.compare(step, steps.ours![step]!, steps.guix![step]!);
      expect(steps.ours).toEqual(steps.guix);
    }
  });
});

describe('the options that name the repository and the cache', () => {
  const tally = new Tally('git-options');
  afterAll(() => tally.report());

  it('--repository from elsewhere, --cache-key, a run from a subdirectory: each program, either way round', async () => {
    const scenario = scenarios.find((s) => s.name === 'signed history')!;
    const seen: Partial<Record<Authenticator, string[]>> = {};
    for (const first of AUTHENTICATORS) {
      const second: Authenticator = first === 'guix' ? 'ours' : 'guix';
      const repo = copyRepo(scenario.repo.dir, 'options');
      mkdirSync(onHost(`${repo}/sub/dir`), { recursive: true });
      const home = freshHome('options', 'shared');
      const upToC1 = await authenticateIn(first, '/', home, [`--repository=${repo}`, '--cache-key=channels/shared', ...introArgs(scenario), `--end=${signed.c1}`]);
      expect(upToC1.status, upToC1.stderr).toBe(0);
      const rest = await authenticateIn(second, `${repo}/sub/dir`, home, ['--cache-key=channels/shared', '--stats']);
      expect(rest.status, rest.stderr).toBe(0);
      expect(rest.stderr).toContain(`(${signed.newCommits} new commits)`);
      expect(Object.keys(cacheFiles(home))).toEqual(['channels/shared']);
      seen[first] = [verdict(upToC1), verdict(rest), JSON.stringify(cacheFiles(home)), guixConfig(repo)];
    }
    ['first run', 'second run', 'cache file', 'configuration'].forEach((what, i) => tally.compare(what, seen.ours![i]!, seen.guix![i]!));
    expect(seen.ours).toEqual(seen.guix);
  });
});

describe('pinned difference: grafts', () => {
  it('Guix follows .git/info/grafts past an unsigned commit; we read the commits\' own parents and refuse it', async () => {
    const r = fresh();
    const { auth, s } = r.introduce(alice);
    const unsigned = r.commit({ '.guix-authorizations': auth, a: '1' }, [s], null);
    const head = r.commit({ '.guix-authorizations': auth, a: '2' }, [unsigned], alice);
    r.head(head);
    const results: Partial<Record<Authenticator, string>> = {};
    for (const who of AUTHENTICATORS) {
      const repo = copyRepo(r.dir, 'grafts');
      // The graft says HEAD's parent is the introduction: the unsigned commit disappears from view.
      writeFileSync(onHost(`${repo}/.git/info/grafts`), `${head} ${s}\n`);
      const result = await authenticateIn(who, repo, freshHome('grafts', who), [s, fmt(alice.primary)]);
      results[who] = verdict(result);
    }
    expect(results.guix).toMatch(/^exit 0\n[\s\S]*\(1 new commits\)[\s\S]*successfully authenticated commit/);
    expect(results.ours).toBe(
      `exit 1\n--- stdout\n--- stderr\nAuthenticating commits ${s.slice(0, 7)} to ${head.slice(0, 7)} (2 new commits)...\nPROGRAM: error: commit ${unsigned} lacks a signature\n`,
    );
  });
});
