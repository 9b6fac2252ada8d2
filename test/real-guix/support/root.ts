// The Debian sid root with real GNU Guix that test/real-guix/setup.sh prepares, and running
// programs in it. Tests run on the host, as root; every Guix program (and our keytool, through
// the checkout bind-mounted read-only at /opt/guix-keytool) runs chrooted, with a clean
// environment. Paths written `inRoot` are as seen inside the root; `onHost()` maps them out.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export interface RealGuix {
  /** The root on the host, e.g. /var/cache/guix-keytool/root. */
  root: string;
  /** The checkout inside the root (read-only): /opt/guix-keytool. */
  checkout: string;
  /** Guix's version in the root (1.5.0). */
  version: string;
  /** Host file of PIDs setup.sh stops at the end (processes we start that outlive a call). */
  pidsFile: string;
}

let cached: RealGuix | undefined;

/**
 * The prepared root, or a clear failure: this tier never skips. It must be run through
 * setup.sh (`npm run test:guix`), which builds the root and mounts what it needs.
 */
export function realGuix(): RealGuix {
  if (cached) return cached;
  const { GUIX_KEYTOOL_ROOT: root, GUIX_KEYTOOL_CHECKOUT: checkout, GUIX_KEYTOOL_PIDS: pidsFile, GUIX_KEYTOOL_GUIX_VERSION: version } = process.env;
  if (!root || !checkout || !pidsFile || !version) {
    throw new Error(
      'the real-Guix tier needs the root that test/real-guix/setup.sh prepares: run `npm run test:guix` as root ' +
        '(it builds a Debian sid root with guix, about 1.2 GB, and mounts it), not vitest directly',
    );
  }
  for (const needed of ['usr/bin/guix', 'usr/bin/guix-daemon', `${checkout.slice(1)}/bin/keytool`, `${checkout.slice(1)}/dist/helper.cjs`]) {
    if (!existsSync(path.join(root, needed))) {
      throw new Error(`the real-Guix root ${root} is not usable: /${needed} is missing in it (run \`npm run build\`, then \`npm run test:guix\`)`);
    }
  }
  cached = { root, checkout, version, pidsFile };
  return cached;
}

/** A path inside the root, as the host sees it. */
export function onHost(pathInRoot: string): string {
  return path.join(realGuix().root, pathInRoot);
}

/** Record a PID for setup.sh to stop at the end, whatever happens to this test process. */
export function trackPid(pid: number): void {
  appendFileSync(realGuix().pidsFile, `${pid}\n`);
}

export type User = 'root' | 'guix-daemon';

export interface RunOptions {
  /** Variables added to the clean environment (PATH, HOME, LC_ALL are set). */
  env?: Record<string, string | undefined>;
  input?: Buffer | string;
  /** Who runs it (default root). */
  user?: User;
  /** Ambient capabilities for a user other than root, e.g. ['chown'] as guix-daemon.service grants. */
  capabilities?: string[];
  /** Working directory inside the root (default /). */
  cwd?: string;
  timeoutMs?: number;
}

export interface RunResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** The argv that runs `argv` chrooted into the root as `user`, with a clean environment. */
export function chrootArgv(argv: readonly string[], options: Pick<RunOptions, 'env' | 'user' | 'cwd' | 'capabilities'> = {}): string[] {
  const { root } = realGuix();
  const vars: Record<string, string | undefined> = {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME: options.user === 'guix-daemon' ? '/var/empty' : '/root',
    LC_ALL: 'C.UTF-8',
    ...options.env,
  };
  const assignments = Object.entries(vars)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  const cd = options.cwd ? ['-C', options.cwd] : [];
  if (!options.user || options.user === 'root') return ['chroot', root, '/usr/bin/env', '-i', ...cd, ...assignments, ...argv];
  const caps = (options.capabilities ?? []).map((c) => `+${c}`).join(',');
  const setpriv = ['/usr/bin/setpriv', `--reuid=${options.user}`, `--regid=${options.user}`, '--init-groups', ...(caps ? [`--inh-caps=${caps}`, `--ambient-caps=${caps}`] : [])];
  return ['chroot', root, ...setpriv, '/usr/bin/env', '-i', ...cd, ...assignments, ...argv];
}

/** Run a program inside the root; never throws for a non-zero status (tests compare it). */
export function inRoot(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = chrootArgv(argv, options);
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Like inRoot, but a non-zero status is an error that shows the command and its stderr. */
export async function mustRun(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await inRoot(argv, options);
  if (result.status !== 0) {
    throw new Error(`in the real-Guix root, \`${argv.join(' ')}\` exited ${result.status}:\n${result.stderr}`);
  }
  return result;
}

/** Our keytool, from the read-only checkout inside the root. */
export function keytoolArgv(...args: string[]): string[] {
  return [`${realGuix().checkout}/bin/keytool`, ...args];
}

/** Our dispatcher, for a daemon's GUIX. */
export function keytoolGuix(): string {
  return `${realGuix().checkout}/bin/keytool-guix`;
}
