// Reading a Git repository through the `git` program: one long-lived `git cat-file --batch`
// (contents) and one `--batch-check` (object lookups) per repository, requests pipelined, and
// plain `git` runs for the rest. Arguments go straight to execve (no shell) and every revision
// given by a user is resolved with `rev-parse --verify --end-of-options`, so a ref name can
// never become an option or a command.
//
// What we authenticate must be the objects themselves: every git process is started through
// gitInvocation(), which turns off replace refs (`refs/replace/`, fetched by `clone --mirror`),
// grafts (`info/grafts`) and the commit-graph file (a cache of parents anyone can rewrite), and
// every object content read is hashed and compared with the ID asked for.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { displayable, excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';

/** A failure reported by git; shown as `Git error: <message>` like Guix's libgit2 errors. */
export class GitError extends KeytoolError {}

/** An object we refuse to use (too large, not what its ID says, wrong type); the message says why. */
export class ObjectError extends KeytoolError {}

/** libgit2's message for a revision or object ID that names nothing. */
export function objectNotFound(id: string): GitError {
  return new GitError(`object not found - no match for id (${excerpt(id)})`);
}

/** The largest object of each type we read (larger ones are refused before being held in
 *  memory): keys and authorization files are blobs; channel commits are a few kilobytes. */
const OBJECT_SIZE_LIMITS: Readonly<Record<string, number>> = {
  commit: 1 << 20,
  tag: 1 << 20,
  tree: 16 << 20,
  blob: 64 << 20,
};

function mebibytes(n: number): string {
  return `${(n / (1 << 20)).toFixed(n % (1 << 20) === 0 ? 0 : 1)} MiB`;
}

export interface GitRunOptions {
  cwd: string;
  input?: string | Uint8Array;
  /** Exit statuses that are answers rather than failures (e.g. 1 for `merge-base --is-ancestor`). */
  okStatus?: number[];
  /** The environment to start from (default: this process's); gitInvocation's settings win. */
  env?: NodeJS.ProcessEnv;
}

export interface GitResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * The arguments and environment for running `git args...`; every git process started here goes
 * through it. Besides never prompting, paging or translating (we parse the output), it makes git
 * read the objects themselves: no replace refs (`--no-replace-objects`, GIT_NO_REPLACE_OBJECTS for
 * any git it starts), no grafts (GIT_GRAFT_FILE=/dev/null: git 2.39 still honours `info/grafts`
 * with replace refs off), no commit-graph (its parent lists are not checked against the commits).
 */
function gitInvocation(args: string[], base: NodeJS.ProcessEnv = process.env): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: [
      '--no-replace-objects',
      '-c', 'core.commitGraph=false',
      '-c', 'advice.graftFileDeprecated=false',
      ...args,
    ],
    env: {
      ...base,
      GIT_NO_REPLACE_OBJECTS: '1',
      GIT_GRAFT_FILE: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_PAGER: 'cat',
      LC_ALL: 'C',
      LANGUAGE: '',
    },
  };
}

/** Run `git args...` (no shell) and collect its output; a non-zero status throws GitError. */
export function runGit(args: string[], options: GitRunOptions): Promise<GitResult> {
  const git = gitInvocation(args, options.env);
  return new Promise((resolve, reject) => {
    const child = execFile('git', git.args, { cwd: options.cwd, encoding: 'buffer', maxBuffer: 1 << 30, env: git.env }, (error, stdout, stderr) => {
      const status = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      const err = Buffer.from(stderr).toString('utf8');
      if (status !== 0 && !(options.okStatus ?? []).includes(status)) {
        const first = err.split('\n').find((l) => l.trim() && !l.startsWith('hint: ')) ?? (error as Error).message;
        // git's messages quote revisions and paths as given.
        reject(new GitError(excerpt(first.replace(/^(fatal|error): /, ''), 200)));
        return;
      }
      resolve({ status, stdout: Buffer.from(stdout), stderr: err });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

export interface GitObject {
  oid: string;
  type: string;
  size: number;
  /** Absent for `--batch-check`. */
  content?: Buffer;
}

type Pending = { spec: string; resolve: (o: GitObject | null) => void; reject: (e: Error) => void };

/** An object body being received: copied into one buffer of its announced size (so reading is
 *  linear in its size), or skipped when it is over the limit. */
interface Incoming {
  request: Pending;
  oid: string;
  type: string;
  size: number;
  /** `size` + 1 bytes (git ends each object with a newline); null while skipping. */
  data: Buffer | null;
  received: number;
}

/** Longest `<oid> <type> <size>` or `<spec> missing` line accepted from git. */
const MAX_HEADER = 4096;

const FULL_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/**
 * A `git cat-file --batch` or `--batch-check` process. Requests are written as they come and
 * answered in order, so many can be in flight at once. Contents are checked against their ID.
 */
export class CatFile {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  /** The start of a header line not yet ended by a newline. */
  private partialHeader = '';
  private incoming: Incoming | undefined;
  private failed: Error | undefined;
  private stderr = '';

  constructor(cwd: string, private readonly withContent: boolean) {
    const git = gitInvocation(['cat-file', withContent ? '--batch' : '--batch-check']);
    this.child = spawn('git', git.args, { cwd, env: git.env, stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => { this.stderr += chunk.toString('utf8'); });
    this.child.on('error', (e) => this.fail(new GitError(`cannot run git: ${e.message}`)));
    this.child.on('close', (code) => {
      if (this.pending.length) this.fail(new GitError(excerpt(this.stderr.trim(), 200) || `git cat-file exited with status ${code}`));
    });
    this.child.stdin.on('error', () => { /* reported through 'close' */ });
  }

  /** Look up `spec` (an object ID or `<rev>:<path>`); null when missing. */
  get(spec: string): Promise<GitObject | null> {
    if (this.failed) return Promise.reject(this.failed);
    if (/[\n\r]/.test(spec)) return Promise.reject(new GitError(`invalid object name: ${excerpt(spec)}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ spec, resolve, reject });
      // Requests made in the same tick go to git in one write.
      if (this.outgoing === '') process.nextTick(() => this.flush());
      this.outgoing += `${spec}\n`;
    });
  }

  private outgoing = '';

  private flush(): void {
    const text = this.outgoing;
    this.outgoing = '';
    if (text) this.child.stdin.write(text);
  }

  close(): void {
    this.child.stdin.end();
  }

  private fail(e: Error): void {
    this.failed ??= e;
    this.incoming = undefined;
    for (const p of this.pending.splice(0)) p.reject(e);
    this.child.stdout.removeAllListeners('data');
    this.child.stdin.end();
  }

  private onData(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.failed) {
      const body = this.incoming;
      if (body) {
        const n = Math.min(body.size + 1 - body.received, chunk.length - pos);
        if (body.data) chunk.copy(body.data, body.received, pos, pos + n);
        body.received += n;
        pos += n;
        if (body.received === body.size + 1) {
          this.incoming = undefined;
          this.finish(body);
        }
        continue;
      }
      const nl = chunk.indexOf(10, pos);
      if (nl < 0 || this.partialHeader.length + (nl - pos) > MAX_HEADER) {
        this.partialHeader += chunk.toString('latin1', pos, nl < 0 ? chunk.length : nl);
        if (this.partialHeader.length > MAX_HEADER) this.fail(new GitError(`unexpected output from git cat-file: ${excerpt(this.partialHeader)}`));
        return;
      }
      const header = this.partialHeader + chunk.toString('latin1', pos, nl);
      this.partialHeader = '';
      pos = nl + 1;
      this.onHeader(header);
    }
  }

  private onHeader(header: string): void {
    const p = this.pending.shift();
    if (!p) { this.fail(new GitError(`unexpected output from git cat-file: ${excerpt(header)}`)); return; }
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      p.resolve(null);
      return;
    }
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) ([a-z]+) (\d{1,15})$/.exec(header);
    if (!m) { this.fail(new GitError(`unexpected output from git cat-file: ${excerpt(header)}`)); return; }
    const [, oid, type, sizeText] = m as unknown as [string, string, string, string];
    const size = Number(sizeText);
    // An object ID asked for must be the one answered (a substitution would show here first).
    const substituted = FULL_ID.test(p.spec) && p.spec.toLowerCase() !== oid;
    if (!this.withContent) {
      if (substituted) p.reject(substitutedError(p.spec, oid));
      else p.resolve({ oid, type, size });
      return;
    }
    const limit = OBJECT_SIZE_LIMITS[type] ?? 0;
    let data: Buffer | null = null;
    if (size > limit) {
      p.reject(new ObjectError(`${type} ${oid} is ${size} bytes (${mebibytes(size)}), more than the ${mebibytes(limit)} keytool reads for a ${type}; refusing it`));
    } else if (substituted) {
      p.reject(substitutedError(p.spec, oid));
    } else {
      data = Buffer.allocUnsafe(size + 1);
    }
    this.incoming = { request: p, oid, type, size, data, received: 0 };
  }

  private finish(body: Incoming): void {
    if (!body.data) return; // refused when its header came
    if (body.data[body.size] !== 10) { this.fail(new GitError(`unexpected output from git cat-file after object ${body.oid}`)); return; }
    const content = body.data.subarray(0, body.size);
    const actual = objectId(body.type, content, body.oid.length === 64 ? 'sha256' : 'sha1');
    if (actual !== body.oid) {
      body.request.reject(new ObjectError(`the content git gave for ${body.type} ${body.oid} hashes to ${actual}, not to that ID; refusing it (is the repository damaged?)`));
      return;
    }
    body.request.resolve({ oid: body.oid, type: body.type, size: body.size, content });
  }
}

function substitutedError(asked: string, answered: string): ObjectError {
  return new ObjectError(`git answered object ${answered} when asked for ${asked.toLowerCase()}; refusing it`);
}

/** Git's ID of an object: the hash of `<type> <size>\0<content>`. */
function objectId(type: string, content: Uint8Array, algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  return createHash(algorithm).update(`${type} ${content.length}\0`, 'latin1').update(content).digest('hex');
}

export interface Commit {
  oid: string;
  tree: string;
  parents: string[];
  /** The armored `gpgsig` header value, if any. */
  signature?: string;
  /** The commit object without the `gpgsig` header: the bytes the signature covers. */
  signedData: Buffer;
}

/**
 * Parse a commit object. Like libgit2's commit_extract_signature, the signed data is the
 * object with the `gpgsig` header line and its continuation lines (starting with a space) removed.
 */
export function parseCommit(oid: string, raw: Buffer): Commit {
  let pos = 0;
  let tree = '';
  const parents: string[] = [];
  let signature: string | undefined;
  let sigStart = -1;
  let sigEnd = -1;
  while (pos < raw.length) {
    const nl = raw.indexOf(10, pos);
    const end = nl < 0 ? raw.length : nl;
    if (end === pos) break; // blank line: end of headers
    const line = raw.toString('latin1', pos, end);
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('gpgsig ') && sigStart < 0) {
      sigStart = pos;
      const parts = [raw.toString('utf8', pos + 7, end)];
      let q = end + 1;
      while (q < raw.length && raw[q] === 0x20) {
        const n2 = raw.indexOf(10, q);
        const e2 = n2 < 0 ? raw.length : n2;
        parts.push(raw.toString('utf8', q + 1, e2));
        q = e2 + 1;
      }
      sigEnd = Math.min(q, raw.length);
      signature = parts.join('\n');
      pos = sigEnd;
      continue;
    }
    pos = end + 1;
  }
  const signedData = sigStart < 0 ? raw : Buffer.concat([raw.subarray(0, sigStart), raw.subarray(sigEnd)]);
  return { oid, tree, parents, signature, signedData };
}

/** A repository opened through `git`. */
export class Repository {
  private batch?: CatFile;
  private check?: CatFile;

  private constructor(
    /** Absolute `.git` directory (for a worktree, its own git directory). */
    readonly gitDir: string,
    /** The directory shared by all worktrees (hooks live there). */
    readonly commonDir: string,
    /** Top of the working tree, or undefined for a bare repository. */
    readonly workTree: string | undefined,
  ) {}

  /** Open the repository containing `dir` (discovered upwards, as git does). */
  static async open(dir: string): Promise<Repository> {
    if (!existsSync(dir)) throw new GitError(`could not find repository at '${displayable(dir)}': no such directory`);
    if (!statSync(dir).isDirectory()) throw new GitError(`could not find repository at '${displayable(dir)}': it is a file, not a directory`);
    const r = await runGit(['rev-parse', '--absolute-git-dir', '--git-common-dir', '--is-bare-repository'], { cwd: dir });
    const [gitDir, common, bare] = r.stdout.toString('utf8').split('\n');
    let workTree: string | undefined;
    if (bare !== 'true') workTree = (await runGit(['rev-parse', '--show-toplevel'], { cwd: dir })).stdout.toString('utf8').trim();
    return new Repository(gitDir!, path.resolve(dir, common!), workTree);
  }

  get cwd(): string {
    return this.workTree ?? this.gitDir;
  }

  git(args: string[], options: Omit<GitRunOptions, 'cwd'> = {}): Promise<GitResult> {
    return runGit(args, { ...options, cwd: this.cwd });
  }

  /** Contents reader (started on first use). */
  get objects(): CatFile {
    return (this.batch ??= new CatFile(this.cwd, true));
  }

  /** Lookup-only reader (started on first use). */
  get lookups(): CatFile {
    return (this.check ??= new CatFile(this.cwd, false));
  }

  close(): void {
    this.batch?.close();
    this.check?.close();
  }

  /** Resolve `rev` to a commit ID (annotated tags peeled), or null when it names no commit. */
  async resolveCommit(rev: string): Promise<string | null> {
    const r = await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { okStatus: [1, 128] });
    if (r.status !== 0) return null;
    return r.stdout.toString('latin1').trim();
  }

  /** The content of the object `spec` names (an ID or `<rev>:<path>`); objectNotFound when none. */
  async readContent(spec: string): Promise<Buffer> {
    const o = await this.objects.get(spec);
    if (!o) throw objectNotFound(spec);
    return o.content!;
  }

  async readCommit(oid: string): Promise<Commit> {
    const o = await this.objects.get(oid);
    if (!o) throw objectNotFound(oid);
    if (o.type !== 'commit') throw new ObjectError(`object ${o.oid} is a ${o.type}, not a commit`);
    return parseCommit(o.oid, o.content!);
  }

  /** Why `commit` cannot be walked: a parent that is missing or not a commit; undefined if none. */
  async brokenParent(commit: Commit): Promise<ObjectError | undefined> {
    const found = await Promise.all(commit.parents.map((p) => (FULL_ID.test(p) ? this.lookups.get(p) : Promise.resolve(null))));
    for (let i = 0; i < found.length; i++) {
      const parent = excerpt(commit.parents[i]!);
      const o = found[i];
      if (!o) return new ObjectError(`commit ${commit.oid}: parent ${parent} is not in the repository`);
      if (o.type !== 'commit') return new ObjectError(`commit ${commit.oid}: parent ${parent} is a ${o.type}, not a commit`);
    }
    return undefined;
  }

  /**
   * The first broken link (see brokenParent) in the history of `from`, not looking past the
   * commits in `stop`; undefined when there is none. Used to say in words why git refused a walk.
   */
  async findBrokenParent(from: string, stop: Iterable<string> = []): Promise<ObjectError | undefined> {
    const seen = new Set(stop);
    let frontier = [from].filter((id) => !seen.has(id));
    while (frontier.length) {
      for (const id of frontier) seen.add(id);
      const commits = await Promise.all(frontier.map((id) => this.readCommit(id)));
      const next: string[] = [];
      for (const c of commits) {
        const broken = await this.brokenParent(c);
        if (broken) return broken;
        for (const p of c.parents) if (!seen.has(p)) { seen.add(p); next.push(p); }
      }
      frontier = next;
    }
    return undefined;
  }

  /** Why `rev` names no commit, in words: nothing by that name, another type of object, or a
   *  commit git refuses because of a broken parent. */
  async whyNotCommit(rev: string): Promise<KeytoolError> {
    const r = await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', rev], { okStatus: [1, 128] });
    const oid = r.stdout.toString('latin1').trim();
    // rev-parse passes a full ID through unchecked: only the lookup says it names nothing.
    const o = r.status === 0 && FULL_ID.test(oid) ? await this.lookups.get(oid) : null;
    if (!o) {
      if (await this.isEmpty()) return new GitError(`${objectNotFound(rev).message}: this repository has no commits yet; commit first, then name a commit`);
      return objectNotFound(rev);
    }
    if (o.type === 'commit') return (await this.brokenParent(await this.readCommit(oid))) ?? objectNotFound(rev);
    if (o.type !== 'tag') return new ObjectError(`${excerpt(rev)} names a ${o.type}, not a commit`);
    return objectNotFound(rev);
  }

  /** Whether the repository holds no commit at all: no ref names anything and HEAD is unborn
   *  (a fresh `git init`), so any revision a person names must fail. */
  async isEmpty(): Promise<boolean> {
    const head = await this.git(['rev-parse', '--verify', '--quiet', 'HEAD'], { okStatus: [1, 128] });
    if (head.status === 0) return false;
    const refs = await this.git(['for-each-ref', '--count=1', '--format=%(objectname)']);
    return refs.stdout.length === 0;
  }

  /** The short name of the checked-out branch, or undefined when HEAD is detached. */
  async currentBranch(): Promise<string | undefined> {
    const r = await this.git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { okStatus: [1, 128] });
    return r.status === 0 ? r.stdout.toString('utf8').trim() : undefined;
  }

  async config(name: string): Promise<string | undefined> {
    const r = await this.git(['config', '--get', '--end-of-options', name], { okStatus: [1] });
    return r.status === 0 ? r.stdout.toString('utf8').replace(/\n$/, '') : undefined;
  }

  async setConfig(name: string, value: string): Promise<void> {
    await this.git(['config', '--end-of-options', name, value]);
  }

  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const r = await this.git(['merge-base', '--is-ancestor', ancestor, descendant], { okStatus: [1] });
    return r.status === 0;
  }
}
