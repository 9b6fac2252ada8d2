// Whole sessions of `keytool authenticate` as the daemon runs them: random garbage (only
// well-formed replies, as many as the reader sees requests, never a crash, exit 0 at end of input),
// a 2000-request lock-step session, a non-blocking stdin, and a helper bundle free of the CLI.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fc } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestReader } from '../../src/helper/protocol.js';
import { oracle } from '../support/oracle.js';
import { assertBuilt, builtRoot, DaemonClient, keytoolBin, requestBytes, type Reply } from './daemon-client.js';
import { loadVectors, makeConfigDir, type ConfigDir } from './vectors.js';

const keys = loadVectors();
const ED = keys.findIndex((k) => k.label === 'ecdsa-ed25519');
let config: ConfigDir;
const clients: DaemonClient[] = [];

beforeAll(() => {
  assertBuilt();
  config = makeConfigDir(keys);
});
afterAll(() => clients.forEach((c) => c.kill()));

/** Every reply in `out`, read strictly; throws on anything else. */
function parseReplies(out: Buffer): Reply[] {
  const replies: Reply[] = [];
  let pos = 0;
  while (pos < out.length) {
    const m = /^(0|404|500) (\d+):/.exec(out.subarray(pos, pos + 20).toString('latin1'));
    if (!m) throw new Error(`not a reply at byte ${pos}: ${JSON.stringify(out.subarray(pos, pos + 60).toString('latin1'))}`);
    const start = pos + m[0].length;
    const len = Number(m[2]);
    if (start + len > out.length) throw new Error(`truncated reply at byte ${pos}`);
    replies.push({ code: Number(m[1]), payload: out.subarray(start, start + len) });
    pos = start + len;
  }
  return replies;
}

/** Run one whole session on `input` (stderr merged into stdout), as the daemon would. */
function runWhole(input: Uint8Array, env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; out: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'exec "$0" authenticate 2>&1', keytoolBin()], {
      cwd: '/',
      env: { PATH: process.env.PATH, GUIX_CONFIGURATION_DIRECTORY: config.dir, ...env },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stdin.on('error', () => {
      /* a fatal request ends the session before all input is read */
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out: Buffer.concat(chunks) }));
    child.stdin.end(input);
  });
}

describe('random garbage', () => {
  // Streams mixing real requests, request-like pieces and random bytes.
  const sign = requestBytes('sign', '/nonexistent/key.sec', 'ab'.repeat(32)).toString('latin1');
  const verify = requestBytes('verify', readSig(0)).toString('latin1');
  const piece = fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('latin1')) },
    { weight: 3, arbitrary: fc.constantFrom('sign', 'verify', ' ', '\n', ':', '1:', '5:', '12:', '0:', '99999999999:', '3:abc', '(', ')', '#', '\xe9', '\r\n') },
    { weight: 1, arbitrary: fc.constantFrom(sign, verify, 'verify 5:wrong\n', '\n\n', 'sign\n') },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  );
  const stream = fc.array(piece, { maxLength: 30 }).map((parts) => Buffer.from(parts.join(''), 'latin1'));

  it('only well-formed replies, one per request the reader sees, exit 0 (property)', async () => {
    await fc.assert(
      fc.asyncProperty(stream, async (input) => {
        const { status, out } = await runWhole(input);
        expect(status).toBe(0);
        const replies = parseReplies(out);
        // The same reader, in-process, says how many requests (and malformed lines) there were.
        const events = new RequestReader().push(input);
        expect(replies.length).toBe(events.length);
        replies.forEach((r, i) => {
          const e = events[i]!;
          if (e.kind !== 'request') expect(r.code).toBe(500);
          if (r.code === 404) expect(r.payload.toString('latin1')).toBe('invalid command');
          if (r.code === 500) expect(r.payload.toString('latin1')).toMatch(/\n$/);
        });
      }),
      { numRuns: Number(process.env.GARBAGE_RUNS ?? 15) },
    );
  }, 300_000);

  it('a large random blob (1 MiB) in one go', async () => {
    const blob = Buffer.alloc(1 << 20);
    let x = 12345;
    for (let i = 0; i < blob.length; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      blob[i] = x >> 16;
    }
    const { status, out } = await runWhole(blob);
    expect(status).toBe(0);
    expect(parseReplies(out).length).toBe(new RequestReader().push(blob).length);
  });
});

function readSig(i: number, j = 0): Buffer {
  return Buffer.from(keys[i]!.signatures[j]!.signature!, 'hex');
}

describe('long sessions', () => {
  it('2000 requests in lock-step: 1000 signs and their 1000 verifies, checked against libgcrypt', async () => {
    const c = DaemonClient.start({ configDir: config.dir });
    clients.push(c);
    const key = config.secretKey(ED);
    for (let i = 0; i < 1000; i++) {
      const hash = i.toString(16).padStart(64, '0');
      const signed = await c.request(requestBytes('sign', key, hash));
      expect(signed.code).toBe(0);
      if (i % 250 === 0) {
        // The real library makes the same bytes.
        const ref = oracle(['sign', key, key.replace(/\.sec$/, '.pub'), hash]);
        expect(signed.payload.equals(ref.stdout)).toBe(true);
      }
      const verified = await c.request(requestBytes('verify', signed.payload));
      expect({ code: verified.code, payload: verified.payload.toString('latin1') }).toEqual({ code: 0, payload: hash });
    }
    expect(await c.end()).toEqual({ status: 0, rest: Buffer.alloc(0) });
  });

  it('past the periodic full garbage collection (every 5000 requests): still only replies', async () => {
    const input = Buffer.from('x\n'.repeat(12_001) + `verify ${readSig(ED).length}:`.concat(readSig(ED).toString('latin1'), '\n'), 'latin1');
    const { status, out } = await runWhole(input);
    expect(status).toBe(0);
    const replies = parseReplies(out);
    expect(replies.length).toBe(12_002);
    expect(replies.slice(0, -1).every((r) => r.code === 404)).toBe(true);
    expect(replies.at(-1)!.payload.toString('latin1')).toBe(keys[ED]!.signatures[0]!.hash);
  });

  it('key files that are not regular files or too large are refused, without blocking or filling memory', async () => {
    const fifo = path.join(config.dir, 'fifo.sec');
    execFileSync('mkfifo', [fifo]);
    const big = path.join(config.dir, 'big.sec');
    writeFileSync(big, Buffer.alloc((1 << 20) + 1, 0x28));
    const c = DaemonClient.start({ configDir: config.dir });
    clients.push(c);
    const hash = 'ab'.repeat(32);
    // /dev/stdin would be our own request pipe: reading it would swallow the next requests.
    // (Our test pipes are socket pairs, which cannot be opened through /proc: ENXIO.)
    for (const [file, why] of [
      ['/dev/zero', 'not a regular file'],
      ['/dev/stdin', '(not a regular file|No such device or address)'],
      [fifo, 'not a regular file'],
      [big, 'the file is larger than 1048576 bytes, not a key'],
    ] as const) {
      const r = await c.request(requestBytes('sign', file, hash));
      expect(r.payload.toString('latin1')).toMatch(new RegExp(`^failed to load key pair at '${file}': ${why}\n$`));
    }
    expect((await c.request(requestBytes('verify', readSig(ED)))).code).toBe(0);
    expect((await c.end()).status).toBe(0);
  });

  it('a non-blocking stdin works the same (the event-loop fallback)', async () => {
    const input = Buffer.concat([requestBytes('verify', readSig(ED)), Buffer.from('x\n'), requestBytes('verify', 'wrong')]);
    const log = path.join(config.dir, 'nonblocking.log');
    // perl (Essential in Debian) sets O_NONBLOCK on the pipe, then becomes the helper.
    const perl = 'use Fcntl; my $f = fcntl(STDIN, F_GETFL, 0); fcntl(STDIN, F_SETFL, $f | O_NONBLOCK) or die; exec @ARGV or die';
    const out = await new Promise<Buffer>((resolve) => {
      const child = spawn('/bin/sh', ['-c', 'exec perl -e "$0" -- "$1" authenticate 2>&1', perl, keytoolBin()], {
        cwd: '/',
        env: { PATH: process.env.PATH, GUIX_CONFIGURATION_DIRECTORY: config.dir, KEYTOOL_AUTHENTICATE_LOG: log },
      });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => chunks.push(d));
      child.on('close', () => resolve(Buffer.concat(chunks)));
      // Slowly, so that reads find the pipe empty (EAGAIN) in between.
      setTimeout(() => child.stdin.write(input.subarray(0, 10)), 200);
      setTimeout(() => child.stdin.end(input.subarray(10)), 500);
    });
    expect(parseReplies(out).map((r) => [r.code, r.payload.toString('latin1')])).toEqual([
      [0, keys[ED]!.signatures[0]!.hash],
      [404, 'invalid command'],
      [500, 'corrupt signature data: ()\n'],
    ]);
    expect(readFileSync(log, 'latin1')).toContain('standard input is non-blocking: reading it through the event loop');
  });
});

describe('the launcher', () => {
  it('works with a PATH holding neither node nor coreutils (a daemon on Guix System), through a symlink', () => {
    const root = builtRoot();
    const link = path.join(config.dir, 'keytool-link');
    symlinkSync(path.join(root, 'bin', 'keytool'), link);
    const r = spawnSync(link, ['authenticate'], { env: { PATH: '/nonexistent', GUIX_CONFIGURATION_DIRECTORY: config.dir }, input: requestBytes('verify', readSig(ED)) });
    expect([r.status, r.stdout.toString('latin1'), r.stderr.toString('latin1')]).toEqual([0, `0 64:${keys[ED]!.signatures[0]!.hash}`, '']);
  });

  it('finds its package through npm\'s layout without readlink, and never takes another copy found there', () => {
    const root = builtRoot();
    const prefixOf = (name: string, packageDir: (dir: string) => void) => {
      const prefix = mkdtempSync(path.join(config.dir, `${name}-`));
      mkdirSync(path.join(prefix, 'bin'));
      mkdirSync(path.join(prefix, 'lib', 'node_modules'), { recursive: true });
      packageDir(path.join(prefix, 'lib', 'node_modules', 'guix-keytool'));
      return prefix;
    };
    // A readlink that leaves a mark and fails, first in PATH.
    const tools = mkdtempSync(path.join(config.dir, 'tools-'));
    const mark = path.join(tools, 'readlink-ran');
    writeFileSync(path.join(tools, 'readlink'), `#!/bin/sh\n: > '${mark}'\nexit 1\n`, { mode: 0o755 });
    const env = { PATH: `${tools}:${process.env.PATH}`, KEYTOOL_NODE: process.execPath };
    // npm's layout: PREFIX/bin/keytool -> ../lib/node_modules/guix-keytool/bin/keytool.
    const npm = prefixOf('npm', (pkg) => symlinkSync(root, pkg));
    symlinkSync('../lib/node_modules/guix-keytool/bin/keytool', path.join(npm, 'bin', 'keytool'));
    expect(spawnSync(path.join(npm, 'bin', 'keytool'), ['--version'], { env, encoding: 'utf8' }).stdout).toMatch(/^keytool \(guix-keytool\)/);
    expect(existsSync(mark)).toBe(false);
    // A link elsewhere, with another copy where npm's layout would be: the link is followed.
    const decoy = prefixOf('decoy', (pkg) => {
      cpSync(path.join(root, 'bin'), path.join(pkg, 'bin'), { recursive: true });
      mkdirSync(path.join(pkg, 'dist', 'cli'), { recursive: true });
      writeFileSync(path.join(pkg, 'dist', 'cli', 'keytool.cjs'), 'console.log("the other copy")\n');
    });
    symlinkSync(path.join(root, 'bin', 'keytool'), path.join(decoy, 'bin', 'keytool'));
    const r = spawnSync(path.join(decoy, 'bin', 'keytool'), ['--version'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, expect.stringMatching(/^keytool \(guix-keytool\)/), '']);
  });

  it('ignores NODE_OPTIONS and NODE_EXTRA_CA_CERTS from the daemon\'s environment (a V8 flag would make node refuse the snapshot, on stderr)', () => {
    for (const [name, value] of [
      ['NODE_OPTIONS', '--max-old-space-size=100'],
      ['NODE_OPTIONS', '--require /nonexistent/preload.js'],
      ['NODE_EXTRA_CA_CERTS', '/nonexistent/ca.crt'],
    ] as const) {
      const r = spawnSync('/bin/sh', ['-c', 'exec "$0" authenticate 2>&1', keytoolBin()], {
        env: { PATH: process.env.PATH, GUIX_CONFIGURATION_DIRECTORY: config.dir, [name]: value },
        input: requestBytes('verify', readSig(ED)),
      });
      expect([name, r.status, r.stdout.toString('latin1')]).toEqual([name, 0, `0 64:${keys[ED]!.signatures[0]!.hash}`]);
    }
  });

  it('falls back to the plain bundle, with the same node, when that node is newer than the snapshot', () => {
    const copy = mkdtempSync(path.join(config.dir, 'stale-'));
    cpSync(path.join(builtRoot(), 'bin'), path.join(copy, 'bin'), { recursive: true });
    cpSync(path.join(builtRoot(), 'dist'), path.join(copy, 'dist'), { recursive: true });
    utimesSync(path.join(copy, 'dist', 'helper.blob'), new Date(0), new Date(0));
    rmSync(path.join(copy, 'dist', 'helper-snapshot.cjs'));
    const r = spawnSync(path.join(copy, 'bin', 'keytool'), ['authenticate'], { env: { PATH: '/nonexistent', GUIX_CONFIGURATION_DIRECTORY: config.dir }, input: 'verify 5:wrong\n' });
    expect([r.status, r.stdout.toString('latin1'), r.stderr.toString('latin1')]).toEqual([0, '500 27:corrupt signature data: ()\n', '']);
    // Proof that it was the bundle: without it, nothing works.
    rmSync(path.join(copy, 'dist', 'helper.cjs'));
    const gone = spawnSync(path.join(copy, 'bin', 'keytool'), ['authenticate'], { env: { PATH: '/nonexistent' }, input: '' });
    expect(gone.status).not.toBe(0);
  });
});

describe('the helper bundle', () => {
  it('holds no CLI, ink or React code and requires only node built-ins', () => {
    for (const file of ['dist/helper.cjs', 'dist/helper-snapshot.cjs']) {
      const text = readFileSync(path.join(builtRoot(), file), 'utf8');
      for (const banned of ['node_modules/clipanion', 'node_modules/typanion', 'node_modules/ink', 'node_modules/react', 'src/cli/', 'src/tui/']) {
        expect(text.includes(banned), `${file} contains ${banned}`).toBe(false);
      }
      const required = [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
      expect(required.length).toBeGreaterThan(0);
      for (const r of required) expect(r, file).toMatch(/^node:/);
      expect(text).not.toMatch(/\bimport\(/);
    }
    // The warm-up session runs while the snapshot is built, never when the helper starts.
    expect(readFileSync(path.join(builtRoot(), 'dist/helper.cjs'), 'utf8')).not.toContain('src/helper/warm-up.ts');
  });
});
