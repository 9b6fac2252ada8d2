// End to end: the built `bin/keytool git ...` on a generated signed history (Ed25519 and RSA
// keys), as a user runs it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TMP_ROOT } from '../support/oracle.js';
import { generateHistory, type History } from './support/history.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const keytool = path.join(root, 'bin', 'keytool');
const base = path.join(TMP_ROOT, 'git', `cli-${process.pid}`);
let history: History;

function run(args: string[], cwd = history.dir) {
  const env = { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(base), XDG_CACHE_HOME: path.join(base, 'cache'), HOME: base, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(base, 'gitconfig'), NO_COLOR: '1' };
  const r = spawnSync(keytool, args, { cwd, env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'keytool.mjs'))) spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  mkdirSync(base, { recursive: true });
  history = generateHistory(path.join(base, 'repo'), 300, { signers: 3, rsa: true });
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('bin/keytool git', () => {
  it('authenticates a 300-commit history, then finds nothing new to do', () => {
    const first = run(['git', 'authenticate', history.intro, history.signer, '--stats']);
    expect(first.stderr).toContain(`Authenticating commits ${history.intro.slice(0, 7)} to ${history.head.slice(0, 7)} (${history.commits - 1} new commits)...\n`);
    expect(first.stderr).toContain(`keytool git authenticate: successfully authenticated commit ${history.head}\n`);
    expect(first.status).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toBe('Signing statistics:');
    expect(lines).toHaveLength(5); // four keys, Ed25519 and RSA
    const counts = lines.slice(1).map((l) => Number(/^ {2}([0-9A-F]{4} ){4}[0-9A-F]{4} {2}([0-9A-F]{4} ){4}[0-9A-F]{4} +(\d+)$/.exec(l)![3]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(history.commits - 1);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);

    const second = run(['git', 'authenticate']);
    expect(second).toEqual({ status: 0, stdout: '', stderr: `keytool git authenticate: successfully authenticated commit ${history.head}\n` });
  });

  it('lists, removes and adds authorizations, checking the keyring', () => {
    // The working tree has no file yet (the generator wrote objects only): check it out.
    spawnSync('git', ['checkout', '-q', '-f', 'main'], { cwd: history.dir });
    const list = run(['git', 'authorizations', '--json']);
    expect(list.status).toBe(0);
    const entries = JSON.parse(list.stdout).authorizations as { fingerprint: string; name: string }[];
    expect(entries.map((e) => e.name)).toEqual(['signer0', 'signer1', 'signer2', 'signer3']);
    const text = readFileSync(path.join(history.dir, '.guix-authorizations'), 'utf8');
    const victim = entries[1]!.fingerprint;
    expect(run(['git', 'authorizations', 'remove', victim])).toMatchObject({ status: 0 });
    expect(run(['git', 'authorizations', 'list']).stdout.split('\n').filter(Boolean)).toHaveLength(3);
    const added = run(['git', 'authorizations', 'add', victim, '--name', 'signer1']);
    expect(added.status).toBe(0);
    const formatted = run(['git', 'authorizations']).stdout.split('\n').find((l) => l.endsWith('  signer1'))!.replace(/ {2}signer1$/, '');
    expect(formatted.replace(/ /g, '').toLowerCase()).toBe(victim);
    expect(readFileSync(path.join(history.dir, '.guix-authorizations'), 'utf8')).toBe(
      text.replace(/\n {2}\("[^"]*"\n {3}\(name "signer1"\)\)/, '').replace(/\)\)\)\)\n$/, `))\n  ("${formatted}"\n   (name "signer1"))))\n`),
    );
    const unknown = run(['git', 'authorizations', 'add', 'AAAA BBBB CCCC DDDD EEEE  FFFF 0000 1111 2222 3333']);
    expect(unknown).toEqual({ status: 1, stdout: '', stderr: "keytool: key AAAA BBBB CCCC DDDD EEEE  FFFF 0000 1111 2222 3333 is not in the keyring branch 'keyring'; add its '.key' file there first\n" });
    expect(run(['git', 'authorizations', 'frobnicate']).status).toBe(2);
  });

  it('reports misuse and errors with exit statuses', () => {
    expect(run(['git', 'authenticate', 'abc'])).toEqual({ status: 1, stdout: '', stderr: 'keytool git authenticate: error: wrong number of arguments; expected COMMIT and SIGNER\n' });
    expect(run(['git', 'authenticate', '--bogus']).status).toBe(2);
    const outside = run(['git', 'authenticate'], base);
    expect(outside.status).toBe(1);
    expect(outside.stderr).toMatch(/^keytool git authenticate: error: Git error: not a git repository/);
    // A fresh `git init`: say there are no commits yet, rather than only libgit2's words.
    const empty = path.join(base, 'empty');
    spawnSync('git', ['init', '-q', empty]);
    for (const rev of ['HEAD', history.intro]) {
      expect(run(['git', 'authenticate', rev, history.signer], empty)).toEqual({
        status: 1,
        stdout: '',
        stderr: `keytool git authenticate: error: Git error: object not found - no match for id (${rev}): this repository has no commits yet; commit first, then name a commit\n`,
      });
    }
    // An unborn branch checked out in a repository with commits: HEAD is what is missing.
    spawnSync('git', ['checkout', '-q', '--orphan', 'unborn'], { cwd: history.dir });
    const unborn = run(['git', 'authenticate', history.intro, history.signer]);
    spawnSync('git', ['checkout', '-q', '-f', 'main'], { cwd: history.dir });
    expect(unborn.stderr).toBe("keytool git authenticate: error: Git error: reference 'HEAD' not found: the checked-out branch has no commits yet; check out a branch with commits, or give --end\n");
    expect(unborn.status).toBe(1);
    const help = run(['git', 'authenticate', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--historical-authorizations');
  });
});

describe('verification threads', () => {
  it('find a forged commit at the end of a long history, with and without threads', async () => {
    const { authenticateRepository } = await import('../../src/git/authenticate.js');
    const { Repository } = await import('../../src/git/objects.js');
    const raw = spawnSync('git', ['cat-file', 'commit', history.head], { cwd: history.dir, encoding: 'latin1' }).stdout;
    const forged = spawnSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], { cwd: history.dir, input: raw.replace('Commit number', 'Commit NUMBER'), encoding: 'latin1' }).stdout.trim();
    const signer = Buffer.from(history.signer.replace(/ /g, ''), 'hex');
    for (const workers of [0, 1, 2]) {
      const repo = await Repository.open(history.dir);
      try {
        const ok = await authenticateRepository({ repository: repo, start: history.intro, signer, end: history.head, keyringReference: 'keyring', workers });
        expect(ok.checked).toBe(history.commits - 1);
        await expect(authenticateRepository({ repository: repo, start: history.intro, signer, end: forged, keyringReference: 'keyring', workers }))
          .rejects.toThrow(`signature verification failed for commit ${forged}`);
      } finally {
        repo.close();
      }
    }
  });
});
