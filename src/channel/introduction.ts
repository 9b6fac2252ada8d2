// A channel's introduction: the commit that introduced `.guix-authorizations`, signed by a key
// that file lists, and that key's fingerprint (what users pass to `make-channel-introduction`).
// Finding it: the commits that add the file to their parent's tree (or start a history with it),
// oldest first; the first whose signature checks and whose signer the file it adds authorizes.
import { displayable, excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';
import { AUTHORIZATIONS_FILE, AuthenticationError, Checker, authenticateRepository, keyringChecker } from '../git/authenticate.js';
import { readAuthorizations } from '../git/authorizations.js';
import { writeString } from '../git/scheme.js';
import { formatFingerprint, hex } from '../git/openpgp/index.js';
import type { Repository } from '../git/objects.js';

export interface Introduction {
  commit: string;
  /** Fingerprint of the signing key, in Guix's display form. */
  signer: string;
}

/** Why a commit that adds `.guix-authorizations` is not an introduction, or undefined when it is. */
async function whyNotIntroduction(repo: Repository, checker: Checker, id: string): Promise<{ reason?: string; signer?: string }> {
  const commit = await repo.readCommit(id);
  let key;
  try {
    key = await checker.signingKey(commit, true);
  } catch (e) {
    if (e instanceof AuthenticationError) return { reason: e.message };
    throw e;
  }
  const signer = formatFingerprint(key.fingerprint);
  const blob = await repo.readContent(`${id}:${AUTHORIZATIONS_FILE}`);
  let listed: string[];
  try {
    listed = readAuthorizations(blob.toString('utf8'), `${AUTHORIZATIONS_FILE} of commit ${id}`);
  } catch (e) {
    if (e instanceof KeytoolError) return { reason: e.message, signer };
    throw e;
  }
  if (!listed.includes(hex(key.fingerprint))) return { reason: `commit ${id} is signed by ${signer}, which the ${AUTHORIZATIONS_FILE} it adds does not list`, signer };
  return { signer };
}

/**
 * Find and check the introduction of the channel whose history ends at `end`; refuses (with each
 * candidate's reason) when there is none. `check` then authenticates `end` from it.
 */
export async function findIntroduction(repo: Repository, end: string, keyring: string): Promise<Introduction> {
  // Commits adding the file to their first parent's tree; merges are never introductions.
  const out = (await repo.git(['log', '--format=%H %P', '--diff-filter=A', '--full-history', '--reverse', '--topo-order', end, '--', AUTHORIZATIONS_FILE])).stdout.toString('latin1');
  const candidates = out.split('\n').filter(Boolean).map((l) => l.split(' ')).filter((ids) => ids.length <= 2).map((ids) => ids[0]!);
  if (candidates.length === 0) throw new KeytoolError(`no commit in the history of ${end} adds '${AUTHORIZATIONS_FILE}': this is not an authenticated channel yet (start one with \`keytool git channel init\`)`);
  const checker = keyringChecker(repo, keyring);
  const refused: string[] = [];
  for (const id of candidates) {
    const { reason, signer } = await whyNotIntroduction(repo, checker, id);
    if (!reason) return { commit: id, signer: signer! };
    refused.push(reason);
  }
  throw new KeytoolError(`no valid introduction in the history of ${end}: ${refused.map((r) => excerpt(r, 300)).join('; ')}`);
}

/**
 * Authenticate `end` from the introduction, without the cache, taking `authenticCommits` (and
 * their ancestors) as already checked; the error when it fails.
 */
export async function checkFromIntroduction(repo: Repository, intro: Introduction, end: string, keyring: string, authenticCommits?: string[]): Promise<AuthenticationError | undefined> {
  try {
    await authenticateRepository({ repository: repo, start: intro.commit, signer: Buffer.from(intro.signer.replace(/\s+/g, ''), 'hex'), end, keyringReference: keyring, authenticCommits, workers: 0 });
    return undefined;
  } catch (e) {
    if (e instanceof AuthenticationError) return e;
    throw e;
  }
}

export interface ChannelForm {
  name: string;
  url: string;
  branch?: string;
}

/** The `channel` form for channels.scm, with the introduction. */
function channelForm(intro: Introduction, c: ChannelForm): string {
  const symbol = /^[a-z0-9][a-z0-9+._-]*$/i.test(c.name) ? c.name : 'my-channel';
  return [
    '(channel',
    `  (name '${symbol})`,
    `  (url ${writeString(c.url)})`,
    ...(c.branch ? [`  (branch ${writeString(c.branch)})`] : []),
    '  (introduction',
    '   (make-channel-introduction',
    `    ${writeString(intro.commit)}`,
    `    (openpgp-fingerprint`,
    `     ${writeString(intro.signer)})))`,
  ].join('\n') + '\n';
}

/** What `introduction` and `channel init` print: the form, then the values alone. */
export function formatIntroduction(intro: Introduction, c: ChannelForm): string {
  return `;; Add to ~/.config/guix/channels.scm:\n${channelForm(intro, c)}\n;; The introduction alone:\n;;   commit: ${intro.commit}\n;;   signer: ${intro.signer}\n`;
}

/** The name and URL for the channel form: given, else from the repository. */
export async function channelDetails(repo: Repository, given: { name?: string; url?: string; branch?: string }): Promise<ChannelForm> {
  const url = given.url ?? (await repo.config('remote.origin.url')) ?? `file://${repo.workTree ?? repo.gitDir}`;
  const base = (repo.workTree ?? repo.gitDir).split('/').filter(Boolean).pop() ?? 'my-channel';
  const name = given.name ?? base.replace(/\.git$/, '');
  return { name: displayable(name), url, branch: given.branch ?? (await repo.currentBranch()) };
}
