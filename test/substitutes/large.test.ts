// Memory stays flat checking a large nar: `substitutes check --contents` of a generated 200 MiB nar
// (zeros, served from memory as none, gzip and zstd by a server on 127.0.0.1 in this process) peaks
// at about the same resident memory as for a 1 KiB nar. Peak RSS comes from getrusage in the
// spawned process (test/nar/fixtures/rss-probe.mjs); nothing here is timed. `npm run bench` does
// the same over 1 GiB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, createGzip } from 'node:zlib';
import { loadKeyPair } from '../../src/crypto/index.js';
import { toNixBase32 } from '../../src/nar/base32.js';
import { signNarinfo } from '../../src/nar/narinfo.js';
import { scratch } from '../nar/helpers.js';
import { aclText } from '../nar/keys.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROBE = path.join(REPO, 'test/nar/fixtures/rss-probe.mjs');
const CLI = path.join(REPO, 'dist/cli/keytool.mjs');
const MiB = 1 << 20;

let work: string;
let server: http.Server;
let base: string;
const routes = new Map<string, () => Iterable<Buffer>>();

/** The chunks of a nar of `size` zero bytes (a header, then zeros in 1 MiB chunks). */
function* zeros(size: number): Generator<Buffer> {
  yield Buffer.from('nix-archive-1 ');
  const chunk = Buffer.alloc(MiB);
  for (let left = size; left > 0; left -= MiB) yield left >= MiB ? chunk : chunk.subarray(0, left);
}

/** `chunks` compressed by a streaming compressor, kept in memory (zeros shrink a thousandfold). */
async function squeeze(chunks: Iterable<Buffer>, method: 'gzip' | 'zstd'): Promise<Buffer> {
  const out: Buffer[] = [];
  if (method === 'gzip') {
    const z = createGzip({ level: constants.Z_BEST_SPEED });
    z.on('data', (c: Buffer) => out.push(c));
    const ended = new Promise((r) => z.on('end', r));
    for (const c of chunks) if (!z.write(c)) await new Promise((r) => z.once('drain', r));
    z.end();
    await ended;
    return Buffer.concat(out);
  }
  const child = spawn('zstd', ['-1', '-q', '-c'], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdout.on('data', (c: Buffer) => out.push(c));
  const closed = new Promise((r) => child.on('close', r));
  for (const c of chunks) if (!child.stdin.write(c)) await new Promise((r) => child.stdin.once('drain', r));
  child.stdin.end();
  await closed;
  return Buffer.concat(out);
}

/** Serve a nar of `size` zeros as `method`, with its signed narinfo; the item's hash part. */
async function publish(size: number, method: 'none' | 'gzip' | 'zstd'): Promise<string> {
  const hash = toNixBase32(createHash('sha256').update(`${size} ${method}`).digest()).slice(0, 32);
  const narHash = createHash('sha256');
  let narSize = 0;
  for (const c of zeros(size)) {
    narHash.update(c);
    narSize += c.length;
  }
  const url = `nar/${method}/${hash}-zeros`;
  if (method === 'none') routes.set(`/${url}`, () => zeros(size));
  else {
    const packed = await squeeze(zeros(size), method);
    routes.set(`/${url}`, () => [packed]);
  }
  const pair = loadKeyPair(path.join(work, 'conf', 'signing-key.sec'));
  const info = signNarinfo(`StorePath: /gnu/store/${hash}-zeros\nNarHash: sha256:${toNixBase32(narHash.digest())}\nNarSize: ${narSize}\nReferences: \nURL: ${url}\nCompression: ${method}\n`, pair, 'test');
  routes.set(`/${hash}.narinfo`, () => [Buffer.from(info)]);
  return hash;
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
  work = scratch('substitutes-large');
  cpSync(path.join(REPO, 'keys-example'), path.join(work, 'conf'), { recursive: true });
  writeFileSync(path.join(work, 'acl'), aclText([readFileSync(path.join(work, 'conf', 'signing-key.pub'), 'utf8')]));
  server = http.createServer(async (req, res) => {
    const r = routes.get(req.url ?? '');
    if (!r) return res.writeHead(404).end();
    res.writeHead(200);
    // Written with back-pressure, as a server streams a file.
    for (const c of r()) if (!res.write(c)) await new Promise((ok) => res.once('drain', ok));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

/** Peak RSS (MiB) of `keytool substitutes check --contents BASE HASH`, and its output. */
function peak(hash: string): Promise<{ mib: number; status: number | null; stdout: string }> {
  const out = path.join(work, `rss-${randomBytes(4).toString('hex')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', PROBE, CLI, 'substitutes', 'check', '--contents', '--config-dir', 'conf', '--acl', 'acl', base, hash], { cwd: work, env: { PATH: process.env.PATH, NO_COLOR: '1', KEYTOOL_RSS_OUT: out }, stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', (status) => resolve({ mib: Number(readFileSync(out, 'utf8')) / 1024, status, stdout: Buffer.concat(chunks).toString() }));
  });
}

describe('a 200 MiB nar checked in flat memory', () => {
  // Growth allowed over the 1 KiB run; the nar is 200 MiB. HTTP bodies arrive in fresh chunks
  // that wait for the garbage collector, as a pipe's do (test/nar/large.test.ts allows 56 MiB).
  const LIMIT_MIB = 56;
  for (const method of ['none', 'gzip', 'zstd'] as const) {
    it(method, async () => {
      const small = await peak(await publish(1024, method));
      const big = await peak(await publish(200 * MiB, method));
      expect(big.status, big.stdout).toBe(0);
      expect(big.stdout).toMatch(new RegExp(`: valid \\(.*nar checked: ${method} 200\\.0 MiB\\)\\n$`));
      expect(big.mib - small.mib, `peak ${big.mib.toFixed(1)} MiB vs ${small.mib.toFixed(1)} MiB`).toBeLessThan(LIMIT_MIB);
    }, 120_000);
  }
});
