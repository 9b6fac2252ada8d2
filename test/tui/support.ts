// Shared by the editor's tests: temporary configuration directories (copies of keys-example),
// and waiting for ink to draw (never a timing assertion: only "until this shows up").
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configPaths, type ConfigPaths } from '../../src/config.js';

export const EXAMPLE = path.resolve(__dirname, '../../keys-example');
export const ROOT = path.resolve(__dirname, '../..');

let root: string | undefined;
let n = 0;

/**
 * A fresh directory for this test file, under the system's temporary directory rather than the
 * checkout: screens show these paths, and a short one keeps messages from wrapping differently
 * depending on where the project was cloned.
 */
export function scratch(prefix = 'kt-tui-'): string {
  if (!root) root = mkdtempSync(path.join(tmpdir(), prefix));
  const dir = path.join(root, `d${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function cleanScratch(): void {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

/**
 * A configuration directory holding a copy of keys-example: ACL = bordeaux, ci, this machine's
 * key; signing-key.pub/.sec; p256/ and rsa/ hold other key pairs to add.
 */
export function freshConfig(options: { acl?: boolean; keyPair?: boolean } = {}): ConfigPaths {
  const dir = path.join(scratch(), 'guix');
  cpSync(EXAMPLE, dir, { recursive: true });
  const paths = configPaths(dir);
  if (options.acl === false) rmSync(paths.acl);
  if (options.keyPair === false) {
    rmSync(paths.publicKey);
    rmSync(paths.secretKey);
  }
  return paths;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` passes (it throws or returns false until then); fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T, what = 'condition', timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = check();
      if (v !== false) return v;
      last = new Error(`${what}: not yet`);
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw last instanceof Error ? new Error(`timed out waiting for ${what}: ${last.message}`) : last;
    await sleep(10);
  }
}
