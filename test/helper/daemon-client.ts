// A stand-in for guix-daemon's side of the `authenticate` protocol, for end-to-end tests: it
// starts the helper as the daemon does (pipes, working directory `/`, stderr dup'ed onto the reply
// pipe) and talks to it in lock-step, reading replies the way the daemon's reply reader does:
// digits, one separator byte, digits, one separator byte, then LEN bytes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TMP_ROOT } from '../support/oracle.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const BUILT = ['dist/cli/keytool.mjs', 'dist/helper.cjs', 'dist/helper-snapshot.cjs', 'dist/helper.blob', 'dist/helper.blob.node'];
const complete = (root: string): boolean => BUILT.every((f) => existsSync(path.join(root, f)));
const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let privateRoot: string | undefined;

/**
 * A private copy of bin/ and the built dist/, taken once per test file: the end-to-end tests run
 * the helper from it, so that a rebuild of dist/ meanwhile (scripts/build.mjs starts by deleting
 * it) cannot pull files from under a running session.
 */
export function builtRoot(): string {
  if (privateRoot) return privateRoot;
  for (let attempt = 0; attempt < 120; attempt++, sleep(1000)) {
    if (!complete(ROOT)) continue;
    const stamp = statSync(path.join(ROOT, 'dist/helper.blob.node')).mtimeMs;
    mkdirSync(TMP_ROOT, { recursive: true });
    const dir = mkdtempSync(path.join(TMP_ROOT, 'root-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    try {
      cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
      cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
    } catch {
      continue; // a rebuild started while copying
    }
    if (complete(dir) && complete(ROOT) && statSync(path.join(ROOT, 'dist/helper.blob.node')).mtimeMs === stamp) return (privateRoot = dir);
  }
  throw new Error("dist/ is not built: run 'node scripts/build.mjs' (npm test builds first)");
}

/** bin/keytool of the private copy. */
export const keytoolBin = (): string => path.join(builtRoot(), 'bin', 'keytool');

export interface Reply {
  code: number;
  payload: Buffer;
}

/** How to start the helper: through the snapshot (bin/keytool's default) or the plain bundle. */
export type Launch = 'snapshot' | 'bundle';

/** Fails clearly when the build is missing (and takes the private copy). */
export function assertBuilt(): void {
  builtRoot();
}

export class MalformedReply extends Error {}

export class DaemonClient {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private ended = false;
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    child.stdout.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.exited = new Promise((resolve) => child.on('close', (status) => resolve(status)));
    child.stdin.on('error', () => {
      /* the helper may exit before reading everything (a fatal request): not the test's concern */
    });
  }

  /** Talk to a helper already started (e.g. in the real-Guix root), stdin and stdout piped. */
  static attach(child: ChildProcessWithoutNullStreams): DaemonClient {
    return new DaemonClient(child);
  }

  /** Start `bin/keytool authenticate` as the daemon does. */
  static start(options: { configDir: string; launch?: Launch; env?: NodeJS.ProcessEnv; args?: string[] }): DaemonClient {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, GUIX_CONFIGURATION_DIRECTORY: options.configDir, ...options.env };
    if (options.launch === 'bundle') env.KEYTOOL_NODE = process.execPath;
    // `2>&1`: stderr is the reply pipe, so a stray byte on stderr breaks the replies.
    const child = spawn('/bin/sh', ['-c', 'exec "$0" authenticate "$@" 2>&1', keytoolBin(), ...(options.args ?? [])], {
      cwd: '/',
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // a new session, as the daemon does
    });
    return new DaemonClient(child);
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  private async need(n: number): Promise<boolean> {
    while (this.buffer.length < n) {
      if (this.ended) return false;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    return true;
  }

  /** Read one reply exactly as readAuthenticateReply does, but strictly: code, ' ', len, ':'. */
  async readReply(): Promise<Reply> {
    let pos = 0;
    const digits = async (what: string, sep: number): Promise<number> => {
      let text = '';
      for (;;) {
        if (!(await this.need(pos + 1))) throw new MalformedReply(`end of output while reading the reply's ${what} (after ${JSON.stringify(this.buffer.toString('latin1'))})`);
        const b = this.buffer[pos++]!;
        if (b >= 0x30 && b <= 0x39 && text.length < 12) text += String.fromCharCode(b);
        else if (text.length > 0 && b === sep) return Number(text);
        else throw new MalformedReply(`bad byte 0x${b.toString(16)} in the reply's ${what}: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`);
      }
    };
    const code = await digits('code', 0x20);
    const len = await digits('length', 0x3a);
    if (![0, 404, 500].includes(code)) throw new MalformedReply(`unexpected code ${code}`);
    if (!(await this.need(pos + len))) throw new MalformedReply(`end of output inside a ${len}-byte payload`);
    const payload = Buffer.from(this.buffer.subarray(pos, pos + len));
    this.buffer = this.buffer.subarray(pos + len);
    return { code, payload };
  }

  /** Lock-step: write one request, read one reply. */
  async request(bytes: Uint8Array | string): Promise<Reply> {
    this.child.stdin.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    return this.readReply();
  }

  write(bytes: Uint8Array | string): void {
    this.child.stdin.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Close the request pipe; the exit status and whatever the helper wrote after the last reply. */
  async end(): Promise<{ status: number | null; rest: Buffer }> {
    this.child.stdin.end();
    const status = await this.exited;
    await this.need(Number.MAX_SAFE_INTEGER).catch(() => false);
    return { status, rest: this.buffer };
  }

  kill(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** `LEN:BYTES` for one argument (bytes as Latin-1). */
export const arg = (value: string | Uint8Array): Buffer => {
  const b = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
  return Buffer.concat([Buffer.from(`${b.length}:`), b]);
};

/** A whole request line. */
export const requestBytes = (command: string, ...args: (string | Uint8Array)[]): Buffer =>
  Buffer.concat([Buffer.from(command, 'latin1'), ...args.flatMap((a) => [Buffer.from(' '), arg(a)]), Buffer.from('\n')]);
