// The channel keyring: every `.key` file (binary or armored OpenPGP keys) in the tree at the tip
// of the keyring branch, local (refs/heads/<name>) or else remote-tracking (refs/remotes/<name>).
// Like Guix, the keyring branch itself is not authenticated.
import { displayable, excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';
import { Keyring, OpenPGPError, isArmored } from './openpgp/index.js';
import { GitError, ObjectError, type Repository } from './objects.js';

export async function keyringCommit(repo: Repository, reference: string): Promise<string> {
  for (const ref of [`refs/heads/${reference}`, `refs/remotes/${reference}`]) {
    const id = await repo.resolveCommit(ref);
    if (id) return id;
  }
  // libgit2's words (Guix looks the branch up with BRANCH-ALL: local, then remote-tracking).
  // Whole, as Guix prints it, up to the length of a path (a ref is a file name under .git).
  throw new GitError(`cannot locate remote-tracking branch '${excerpt(reference, 4096)}'`);
}

export async function loadKeyring(repo: Repository, reference: string): Promise<Keyring> {
  const commit = await keyringCommit(repo, reference);
  const listing = (await repo.git(['ls-tree', '-r', '-z', commit])).stdout.toString('utf8');
  const keyring = new Keyring();
  const files: { path: string; oid: string }[] = [];
  for (const entry of listing.split('\0')) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (m && m[2]!.endsWith('.key')) files.push({ path: m[2]!, oid: m[1]! });
  }
  const blobs = await Promise.all(files.map((f) => repo.readContent(f.oid).catch((e: unknown) => {
    // Say which key file is refused (too large, or not what its ID says).
    if (e instanceof ObjectError) throw new ObjectError(`keyring file ${displayable(f.path)}: ${e.message}`);
    throw e;
  })));
  files.forEach((f, i) => {
    const data = blobs[i]!;
    try {
      keyring.addFile(data);
    } catch (e) {
      if (!(e instanceof OpenPGPError)) throw e;
      const what = isArmored(data) ? 'malformed ASCII-armored key' : 'malformed OpenPGP key';
      throw new KeytoolError(`${what} in ${displayable(f.path)} (blob ${f.oid}): ${e.message}`);
    }
  });
  return keyring;
}
