// Channel authentication, with Guix's rules (guix-formats.md §5.2, §5.3):
//  - the commits to check are closure(end) − closure(start) − closure(known-good commits);
//  - the introductory commit is never checked against authorizations, only its signer (first
//    run only, i.e. when nothing is cached);
//  - each commit must be signed by a key of the keyring that every parent's
//    `.guix-authorizations` lists; removing that file is an error; MD5 is never accepted, SHA-1
//    only for commits whose tree has no `.guix-authorizations`.
// Messages are Guix's, word for word. Objects are read through pipelined `git cat-file`
// processes and checked in Guix's order, so the first error reported is the one Guix reports.
import { excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';
import { addToCache, readCache } from './cache.js';
import { readAuthorizations } from './authorizations.js';
import { loadKeyring } from './keyring.js';
import { GitError, ObjectError, type Commit, type Repository } from './objects.js';
import {
  formatFingerprint, hex, OpenPGPError, readSignature, verifySignature, verifyJob, HASH_ALGORITHMS,
  type Keyring, type PublicKeyPacket, type SignaturePacket,
} from './openpgp/index.js';
import { VerifyPool } from './verify-pool.js';

/** A channel authentication failure; the message is Guix's. */
export class AuthenticationError extends KeytoolError {
  constructor(message: string, readonly commit?: string) {
    super(message, 1);
  }
}

export const AUTHORIZATIONS_FILE = '.guix-authorizations';

export interface AuthenticateOptions {
  repository: Repository;
  /** Introductory commit (full ID). */
  start: string;
  /** Fingerprint of the key that must have signed the introductory commit (20 bytes). */
  signer: Uint8Array;
  /** Last commit to authenticate (full ID). */
  end: string;
  keyringReference: string;
  /** Cache key (see cache.ts); undefined: no cache at all. */
  cacheKey?: string;
  /** Authorized fingerprints (hex) for parents without `.guix-authorizations`. */
  historicalAuthorizations?: string[];
  /** Commits known to be authentic besides the cached ones (Guix's channel current commit). */
  authenticCommits?: string[];
  env?: NodeJS.ProcessEnv;
  /** Called once the set to check is known and non-empty. */
  onStart?: (info: { start: string; end: string; count: number }) => void;
  /** Called after each commit is authenticated. */
  onProgress?: (done: number, total: number) => void;
  /** Verification threads (default: VerifyPool.defaultSize(); 0: verify in this thread). */
  workers?: number;
}

export interface SignerStats {
  key: PublicKeyPacket;
  count: number;
}

export interface AuthenticationResult {
  /** Commits checked in this run (0 when everything was already known). */
  checked: number;
  /** Per signing key (hex fingerprint): how many of the checked commits it signed. */
  stats: Map<string, SignerStats>;
}

/** Commits to check, in the order Guix checks them (its commit-difference), with their parents. */
export async function commitDifference(repo: Repository, end: string, start: string, excluded: string[]): Promise<{ order: string[]; parents: Map<string, string[]> }> {
  const input = [end, `^${start}`, ...excluded.map((x) => `^${x}`)].join('\n') + '\n';
  let out: string;
  try {
    out = (await repo.git(['rev-list', '--parents', '--stdin'], { input })).stdout.toString('latin1');
  } catch (e) {
    // git names the bad object, not the commit that refers to it: find that link and say so.
    if (e instanceof GitError) throw (await repo.findBrokenParent(end, [start, ...excluded])) ?? e;
    throw e;
  }
  const parents = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const ids = line.split(' ');
    parents.set(ids[0]!, ids.slice(1));
  }
  // Guix walks depth-first from END, first parents first, then reverses what it visited.
  const order: string[] = [];
  const seen = new Set<string>();
  const stack = [end];
  while (stack.length) {
    const id = stack.pop()!;
    const ps = parents.get(id);
    if (!ps || seen.has(id)) continue;
    seen.add(id);
    order.push(id);
    for (let i = ps.length - 1; i >= 0; i--) stack.push(ps[i]!);
  }
  order.reverse();
  return { order, parents };
}

/** Reads objects and verifies commits for one authentication run. */
export class Checker {
  private readonly lookups = new Map<string, Promise<string | null>>();
  private readonly authorizations = new Map<string, Promise<string[]>>();
  /** Signature checks started ahead of the ordered walk (by commit ID). */
  private readonly precomputed = new Map<string, Promise<boolean | undefined>>();
  pool?: VerifyPool;

  constructor(
    private readonly repo: Repository,
    private readonly keyringPromise: Promise<Keyring>,
    readonly parents: Map<string, string[]>,
    private readonly historical: string[],
  ) {}

  keyring(): Promise<Keyring> {
    return this.keyringPromise;
  }

  /** The blob ID of `.guix-authorizations` in commit `id`'s tree, or null. */
  authorizationsBlob(id: string): Promise<string | null> {
    let p = this.lookups.get(id);
    if (!p) {
      p = this.repo.lookups.get(`${id}:${AUTHORIZATIONS_FILE}`).then((o) => {
        if (!o) return null;
        if (o.type !== 'blob') throw new AuthenticationError(`'${AUTHORIZATIONS_FILE}' in commit ${id} is a ${o.type}, not a file`, id);
        return o.oid;
      });
      p.catch(() => { /* awaited later */ });
      this.lookups.set(id, p);
    }
    return p;
  }

  private readAuthorizationsBlob(oid: string): Promise<string[]> {
    let p = this.authorizations.get(oid);
    if (!p) {
      p = this.repo.readContent(oid).then((content) => readAuthorizations(content.toString('utf8'), `${AUTHORIZATIONS_FILE} (blob ${oid})`));
      this.authorizations.set(oid, p);
    }
    return p;
  }

  async parentsOf(id: string): Promise<string[]> {
    const known = this.parents.get(id);
    if (known) return known;
    const c = await this.repo.readCommit(id);
    this.parents.set(id, c.parents);
    return c.parents;
  }

  /** What `parent` contributes to its children's authorized keys. */
  private async parentAuthorizations(parent: string): Promise<string[]> {
    const blob = await this.authorizationsBlob(parent);
    if (blob) return this.readAuthorizationsBlob(blob);
    for (const gp of await this.parentsOf(parent)) {
      if (await this.authorizationsBlob(gp)) {
        throw new AuthenticationError(`commit ${parent} attempts to remove '${AUTHORIZATIONS_FILE}' file`, parent);
      }
    }
    return this.historical;
  }

  /** Keys authorized to sign a child of `parents`: the intersection over all parents. */
  async authorizedKeys(parents: string[]): Promise<Set<string>> {
    if (parents.length === 0) return new Set(this.historical);
    const sets = await Promise.all(parents.map((p) => this.parentAuthorizations(p)));
    let result = new Set(sets[0]);
    for (const s of sets.slice(1)) {
      const other = new Set(s);
      result = new Set([...result].filter((f) => other.has(f)));
    }
    return result;
  }

  /** The keyring's key for `sig`'s issuer: by fingerprint when the signature names one, else by key ID. */
  private async issuerKey(sig: SignaturePacket): Promise<PublicKeyPacket | undefined> {
    const keyring = await this.keyring();
    return sig.issuerFingerprint ? keyring.lookupByFingerprint(sig.issuerFingerprint) : sig.issuerKeyId ? keyring.lookupById(sig.issuerKeyId) : undefined;
  }

  /** The key that signed `commit`, after checking the signature (Guix's commit-signing-key). */
  async signingKey(commit: Commit, disallowSha1: boolean): Promise<PublicKeyPacket> {
    const id = commit.oid;
    if (!commit.signature) throw new AuthenticationError(`commit ${id} lacks a signature`, id);
    let sig;
    try {
      sig = readSignature(commit.signature);
    } catch (e) {
      if (e instanceof OpenPGPError) throw new AuthenticationError(`commit ${id} has a malformed signature: ${e.message}`, id);
      throw e;
    }
    if (!HASH_ALGORITHMS[sig.hashAlgorithm]) throw new AuthenticationError(`commit ${id} has a signature with unsupported hash algorithm ${sig.hashAlgorithm}`, id);
    if (sig.hashName === 'md5' || (disallowSha1 && sig.hashName === 'sha1')) {
      throw new AuthenticationError(`commit ${id} has a ${sig.hashName} signature, which is not permitted`, id);
    }
    const key = await this.issuerKey(sig);
    if (!key) {
      const issuer = sig.issuerFingerprint ?? sig.issuerKeyId;
      if (!issuer) throw new AuthenticationError(`commit ${id} has a signature that names no issuer key`, id);
      throw new AuthenticationError(`could not authenticate commit ${id}: key ${formatFingerprint(issuer)} is missing`, id);
    }
    if (sig.type !== 0x00) {
      throw new AuthenticationError(`commit ${id} has a signature of type 0x${sig.type.toString(16).padStart(2, '0')}, not a binary-document signature`, id);
    }
    const early = this.precomputed.get(id);
    this.precomputed.delete(id);
    // A signature found valid ahead of time is valid; anything else is checked again here.
    const valid = (early && (await early)) || verifySignature(sig, key, commit.signedData);
    if (!valid) throw new AuthenticationError(`signature verification failed for commit ${id}`, id);
    return key;
  }

  /** Start checking `commit`'s signature on the pool; errors are left to the ordered walk. */
  precompute(commit: Commit): void {
    const pool = this.pool;
    if (!pool || !commit.signature) return;
    const p = (async () => {
      const sig = readSignature(commit.signature!);
      const key = await this.issuerKey(sig);
      if (!key) return undefined;
      const job = verifyJob(sig, key, commit.signedData);
      return job ? pool.verify(job) : undefined;
    })().catch(() => undefined);
    this.precomputed.set(commit.oid, p);
  }

  /** Authenticate one commit (Guix's authenticate-commit); returns its signing key. */
  async authenticateCommit(commit: Commit): Promise<PublicKeyPacket> {
    const recentEnough = (await this.authorizationsBlob(commit.oid)) !== null;
    const key = await this.signingKey(commit, recentEnough);
    const authorized = await this.authorizedKeys(commit.parents);
    if (!authorized.has(hex(key.fingerprint))) {
      throw new AuthenticationError(`commit ${commit.oid} not signed by an authorized key: ${formatFingerprint(key.fingerprint)}`, commit.oid);
    }
    return key;
  }
}

/** A Checker for single commits outside a run (channel tools): no walked parents, no historical authorizations. */
export function keyringChecker(repo: Repository, keyringReference: string): Checker {
  return new Checker(repo, loadKeyring(repo, keyringReference), new Map(), []);
}

/**
 * The walk (git rev-list) and the commit object must agree on the parents: the walk decides
 * which commits are checked, the object is what was signed. They differ in a shallow clone or
 * when something still rewrites history for git.
 */
function assertSameParents(commit: Commit, walked: string[]): void {
  if (commit.parents.length === walked.length && commit.parents.every((p, i) => p === walked[i])) return;
  const list = (ids: string[]) => (ids.length ? ids.map((id) => excerpt(id)).join(', ') : 'none');
  throw new ObjectError(`commit ${commit.oid} names the parents ${list(commit.parents)}, but git walked its history with the parents ${list(walked)} (is the repository shallow?)`);
}

/** How many commits to request ahead of the one being checked. */
const WINDOW = 512;

/** Authenticate `end` against the introduction; throws AuthenticationError (Guix's messages). */
export async function authenticateRepository(options: AuthenticateOptions): Promise<AuthenticationResult> {
  const { repository: repo, start, end } = options;
  const stats = new Map<string, SignerStats>();
  const cached = options.cacheKey === undefined ? [] : readCache(options.cacheKey, options.env);
  const candidates = [...cached, ...(options.authenticCommits ?? [])];
  // Known-good commits that are no longer in the repository are ignored.
  const found = await Promise.all(candidates.map((id) => repo.lookups.get(id)));
  const known = candidates.filter((_, i) => found[i]?.type === 'commit');

  // As Guix, the keyring is loaded on every run, even when nothing is new: a missing or broken
  // keyring branch is an error either way, and it is reported before any problem with the
  // history. Both are read at once.
  const keyring = loadKeyring(repo, options.keyringReference);
  const difference = commitDifference(repo, end, start, known);
  difference.catch(() => {}); // awaited below, once the keyring is known to be good
  await keyring;
  const { order, parents } = await difference;
  if (order.length === 0) return { checked: 0, stats };
  options.onStart?.({ start, end, count: order.length });

  const checker = new Checker(repo, keyring, parents, options.historicalAuthorizations ?? []);
  const workers = options.workers ?? VerifyPool.defaultSize();
  // Threads pay off only on longer histories.
  if (workers > 0 && order.length >= 256) checker.pool = new VerifyPool(workers);
  try {
    if (known.length === 0) {
      const intro = await repo.readCommit(start);
      const key = await checker.signingKey(intro, true);
      if (hex(key.fingerprint) !== hex(options.signer)) {
        throw new AuthenticationError(`initial commit ${start} is signed by '${formatFingerprint(key.fingerprint)}' instead of '${formatFingerprint(options.signer)}'`, start);
      }
    }
    let descends = false;
    for (const ancestor of [start, ...known]) {
      if (await repo.isAncestor(ancestor, end)) { descends = true; break; }
    }
    if (!descends) throw new AuthenticationError(`commit ${end} is not a descendant of introductory commit ${start}`, end);

    // Pipeline: keep WINDOW commit reads (and their authorization lookups) in flight.
    const contents: Promise<Commit>[] = new Array(order.length);
    let requested = 0;
    const requestUpTo = (n: number) => {
      for (; requested < Math.min(n, order.length); requested++) {
        const id = order[requested]!;
        checker.authorizationsBlob(id);
        for (const p of parents.get(id)!) checker.authorizationsBlob(p);
        const p = repo.readCommit(id).then((commit) => {
          checker.precompute(commit);
          return commit;
        });
        p.catch(() => { /* awaited in order below */ });
        contents[requested] = p;
      }
    };
    for (let i = 0; i < order.length; i++) {
      requestUpTo(i + WINDOW);
      const commit = await contents[i]!;
      contents[i] = undefined as unknown as Promise<Commit>; // let it be collected
      assertSameParents(commit, parents.get(commit.oid)!);
      const key = await checker.authenticateCommit(commit);
      const f = hex(key.fingerprint);
      const s = stats.get(f);
      if (s) s.count++;
      else stats.set(f, { key, count: 1 });
      options.onProgress?.(i + 1, order.length);
    }
  } finally {
    checker.pool?.close();
  }
  if (options.cacheKey !== undefined) addToCache(options.cacheKey, end, options.env);
  return { checked: order.length, stats };
}
