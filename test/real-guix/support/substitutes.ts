// Substitute servers on 127.0.0.1 and the real substituter's view of them: the real `guix
// publish` over the root's store, tiny HTTP servers of our own (narinfos from a map, a static
// mirror's files), `guix substitute --query` (what guix-daemon runs to ask which items a server
// has, with its ACL) and `guix substitute --substitute` (what it runs to download one).
import { createServer, type RequestListener } from 'node:http';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freshStore, makeConfigDir, startDaemon, WORK, type ConfigDir, type Daemon } from './daemon.js';
import { addSampleItems, type SampleItems } from './items.js';
import { startInRoot } from './process.js';
import { inRoot, onHost, realGuix } from './root.js';

/** A port free on 127.0.0.1 now (the root shares the host's network). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What `guix publish` serves in a test: a fresh store's sample items, and the key pair it signs with. */
export interface PublishedStore {
  /** Its key pair, made by real Guix; the daemon's configuration directory. */
  publisher: ConfigDir;
  /** The store's daemon (with the real helper), for startPublish. */
  daemon: Daemon;
  items: SampleItems;
}

/**
 * A fresh store holding the sample items (tagged `name`), through a daemon named `name` whose
 * configuration directory NAME-publish has a key pair made by real Guix. Stop the daemon when done.
 */
export async function publishedStore(name: string): Promise<PublishedStore> {
  await freshStore('root');
  const publisher = await makeConfigDir(`${name}-publish`, { keys: 'guix' });
  const daemon = await startDaemon({ name, config: publisher, helper: 'real' });
  try {
    return { publisher, daemon, items: await addSampleItems(daemon, name) };
  } catch (error) {
    await daemon.stop();
    throw error;
  }
}

export interface Publish {
  url: string;
  /** GET a path of the server: status and body. */
  get(urlPath: string): Promise<{ status: number; body: Buffer }>;
  stop(): Promise<void>;
}

/**
 * `guix publish --listen=127.0.0.1` on a free port, for `daemon`'s store, signing with `config`'s
 * key pair, with a `-C` for each of `compressions` (e.g. `0` for none, `gzip`, `lzip:9`): a
 * narinfo then has one URL, Compression and FileSize group per method. Waits until it answers.
 */
export async function startPublish(daemon: Daemon, config: ConfigDir, compressions: readonly string[], options: { cache?: string } = {}): Promise<Publish> {
  const port = await freePort();
  const argv = [
    'guix', 'publish', '--listen=127.0.0.1', `--port=${port}`, ...compressions.map((c) => `--compression=${c}`),
    ...(options.cache ? [`--cache=${options.cache}`] : []),
    `--public-key=${config.dir}/signing-key.pub`, `--private-key=${config.dir}/signing-key.sec`,
  ];
  const server = startInRoot(argv, { env: { GUIX_DAEMON_SOCKET: daemon.socket } });
  const url = `http://127.0.0.1:${port}`;
  const get = async (urlPath: string) => {
    const response = await fetch(url + urlPath);
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exited() || Date.now() > deadline) {
      await server.stop();
      throw new Error(`guix publish -C ${compressions.join(' -C ')} did not start on ${url}:\n${server.output()}`);
    }
    try {
      if ((await get('/nix-cache-info')).status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    get,
    stop: server.stop,
  };
}

export interface NarinfoServer {
  url: string;
  /** What it serves: `/HASH.narinfo` → text (anything else: 404). */
  narinfos: Map<string, string>;
  close(): Promise<void>;
}

/** What our own substitute servers answer for /nix-cache-info. */
const CACHE_INFO = 'StoreDir: /gnu/store\nWantMassQuery: 0\nPriority: 100\n';

/** An HTTP server of ours on a free port of 127.0.0.1. */
async function serveLocally(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A static mirror on 127.0.0.1: /nix-cache-info, and the files under `dir` (in the root) with their length. */
export function serveDirectory(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const top = onHost(dir);
  return serveLocally((request, response) => {
    if (request.url === '/nix-cache-info') return void response.writeHead(200).end(CACHE_INFO);
    const file = path.join(top, decodeURIComponent((request.url ?? '/').split('?')[0]!));
    if (!file.startsWith(`${top}/`) || !statSync(file, { throwIfNoEntry: false })?.isFile()) return void response.writeHead(404).end('not found\n');
    const body = readFileSync(file);
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
}

/** A substitute server of our own on 127.0.0.1: /nix-cache-info and the narinfos in its map. */
export async function serveNarinfos(): Promise<NarinfoServer> {
  const narinfos = new Map<string, string>();
  const server = await serveLocally((request, response) => {
    const body = request.url === '/nix-cache-info' ? CACHE_INFO : narinfos.get(request.url ?? '');
    if (body === undefined) response.writeHead(404).end('not found\n');
    else response.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  return { ...server, narinfos };
}

/** The real substituter's verdict on one path: taken, refused, or it exited (with its message). */
export type SubstituterVerdict = 'valid' | 'refused' | `exited: ${string}`;

/** What the real substituter did when asked to substitute a path: its reply, or it exited (with its message). */
export type SubstitutionResult = 'success' | 'hash-mismatch' | `exited: ${string}`;

/** The last error line of a Guix program's stderr (progress bars and GC warnings left out). */
function lastError(stderr: string, status: number): string {
  const lines = stderr.split(/[\r\n\x1b]/).map((l) => l.trim()).filter((l) => l && !l.startsWith('[Klooking') && !l.startsWith('GC Warning'));
  const message = lines.filter((l) => l.includes('error:')).pop() ?? lines.pop() ?? `status ${status}`;
  return message.replace(/^.*?error: /, '').slice(0, 120);
}

/**
 * Run `guix substitute MODE` (as guix-daemon does: the substitute URL and `config`'s ACL, a fresh
 * cache under WORK since it remembers lookups, replies on file descriptor 4, here its stdout) with
 * one command line per path, and read one reply per path with `reply`. A path that makes it exit
 * is `exited: MESSAGE`, and a new substituter takes the rest.
 */
async function askEach<T extends string>(
  mode: '--query' | '--substitute',
  url: string,
  config: ConfigDir,
  paths: readonly string[],
  command: (path: string, scratch: string, i: number) => string,
  replies: (stdout: string, asked: readonly string[]) => T[],
): Promise<Map<string, T | `exited: ${string}`>> {
  const results = new Map<string, T | `exited: ${string}`>();
  let rest = [...paths];
  while (rest.length > 0) {
    const scratch = `/${path.relative(realGuix().root, mkdtempSync(onHost(`${WORK}/substitute-`)))}`;
    const result = await inRoot(['sh', '-c', `exec guix substitute ${mode} 4>&1`], {
      env: { GUIX_CONFIGURATION_DIRECTORY: config.dir, XDG_CACHE_HOME: `${scratch}/cache`, _NIX_OPTIONS: `substitute-urls=${url}\n` },
      input: rest.map((p, i) => `${command(p, scratch, i)}\n`).join(''),
    });
    const answered = replies(result.stdout.toString(), rest);
    answered.forEach((reply, i) => results.set(rest[i]!, reply));
    if (result.status === 0 && answered.length === rest.length) break;
    const dying = rest[answered.length];
    if (dying === undefined) throw new Error(`guix substitute ${mode} exited ${result.status} after answering everything:\n${result.stderr}`);
    results.set(dying, `exited: ${lastError(result.stderr, result.status)}`);
    rest = rest.slice(answered.length + 1);
  }
  return results;
}

/**
 * What the real substituter makes of each of `paths` on `url`, as guix-daemon asks it (`guix
 * substitute --query`, one `have PATH` query each), checking narinfo signatures against
 * `config`'s ACL. Some narinfos make it exit (a Signature field it cannot parse): that path is
 * `exited: MESSAGE`.
 */
export function substituterVerdicts(url: string, config: ConfigDir, paths: readonly string[]): Promise<Map<string, SubstituterVerdict>> {
  // One reply per query: the paths it has, then an empty line.
  return askEach('--query', url, config, paths, (p) => `have ${p}`, (stdout, asked) =>
    stdout.split(/^\n/m).slice(0, -1).map((reply, i) => (reply.split('\n').includes(asked[i]!) ? 'valid' : 'refused')),
  );
}

/**
 * A real substitution of each of `paths` from `url`, as guix-daemon asks for one (`guix substitute
 * --substitute`, one `substitute PATH DESTINATION` command each, the narinfo checked against
 * `config`'s ACL): the substituter downloads the nar, decompresses it, restores it under WORK and
 * replies `success` or `hash-mismatch` by the hash it computed. A path that makes it exit (no
 * narinfo, an unauthorized one) is `exited: MESSAGE`.
 */
export function substitutions(url: string, config: ConfigDir, paths: readonly string[]): Promise<Map<string, SubstitutionResult>> {
  // One reply line each: `success HASH SIZE` or `hash-mismatch ALGO EXPECTED ACTUAL`.
  return askEach('--substitute', url, config, paths, (p, scratch, i) => `substitute ${p} ${scratch}/item-${i}`, (stdout) =>
    stdout.split('\n').filter(Boolean).map((reply): SubstitutionResult => (reply.startsWith('success ') ? 'success' : reply.startsWith('hash-mismatch ') ? 'hash-mismatch' : `exited: unexpected reply ${reply.slice(0, 80)}`)),
  );
}
