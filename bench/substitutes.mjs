// Substitute contents checking, served over HTTP on 127.0.0.1 by this process (a mirror check is
// HTTP, so that is what the user waits for; both sides fetch from the same server):
//  - decompressor choice for gzip: Node's zlib in process against a `gzip -dc` and a `pigz -dc`
//    subprocess, each hashing in Node, from the file (what src/substitutes/decompress.ts chose);
//  - throughput: `keytool substitutes check --contents` of one item (narinfo fetched and verified,
//    nar fetched, decompressed, checked against FileSize, NarSize and NarHash) against the C
//    pipeline `curl URL | gzip -dc | sha256sum` (`zstd -dc`, `lzip -dc`; `curl | sha256sum` for
//    none) on the same files, interleaved round by round; the ratio is keytool's throughput over
//    the pipeline's (goal >= 0.8);
//  - memory: peak RSS of keytool (getrusage, from test/nar/fixtures/rss-probe.mjs) checking a
//    generated 1 GiB nar (highly compressible) with each compression, against a 1 KiB nar.
// The nar for throughput holds the node binary (real machine code, ~95 MiB). Files go under
// test/.tmp and are removed afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Duplex, Writable, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { median } from './authenticate.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(root, 'dist', 'cli', 'keytool.mjs');
const PROBE = path.join(root, 'test', 'nar', 'fixtures', 'rss-probe.mjs');
const MiB = 1 << 20;
const METHODS = [
  // [compression, program, level for the bench files]
  ['none', null, null],
  ['gzip', 'gzip', '-6'],
  ['zstd', 'zstd', '-9'],
  ['lzip', 'lzip', '-6'],
];

const has = (program) => spawnSync(program, ['--version'], { stdio: 'ignore' }).status === 0;

/** Nix base32 of a digest, as NarHash writes it. */
function nixBase32(bytes) {
  const chars = '0123456789abcdfghijklmnpqrsvwxyz';
  let out = '';
  for (let n = Math.ceil((bytes.length * 8) / 5) - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out += chars[((bytes[i] >> j) | (i + 1 < bytes.length ? bytes[i + 1] << (8 - j) : 0)) & 0x1f];
  }
  return out;
}

/** A nar of one regular file of `size` bytes, as chunks: its framing around `body()`'s chunks. */
function* narChunks(size, body) {
  const str = (s) => {
    const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(b.length));
    return Buffer.concat([len, b, Buffer.alloc((8 - (b.length % 8)) % 8)]);
  };
  yield Buffer.concat(['nix-archive-1', '(', 'type', 'regular', 'contents'].map(str));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(size));
  yield len;
  yield* body();
  yield Buffer.concat([Buffer.alloc((8 - (size % 8)) % 8), str(')')]);
}

/** Write `chunks` to `file` through `program args` (or as they are), with back-pressure. */
async function writeThrough(chunks, file, program, args) {
  if (!program) return pipeline(Readable.from(chunks), createWriteStream(file));
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const done = new Promise((resolve, reject) => child.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`${program} failed (${c})`)))));
  await Promise.all([pipeline(Readable.from(chunks), child.stdin), pipeline(child.stdout, createWriteStream(file)), done]);
}

/** Run `argv` to its end; seconds, stdout, and the peak RSS (MiB) when run through the probe. */
function timed(argv, rssOut) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const env = { PATH: process.env.PATH, NO_COLOR: '1', ...(rssOut ? { KEYTOOL_RSS_OUT: rssOut } : {}) };
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const stdout = Buffer.concat(out).toString();
      if (code !== 0) return reject(new Error(`${argv.join(' ')} exited ${code}: ${stdout}${Buffer.concat(err)}`));
      resolve({ seconds, stdout, rss: rssOut ? Number(readFileSync(rssOut, 'utf8')) / 1024 : undefined });
    });
  });
}

/** Time to decompress `file` and hash the output in this process, through `stream`. */
async function hashThrough(file, stream) {
  const h = createHash('sha256');
  const t0 = process.hrtime.bigint();
  await pipeline(createReadStream(file, { highWaterMark: 1 << 16 }), stream, new Writable({ highWaterMark: 1 << 16, write(c, _e, done) { h.update(c); done(); } }));
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, hex: h.digest('hex') };
}
const subprocess = (program) => {
  const child = spawn(program, ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
  return Duplex.from({ writable: child.stdin, readable: child.stdout });
};

export async function run() {
  const missing = ['zstd', 'lzip', 'curl'].filter((p) => !has(p));
  if (missing.length) {
    console.log(`skipped: needs ${missing.join(', ')} (Debian: apt install ${missing.join(' ')})`);
    return;
  }
  const tmp = path.join(root, 'test', '.tmp');
  mkdirSync(tmp, { recursive: true });
  const dir = mkdtempSync(path.join(tmp, 'bench-substitutes-'));
  const routes = new Map(); // URL path -> () => Readable
  const server = http.createServer((req, res) => {
    const r = routes.get(req.url);
    if (!r) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': r.size });
    pipeline(r.open(), res).catch(() => {});
  });
  try {
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${server.address().port}`;
    const serveFile = (urlPath, file) => routes.set(urlPath, { size: statSync(file).size, open: () => createReadStream(file, { highWaterMark: 1 << 20 }) });
    const acl = path.join(root, 'keys-example', 'acl');
    // The example's secret key, private as a real one is (git keeps it 0644: signing would warn).
    const secretKey = path.join(dir, 'signing-key.sec');
    writeFileSync(secretKey, readFileSync(path.join(root, 'keys-example', 'signing-key.sec')), { mode: 0o600 });
    writeFileSync(path.join(dir, 'signing-key.pub'), readFileSync(path.join(root, 'keys-example', 'signing-key.pub')));
    /** Files for a nar of `size` bytes from `body`, one per method, with a signed narinfo each. */
    const publish = async (label, size, body, levels) => {
      const narHash = createHash('sha256');
      let narSize = 0;
      for (const c of narChunks(size, body)) {
        narHash.update(c);
        narSize += c.length;
      }
      const digest = narHash.digest();
      const out = {};
      for (const [method, program, level] of METHODS) {
        const hash = nixBase32(createHash('sha256').update(`${label}${method}`).digest()).slice(0, 32);
        const name = `${hash}-${label}`;
        const file = path.join(dir, `${name}.${method}`);
        const t0 = process.hrtime.bigint();
        if (method === 'none' && size > 256 * MiB) {
          // Served as generated, not written out.
          routes.set(`/nar/${method}/${name}`, { size: narSize, open: () => Readable.from(narChunks(size, body)) });
        } else {
          await writeThrough(narChunks(size, body), file, program, levels[method] ? [levels[method], '-c'] : ['-c']);
          serveFile(`/nar/${method}/${name}`, file);
        }
        const fileSize = routes.get(`/nar/${method}/${name}`).size;
        const info = path.join(dir, `${hash}.narinfo`);
        writeFileSync(info, `StorePath: /gnu/store/${name}\nNarHash: sha256:${nixBase32(digest)}\nNarSize: ${narSize}\nReferences: \nURL: nar/${method}/${name}\nCompression: ${method}\nFileSize: ${fileSize}\n`);
        const signed = spawnSync(process.execPath, [CLI, 'narinfo', 'sign', '--key', secretKey, '--host', 'bench', info], { stdio: ['ignore', 'ignore', 'inherit'] });
        if (signed.status !== 0) throw new Error('keytool narinfo sign failed');
        serveFile(`/${hash}.narinfo`, info);
        out[method] = { hash, url: `${base}/nar/${method}/${name}`, file, fileSize, hex: digest.toString('hex'), narSize, made: Number(process.hrtime.bigint() - t0) / 1e9 };
      }
      return out;
    };
    const check = (item, rss) => timed([process.execPath, '--import', PROBE, CLI, 'substitutes', 'check', '--contents', '--acl', acl, base, item.hash], rss);
    const cPipeline = (method, item) => timed(['sh', '-c', `curl -sf "$1" ${method === 'none' ? '' : `| ${method} -dc `}| sha256sum`, 'sh', item.url]);

    const binary = readFileSync(process.execPath);
    const real = await publish('node', binary.length, function* () {
      for (let i = 0; i < binary.length; i += MiB) yield binary.subarray(i, i + MiB);
    }, { gzip: '-6', zstd: '-9', lzip: '-6' });
    console.log(`nar: the node binary, ${(real.none.narSize / MiB).toFixed(1)} MiB; compressed: ${METHODS.slice(1).map(([m, , l]) => `${m} ${l} ${(real[m].fileSize / MiB).toFixed(1)} MiB`).join(', ')}`);

    // Which gzip decompressor: each hashes in this process, interleaved.
    const gz = { 'node:zlib (16 KiB chunks)': () => createGunzip(), 'node:zlib (64 KiB chunks)': () => createGunzip({ chunkSize: 1 << 16 }), 'gzip -dc subprocess': () => subprocess('gzip') };
    if (has('pigz')) gz['pigz -dc subprocess'] = () => subprocess('pigz');
    const gzTimes = Object.fromEntries(Object.keys(gz).map((k) => [k, []]));
    for (let round = 0; round < 5; round++) {
      for (const [k, make] of Object.entries(gz)) {
        const r = await hashThrough(real.gzip.file, make());
        if (r.hex !== real.gzip.hex) throw new Error(`${k}: wrong hash`);
        gzTimes[k].push(r.seconds);
      }
    }
    console.log('gzip decompression and SHA-256 in this process, from the file (median of 5, interleaved):');
    for (const [k, t] of Object.entries(gzTimes)) console.log(`  ${k.padEnd(26)} ${(real.none.narSize / MiB / median(t)).toFixed(0).padStart(5)} MiB/s  (${median(t).toFixed(3)} s)`);

    // Throughput against the C pipeline, interleaved, alternating which goes first. Each round
    // also checks a 1 KiB nar both ways: what a run costs whatever the size (node start-up, the
    // narinfo fetched and its signature verified; curl's start-up), subtracted for throughput.
    const small = await publish('kib', 1024, function* () {
      yield Buffer.alloc(1024, 0x61);
    }, {});
    const rounds = 7;
    const times = Object.fromEntries(METHODS.map(([m]) => [m, { kt: [], c: [], kt0: [], c0: [], rss: [] }]));
    for (const [m] of METHODS) await check(real[m]); // warm the page cache and the server
    const keytoolSide = async (item, into, rss) => {
      const r = await check(item, rss ? path.join(dir, 'rss') : undefined);
      if (!/: valid \(/.test(r.stdout)) throw new Error(`keytool: ${r.stdout}`);
      into.push(r.seconds);
      if (rss) rss.push(r.rss);
    };
    const cSide = async (m, item, into) => {
      const r = await cPipeline(m, item);
      if (r.stdout.split(' ')[0] !== item.hex) throw new Error(`C pipeline for ${m}: wrong hash`);
      into.push(r.seconds);
    };
    for (let round = 0; round < rounds; round++) {
      for (const [m] of METHODS) {
        const t = times[m];
        const sides = [() => keytoolSide(real[m], t.kt, t.rss), () => cSide(m, real[m], t.c), () => keytoolSide(small[m], t.kt0), () => cSide(m, small[m], t.c0)];
        if (round % 2) sides.reverse();
        for (const side of sides) await side();
      }
    }
    console.log(`contents check of one item over HTTP on 127.0.0.1 against the C pipeline (median of ${rounds}, interleaved):`);
    console.log('  throughput = nar size / (time - time for a 1 KiB nar the same way); end to end = one item, start-up included');
    for (const [m] of METHODS) {
      const t = times[m];
      const [k, c, k0, c0] = [t.kt, t.c, t.kt0, t.c0].map(median);
      const mb = real[m].narSize / MiB;
      const pipe = m === 'none' ? 'curl | sha256sum' : `curl | ${m} -dc | sha256sum`;
      console.log(`  ${m.padEnd(5)} keytool ${(mb / (k - k0)).toFixed(0).padStart(4)} MiB/s, ${pipe} ${(mb / (c - c0)).toFixed(0).padStart(4)} MiB/s: throughput ratio ${((c - c0) / (k - k0)).toFixed(2)}x; end to end ${k.toFixed(3)} s vs ${c.toFixed(3)} s (${(c / k).toFixed(2)}x; fixed costs ${k0.toFixed(3)} s vs ${c0.toFixed(3)} s); keytool peak RSS ${median(t.rss).toFixed(0)} MiB`);
    }

    // Memory over a 1 GiB nar, against a 1 KiB one.
    const zeros = Buffer.alloc(MiB);
    const gib = await publish('gib', 1 << 30, function* () {
      for (let i = 0; i < 1024; i++) yield zeros;
    }, { gzip: '-1', zstd: '-1', lzip: '-0' });
    console.log('peak RSS of keytool checking a 1 GiB nar (zeros) against a 1 KiB nar:');
    for (const [m] of METHODS) {
      const a = await check(small[m], path.join(dir, 'rss'));
      const b = await check(gib[m], path.join(dir, 'rss'));
      if (!/: valid \(/.test(b.stdout)) throw new Error(`keytool: ${b.stdout}`);
      console.log(`  ${m.padEnd(5)} ${b.rss.toFixed(1)} MiB (1 KiB nar: ${a.rss.toFixed(1)} MiB; ${(1024 / b.seconds).toFixed(0)} MiB/s)`);
    }
  } finally {
    server.closeAllConnections?.();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
