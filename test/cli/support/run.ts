// Runs the built `bin/keytool` as a user would, and makes scratch configuration directories.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TMP_ROOT } from '../../support/oracle.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../..');
/** The launcher under test: bin/keytool, or $KEYTOOL_BIN (a private build, e.g. while others rebuild dist/). */
export const KEYTOOL = process.env.KEYTOOL_BIN || path.join(REPO, 'bin/keytool');
export const EXAMPLE = path.join(REPO, 'keys-example');

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes (Latin-1 signature texts). */
  out: Buffer;
}

export interface RunOptions {
  input?: string | Uint8Array;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run as this user (tests run as root can drop to `nobody`). */
  uid?: number;
  gid?: number;
}

function baseEnv(extra: RunOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

export function assertBuilt(): void {
  if (!existsSync(path.join(path.dirname(KEYTOOL), '../dist/cli/keytool.mjs'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) before these tests');
}

export function keytool(args: string[], options: RunOptions = {}): Result {
  const r = spawnSync(KEYTOOL, args, {
    input: options.input ?? '',
    env: baseEnv(options.env),
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
    maxBuffer: 16 << 20,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), out: r.stdout };
}

export function keytoolAsync(args: string[], options: RunOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(KEYTOOL, args, { env: baseEnv(options.env), cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const o = Buffer.concat(out);
      resolve({ status: code ?? -1, stdout: o.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), out: o });
    });
    child.stdin.end(options.input ?? '');
  });
}

let scratchRoot: string | undefined;
/** A new empty directory under test/.tmp (world-traversable, for tests that drop privileges). */
export function scratch(name: string): string {
  if (!scratchRoot) {
    mkdirSync(TMP_ROOT, { recursive: true });
    scratchRoot = mkdtempSync(path.join(TMP_ROOT, 'cli-'));
    chmodSync(scratchRoot, 0o755);
  }
  const dir = mkdtempSync(path.join(scratchRoot, `${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** A configuration directory holding a copy of keys-example. */
export function exampleConfig(name = 'cfg', withAcl = true): string {
  const dir = scratch(name);
  cpSync(EXAMPLE, dir, { recursive: true });
  if (!withAcl) spawnSync('rm', ['-f', path.join(dir, 'acl')]);
  return dir;
}

/** Every file under `dir` with its bytes and mode: to check that nothing changed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = path.join(d, f);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else {
        let bytes: string;
        try {
          bytes = readFileSync(p).toString('hex');
        } catch {
          bytes = '(unreadable)'; // a file a permission test made unreadable
        }
        out[path.relative(dir, p)] = `${(st.mode & 0o7777).toString(8)} ${bytes}`;
      }
    }
  };
  walk(dir);
  return out;
}

export const isRoot = process.getuid?.() === 0;
export const NOBODY = 65534;

/**
 * Tests of permission errors run keytool as `nobody`; that needs root, and a checkout that
 * `nobody` can reach (a clone under /root cannot be), else those tests are skipped.
 */
export const canRunAsNobody = ((): boolean => {
  if (!isRoot) return false;
  for (let d = REPO; ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
})();

/** Permission tests: as `nobody` when root (root ignores modes), else as the current user. */
export const permissionTestsRun = !isRoot || canRunAsNobody;
export const unprivileged: Pick<RunOptions, 'uid' | 'gid'> = isRoot ? { uid: NOBODY, gid: NOBODY } : {};
