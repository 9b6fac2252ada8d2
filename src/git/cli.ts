// What `keytool git authenticate` and `keytool git authorizations` do, apart from option parsing
// (src/cli/commands/git.ts). Diagnostics follow Guix's, with our program name:
//   keytool git authenticate: error: <Guix's message>
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { KeytoolError } from '../errors.js';
import { writeFileAtomic } from '../fsutil/atomic.js';
import { authenticateRepository, AUTHORIZATIONS_FILE } from './authenticate.js';
import { addAuthorization, EMPTY_AUTHORIZATIONS, normalizeFingerprint, parseAuthorizations, readAuthorizations, removeAuthorization } from './authorizations.js';
import { repositoryCacheKey } from './cache.js';
import { installHooks, keytoolProgram } from './hooks.js';
import { loadKeyring } from './keyring.js';
import { displayable, excerpt } from '../display.js';
import { GitError, Repository } from './objects.js';
import { formatFingerprint } from './openpgp/index.js';

export interface GitIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface AuthenticateArgs {
  args: string[];
  repository?: string;
  keyring?: string;
  end?: string;
  cacheKey?: string;
  historicalAuthorizations?: string;
  stats: boolean;
}

const PROGRAM = 'keytool git authenticate';

/** Guix's check of a SIGNER argument; returns the 20 fingerprint bytes. */
export function parseSigner(s: string): Uint8Array {
  if (!/^[0-9a-fA-F\s]*$/.test(s)) throw new KeytoolError(`${excerpt(s)}: invalid OpenPGP fingerprint`);
  const h = s.replace(/\s+/g, '');
  if (h.length !== 40) throw new KeytoolError(`${excerpt(s)}: wrong length for OpenPGP fingerprint`);
  return new Uint8Array(Buffer.from(h, 'hex'));
}

export function openRepository(io: GitIO, repository: string | undefined): Promise<Repository> {
  return Repository.open(path.resolve(io.cwd, repository ?? '.'));
}

/** The keyring branch: as given, else as configured for `branch`, else "keyring". */
export async function keyringBranch(repo: Repository, branch: string | undefined, given: string | undefined): Promise<string> {
  return given ?? (await configured(repo, branch, 'keyring')) ?? 'keyring';
}

export async function configured(repo: Repository, branch: string | undefined, key: string): Promise<string | undefined> {
  if (branch) {
    const v = await repo.config(`guix.authentication-${branch}.${key}`);
    if (v !== undefined) return v;
  }
  return repo.config(`guix.authentication.${key}`);
}

/** Record an introduction and its keyring branch in the generic section, which `configured` (and Guix) read back for any branch. */
export async function recordIntroductionConfig(repo: Repository, commit: string, signer: string, keyring: string): Promise<void> {
  await repo.setConfig('guix.authentication.introduction-commit', commit);
  await repo.setConfig('guix.authentication.introduction-signer', signer);
  await repo.setConfig('guix.authentication.keyring', keyring);
}

class Progress {
  private last = -1;
  constructor(private readonly stream: GitIO['stderr'], private readonly total: number) {}
  update(done: number): void {
    const width = Math.max(10, Math.min(50, (this.stream.columns ?? 80) - 20));
    const filled = Math.floor((done / this.total) * width);
    const pct = Math.floor((done / this.total) * 100);
    if (pct === this.last && done !== this.total) return;
    this.last = pct;
    this.stream.write(`\r\x1b[K[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${String(pct).padStart(3)}%`);
  }
  finish(): void {
    this.stream.write('\r\x1b[K');
  }
}

export async function gitAuthenticate(io: GitIO, a: AuthenticateArgs): Promise<number> {
  const error = (msg: string) => io.stderr.write(`${PROGRAM}: error: ${msg}\n`);
  const info = (msg: string) => io.stderr.write(`${PROGRAM}: ${msg}\n`);
  let repo: Repository | undefined;
  let progress: Progress | undefined;
  try {
    repo = await openRepository(io, a.repository);
    const branch = await repo.currentBranch();
    // First, so that the post-merge hook does nothing on the keyring branch.
    const keyringReference = await keyringBranch(repo, branch, a.keyring);
    if (branch !== undefined && branch === keyringReference) {
      info(`current branch '${displayable(branch)}' is the keyring branch; doing nothing`);
      return 0;
    }
    let commitArg: string;
    let signerArg: string;
    if (a.args.length === 2) {
      [commitArg, signerArg] = a.args as [string, string];
    } else if (a.args.length === 0) {
      const c = await configured(repo, branch, 'introduction-commit');
      const s = await configured(repo, branch, 'introduction-signer');
      if (c === undefined || s === undefined) throw new KeytoolError('unknown introductory commit and signer');
      commitArg = c;
      signerArg = s;
    } else {
      throw new KeytoolError('wrong number of arguments; expected COMMIT and SIGNER');
    }
    const signer = parseSigner(signerArg);
    const start = await repo.resolveCommit(commitArg);
    if (!start) throw await repo.whyNotCommit(commitArg);
    const endRev = a.end ?? 'HEAD';
    const end = await repo.resolveCommit(endRev);
    if (!end) {
      const why = await repo.whyNotCommit(endRev);
      if (a.end !== undefined || !(why instanceof GitError)) throw why;
      // HEAD unborn (a branch with no commits checked out) while the introduction exists elsewhere.
      throw new GitError(`reference 'HEAD' not found: the checked-out branch has no commits yet; check out a branch with commits, or give --end`);
    }
    let historical: string[] = [];
    if (a.historicalAuthorizations !== undefined) {
      const file = path.resolve(io.cwd, a.historicalAuthorizations);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new KeytoolError(`${displayable(a.historicalAuthorizations)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
      }
      historical = readAuthorizations(text, a.historicalAuthorizations);
    }
    const result = await authenticateRepository({
      repository: repo,
      start,
      signer,
      end,
      keyringReference,
      cacheKey: a.cacheKey ?? repositoryCacheKey(repo.gitDir),
      historicalAuthorizations: historical,
      env: io.env,
      // For benchmarks and tests: number of verification threads (0 = none).
      workers: io.env.KEYTOOL_GIT_WORKERS !== undefined ? Number(io.env.KEYTOOL_GIT_WORKERS) : undefined,
      onStart: ({ count }) => {
        io.stderr.write(`Authenticating commits ${start.slice(0, 7)} to ${end.slice(0, 7)} (${count} new commits)...\n`); // Guix's words, even for one
        if (io.stderr.isTTY) progress = new Progress(io.stderr, count);
      },
      onProgress: (done) => progress?.update(done),
    });
    progress?.finish();
    progress = undefined;
    // Recorded in the generic section, read back for any branch (as Guix does); a repository
    // with both values configured already is left as it is.
    if ((await configured(repo, branch, 'introduction-commit')) === undefined || (await configured(repo, branch, 'introduction-signer')) === undefined) {
      await recordIntroductionConfig(repo, start, signerArg, keyringReference);
      info('introduction and keyring recorded in repository configuration file');
      const hooksDir = path.join(repo.commonDir, 'hooks');
      const hooks = `'${displayable(path.join(hooksDir, 'pre-push'))}' and '${displayable(path.join(hooksDir, 'post-merge'))}'`;
      if (installHooks(hooksDir, keytoolProgram(io.env))) info(`installed hooks ${hooks}`);
      else {
        io.stderr.write(`${PROGRAM}: warning: not overriding pre-existing hooks ${hooks}\n`);
        io.stderr.write(`hint: Call \`${PROGRAM}' from your own pre-push and post-merge hooks to\nauthenticate what you push before pushing and what you pull after pulling.\n\n`);
      }
    }
    if (a.stats && result.stats.size > 0) {
      const rows = [...result.stats.values()].sort((x, y) => y.count - x.count);
      io.stdout.write('Signing statistics:\n');
      for (const r of rows) io.stdout.write(`  ${formatFingerprint(r.key.fingerprint)} ${String(r.count).padStart(10)}\n`);
    }
    info(`successfully authenticated commit ${end}`);
    return 0;
  } catch (e) {
    progress?.finish();
    if (e instanceof GitError) error(`Git error: ${e.message}`);
    else if (e instanceof KeytoolError) error(e.message);
    else throw e;
    return 1;
  } finally {
    repo?.close();
  }
}

export interface AuthorizationsArgs {
  action: 'list' | 'add' | 'remove';
  fingerprint?: string;
  name?: string;
  repository?: string;
  keyring?: string;
  file?: string;
  force: boolean;
  json: boolean;
}

/** `keytool git authorizations list|add|remove`: read and edit the working tree's file. */
export async function gitAuthorizations(io: GitIO, a: AuthorizationsArgs): Promise<number> {
  let repo: Repository | undefined;
  try {
    let file: string;
    if (a.file !== undefined) file = path.resolve(io.cwd, a.file);
    else {
      repo = await openRepository(io, a.repository);
      if (!repo.workTree) throw new KeytoolError('bare repository: give the file to edit with --file');
      file = path.join(repo.workTree, AUTHORIZATIONS_FILE);
    }
    const exists = existsSync(file);
    const text = exists ? readFileSync(file, 'utf8') : undefined;
    if (a.action === 'list') {
      if (text === undefined) throw new KeytoolError(`${displayable(file)}: No such file or directory`);
      const parsed = parseAuthorizations(text, file);
      if (a.json) {
        io.stdout.write(`${JSON.stringify({ file, authorizations: parsed.entries.map((e) => ({ fingerprint: e.fingerprint, name: e.name ?? null })) }, null, 2)}\n`);
      } else {
        for (const e of parsed.entries) io.stdout.write(`${e.fingerprint.length === 40 ? formatFingerprint(e.fingerprint) : excerpt(e.fingerprint)}${e.name !== undefined ? `  ${excerpt(e.name, 200)}` : ''}\n`);
      }
      return 0;
    }
    const fpr = normalizeFingerprint(a.fingerprint!, 'fingerprint');
    if (a.action === 'add') {
      if (fpr.length !== 40) throw new KeytoolError(`${excerpt(a.fingerprint!)}: wrong length for OpenPGP fingerprint`);
      const fprBytes = Buffer.from(fpr, 'hex');
      const shown = formatFingerprint(fprBytes);
      let primary: string | undefined;
      if (!a.force) {
        repo ??= await openRepository(io, a.repository);
        const keyringReference = await keyringBranch(repo, await repo.currentBranch(), a.keyring);
        const keyring = await loadKeyring(repo, keyringReference);
        const key = keyring.lookupByFingerprint(fprBytes);
        if (!key) throw new KeytoolError(`key ${shown} is not in the keyring branch '${displayable(keyringReference)}'; add its '.key' file there first`);
        if (key.primary) primary = formatFingerprint(key.primary.fingerprint);
        else if ([...keyring.keys()].some((k) => k.primary === key)) {
          io.stderr.write(`keytool: warning: key ${formatFingerprint(key.fingerprint)} has subkeys; commits signed with a subkey need the subkey's fingerprint listed\n`);
        }
      }
      const updated = addAuthorization(text ?? EMPTY_AUTHORIZATIONS, { fingerprint: shown, name: a.name, primary }, file);
      writeFileAtomic(file, Buffer.from(updated, 'utf8'), { mode: 0o644 });
      io.stderr.write(`keytool: authorized ${shown}${a.name ? ` (${displayable(a.name)})` : ''} in ${displayable(file)}\n`);
      return 0;
    }
    if (text === undefined) throw new KeytoolError(`${displayable(file)}: No such file or directory`);
    const updated = removeAuthorization(text, a.fingerprint!, file);
    writeFileAtomic(file, Buffer.from(updated, 'utf8'), { mode: 0o644 });
    io.stderr.write(`keytool: removed ${displayable(a.fingerprint!)} from ${displayable(file)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof GitError) throw new KeytoolError(`Git error: ${e.message}`);
    throw e;
  } finally {
    repo?.close();
  }
}
