// Reading a Git repository through the `git` program: one long-lived `git cat-file --batch`
// (contents) and one `--batch-check` (object lookups) per repository, requests pipelined, and
// plain `git` runs for the rest. Arguments go straight to execve (no shell) and every revision
// given by a user is resolved with `rev-parse --verify --end-of-options`, so a ref name can
// never become an option or a command.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KeytoolError } from '../errors.js';

/** A failure reported by git; shown as `Git error: <message>` like Guix's libgit2 errors. */
export class GitError extends KeytoolError {}

/** libgit2's message for a revision or object ID that names nothing. */
export function objectNotFound(id: string): GitError {
  return new GitError(`object not found - no match for id (${id})`);
}

export interface GitRunOptions {
  cwd: string;
  input?: string | Uint8Array;
  /** Exit statuses that are answers rather than failures (e.g. 1 for `merge-base --is-ancestor`). */
  okStatus?: number[];
}

export interface GitResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** Run `git args...` (no shell) and collect its output; a non-zero status throws GitError. */
export function runGit(args: string[], options: GitRunOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd: options.cwd, encoding: 'buffer', maxBuffer: 1 << 30, env: gitEnv() }, (error, stdout, stderr) => {
      const status = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      const err = Buffer.from(stderr).toString('utf8');
      if (status !== 0 && !(options.okStatus ?? []).includes(status)) {
        const first = err.split('\n').find((l) => l.trim()) ?? (error as Error).message;
        reject(new GitError(first.replace(/^(fatal|error): /, '')));
        return;
      }
      resolve({ status, stdout: Buffer.from(stdout), stderr: err });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

function gitEnv(): NodeJS.ProcessEnv {
  // Never let git prompt, page or translate: we parse its output.
  return { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C', LANGUAGE: '' };
}

export interface GitObject {
  oid: string;
  type: string;
  size: number;
  /** Absent for `--batch-check`. */
  content?: Buffer;
}

type Pending = { resolve: (o: GitObject | null) => void; reject: (e: Error) => void };

/**
 * A `git cat-file --batch` or `--batch-check` process. Requests are written as they come and
 * answered in order, so many can be in flight at once.
 */
export class CatFile {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private failed: Error | undefined;
  private stderr = '';

  constructor(cwd: string, private readonly withContent: boolean) {
    this.child = spawn('git', ['cat-file', withContent ? '--batch' : '--batch-check'], { cwd, env: gitEnv(), stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => { this.stderr += chunk.toString('utf8'); });
    this.child.on('error', (e) => this.fail(new GitError(`cannot run git: ${e.message}`)));
    this.child.on('close', (code) => {
      if (this.pending.length) this.fail(new GitError(this.stderr.trim() || `git cat-file exited with status ${code}`));
    });
    this.child.stdin.on('error', () => { /* reported through 'close' */ });
  }

  /** Look up `spec` (an object ID or `<rev>:<path>`); null when missing. */
  get(spec: string): Promise<GitObject | null> {
    if (this.failed) return Promise.reject(this.failed);
    if (/[\n\r]/.test(spec)) return Promise.reject(new GitError(`invalid object name: ${JSON.stringify(spec)}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
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
    for (const p of this.pending.splice(0)) p.reject(e);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      const nl = this.buf.indexOf(10, pos);
      if (nl < 0) break;
      const header = this.buf.toString('latin1', pos, nl);
      const p = this.pending[0];
      if (!p) { this.fail(new GitError(`unexpected output from git cat-file: ${header}`)); return; }
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.pending.shift();
        p.resolve(null);
        pos = nl + 1;
        continue;
      }
      const m = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(header);
      if (!m) { this.fail(new GitError(`unexpected output from git cat-file: ${header}`)); return; }
      const size = Number(m[3]);
      if (this.withContent) {
        if (this.buf.length < nl + 1 + size + 1) break; // wait for the rest of the object
        const content = this.buf.subarray(nl + 1, nl + 1 + size);
        pos = nl + 1 + size + 1;
        this.pending.shift();
        p.resolve({ oid: m[1]!, type: m[2]!, size, content });
      } else {
        pos = nl + 1;
        this.pending.shift();
        p.resolve({ oid: m[1]!, type: m[2]!, size });
      }
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }
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
    if (!existsSync(dir)) throw new GitError(`could not find repository at '${dir}'`);
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

  async readCommit(oid: string): Promise<Commit> {
    const o = await this.objects.get(oid);
    if (!o || o.type !== 'commit') throw objectNotFound(oid);
    return parseCommit(o.oid, o.content!);
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
