// guix-daemon processes in the real-Guix root, and what they work on.
//
// One store at a time: Guix's tools only know /gnu/store, so the root's /gnu/store and the
// daemon's database in /var/guix form the store, and freshStore() empties both. Any number of
// daemons may serve it at once — as the workers of one daemon do — each with its own socket,
// its own configuration directory (key pair and ACL: GUIX_CONFIGURATION_DIRECTORY), its own
// helper (the real `guix authenticate` or ours through keytool-guix) and its own user.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startInRoot } from './process.js';
import { inRoot, keytoolArgv, keytoolGuix, mustRun, onHost, type RunOptions, type RunResult, type User } from './root.js';

/** Where tests keep their files inside the root. */
export const WORK = '/tmp/real-guix';

const ids = new Map<User, { uid: number; gid: number }>();

/** A user's uid and gid inside the root. */
export async function userIds(user: User): Promise<{ uid: number; gid: number }> {
  const known = ids.get(user);
  if (known) return known;
  const out = (await mustRun(['id', '-u', user])).stdout.toString().trim();
  const gid = (await mustRun(['id', '-g', user])).stdout.toString().trim();
  const found = { uid: Number(out), gid: Number(gid) };
  ids.set(user, found);
  return found;
}

/** chown -R on a path inside the root. */
async function chownInRoot(pathInRoot: string, user: User): Promise<void> {
  await mustRun(['chown', '-R', `${user}:${user}`, pathInRoot]);
}

/**
 * An empty store owned by `owner` (the daemon's user: Debian runs it as guix-daemon): deletes
 * every item of /gnu/store and the database, as if Guix had just been installed. Stop the
 * daemons of the previous store first.
 */
export async function freshStore(owner: User = 'root'): Promise<void> {
  // Store items are read-only directories: make them writable before deleting.
  await mustRun(['sh', '-c', 'chmod -R u+w /gnu/store /var/guix 2>/dev/null; rm -rf /gnu/store /var/guix; mkdir -p /gnu/store /var/guix']);
  await chownInRoot('/gnu/store', owner);
  await chownInRoot('/var/guix', owner);
}

export type KeyMaker = 'guix' | 'keytool';

export interface ConfigDir {
  /** Inside the root: GUIX_CONFIGURATION_DIRECTORY for daemons and clients. */
  dir: string;
  /** Who owns it (and so the key pair): the daemon's user. */
  owner: User;
}

/**
 * A configuration directory WORK/config/NAME (emptied first) with a fresh key pair made by real
 * Guix (`guix archive --generate-key[=PARAMETERS]`) or by us (`keytool generate [--parameters]`),
 * owned by `owner`. Its ACL is created on demand by whoever needs it first, as in Guix.
 */
export async function makeConfigDir(name: string, options: { keys?: KeyMaker; parameters?: string; owner?: User } = {}): Promise<ConfigDir> {
  const dir = `${WORK}/config/${name}`;
  rmSync(onHost(dir), { recursive: true, force: true });
  mkdirSync(onHost(dir), { recursive: true });
  const env = { GUIX_CONFIGURATION_DIRECTORY: dir };
  if (options.keys === 'keytool') {
    await mustRun(keytoolArgv('generate', ...(options.parameters ? ['--parameters', options.parameters] : [])), { env });
  } else if (options.keys === 'guix') {
    await mustRun(['guix', 'archive', options.parameters ? `--generate-key=${options.parameters}` : '--generate-key'], { env });
  }
  const owner = options.owner ?? 'root';
  await chownInRoot(dir, owner);
  return { dir, owner };
}

/** Authorize each of `keys`' public key in `acl`'s ACL, as real Guix does (`guix archive --authorize`). */
export async function authorize(acl: ConfigDir, keys: readonly ConfigDir[]): Promise<void> {
  for (const key of keys) {
    await mustRun(['guix', 'archive', '--authorize'], { env: { GUIX_CONFIGURATION_DIRECTORY: acl.dir }, input: readFileSync(onHost(`${key.dir}/signing-key.pub`)) });
  }
}

/** Write a file inside the root (parents made), world-readable. */
export function writeInRoot(pathInRoot: string, data: string | Buffer, mode = 0o644): void {
  mkdirSync(path.dirname(onHost(pathInRoot)), { recursive: true });
  writeFileSync(onHost(pathInRoot), data);
  chmodSync(onHost(pathInRoot), mode);
}

export type Helper = 'real' | 'ours';

export interface DaemonOptions {
  /** Names the socket: WORK/daemon/NAME.socket. */
  name: string;
  config: ConfigDir;
  /** The real `guix authenticate`, or ours: GUIX=keytool-guix (KEYTOOL_REAL_GUIX=/usr/bin/guix). */
  helper: Helper;
  /** Who runs the daemon (default root); Debian's guix-daemon.service uses guix-daemon. */
  user?: User;
  /** More environment for the daemon (and so its helpers), e.g. KEYTOOL_AUTHENTICATE_LOG. */
  env?: Record<string, string>;
}

export interface Daemon {
  readonly options: DaemonOptions;
  readonly socket: string;
  readonly pid: number;
  /** Run a guix client against this daemon (as root, with the daemon's configuration directory). */
  guix(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Its output so far (stderr and stdout). */
  output(): string;
  stop(): Promise<void>;
}

/** Start `guix-daemon --disable-chroot --listen=SOCKET` and wait until it accepts connections. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const user = options.user ?? 'root';
  const socket = `${WORK}/daemon/${options.name}.socket`;
  mkdirSync(onHost(`${WORK}/daemon`), { recursive: true });
  chmodSync(onHost(`${WORK}/daemon`), 0o1777);
  rmSync(onHost(socket), { force: true });
  const env: Record<string, string> = { GUIX_CONFIGURATION_DIRECTORY: options.config.dir, ...options.env };
  if (options.helper === 'ours') Object.assign(env, { GUIX: keytoolGuix(), KEYTOOL_REAL_GUIX: '/usr/bin/guix' });
  // As guix-daemon.service: an unprivileged daemon keeps CAP_CHOWN (AmbientCapabilities=CAP_CHOWN).
  const daemon = startInRoot(['guix-daemon', '--disable-chroot', `--listen=${socket}`], { env, user, capabilities: ['chown'] });
  const deadline = Date.now() + 20_000;
  while (!existsSync(onHost(socket))) {
    if (daemon.exited() || Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`guix-daemon (${options.name}, as ${user}) did not start listening on ${socket}:\n${daemon.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    options,
    socket,
    pid: daemon.pid,
    guix: (guixArgs, runOptions = {}) =>
      inRoot(['guix', ...guixArgs], {
        ...runOptions,
        env: { GUIX_DAEMON_SOCKET: socket, GUIX_CONFIGURATION_DIRECTORY: options.config.dir, ...runOptions.env },
      }),
    output: daemon.output,
    stop: daemon.stop,
  };
}

/** Stop daemons, ignoring those already gone. */
export async function stopAll(daemons: readonly (Daemon | undefined)[]): Promise<void> {
  await Promise.all(daemons.map((d) => d?.stop()));
}

/** Empty a directory inside the root (made if missing), owned by `owner`. */
export function emptyDir(pathInRoot: string, owner?: { uid: number; gid: number }): string {
  const dir = onHost(pathInRoot);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return pathInRoot;
}
