// `keytool substitutes check --contents` against a hostile server on 127.0.0.1 written here: each
// way a server can lie or fail gives its own verdict, and the run goes on to the next item.
// The built bin/keytool runs as a child process (asynchronously: the servers live in this process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadKeyPair, type KeyPair } from '../../src/crypto/index.js';
import { toNixBase32 } from '../../src/nar/base32.js';
import { signNarinfo } from '../../src/nar/narinfo.js';
import { keytoolAsync, REPO, type Result } from '../cli/support/run.js';
import { scratch } from '../nar/helpers.js';
import { a1Pair, aclText } from '../nar/keys.js';


const sha = (b: Uint8Array): string => `sha256:${toNixBase32(createHash('sha256').update(b).digest())}`;
const hashOf = (i: number): string => '0123456789abcdfghijklmnpqrsvwxyz'.slice(i % 32) + '0123456789abcdfghijklmnpqrsvwxyz'.slice(0, i % 32);
const storePath = (i: number, name: string): string => `/gnu/store/${hashOf(i)}-${name}`;

/** A narinfo for `item` describing `nar`, signed by `pair`; `over` replaces fields. */
function narinfo(item: string, nar: Buffer, pair: KeyPair, transport: string, over: { NarHash?: string; NarSize?: number } = {}): string {
  const text = `StorePath: ${item}\nNarHash: ${over.NarHash ?? sha(nar)}\nNarSize: ${over.NarSize ?? nar.length}\nReferences: \n${transport}`;
  return signNarinfo(text, pair, 'test');
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes = new Map<string, Handler>();
const serveBytes = (b: Buffer | string): Handler => (_q, res) => {
  res.writeHead(200, { 'content-length': Buffer.byteLength(b) });
  res.end(b);
};

let work: string;
let server: http.Server;
let tlsServer: https.Server;
let base: string;
let tlsBase: string;
let otherServer: https.Server;
let otherBase: string;
const sockets = new Set<{ destroy(): void; on(e: 'close', f: () => void): unknown }>();
const expected = new Map<string, string>(); // hash part → verdict
const indexOf = new Map<string, number>(); // item name → its index (hashOf(index) is its hash part)

beforeAll(async () => {
  work = scratch('substitutes');
  cpSync(path.join(REPO, 'keys-example'), path.join(work, 'conf'), { recursive: true });
  const good = loadKeyPair(path.join(work, 'conf', 'signing-key.sec'));
  writeFileSync(path.join(work, 'acl'), aclText([readFileSync(path.join(work, 'conf', 'signing-key.pub'), 'utf8')]));
  const nar = Buffer.from(`nix-archive-1 ${'payload '.repeat(5000)}`);
  const gz = gzipSync(nar);
  let n = 0;
  /** Add an item: its narinfo route and nar route, with the verdict the check must give. */
  const add = (verdict: string, name: string, make: (item: string, narUrl: string) => { info?: Handler; nar?: Handler }): void => {
    const i = n++;
    indexOf.set(name, i);
    const item = storePath(i, name);
    const narUrl = `nar/gzip/${path.posix.basename(item)}`;
    const h = make(item, narUrl);
    routes.set(`/${hashOf(i)}.narinfo`, h.info ?? serveBytes(narinfo(item, nar, good, `URL: ${narUrl}\nCompression: gzip\nFileSize: ${gz.length}\n`)));
    routes.set(`/${narUrl}`, h.nar ?? serveBytes(gz));
    expected.set(hashOf(i), verdict);
  };
  add('valid', 'good', () => ({}));
  add('nar-hash-mismatch', 'wrong-hash', (item, url) => ({ info: serveBytes(narinfo(item, nar, good, `URL: ${url}\nCompression: gzip\n`, { NarHash: sha(Buffer.from('other')) })) }));
  add('size-mismatch', 'wrong-size', (item, url) => ({ info: serveBytes(narinfo(item, nar, good, `URL: ${url}\nCompression: gzip\n`, { NarSize: nar.length + 10 })) }));
  add('truncated', 'truncated', () => ({
    nar: (_q, res) => {
      res.writeHead(200, { 'content-length': gz.length });
      res.write(gz.subarray(0, gz.length >> 1), () => res.socket?.destroy());
    },
  }));
  const bomb = gzipSync(Buffer.alloc(64 << 20)); // 64 MiB of zeros in 64 KiB
  add('size-mismatch', 'bomb', (item, url) => ({ info: serveBytes(narinfo(item, nar, good, `URL: ${url}\nCompression: gzip\n`)), nar: serveBytes(bomb) }));
  add('size-mismatch', 'endless', (item) => ({
    info: serveBytes(narinfo(item, nar, good, `URL: nar/${path.posix.basename(item)}\nCompression: none\n`)),
    nar: (_q, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(1 << 16, 0x61);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    },
  }));
  // The nar route of `endless` is nar/NAME, not nar/gzip/NAME.
  routes.set(`/nar/${path.posix.basename(storePath(n - 1, 'endless'))}`, routes.get(`/nar/gzip/${path.posix.basename(storePath(n - 1, 'endless'))}`)!);
  add('timeout', 'stall', () => ({ nar: () => {} }));
  add('not-found', 'missing', () => ({ info: (_q, res) => { res.writeHead(404); res.end(); } }));
  add('http-error', 'broken', () => ({ info: (_q, res) => { res.writeHead(500); res.end(); } }));
  let flaky = 0;
  add('valid', 'flaky', (item, url) => {
    const info = serveBytes(narinfo(item, nar, good, `URL: ${url}\nCompression: gzip\n`));
    return { info: (q, res) => (flaky++ === 0 ? (res.writeHead(503), res.end()) : info(q, res)) };
  });
  add('redirect-error', 'loop', (_item, url) => ({
    nar: (q, res) => {
      res.writeHead(302, { location: q.url === `/${url}` ? `/${url}?again` : `/${url}` });
      res.end();
    },
  }));
  routes.set(`/nar/gzip/${path.posix.basename(storePath(n - 1, 'loop'))}?again`, routes.get(`/nar/gzip/${path.posix.basename(storePath(n - 1, 'loop'))}`)!);
  add('wrong-store-path', 'replayed', () => ({ info: serveBytes(narinfo(storePath(0, 'good'), nar, good, `URL: nar/gzip/x\nCompression: gzip\n`)) }));
  add('unauthorized', 'stranger', (item, url) => ({ info: serveBytes(narinfo(item, nar, a1Pair(), `URL: ${url}\nCompression: gzip\n`)) }));
  add('file-hash-mismatch', 'file-hash', (item, url) => ({ info: serveBytes(narinfo(item, nar, good, `URL: ${url}\nCompression: gzip\nFileSize: ${gz.length}\nFileHash: ${sha(Buffer.from('other'))}\n`)) }));
  add('valid', 'file-hash-good', (item, url) => ({ info: serveBytes(narinfo(item, nar, good, `URL: ${url}\nCompression: gzip\nFileSize: ${gz.length}\nFileHash: ${sha(gz)}\n`)) }));
  // zstd and lzip through their programs: whole, cut in half, and with a byte flipped. The nar is
  // half random so that the compressed file has a middle to cut and to corrupt. No FileSize, so
  // the decompressor must be the one to notice.
  const mixed = Buffer.concat([Buffer.from('nix-archive-1 '), randomBytes(20000), Buffer.from('text '.repeat(4000))]);
  for (const method of ['zstd', 'lzip']) {
    const packed = execFileSync(method, ['-c'], { input: mixed });
    const corrupt = Buffer.from(packed);
    corrupt[corrupt.length >> 1]! ^= 0xff;
    const cases: [string, string, Buffer][] = [['valid', 'good', packed], ['truncated', 'truncated', packed.subarray(0, packed.length >> 1)], ['bad-compression', 'corrupt', corrupt]];
    for (const [verdict, what, body] of cases) {
      add(verdict, `${method}-${what}`, (item) => {
        const url = `nar/${method}/${path.posix.basename(item)}`;
        routes.set(`/${url}`, serveBytes(body));
        return { info: serveBytes(narinfo(item, mixed, good, `URL: ${url}\nCompression: ${method}\n`)) };
      });
    }
  }
  // As `guix publish -C 0` without --cache sends a nar: no length, no chunks, the connection kept.
  add('valid', 'open-ended', (item, url) => ({
    info: serveBytes(narinfo(item, nar, good, `URL: ${url}\nCompression: none\n`)),
    nar: (_q, res) => res.socket!.write(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/x-nix-archive\r\n\r\n'), nar])),
  }));
  // The same, stalling halfway: a timeout, not a nar cut short.
  add('timeout', 'open-ended-stall', (item, url) => ({
    info: serveBytes(narinfo(item, nar, good, `URL: ${url}\nCompression: none\n`)),
    nar: (_q, res) => res.socket!.write(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), nar.subarray(0, nar.length >> 1)])),
  }));

  const handler: Handler = (req, res) => (routes.get(req.url ?? '') ?? ((_q, r) => { r.writeHead(404); r.end(); }))(req, res);
  server = http.createServer(handler);
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A server whose certificate no CA vouches for, made here with openssl.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tls.key', '-out', 'tls.crt', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: work, stdio: 'ignore' });
  tlsServer = https.createServer({ key: readFileSync(path.join(work, 'tls.key')), cert: readFileSync(path.join(work, 'tls.crt')) }, handler);
  tlsServer.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;

  // A server whose certificate (trusted with --ca-file) is for another host name.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', '-subj', '/CN=elsewhere.example', '-addext', 'subjectAltName=DNS:elsewhere.example'], { cwd: work, stdio: 'ignore' });
  otherServer = https.createServer({ key: readFileSync(path.join(work, 'other.key')), cert: readFileSync(path.join(work, 'other.crt')) }, handler);
  otherServer.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => otherServer.listen(0, '127.0.0.1', r));
  otherBase = `https://127.0.0.1:${(otherServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([server, tlsServer, otherServer].map((x) => new Promise((r) => (x ? x.close(r) : r(undefined)))));
});

const check = (...args: string[]): Promise<Result> => keytoolAsync(['substitutes', 'check', '--config-dir', 'conf', '--acl', 'acl', '--timeout', '1', '--retries', '1', ...args], { cwd: work });

describe('substitutes check against a hostile server', () => {
  it('gives each item its own verdict and goes on to the next', async () => {
    const r = await check('--contents', '--json', '--jobs', '3', base, ...expected.keys());
    const got = new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { item: string; status: string; message: string }).map((v) => [v.item.slice(base.length + 1, base.length + 33), v]));
    for (const [hash, verdict] of expected) expect(`${hash}: ${got.get(hash)?.status} (${got.get(hash)?.message})`).toMatch(new RegExp(`^${hash}: ${verdict} `));
    expect(r.status).toBe(1);
    const says = (i: number): string => got.get(hashOf(i))!.message;
    expect(says(1)).toMatch(/nar hash mismatch/);
    expect(says(2)).toMatch(/NarSize says/);
    expect(says(4)).toMatch(/larger than its NarSize .*stopped reading at once/);
    expect(says(5)).toMatch(/larger than its NarSize/);
    expect(says(6)).toMatch(/timed out/);
    expect(says(7)).toMatch(/HTTP 404/);
    expect(says(8)).toMatch(/HTTP 500/);
    expect(says(10)).toMatch(/redirect loop/);
    expect(says(11)).toMatch(/narinfo for another store path: it describes \/gnu\/store\/0123/);
    expect(says(12)).toMatch(/unauthorized party/);
    expect(says(13)).toMatch(/the gzip file's hash is sha256:[0-9a-z]{52}, FileHash says sha256:/);
    for (const method of ['zstd', 'lzip']) {
      const i = indexOf.get(`${method}-truncated`)!;
      expect(says(i)).toBe(`${method} nar at nar/${method}/${path.posix.basename(storePath(i, `${method}-truncated`))}: the ${method} data ends before its end (truncated)`);
      expect(says(indexOf.get(`${method}-corrupt`)!)).toMatch(new RegExp(`: not valid ${method} data \\(${method} exited with status \\d+: .+\\)$`));
    }
    expect(says(indexOf.get('open-ended-stall')!)).toMatch(/timed out/);
  }, 60_000);

  it('takes an uncompressed nar sent with no length on a connection kept open as whole at NarSize, without waiting', async () => {
    const started = Date.now();
    const r = await keytoolAsync(['substitutes', 'check', '--config-dir', 'conf', '--acl', 'acl', '--timeout', '20', '--contents', base, hashOf(indexOf.get('open-ended')!)], { cwd: work });
    expect(r.stdout).toMatch(/: valid \(.*nar checked: none /);
    expect(r.status).toBe(0);
    expect(Date.now() - started, 'it waited for an end that never comes').toBeLessThan(10_000);
  }, 30_000);

  it('prints one line per item and a summary; exit 0 when everything is good', async () => {
    const r = await check('--contents', base, hashOf(0));
    expect(r.stdout).toMatch(new RegExp(`^${base}/${hashOf(0)}\\.narinfo: valid \\(signed by .*; nar checked: gzip 39\\.1 KiB\\)\\n$`));
    expect(r.stderr).toMatch(/^1 item checked \(narinfos and nars\): 1 valid \(ACL: acl\)\n$/);
    expect(r.status).toBe(0);
  }, 30_000);

  it('refuses a self-signed certificate (tls-error), accepts it with --ca-file', async () => {
    const bad = await check('--contents', tlsBase, hashOf(0));
    expect(bad.stdout).toMatch(/: tls-error: TLS error with 127\.0\.0\.1:\d+: the server's certificate is self-signed and not trusted/);
    expect(bad.status).toBe(1);
    const ok = await check('--contents', '--ca-file', 'tls.crt', tlsBase, hashOf(0));
    expect(ok.stdout).toMatch(/: valid \(/);
    expect(ok.status).toBe(0);
  }, 30_000);

  it('refuses a certificate for another host name (tls-error), even from a trusted CA', async () => {
    const r = await check('--contents', '--ca-file', 'other.crt', otherBase, hashOf(0));
    expect(r.stdout).toMatch(/: tls-error: TLS error with 127\.0\.0\.1:\d+: the server's certificate is not for 127\.0\.0\.1\n$/);
    expect(r.status).toBe(1);
  }, 30_000);

  it('checks a mirror directory laid out as the server (HASH.narinfo, nar/...) and resumes with --state', async () => {
    const dir = path.join(work, 'mirror');
    mkdirSync(path.join(dir, 'nar', 'gzip'), { recursive: true });
    for (const i of [0, 1]) {
      const name = path.posix.basename(storePath(i, i ? 'wrong-hash' : 'good'));
      const fetchBytes = async (p: string): Promise<Buffer> => Buffer.from(await (await fetch(`${base}${p}`)).arrayBuffer());
      writeFileSync(path.join(dir, `${hashOf(i)}.narinfo`), await fetchBytes(`/${hashOf(i)}.narinfo`));
      writeFileSync(path.join(dir, 'nar', 'gzip', name), await fetchBytes(`/nar/gzip/${name}`));
    }
    const r = await check('--contents', '--state', 'mirror.state', dir);
    expect(r.stdout).toMatch(/0123456789abcdfghijklmnpqrsvwxyz\.narinfo: valid/);
    expect(r.stdout).toMatch(/123456789abcdfghijklmnpqrsvwxyz0\.narinfo: nar-hash-mismatch/);
    expect(r.status).toBe(1);
    const again = await check('--contents', '--state', 'mirror.state', dir);
    expect(again.stdout).not.toMatch(/: valid/);
    expect(again.stderr).toMatch(/1 item checked .*1 nar-hash-mismatch, 1 skipped \(valid in mirror\.state\)/);
  }, 30_000);
});
