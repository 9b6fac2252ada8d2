// A reader that closes early (`keytool sign --help | head -c 10`): every command, and the helper's
// modes for a person, end quietly with 141 (128 + SIGPIPE, what a shell reports for git or
// coreutils killed by the closed pipe), never node's stack trace for an unhandled EPIPE.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TMP_ROOT } from '../support/oracle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const keytool = path.join(root, 'bin', 'keytool');
const dir = path.join(TMP_ROOT, `broken-pipe-${process.pid}`);

/** Run keytool with stdout into a pipe whose reader exits at once (`true`, which reads nothing:
 *  node needs far longer to start than `true` to end); its status and what it wrote on stderr. */
function intoClosedPipe(args: string[]): { status: number; stderr: string } {
  const r = spawnSync('bash', ['-c', '"$@" 2>"$ERRFILE" | true; echo "${PIPESTATUS[0]}"', 'bash', keytool, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ERRFILE: path.join(dir, 'stderr'), NO_COLOR: '1' },
  });
  return { status: Number(r.stdout.trim()), stderr: spawnSync('cat', [path.join(dir, 'stderr')], { encoding: 'utf8' }).stdout };
}

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'keytool.mjs'))) spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  mkdirSync(path.join(dir, 'tree'), { recursive: true });
  for (let i = 0; i < 50; i++) writeFileSync(path.join(dir, 'tree', `f${i}`), Buffer.alloc(8192, i));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writing to a pipe whose reader has gone', () => {
  it.each([
    ['a command\'s help', ['sign', '--help']],
    ['a group\'s list', ['nar', '--help']],
    ['the command list', ['help']],
    ['a command\'s text output', ['list', '--config-dir', path.join(root, 'keys-example')]],
    ['a command\'s JSON output', ['show', '--json', path.join(root, 'keys-example', 'signing-key.pub')]],
    ['a byte stream', ['nar', 'pack', path.join(dir, 'tree')]],
    ['the helper\'s help (for a person; the daemon\'s replies go to fd 1 directly)', ['authenticate', '--help']],
  ])('%s ends quietly with 141', (_what, args) => {
    expect(intoClosedPipe(args)).toEqual({ status: 141, stderr: '' });
  });
});
