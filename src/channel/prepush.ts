// The pre-push check: authenticate exactly the commits a push would send (those of the pushed
// ref that the remote does not have yet), with the introduction recorded for the branch, and
// when one fails, say which commit, which key signed it, which `.guix-authorizations` lacked it,
// and what to do about it.
import { displayable, excerpt } from '../display.js';
import { AUTHORIZATIONS_FILE, AuthenticationError, keyringChecker } from '../git/authenticate.js';
import { readAuthorizations } from '../git/authorizations.js';
import { formatFingerprint, hex, readSignature } from '../git/openpgp/index.js';
import type { Repository } from '../git/objects.js';
import { checkFromIntroduction, type Introduction } from './introduction.js';

const ZERO = /^0+$/;

export interface PushedRef {
  localRef: string;
  localOid: string;
  remoteRef: string;
  remoteOid: string;
}

/** Git's pre-push input: `<local ref> <local oid> <remote ref> <remote oid>` lines. */
export function parsePushLines(text: string): PushedRef[] {
  return text.split('\n').filter((l) => l.trim()).map((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length !== 4 || !/^[0-9a-f]{40,64}$/.test(f[1]!) || !/^[0-9a-f]{40,64}$/.test(f[3]!)) {
      throw new AuthenticationError(`unexpected line on standard input: "${excerpt(line)}" (git passes "<local ref> <local oid> <remote ref> <remote oid>")`);
    }
    return { localRef: f[0]!, localOid: f[1]!, remoteRef: f[2]!, remoteOid: f[3]! };
  });
}

/** The commit's first line, for messages. */
async function subject(repo: Repository, id: string): Promise<string> {
  const r = await repo.git(['log', '-1', '--format=%s', id], { okStatus: [128] });
  return excerpt(r.stdout.toString('utf8').trim(), 72);
}

/** The signing key named by a commit's signature (whether or not the keyring has it). */
function issuerOf(signature: string | undefined): string | undefined {
  if (!signature) return undefined;
  try {
    const sig = readSignature(signature);
    const id = sig.issuerFingerprint ?? sig.issuerKeyId;
    return id ? formatFingerprint(id) : undefined;
  } catch {
    return undefined;
  }
}

/** Words for a failure: the commit, its signer, the files that lack it, and what to do. */
async function explainFailure(repo: Repository, e: AuthenticationError, keyring: string): Promise<string> {
  const lines = [e.message];
  const id = e.commit;
  if (!id) return lines.join('\n');
  const commit = await repo.readCommit(id);
  lines.push(`  commit:    ${id} ("${await subject(repo, id)}")`);
  const issuer = issuerOf(commit.signature);
  lines.push(`  signed by: ${commit.signature ? issuer ?? 'a signature naming no key' : 'nobody (no signature)'}`);
  const todo: string[] = [];
  if (/lacks a signature/.test(e.message)) {
    todo.push('sign it: `git commit --amend --no-edit -S` (or, for several commits, `git rebase --exec "git commit --amend --no-edit -S" <upstream>`)');
  } else if (/is missing$/.test(e.message)) {
    todo.push(`add the signer's key to the keyring branch '${displayable(keyring)}': \`keytool git committer add ${issuer ? `"${issuer}"` : 'FPR'}\` (then push that branch too)`);
  } else if (/not signed by an authorized key/.test(e.message)) {
    const checker = keyringChecker(repo, keyring);
    const key = (await checker.signingKey(commit, false)).fingerprint;
    const lacking: string[] = [];
    const having: string[] = [];
    for (const p of commit.parents) {
      const o = await repo.objects.get(`${p}:${AUTHORIZATIONS_FILE}`);
      const listed = o ? readAuthorizations(o.content!.toString('utf8')) : [];
      (listed.includes(hex(key)) ? having : lacking).push(p);
    }
    for (const p of lacking) lines.push(`  ${AUTHORIZATIONS_FILE} of parent ${p} ("${await subject(repo, p)}") does not list ${formatFingerprint(key)}`);
    if (having.length && lacking.length) {
      todo.push('this merge joins a side that authorizes the signer with one that does not: authorize the signer on the other side of the merge first (a commit there adding them to .guix-authorizations, signed by a key authorized there), then merge again');
    } else {
      todo.push(`have the change authorizing ${formatFingerprint(key)} committed first, signed by a key already authorized (\`keytool git committer add "${formatFingerprint(key)}" --sign AUTHORIZED-FPR\`), or sign this commit with an authorized key (\`git commit --amend --no-edit -S<authorized key>\`)`);
    }
  } else if (/attempts to remove/.test(e.message)) {
    todo.push(`restore ${AUTHORIZATIONS_FILE} in that commit: a channel may change the file but never delete it`);
  } else if (/not a descendant/.test(e.message)) {
    todo.push('this branch does not descend from the channel introduction: rebase it onto the channel, or push it elsewhere');
  }
  for (const t of todo) lines.push(`  what to do: ${t}`);
  return lines.join('\n');
}

export interface PrePushResult {
  /** Each pushed ref: undefined when it authenticated or was skipped, else the explanation. */
  failures: { ref: PushedRef; message: string }[];
  notes: string[];
}

/**
 * Check what a push sends. Commits the remote already has are not checked: its old value for the
 * ref, and the remote-tracking branches of `remote`. The keyring branch, deletions, and refs
 * that are not branches are skipped, like tags.
 */
export async function checkPush(repo: Repository, o: { refs: PushedRef[]; remote?: string; keyring: string; introduction: (branch: string) => Promise<Introduction | undefined> }): Promise<PrePushResult> {
  const result: PrePushResult = { failures: [], notes: [] };
  let remoteTips: string[] = [];
  if (o.remote && !o.remote.includes('/') && !o.remote.startsWith('-')) {
    const r = await repo.git(['for-each-ref', '--format=%(objectname)', `refs/remotes/${o.remote}/`]);
    remoteTips = r.stdout.toString('latin1').split('\n').filter(Boolean);
  }
  for (const ref of o.refs) {
    if (ZERO.test(ref.localOid) || !ref.localRef.startsWith('refs/heads/')) continue;
    const branch = ref.localRef.slice('refs/heads/'.length);
    if (branch === o.keyring || ref.remoteRef === `refs/heads/${o.keyring}`) continue;
    const intro = await o.introduction(branch);
    if (!intro) {
      result.notes.push(`no channel introduction recorded for branch '${displayable(branch)}'; not checking it (record one with \`keytool git authenticate COMMIT SIGNER\`)`);
      continue;
    }
    const known = [...remoteTips];
    if (!ZERO.test(ref.remoteOid) && (await repo.lookups.get(ref.remoteOid))?.type === 'commit') known.push(ref.remoteOid);
    const failure = await checkFromIntroduction(repo, intro, ref.localOid, o.keyring, known);
    if (failure) result.failures.push({ ref, message: await explainFailure(repo, failure, o.keyring) });
  }
  return result;
}
