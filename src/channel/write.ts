// Writing to a channel repository with git plumbing only (hash-object, mktree, commit-tree,
// update-ref), so that neither the work tree nor the checked-out branch changes except where
// asked: the keyring branch gets key files in a new commit of its own, and the current branch gets
// a `.guix-authorizations` commit that is checked before the branch moves to it.
import { KeytoolError } from '../errors.js';
import { displayable } from '../display.js';
import { AUTHORIZATIONS_FILE, keyringChecker } from '../git/authenticate.js';
import { readAuthorizations } from '../git/authorizations.js';
import { formatFingerprint, hex, Keyring } from '../git/openpgp/index.js';
import type { Repository } from '../git/objects.js';
import type { CommitterKey } from './keys.js';

const ZERO = '0000000000000000000000000000000000000000';

async function hashBlob(repo: Repository, content: Buffer | string): Promise<string> {
  return (await repo.git(['hash-object', '-w', '--stdin'], { input: content })).stdout.toString('latin1').trim();
}

interface TreeEntry { mode: string; type: string; oid: string; name: string }

/** The top-level entries of a tree (`ls-tree` without recursion). */
async function treeEntries(repo: Repository, tree: string): Promise<TreeEntry[]> {
  const out = (await repo.git(['ls-tree', '-z', tree])).stdout.toString('utf8');
  return out.split('\0').filter(Boolean).map((line) => {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(line)!;
    return { mode: m[1]!, type: m[2]!, oid: m[3]!, name: m[4]! };
  });
}

async function makeTree(repo: Repository, entries: TreeEntry[]): Promise<string> {
  const input = entries.map((e) => `${e.mode} ${e.type} ${e.oid}\t${e.name}\0`).join('');
  return (await repo.git(['mktree', '-z'], { input })).stdout.toString('latin1').trim();
}

/** `entries` with `name` set to the blob `oid` (added or replaced). */
function withFile(entries: TreeEntry[], name: string, oid: string): TreeEntry[] {
  return [...entries.filter((e) => e.name !== name), { mode: '100644', type: 'blob', oid, name }];
}

/** Refuse early, in words, when git could not write a commit for want of a name and address. */
export async function ensureIdentity(repo: Repository, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await repo.git(['var', 'GIT_COMMITTER_IDENT'], { env, okStatus: [128] });
  if (r.status !== 0) {
    throw new KeytoolError('git does not know your name and email address, which every commit records: set them with `git config --global user.name "Your Name"` and `git config --global user.email you@example.org`, then run this again');
  }
}

/** A keyring file name: the committer's name made safe, and the primary key's last 16 digits. */
function keyFileName(key: CommitterKey, name: string | undefined): string {
  const base = (name ?? '').normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').toLowerCase();
  return `${base ? `${base}-` : ''}${key.primary.slice(-16)}.key`;
}

/** The primary fingerprints (upper-case hex) in a key file, or none when it cannot be read. */
function primariesOf(data: Buffer): string[] {
  const k = new Keyring();
  try {
    k.addFile(data);
  } catch {
    return [];
  }
  return [...k.keys()].filter((x) => !x.subkey).map((x) => hex(x.fingerprint).toUpperCase());
}

export interface KeyringUpdate {
  commit: string;
  /** File names written, and whether each replaced a file holding the same key. */
  files: { name: string; replaced: boolean }[];
  unchanged: boolean;
}

/**
 * Put each key on the keyring branch `branch` (created as an orphan branch when missing): a key
 * already there (same primary key) is replaced by the new export, in its file; others get a new
 * file. Nothing is ever deleted. The branch moves only if it still points where it was read.
 */
export async function addToKeyring(repo: Repository, branch: string, keys: { key: CommitterKey; name?: string }[], env: NodeJS.ProcessEnv): Promise<KeyringUpdate> {
  const old = (await repo.resolveCommit(`refs/heads/${branch}`)) ?? undefined;
  let entries: TreeEntry[] = [];
  if (old) entries = await treeEntries(repo, `${old}^{tree}`);
  const files: KeyringUpdate['files'] = [];
  for (const { key, name } of keys) {
    let target: string | undefined;
    for (const e of entries) {
      if (e.type !== 'blob' || !e.name.endsWith('.key')) continue;
      if (primariesOf(await repo.readContent(e.oid)).includes(key.primary)) { target = e.name; break; }
    }
    const file = target ?? keyFileName(key, name);
    if (!target && entries.some((e) => e.name === file)) throw new KeytoolError(`the keyring branch '${displayable(branch)}' already has a file ${displayable(file)} holding another key`);
    entries = withFile(entries, file, await hashBlob(repo, key.data));
    files.push({ name: file, replaced: target !== undefined });
  }
  const tree = await makeTree(repo, entries);
  if (old && tree === (await repo.git(['rev-parse', `${old}^{tree}`])).stdout.toString('latin1').trim()) {
    return { commit: old, files, unchanged: true };
  }
  const what = keys.map(({ key, name }) => `${name ?? key.uid ?? formatFingerprint(key.primary)}`).join(', ');
  const args = ['commit-tree', tree, ...(old ? ['-p', old] : []), '-m', `Add ${keys.length === 1 ? 'key of' : 'keys of'} ${what}.`];
  const commit = (await repo.git(args, { env })).stdout.toString('latin1').trim();
  await repo.git(['update-ref', '-m', 'keytool: add committer keys', `refs/heads/${branch}`, commit, old ?? ZERO]);
  return { commit, files, unchanged: false };
}

export interface AuthorizationsCommit {
  commit: string;
  /** The key that signed it. */
  signer: string;
}

/**
 * Commit `text` as `.guix-authorizations` on top of HEAD (or as the first commit of an unborn
 * branch), signed by `signWith` through git's own signing (`commit-tree -S`, so gpg.program and
 * the agent are honoured). Before HEAD moves, the new commit is checked as Guix would check it:
 * its signing key must be on the keyring branch and authorized by the parent's
 * `.guix-authorizations` (or, for the introduction, by the file it adds). Then the index entry
 * of the file is updated; the caller writes the work-tree file.
 */
export async function commitAuthorizations(repo: Repository, o: { text: string; signWith: string; message: string; keyring: string; introduction: boolean; env: NodeJS.ProcessEnv }): Promise<AuthorizationsCommit> {
  const head = (await repo.resolveCommit('HEAD')) ?? undefined;
  const entries = head ? await treeEntries(repo, `${head}^{tree}`) : [];
  const blob = await hashBlob(repo, o.text);
  const tree = await makeTree(repo, withFile(entries, AUTHORIZATIONS_FILE, blob));
  const args = ['commit-tree', tree, ...(head ? ['-p', head] : []), `-S${o.signWith}`, '-m', o.message];
  const commit = (await repo.git(args, { env: o.env })).stdout.toString('latin1').trim();

  const checker = keyringChecker(repo, o.keyring);
  const signed = await checker.signingKey(await repo.readCommit(commit), true);
  const signer = formatFingerprint(signed.fingerprint);
  const authorized = o.introduction ? new Set(readAuthorizations(o.text)) : await checker.authorizedKeys(head ? [head] : []);
  if (!authorized.has(hex(signed.fingerprint))) {
    const which = o.introduction ? 'the new .guix-authorizations' : `.guix-authorizations of the current commit ${head}`;
    throw new KeytoolError(`the commit signed with ${displayable(o.signWith)} was signed by key ${signer}, which ${which} does not list; nothing was changed (sign with an authorized key, with --sign)`);
  }
  await repo.git(['update-ref', '-m', `keytool: ${o.message.split('\n')[0]}`, 'HEAD', commit, head ?? ZERO]);
  if (repo.workTree) await repo.git(['update-index', '--add', '--cacheinfo', `100644,${blob},${AUTHORIZATIONS_FILE}`]);
  return { commit, signer };
}
