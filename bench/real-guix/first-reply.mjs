// The start-up half of bench/authenticate.mjs against the real `guix authenticate` (GNU Guix 1.5.0
// in the real-Guix test root), run inside test/real-guix/setup.sh's namespace: both helpers are
// started the same way, `chroot ROOT PROGRAM authenticate`, with the same environment, and timed
//  - spawn → exit, on empty input;
//  - spawn → the first reply complete, for one `sign` and one `verify` per key type (the request is
//    written as soon as the process is spawned, as guix-daemon does).
// Every measurement is interleaved (run i of every case and helper before run i+1 of any), and
// the replies of both helpers are checked to be the same bytes. Each start is timed by
// spawn-timer.c, in C, so that no event loop of the bench's own is part of the figures.
//
//   node first-reply.mjs SPAWN-TIMER RUNS   (needs GUIX_KEYTOOL_ROOT and GUIX_KEYTOOL_CHECKOUT, as root)
// SPAWN-TIMER is bench/real-guix/spawn-timer.c compiled. Prints one JSON object:
// { labels, cases: [{ name, helper, ms: [...], cpu: [...] }] }.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const checkout = path.resolve(here, '..', '..');
const ROOT = process.env.GUIX_KEYTOOL_ROOT;
const IN_ROOT = process.env.GUIX_KEYTOOL_CHECKOUT ?? '/opt/guix-keytool';
if (!ROOT) throw new Error('first-reply.mjs runs under test/real-guix/setup.sh (GUIX_KEYTOOL_ROOT is not set)');
const timer = process.argv[2];
const runs = Number(process.argv[3] ?? 31);

/** The key types Guix can sign with, one test-vector key each; Ed25519 is Guix's default. */
export const LABELS = ['ecdsa-ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ecdsa-secp256k1', 'rsa-2048', 'rsa-4096'];

const vectors = JSON.parse(readFileSync(path.join(checkout, 'test', 'fixtures', 'signatures.json'), 'utf8')).keys;
const scratch = `/tmp/real-guix/bench-first-reply-${process.pid}`;
rmSync(ROOT + scratch, { recursive: true, force: true });

/**
 * One configuration directory per key type, as a daemon's: its key pair, and an ACL of two keys
 * (Guix's default Ed25519 key and this one; for Ed25519, it and the RSA-2048 key).
 */
function configDir(label) {
  const key = (l) => vectors.find((v) => v.label === l);
  const dir = `${scratch}/${label}`;
  mkdirSync(ROOT + dir, { recursive: true });
  const k = key(label);
  writeFileSync(`${ROOT}${dir}/signing-key.sec`, Buffer.from(k.secret_key_file, 'hex'), { mode: 0o600 });
  writeFileSync(`${ROOT}${dir}/signing-key.pub`, Buffer.from(k.public_key_file, 'hex'));
  const other = key(label === 'ecdsa-ed25519' ? 'rsa-2048' : 'ecdsa-ed25519');
  const indent = (hex) => Buffer.from(hex, 'hex').toString('latin1').trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
  const entries = [k, other].map((v) => ` (entry \n${indent(v.public_key_file)}\n  (tag \n   (guix import)\n   )\n  )`);
  writeFileSync(`${ROOT}${dir}/acl`, `(acl \n${entries.join('\n')}\n )\n`);
  const sig = k.signatures.find((s) => s.verify);
  return { dir, sec: `${dir}/signing-key.sec`, hash: sig.hash, signature: Buffer.from(sig.signature, 'hex') };
}

const arg = (b) => Buffer.concat([Buffer.from(`${b.length}:`), Buffer.isBuffer(b) ? b : Buffer.from(b, 'latin1')]);
const request = (cmd, ...args) => Buffer.concat([Buffer.from(cmd), ...args.flatMap((a) => [Buffer.from(' '), arg(a)]), Buffer.from('\n')]);

const HELPERS = {
  guix: ['guix', 'authenticate'],
  keytool: [`${IN_ROOT}/bin/keytool`, 'authenticate'],
};

/** One start of `chroot ROOT ...argv` under spawn-timer: milliseconds to the reply (or to the
 *  exit, without input), the child's CPU milliseconds, and the reply's bytes. */
function once(argv, env, inputFile) {
  const r = spawnSync(timer, [inputFile, 'chroot', ROOT, ...argv], { cwd: '/', env, encoding: 'latin1', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || `exit status ${r.status}`}`);
  const nl = r.stdout.indexOf('\n');
  const [reply, exit, user, sys] = r.stdout.slice(0, nl).split(' ').map(Number);
  return { ms: (inputFile === '/dev/null' ? exit : reply) / 1000, cpu: (user + sys) / 1000, reply: r.stdout.slice(nl + 1) };
}

const envFor = (dir) => ({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', GUIX_CONFIGURATION_DIRECTORY: dir });

try {
  const keys = Object.fromEntries(LABELS.map((l) => [l, configDir(l)]));
  const def = keys['ecdsa-ed25519'];
  const input = (name, bytes) => {
    const file = `${ROOT}${scratch}/${name.replace(/ /g, '-')}.request`;
    writeFileSync(file, bytes);
    return file;
  };
  const cases = [{ name: 'empty', dir: def.dir, input: '/dev/null' }];
  for (const l of LABELS) {
    cases.push({ name: `sign ${l}`, dir: keys[l].dir, input: input(`sign ${l}`, request('sign', keys[l].sec, keys[l].hash)) });
    cases.push({ name: `verify ${l}`, dir: keys[l].dir, input: input(`verify ${l}`, request('verify', keys[l].signature)) });
  }
  const results = [];
  const series = (c, helper, argv) => {
    const r = { name: c.name, helper, ms: [], cpu: [], reply: undefined };
    results.push(r);
    return () => {
      const { ms, cpu, reply } = once(argv, envFor(c.dir), c.input);
      r.ms.push(ms);
      r.cpu.push(cpu);
      if (r.reply === undefined) r.reply = reply;
      else if (r.reply !== reply) throw new Error(`${helper} ${c.name}: the reply changed between runs`);
    };
  };
  const steps = [];
  for (const c of cases) {
    for (const [helper, argv] of Object.entries(HELPERS)) steps.push(series(c, helper, argv));
    if (c.input === '/dev/null') steps.push(series(c, 'node -e 0', ['/usr/bin/node', '-e', '0']));
  }
  for (const step of steps) step(); // warm the page cache
  for (const r of results) {
    r.ms = [];
    r.cpu = [];
  }
  for (let i = 0; i < runs; i++) for (const step of steps) step();
  for (const c of cases) {
    const [a, b] = ['guix', 'keytool'].map((h) => results.find((r) => r.name === c.name && r.helper === h).reply);
    if (c.input !== '/dev/null' && a !== b) throw new Error(`${c.name}: the replies differ: guix ${JSON.stringify(a.slice(0, 200))}, keytool ${JSON.stringify(b.slice(0, 200))}`);
  }
  process.stdout.write(`${JSON.stringify({ labels: LABELS, cases: results.map(({ name, helper, ms, cpu }) => ({ name, helper, ms, cpu })) })}\n`);
} finally {
  rmSync(ROOT + scratch, { recursive: true, force: true });
}
