// Memory stays flat on a large tree: `nar hash`, `nar pack`, `nar unpack` and `archive export` of
// a generated ~100 MB tree (one 64 MiB file and 36 files of 1 MiB) peak at about the same resident
// memory as on a tiny tree. Peak RSS comes from getrusage in the spawned process; the bound is
// generous (well under the size of the big file), and nothing here is timed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { scratch } from './helpers.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROBE = path.join(REPO, 'test/nar/fixtures/rss-probe.mjs');
const CLI = path.join(REPO, 'dist/cli/keytool.mjs');
const MiB = 1 << 20;

let work: string;

function fill(file: string, size: number): void {
  const block = randomBytes(MiB);
  const fd = openSync(file, 'w');
  for (let done = 0; done < size; done += MiB) writeSync(fd, block, 0, Math.min(MiB, size - done));
  closeSync(fd);
}

/** Peak RSS (MiB) of `keytool args`, and its result; stdin redirected from a file or piped. */
function peak(args: string[], stdin?: { file: string; pipe?: boolean }): { mib: number; status: number; stdout: string; stderr: string } {
  const out = path.join(work, `rss-${randomBytes(4).toString('hex')}`);
  const env = { PATH: process.env.PATH, NO_COLOR: '1', KEYTOOL_RSS_OUT: out };
  const argv = [process.execPath, '--import', PROBE, CLI, ...args];
  const r = stdin?.pipe
    ? spawnSync('sh', ['-c', 'f=$1; shift; cat "$f" | "$@"', 'sh', stdin.file, ...argv], { cwd: work, env, maxBuffer: 1 << 20 })
    : spawnSync(argv[0]!, argv.slice(1), { cwd: work, env, stdio: [stdin ? openSync(stdin.file, 'r') : 'ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
  return { mib: Number(readFileSync(out, 'utf8')) / 1024, status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
  work = scratch('large');
  mkdirSync(path.join(work, 'big/many'), { recursive: true });
  fill(path.join(work, 'big/huge.bin'), 64 * MiB);
  for (let i = 0; i < 36; i++) fill(path.join(work, `big/many/f${String(i).padStart(2, '0')}`), MiB);
  mkdirSync(path.join(work, 'small'));
  writeFileSync(path.join(work, 'small/x'), 'x');
  writeFileSync(path.join(work, 'k.sec'), readFileSync(path.join(REPO, 'keys-example/signing-key.sec')), { mode: 0o600 });
  writeFileSync(path.join(work, 'k.pub'), readFileSync(path.join(REPO, 'keys-example/signing-key.pub')));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a 100 MB tree in flat memory', () => {
  // Growth allowed over the tiny-tree run; the big file alone is 64 MiB. Files (and stdin
  // redirected from a file) are read through one reused buffer (measured: +1 to +7 MiB); a pipe
  // comes in node's fresh 64 KiB stream chunks that wait for the garbage collector (measured:
  // +24 to +42 MiB on a loaded machine, the same whatever the size of the nar).
  const LIMIT_MIB = 16;
  const LIMIT_PIPE_MIB = 56;

  it('nar hash', () => {
    const small = peak(['nar', 'hash', 'small']);
    const big = peak(['nar', 'hash', 'big']);
    expect(big.status, big.stderr).toBe(0);
    expect(big.stdout).toMatch(/^sha256:[0-9a-z]{52}\n$/);
    expect(big.mib - small.mib, `peak ${big.mib.toFixed(1)} MiB vs ${small.mib.toFixed(1)} MiB`).toBeLessThan(LIMIT_MIB);
  });

  it('nar pack to a file, then unpack it from the file, from stdin and from a pipe', () => {
    const small = peak(['nar', 'pack', 'small', '-o', 'small.nar']);
    const big = peak(['nar', 'pack', 'big', '-o', 'big.nar']);
    expect(big.status, big.stderr).toBe(0);
    expect(statSync(path.join(work, 'big.nar')).size).toBeGreaterThan(100 * MiB);
    expect(big.mib - small.mib).toBeLessThan(LIMIT_MIB);
    const smallUnpack = peak(['nar', 'unpack', 'small.nar', 'small-copy']);
    const bigUnpack = peak(['nar', 'unpack', 'big.nar', 'big-copy']);
    expect(bigUnpack.status, bigUnpack.stderr).toBe(0);
    expect(statSync(path.join(work, 'big-copy/huge.bin')).size).toBe(64 * MiB);
    expect(bigUnpack.mib - smallUnpack.mib).toBeLessThan(LIMIT_MIB);
    const smallStdin = peak(['nar', 'unpack', '-', 'small-copy2'], { file: path.join(work, 'small.nar') });
    const bigStdin = peak(['nar', 'unpack', '-', 'big-copy2'], { file: path.join(work, 'big.nar') });
    expect(bigStdin.status, bigStdin.stderr).toBe(0);
    expect(statSync(path.join(work, 'big-copy2/huge.bin')).size).toBe(64 * MiB);
    expect(bigStdin.mib - smallStdin.mib).toBeLessThan(LIMIT_MIB);
    const smallPipe = peak(['nar', 'unpack', '-', 'small-copy3'], { file: path.join(work, 'small.nar'), pipe: true });
    const bigPipe = peak(['nar', 'unpack', '-', 'big-copy3'], { file: path.join(work, 'big.nar'), pipe: true });
    expect(bigPipe.status, bigPipe.stderr).toBe(0);
    expect(statSync(path.join(work, 'big-copy3/huge.bin')).size).toBe(64 * MiB);
    expect(bigPipe.mib - smallPipe.mib).toBeLessThan(LIMIT_PIPE_MIB);
  });

  it('archive export and verify', () => {
    const sp = '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-big';
    const small = peak(['archive', 'export', '--key', 'k.sec', '--store-path', sp, 'small', '-o', 'small.bundle']);
    const big = peak(['archive', 'export', '--key', 'k.sec', '--store-path', sp, 'big', '-o', 'big.bundle']);
    expect(big.status, big.stderr).toBe(0);
    expect(big.mib - small.mib).toBeLessThan(LIMIT_MIB);
    writeFileSync(path.join(work, 'acl'), `(acl (entry ${readFileSync(path.join(work, 'k.pub'), 'latin1')} (tag (guix import))))`);
    const vs = peak(['archive', 'verify', '--acl', 'acl', 'small.bundle']);
    const vb = peak(['archive', 'verify', '--acl', 'acl', 'big.bundle']);
    expect(vb.status, vb.stderr + vb.stdout).toBe(0);
    expect(vb.mib - vs.mib).toBeLessThan(LIMIT_MIB);
  });
});
