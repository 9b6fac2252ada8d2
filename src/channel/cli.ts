// What `keytool git channel init`, `keytool git channel introduction`, `keytool git committer`
// and `keytool git pre-push` do, apart from option parsing (src/cli/commands/channel.ts).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { displayable } from '../display.js';
import { KeytoolError } from '../errors.js';
import { writeFileAtomic } from '../fsutil/atomic.js';
import { AUTHORIZATIONS_FILE } from '../git/authenticate.js';
import { addAuthorization, EMPTY_AUTHORIZATIONS, normalizeFingerprint, parseAuthorizations, removeAuthorization, type AuthorizationEntry, type NewEntry } from '../git/authorizations.js';
import { loadKeyring } from '../git/keyring.js';
import { configured, keyringBranch, openRepository, recordIntroductionConfig, type GitIO } from '../git/cli.js';
import { installHooks, keytoolProgram } from '../git/hooks.js';
import { GitError, type Repository } from '../git/objects.js';
import { formatFingerprint, hex } from '../git/openpgp/index.js';
import { channelDetails, checkFromIntroduction, findIntroduction, formatIntroduction, type Introduction } from './introduction.js';
import { committerName, fingerprintArgument, keyFromFile, keyFromGpg, keyMatches, type CommitterKey } from './keys.js';
import { checkPush, parsePushLines } from './prepush.js';
import { addToKeyring, commitAuthorizations, ensureIdentity } from './write.js';

/** The `.guix-authorizations` entry for a committer: the key that signs, and its primary key when that is a subkey. */
function authorizationOf(key: CommitterKey, name: string | undefined): NewEntry {
  return { fingerprint: formatFingerprint(key.signing), name, primary: key.signing !== key.primary ? formatFingerprint(key.primary) : undefined };
}

/** Run `body` on the repository; git failures become errors in words. */
async function withRepository<T>(io: GitIO, repository: string | undefined, body: (repo: Repository) => Promise<T>): Promise<T> {
  let repo: Repository | undefined;
  try {
    repo = await openRepository(io, repository);
    return await body(repo);
  } catch (e) {
    if (e instanceof GitError) throw new KeytoolError(`Git error: ${e.message}`);
    throw e;
  } finally {
    repo?.close();
  }
}

function workTreeOf(repo: Repository): string {
  if (!repo.workTree) throw new KeytoolError(`${displayable(repo.gitDir)} is a bare repository: run this in a clone with a work tree`);
  return repo.workTree;
}

/** The keys named on the command line, from gpg and from files, in that order. */
function collectKeys(io: GitIO, fprs: string[], files: string[]): CommitterKey[] {
  return [...fprs.map((f) => keyFromGpg(f, io.env)), ...files.map((f) => keyFromFile(path.resolve(io.cwd, f), io.env))];
}

/** Record the introduction for `branch` as `keytool git authenticate` does, and install the hooks. */
async function recordIntroduction(io: GitIO, repo: Repository, branch: string | undefined, intro: Introduction, keyring: string): Promise<void> {
  if ((await configured(repo, branch, 'introduction-commit')) !== undefined) return;
  await recordIntroductionConfig(repo, intro.commit, intro.signer, keyring);
  const hooksDir = path.join(repo.commonDir, 'hooks');
  if (!installHooks(hooksDir, keytoolProgram(io.env))) {
    io.stderr.write(`keytool: warning: not overriding the existing hooks in ${displayable(hooksDir)}; for the pre-push check, call \`keytool git pre-push "$@"\` from your pre-push hook\n`);
  }
}

export interface ChannelInitArgs {
  repository?: string;
  keys: string[];
  keyFiles: string[];
  sign?: string;
  keyring?: string;
  name?: string;
  url?: string;
  json: boolean;
}

export async function channelInit(io: GitIO, a: ChannelInitArgs): Promise<number> {
  if (a.keys.length + a.keyFiles.length === 0) throw new KeytoolError('give at least one committer key: --key FINGERPRINT (from gpg) or --key-file FILE');
  return withRepository(io, a.repository, async (repo) => {
    const top = workTreeOf(repo);
    const branch = await repo.currentBranch();
    const keyring = await keyringBranch(repo, branch, a.keyring);
    if (branch === keyring) throw new KeytoolError(`the current branch '${displayable(branch)}' is the keyring branch; check out the channel's branch first`);
    if (await repo.lookups.get(`HEAD:${AUTHORIZATIONS_FILE}`)) {
      throw new KeytoolError(`the current commit already has ${AUTHORIZATIONS_FILE}: this channel is started (see \`keytool git channel introduction\`; add committers with \`keytool git committer add\`)`);
    }
    const file = path.join(top, AUTHORIZATIONS_FILE);
    if (existsSync(file)) throw new KeytoolError(`${displayable(file)} exists but is not committed; move it away (init writes a new one) or commit it yourself`);
    const keys = collectKeys(io, a.keys, a.keyFiles);
    await ensureIdentity(repo, io.env);
    const signWith = a.sign !== undefined ? fingerprintArgument(a.sign) : keys[0]!.primary;
    const signer = keys.find((k) => keyMatches(k, signWith));
    if (!signer) throw new KeytoolError(`the signing key ${formatFingerprint(signWith)} is not one of the committer keys given with --key or --key-file`);
    const named = keys.map((key) => ({ key, name: committerName(key) }));

    const ring = await addToKeyring(repo, keyring, named, io.env);
    let text = EMPTY_AUTHORIZATIONS;
    for (const { key, name } of named) {
      text = addAuthorization(text, authorizationOf(key, name), AUTHORIZATIONS_FILE);
    }
    const made = await commitAuthorizations(repo, { text, signWith: signer.primary, message: 'Introduce .guix-authorizations.', keyring, introduction: true, env: io.env });
    writeFileAtomic(file, Buffer.from(text, 'utf8'), { mode: 0o644 });
    const intro = { commit: made.commit, signer: made.signer };
    await recordIntroduction(io, repo, branch, intro, keyring);
    for (const f of ring.files) io.stderr.write(`keytool: ${f.replaced ? 'updated' : 'added'} ${displayable(f.name)} on the keyring branch '${displayable(keyring)}'\n`);
    io.stderr.write(`keytool: committed ${AUTHORIZATIONS_FILE} as ${made.commit}, signed by ${made.signer}\n`);
    io.stderr.write(`keytool: publish both branches (git push origin ${displayable(branch ?? 'HEAD')} ${displayable(keyring)}), then give users the introduction below\n`);
    return printIntroduction(io, repo, intro, a);
  });
}

async function printIntroduction(io: GitIO, repo: Repository, intro: Introduction, a: { name?: string; url?: string; json: boolean }): Promise<number> {
  const details = await channelDetails(repo, a);
  if (a.json) io.stdout.write(`${JSON.stringify({ commit: intro.commit, signer: intro.signer, name: details.name, url: details.url, branch: details.branch ?? null }, null, 2)}\n`);
  else io.stdout.write(formatIntroduction(intro, details));
  return 0;
}

export interface ChannelIntroductionArgs {
  repository?: string;
  commit?: string;
  keyring?: string;
  name?: string;
  url?: string;
  json: boolean;
}

export async function channelIntroduction(io: GitIO, a: ChannelIntroductionArgs): Promise<number> {
  return withRepository(io, a.repository, async (repo) => {
    const rev = a.commit ?? 'HEAD';
    const end = await repo.resolveCommit(rev);
    if (!end) throw await repo.whyNotCommit(rev);
    const keyring = await keyringBranch(repo, await repo.currentBranch(), a.keyring);
    const intro = await findIntroduction(repo, end, keyring);
    const failure = await checkFromIntroduction(repo, intro, end, keyring);
    if (failure) {
      throw new KeytoolError(`the introduction is commit ${intro.commit}, signed by ${intro.signer}, but ${end} does not authenticate from it: ${failure.message}`);
    }
    io.stderr.write(`keytool: commit ${end} authenticates from this introduction\n`);
    return printIntroduction(io, repo, intro, a);
  });
}

/**
 * The entry of `.guix-authorizations` for `given`: the one listing it, else (a primary key's
 * fingerprint) the one listing a subkey of that key on the keyring branch.
 */
async function authorizedEntry(repo: Repository, keyring: string, text: string, file: string, given: string): Promise<AuthorizationEntry> {
  const target = normalizeFingerprint(given, 'fingerprint');
  const entries = parseAuthorizations(text, file).entries;
  const direct = entries.find((e) => e.fingerprint === target);
  if (direct) return direct;
  const subkeys = new Set<string>();
  try {
    for (const k of (await loadKeyring(repo, keyring)).keys()) if (k.primary && hex(k.primary.fingerprint) === target) subkeys.add(hex(k.fingerprint));
  } catch (e) {
    if (!(e instanceof KeytoolError)) throw e;
  }
  const bySubkey = entries.filter((e) => subkeys.has(e.fingerprint));
  if (bySubkey.length === 1) return bySubkey[0]!;
  if (bySubkey.length > 1) throw new KeytoolError(`several subkeys of ${displayable(given)} are authorized; remove each by its own fingerprint (see \`keytool git authorizations\`)`);
  throw new KeytoolError(`${displayable(given)} is not in ${displayable(file)}, nor any subkey of it (see \`keytool git authorizations\`)`);
}

export interface CommitterArgs {
  action: 'add' | 'remove';
  repository?: string;
  fingerprint?: string;
  keyFile?: string;
  name?: string;
  sign?: string;
  keyring?: string;
}

export async function committer(io: GitIO, a: CommitterArgs): Promise<number> {
  return withRepository(io, a.repository, async (repo) => {
    const top = workTreeOf(repo);
    const branch = await repo.currentBranch();
    const keyring = await keyringBranch(repo, branch, a.keyring);
    const file = path.join(top, AUTHORIZATIONS_FILE);
    if (!existsSync(file)) throw new KeytoolError(`${displayable(file)} does not exist: start the channel with \`keytool git channel init\``);
    const before = readFileSync(file, 'utf8');
    await ensureIdentity(repo, io.env);
    let text: string;
    let what: string;
    if (a.action === 'add') {
      const key = a.keyFile !== undefined ? keyFromFile(path.resolve(io.cwd, a.keyFile), io.env) : keyFromGpg(a.fingerprint!, io.env);
      const name = committerName(key, a.name);
      // Checked before anything is written: the fingerprint must not be listed yet.
      text = addAuthorization(before, authorizationOf(key, name), file);
      const ring = await addToKeyring(repo, keyring, [{ key, name }], io.env);
      for (const f of ring.files) io.stderr.write(`keytool: ${ring.unchanged ? 'already had' : f.replaced ? 'updated' : 'added'} ${displayable(f.name)} on the keyring branch '${displayable(keyring)}'\n`);
      what = `Authorize ${name ?? formatFingerprint(key.signing)}.`;
      io.stderr.write(`keytool: authorized ${formatFingerprint(key.signing)}${name ? ` (${displayable(name)})` : ''} in ${AUTHORIZATIONS_FILE}\n`);
    } else {
      const entry = await authorizedEntry(repo, keyring, before, file, a.fingerprint!);
      text = removeAuthorization(before, entry.fingerprint, file);
      what = `Remove ${entry.name ?? formatFingerprint(entry.fingerprint)} from the authorized committers.`;
      io.stderr.write(`keytool: removed ${formatFingerprint(entry.fingerprint)}${entry.name ? ` (${displayable(entry.name)})` : ''} from ${AUTHORIZATIONS_FILE}; their key stays on the keyring branch, since the commits they signed still need it\n`);
    }
    if (a.sign === undefined) {
      writeFileAtomic(file, Buffer.from(text, 'utf8'), { mode: 0o644 });
      io.stderr.write(`keytool: now commit ${AUTHORIZATIONS_FILE}, signed by a key the current commit authorizes: git commit -S -m ${JSON.stringify(what)} ${AUTHORIZATIONS_FILE} (or run this with --sign FPR)\n`);
      return 0;
    }
    const made = await commitAuthorizations(repo, { text, signWith: fingerprintArgument(a.sign), message: what, keyring, introduction: false, env: io.env });
    writeFileAtomic(file, Buffer.from(text, 'utf8'), { mode: 0o644 });
    io.stderr.write(`keytool: committed ${AUTHORIZATIONS_FILE} as ${made.commit}, signed by ${made.signer}\n`);
    return 0;
  });
}

export interface PrePushArgs {
  repository?: string;
  remote?: string;
  keyring?: string;
  input: string;
}

export async function prePush(io: GitIO, a: PrePushArgs): Promise<number> {
  return withRepository(io, a.repository, async (repo) => {
    const refs = parsePushLines(a.input);
    const keyring = await keyringBranch(repo, await repo.currentBranch(), a.keyring);
    const result = await checkPush(repo, {
      refs,
      remote: a.remote,
      keyring,
      introduction: async (branch) => {
        const commit = await configured(repo, branch, 'introduction-commit');
        const signer = await configured(repo, branch, 'introduction-signer');
        return commit && signer ? { commit, signer } : undefined;
      },
    });
    for (const n of result.notes) io.stderr.write(`keytool git pre-push: ${n}\n`);
    for (const f of result.failures) {
      io.stderr.write(`keytool git pre-push: error: pushing ${displayable(f.ref.localRef)} to ${displayable(f.ref.remoteRef)} would publish a commit that does not authenticate:\n${f.message}\n`);
    }
    if (result.failures.length) io.stderr.write('keytool git pre-push: nothing was pushed; fix the commits above and push again\n');
    return result.failures.length ? 1 : 0;
  });
}
