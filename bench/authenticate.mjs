// `keytool authenticate` against its baselines, measured in the same run:
//  - start-up: spawn to exit on empty input, `bin/keytool authenticate` (V8 snapshot) and the plain
//    bundle, against bare `node -e 0` (medians of interleaved runs);
//  - throughput: 2000 `sign` then 2000 `verify` requests in lock-step (one request, wait for the
//    reply, as guix-daemon does) for an Ed25519 and an RSA-2048 key, against libgcrypt doing the
//    same operations in-process in C. Both sides are played by bench/daemon-driver.c: a C stand-in
//    for the daemon (which is C++), so the figure is the helper's, not a Node client's event loop;
//    libgcrypt's rounds run in the same process, interleaved with the helper's;
//  - against the real `guix authenticate` (issue 14): spawn to exit on empty input and spawn to
//    the first reply, sign and verify for each key type, both helpers started the same way from
//    the real-Guix test root (see againstGuix);
//  - memory: RSS of one helper over a 100,000-request session, sampled at start, middle and end.
// Targets (issues 3 and 14): start-up <= 1.2x bare node; Ed25519 sign and verify >= 1.0x
// libgcrypt; against the real helper, Ed25519 <= 1.0x on both columns, every key type <= 1.2x.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keytool = path.join(root, 'bin', 'keytool');
const tmpRoot = path.join(root, 'test', '.tmp');

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const fmt = (x, d = 2) => x.toFixed(d);
/** `s` as one single-quoted bash word. */
export const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * CPU time (user + system) in ms per run of the bash command line `command`, from bash's `times`
 * over `n` runs: steadier than wall time on a busy machine, since waiting for a core does not count.
 */
export function cpuPerRun(command, n, options) {
  const out = execFileSync('bash', ['-c', `for i in $(seq ${n}); do ${command} </dev/null >/dev/null 2>&1; done; times`], { encoding: 'latin1', ...options });
  const [user, sys] = [...out.trim().split('\n').pop().matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return ((user + sys) / n) * 1000;
}

/** A configuration directory holding the Ed25519 and RSA-2048 vector keys, both in the ACL. */
export function configDir() {
  const vectors = JSON.parse(readFileSync(path.join(root, 'test', 'fixtures', 'signatures.json'), 'utf8')).keys;
  mkdirSync(tmpRoot, { recursive: true });
  const dir = mkdtempSync(path.join(tmpRoot, 'bench-authenticate-'));
  const keys = {};
  for (const label of ['ecdsa-ed25519', 'rsa-2048']) {
    const k = vectors.find((v) => v.label === label);
    const base = path.join(dir, label);
    writeFileSync(`${base}.sec`, Buffer.from(k.secret_key_file, 'hex'), { mode: 0o600 });
    writeFileSync(`${base}.pub`, Buffer.from(k.public_key_file, 'hex'));
    keys[label] = { sec: `${base}.sec`, pub: `${base}.pub`, pubText: Buffer.from(k.public_key_file, 'hex').toString('latin1') };
  }
  // The ACL as Guix writes it, assembled from the advanced-form key texts.
  const indent = (t) => t.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
  const entries = Object.values(keys).map((k) => ` (entry \n${indent(k.pubText)}\n  (tag \n   (guix import)\n   )\n  )`);
  writeFileSync(path.join(dir, 'acl'), `(acl \n${entries.join('\n')}\n )\n`);
  return { dir, keys };
}

/** The daemon's side: lock-step requests, replies read as readAuthenticateReply does. */
class Helper {
  constructor(env) {
    this.child = spawn(keytool, ['authenticate'], { cwd: '/', env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'ignore'] });
    this.buf = Buffer.alloc(0);
    this.wait = null;
    this.child.stdout.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      const w = this.wait;
      this.wait = null;
      w?.();
    });
  }
  /** One complete reply from the buffer, or undefined. */
  take() {
    const sp = this.buf.indexOf(0x20);
    const colon = this.buf.indexOf(0x3a, sp + 1);
    if (sp < 0 || colon < 0) return undefined;
    const len = Number(this.buf.subarray(sp + 1, colon).toString('latin1'));
    if (this.buf.length < colon + 1 + len) return undefined;
    const reply = { code: Number(this.buf.subarray(0, sp).toString('latin1')), payload: this.buf.subarray(colon + 1, colon + 1 + len) };
    this.buf = this.buf.subarray(colon + 1 + len);
    return reply;
  }
  async request(bytes) {
    this.child.stdin.write(bytes);
    for (;;) {
      const r = this.take();
      if (r) return r;
      await new Promise((resolve) => (this.wait = resolve));
    }
  }
  async close() {
    this.child.stdin.end();
    await new Promise((resolve) => this.child.on('close', resolve));
  }
  rss() {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'latin1');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
  }
}

const arg = (s) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1');
  return Buffer.concat([Buffer.from(`${b.length}:`), b]);
};
const req = (cmd, ...args) => Buffer.concat([Buffer.from(cmd), ...args.flatMap((a) => [Buffer.from(' '), arg(a)]), Buffer.from('\n')]);
const hashFor = (i) => (i + 1).toString(16).padStart(64, '0');

/**
 * The environment without what bin/keytool drops for the helper (NODE_OPTIONS, and
 * NODE_EXTRA_CA_CERTS: set on some machines, it makes every node start parse a certificate
 * bundle, several times node's own start-up), so that `node -e 0` is measured on equal terms.
 */
export function cleanEnv() {
  const { NODE_OPTIONS: _o, NODE_EXTRA_CA_CERTS: _c, ...env } = process.env;
  return env;
}

/** Start-up as the daemon sees it: the configuration directory holds an ACL (two keys) to read. */
async function startup(cfg) {
  const env = { ...cleanEnv(), GUIX_CONFIGURATION_DIRECTORY: cfg.dir };
  const runs = 101;
  const cases = {
    'node -e 0': () => spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore', env }),
    'keytool authenticate (snapshot)': () => spawnSync(keytool, ['authenticate'], { stdio: ['ignore', 'ignore', 'ignore'], cwd: '/', env }),
    'keytool authenticate (plain bundle)': () =>
      spawnSync(keytool, ['authenticate'], { stdio: ['ignore', 'ignore', 'ignore'], cwd: '/', env: { ...env, KEYTOOL_NODE: process.execPath } }),
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const run of Object.values(cases)) run(); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const [name, run] of Object.entries(cases)) {
      const t = process.hrtime.bigint();
      run();
      times[name].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const base = median(times['node -e 0']);
  console.log(`start-up, spawn to exit on empty input, reading an ACL of two keys (median of ${runs}, interleaved):`);
  for (const [name, ts] of Object.entries(times)) {
    console.log(`  ${name.padEnd(38)} ${fmt(median(ts), 1).padStart(7)} ms   ${fmt(median(ts) / base)}x bare node`);
  }
  const ratio = median(times['keytool authenticate (snapshot)']) / base;
  console.log(`  target <= 1.20x: ${ratio <= 1.2 ? 'met' : 'NOT met'} (${fmt(ratio)}x)`);
  const cpu = (command) => cpuPerRun(command, runs, { cwd: '/', env });
  const cpuBase = cpu(`${shellQuote(process.execPath)} -e 0`);
  const cpuSnap = cpu(`GUIX_CONFIGURATION_DIRECTORY=${shellQuote(cfg.dir)} ${shellQuote(keytool)} authenticate`);
  console.log(`  CPU time per start: node -e 0 ${fmt(cpuBase, 1)} ms, keytool authenticate ${fmt(cpuSnap, 1)} ms (${fmt(cpuSnap / cpuBase)}x)`);
}

/** The C stand-in for guix-daemon (bench/daemon-driver.c), linked with libgcrypt for the baseline. */
function driverBinary() {
  const flags = execFileSync('libgcrypt-config', ['--cflags', '--libs'], { encoding: 'utf8' }).trim().split(/\s+/);
  return cBinary(path.join(root, 'bench', 'daemon-driver.c'), 'daemon-driver', flags);
}

/** A C program built on the fly into test/.tmp (rebuilt when its source is newer). */
function cBinary(source, name, flags = []) {
  const binary = path.join(tmpRoot, name);
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(tmpRoot, { recursive: true });
  const tmp = `${binary}.${process.pid}`;
  execFileSync('cc', ['-O2', '-o', tmp, source, ...flags], { stdio: 'inherit' });
  execFileSync('mv', [tmp, binary]);
  return binary;
}

/**
 * Side by side with the real `guix authenticate` (GNU Guix 1.5.0 in the real-Guix test root),
 * both started as `chroot ROOT ... authenticate` in test/real-guix/setup.sh's namespace: spawn to
 * exit on empty input, and spawn to the first reply for one `sign` and one `verify` per key type
 * (bench/real-guix/first-reply.mjs). Needs root and the root built (`npm run test:guix` builds it).
 */
export async function againstGuix() {
  const runs = Number(process.env.BENCH_GUIX_RUNS ?? 31);
  const rootDir = process.env.GUIX_KEYTOOL_ROOT ?? '/var/cache/guix-keytool/root';
  console.log(`against the real \`guix authenticate\` (GNU Guix 1.5.0 in ${rootDir}), both started as \`chroot ROOT PROGRAM authenticate\`,`);
  console.log(`medians of ${runs} interleaved runs, ratios to the real helper in this run:`);
  if (process.getuid?.() !== 0) return console.log('  skipped: needs root (chroot, mount); run the bench as root');
  if (!existsSync(path.join(rootDir, '.guix-keytool-root'))) return console.log('  skipped: the real-Guix root is not built; `npm run test:guix` (as root) builds it');
  const timer = cBinary(path.join(root, 'bench', 'real-guix', 'spawn-timer.c'), 'spawn-timer');
  const out = execFileSync(path.join(root, 'test', 'real-guix', 'setup.sh'), [process.execPath, path.join(root, 'bench', 'real-guix', 'first-reply.mjs'), timer, String(runs)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 26,
  });
  const { labels, cases } = JSON.parse(out.trim().split('\n').pop());
  const med = (name, helper, what = 'ms') => median(cases.find((c) => c.name === name && c.helper === helper)[what]);
  const row = (label, name) => {
    const [g, k] = [med(name, 'guix'), med(name, 'keytool')];
    const [gc, kc] = [med(name, 'guix', 'cpu'), med(name, 'keytool', 'cpu')];
    console.log(`  ${label.padEnd(34)} guix ${fmt(g, 1).padStart(6)} ms   keytool ${fmt(k, 1).padStart(6)} ms   ${fmt(k / g)}x   (CPU ${fmt(kc / gc)}x)`);
    return k / g;
  };
  const ratios = { empty: row('spawn → exit, empty input', 'empty') };
  console.log(`  ${'node -e 0 (same way)'.padEnd(34)} ${fmt(med('empty', 'node -e 0'), 1).padStart(11)} ms   ${fmt(med('empty', 'node -e 0') / med('empty', 'guix'))}x the real helper`);
  console.log('  spawn → first reply:');
  for (const l of labels) for (const op of ['sign', 'verify']) ratios[`${op} ${l}`] = row(`  ${op} ${l}`, `${op} ${l}`);
  const ed = ['empty', 'sign ecdsa-ed25519', 'verify ecdsa-ed25519'].map((k) => ratios[k]);
  const worst = Math.max(...Object.values(ratios));
  console.log(`  target Ed25519 <= 1.00x on both columns: ${ed.every((r) => r <= 1) ? 'met' : 'NOT met'} (${ed.map((r) => fmt(r)).join(', ')})`);
  console.log(`  target every key type <= 1.20x: ${worst <= 1.2 ? 'met' : 'NOT met'} (worst ${fmt(worst)}x)`);
}

export async function throughput(cfg) {
  const n = 2000;
  const rounds = 4; // libgcrypt's runs interleaved with ours, so that both see the same machine load
  const driver = driverBinary();
  console.log(`throughput, ${n} sign then ${n} verify requests in lock-step, vs libgcrypt in-process in C`);
  console.log(`(the daemon's side played by a C program, as guix-daemon is C++; ${rounds} interleaved rounds):`);
  for (const label of ['ecdsa-ed25519', 'rsa-2048']) {
    const key = cfg.keys[label];
    const out = execFileSync(driver, [keytool, cfg.dir, key.sec, key.pub, String(n), String(rounds)], { encoding: 'latin1' });
    const h = /helper sign (\S+) verify (\S+) nop (\S+)/.exec(out);
    const g = /libgcrypt sign (\S+) verify (\S+)/.exec(out);
    const ours = { sign: Number(h[1]), verify: Number(h[2]) };
    const theirs = { sign: Number(g[1]), verify: Number(g[2]) };
    const line = (op) => `  ${`${label} ${op}`.padEnd(22)} keytool ${fmt(n / ours[op], 0).padStart(6)}/s   libgcrypt ${fmt(n / theirs[op], 0).padStart(6)}/s   ${fmt(theirs[op] / ours[op])}x`;
    console.log(line('sign'));
    console.log(line('verify'));
    if (label === 'ecdsa-ed25519') {
      const ok = ours.sign <= theirs.sign && ours.verify <= theirs.verify;
      console.log(`  target Ed25519 sign and verify >= 1.00x libgcrypt: ${ok ? 'met' : 'NOT met'}`);
      // What the protocol itself costs: a round trip for a request that does no crypto.
      console.log(`  protocol round trip alone (404 replies): ${fmt((Number(h[3]) / n) * 1e6, 0)} us per request`);
    }
  }
}

async function memory(cfg) {
  const total = 100_000;
  const key = cfg.keys['ecdsa-ed25519'];
  const helper = new Helper({ GUIX_CONFIGURATION_DIRECTORY: cfg.dir });
  const sig = (await helper.request(req('sign', key.sec, hashFor(0)))).payload;
  // A mix of what a long-lived helper sees: signs, verifies, and cheap failures.
  const requests = [
    (i) => req('sign', key.sec, hashFor(i)),
    () => req('verify', sig),
    () => req('verify', 'wrong'),
    () => Buffer.from('frobnicate 3:abc\n'),
    () => Buffer.from('sign 3:abcdef 1:x\n'),
  ];
  const samples = [];
  const t = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    if (i % (total / 10) === 0) samples.push([i, helper.rss()]);
    await helper.request(requests[i % requests.length](i));
  }
  samples.push([total, helper.rss()]);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  await helper.close();
  const at = (i) => samples.find(([j]) => j === i)[1];
  const start = at(0);
  const middle = at(total / 2);
  const end = at(total);
  // The first requests build tables and let V8 size its heap; after that the RSS must not keep
  // growing with the number of requests: the second half may add at most 15% to the middle's RSS.
  const secondHalf = end - middle;
  const flat = secondHalf <= 0.15 * middle;
  console.log(`memory over a ${total}-request session (${fmt(seconds, 1)} s; signs, verifies, failures mixed), RSS in MiB:`);
  console.log(`  ${samples.map(([i, rss]) => `${i / 1000}k: ${fmt(rss, 1)}`).join(', ')}`);
  console.log(`  start ${fmt(start, 1)}, middle ${fmt(middle, 1)}, end ${fmt(end, 1)}: ${flat ? 'flat' : 'NOT flat'} after warm-up (second half ${secondHalf >= 0 ? '+' : ''}${fmt(secondHalf, 1)} MiB)`);
}

export async function run() {
  const cfg = configDir();
  try {
    await startup(cfg);
    await againstGuix();
    await throughput(cfg);
    if (!process.env.BENCH_QUICK) await memory(cfg);
  } finally {
    rmSync(cfg.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
