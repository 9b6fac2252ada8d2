// Test repositories for channel authentication: a temporary GNUPGHOME with keys made by gpg in
// batch mode (no passphrase), and commits built with git plumbing (`mktree`, `commit-tree -S`)
// so each test states exactly which files, parents and signer every commit has.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TMP_ROOT } from '../../support/oracle.js';
import { fmt } from './run.js';

export interface TestKey {
  /** Primary key fingerprint (upper-case hex). */
  primary: string;
  /** Fingerprint of the key that signs (the signing subkey when there is one). */
  signing: string;
  uid: string;
}

let counter = 0;

/**
 * A new GNUPGHOME under the system's temporary directory, not the checkout: gpg-agent's socket
 * lives inside it, and a Unix socket path may not exceed 107 bytes, which a deep checkout would
 * (the agent then fails to start and every key generation with it). Removed at exit.
 */
function shortGnupgHome(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kt-gpg-'));
  process.on('exit', () => {
    spawnSync('gpgconf', ['--homedir', dir, '--kill', 'gpg-agent'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export class TestRepo {
  readonly dir: string;
  readonly gnupghome: string;
  /** The key store was made for this repository (not shared from another): cleanup removes it. */
  private readonly ownsGnupgHome: boolean;
  readonly cache: string;
  private time = 1_700_000_000;

  /** `gnupghome`: share another repository's keys (default: a new, empty one). */
  constructor(readonly root: string, gnupghome?: string) {
    this.dir = path.join(root, 'repo');
    this.ownsGnupgHome = gnupghome === undefined;
    this.gnupghome = gnupghome ?? shortGnupgHome();
    this.cache = path.join(root, 'cache');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.gnupghome, { recursive: true, mode: 0o700 });
    chmodSync(this.gnupghome, 0o700);
    this.git(['init', '-q', '-b', 'main']);
  }

  static create(name = 'repo', gnupghome?: string): TestRepo {
    mkdirSync(path.join(TMP_ROOT, 'git'), { recursive: true });
    return new TestRepo(mkdtempSync(path.join(TMP_ROOT, 'git', `${name}-${process.pid}-${counter++}-`)), gnupghome);
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      GNUPGHOME: this.gnupghome,
      XDG_CACHE_HOME: this.cache,
      HOME: this.root,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: path.join(this.root, 'gitconfig'),
      GIT_AUTHOR_NAME: 'Tester', GIT_AUTHOR_EMAIL: 'tester@example.org',
      GIT_COMMITTER_NAME: 'Tester', GIT_COMMITTER_EMAIL: 'tester@example.org',
      LC_ALL: 'C',
    };
  }

  git(args: string[], input?: string): string {
    return execFileSync('git', args, { cwd: this.dir, env: this.env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  }

  gpg(args: string[], input?: string): string {
    return execFileSync('gpg', ['--batch', '--quiet', '--no-tty', ...args], { env: this.env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** A new key: `algo` as for gpg --quick-gen-key (ed25519, rsa2048, dsa2048, ...). */
  genKey(name: string, algo = 'ed25519', options: { signingSubkey?: boolean } = {}): TestKey {
    const uid = `${name} <${name.toLowerCase()}@example.org>`;
    this.gpg(['--passphrase', '', '--quick-gen-key', uid, algo, options.signingSubkey ? 'cert' : 'sign', 'never']);
    const fprs = this.fingerprints(uid);
    const primary = fprs[0]!;
    if (options.signingSubkey) {
      this.gpg(['--passphrase', '', '--quick-add-key', primary, algo, 'sign', 'never']);
      return { primary, signing: this.fingerprints(uid)[1]!, uid };
    }
    return { primary, signing: primary, uid };
  }

  private fingerprints(uid: string): string[] {
    return this.gpg(['--with-colons', '--list-keys', `=${uid}`]).split('\n').filter((l) => l.startsWith('fpr:')).map((l) => l.split(':')[9]!);
  }

  exportKey(key: TestKey, armor = true): string | Buffer {
    return execFileSync('gpg', ['--batch', '--export', ...(armor ? ['--armor'] : []), key.primary], { env: this.env, encoding: armor ? 'utf8' : 'buffer' });
  }

  /** A blob holding `content`. */
  blob(content: string | Buffer): string {
    return execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: this.dir, env: this.env, input: content, encoding: 'utf8' }).trim();
  }

  /** A tree of top-level files. */
  tree(files: Record<string, string | Buffer>): string {
    const lines = Object.entries(files).map(([name, content]) => `100644 blob ${this.blob(content)}\t${name}`);
    return this.git(['mktree'], lines.join('\n') + (lines.length ? '\n' : ''));
  }

  /** Keyring branch holding each key in `<name>.key` (armored unless `binary`). */
  keyring(keys: TestKey[], options: { branch?: string; binary?: boolean } = {}): string {
    const files: Record<string, string | Buffer> = {};
    for (const k of keys) files[`${k.uid.split(' ')[0]!.toLowerCase()}-${k.primary.slice(-8)}.key`] = this.exportKey(k, !options.binary);
    const commit = this.git(['commit-tree', this.tree(files), '-m', 'keyring'], undefined);
    this.git(['update-ref', `refs/heads/${options.branch ?? 'keyring'}`, commit]);
    return commit;
  }

  /** A commit with these files and parents, signed by `signer` unless null. */
  commit(files: Record<string, string | Buffer>, parents: string[], signer: TestKey | null, options: { message?: string; digest?: string } = {}): string {
    const args = ['commit-tree', this.tree(files)];
    for (const p of parents) args.push('-p', p);
    args.push('-m', options.message ?? `commit ${this.time}`);
    const env = { ...this.env, GIT_AUTHOR_DATE: `${this.time} +0000`, GIT_COMMITTER_DATE: `${this.time} +0000` };
    this.time += 60;
    let program: string | undefined;
    if (signer) {
      program = path.join(this.root, `gpg-${options.digest ?? 'default'}`);
      writeFileSync(program, `#!/bin/sh\nexec gpg ${options.digest ? `--digest-algo ${options.digest} ` : ''}"$@"\n`, { mode: 0o755 });
      args.unshift('-c', `gpg.program=${program}`);
      args.push(`-S${signer.primary}`);
    }
    return execFileSync('git', args, { cwd: this.dir, env, encoding: 'utf8' }).trim();
  }

  /** A commit object written exactly as `text` (headers and message), unsigned and without any
   *  check by git: for commits git would not make. */
  rawCommit(text: string): string {
    return this.git(['hash-object', '-t', 'commit', '-w', '--literally', '--stdin'], text);
  }

  /** As rawCommit, signed by `signer` with gpg. */
  signRaw(text: string, signer: TestKey): string {
    const sig = this.gpg(['--local-user', signer.primary, '--armor', '--detach-sign'], text);
    const blank = text.indexOf('\n\n');
    return this.rawCommit(`${text.slice(0, blank + 1)}gpgsig ${sig.replace(/\n$/, '').split('\n').join('\n ')}\n${text.slice(blank + 1)}`);
  }

  /** Put `signer`'s key on the keyring and make the introductory commit `s`, signed by `signer`
   *  and authorizing only that key (`auth`, the file's text). */
  introduce(signer: TestKey): { auth: string; s: string } {
    this.keyring([signer]);
    const auth = authorizations([signer]);
    return { auth, s: this.commit({ '.guix-authorizations': auth }, [], signer) };
  }

  /** Point branch `main` (checked out) at `commit`. */
  head(commit: string, branch = 'main'): void {
    this.git(['update-ref', `refs/heads/${branch}`, commit]);
    this.git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
  }

  cleanup(): void {
    if (this.ownsGnupgHome) {
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: this.env });
      rmSync(this.gnupghome, { recursive: true, force: true });
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** `.guix-authorizations` text authorizing these keys (their signing fingerprints). */
export function authorizations(keys: TestKey[]): string {
  return `;; Test authorizations.\n(authorizations\n (version 0)\n (${keys.map((k) => `("${fmt(k.signing)}"\n   (name "${k.uid.split(' ')[0]}"))`).join('\n  ')}))\n`;
}
