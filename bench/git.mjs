// `keytool git authenticate` on a generated signed history (default 10,000 commits; set
// KEYTOOL_BENCH_GIT_COMMITS for more, e.g. 100000 for a Guix-sized history). The history is made
// once by test/git/support/history.ts (bundled here with esbuild) and kept in test/.tmp/bench-git.
// Baseline: `git log` printing every commit message, i.e. reading each commit object once.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keytool = path.join(root, 'bin', 'keytool');
const work = path.join(root, 'test', '.tmp', 'bench-git');
const GENERATOR_VERSION = 1;

async function history(count) {
  const dir = path.join(work, `repo-${count}`);
  const metaFile = path.join(work, `repo-${count}.json`);
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (meta.version === GENERATOR_VERSION && existsSync(dir)) return meta;
  }
  mkdirSync(work, { recursive: true });
  const bundle = path.join(work, 'history.mjs');
  await build({ entryPoints: [path.join(root, 'test/git/support/history.ts')], outfile: bundle, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  const { generateHistory } = await import(pathToFileURL(bundle).href);
  const t0 = performance.now();
  const h = generateHistory(dir, count, { signers: 6, rsa: true });
  console.log(`generated ${h.commits} signed commits in ${((performance.now() - t0) / 1000).toFixed(1)} s (cached in ${path.relative(root, dir)})`);
  const meta = { ...h, version: GENERATOR_VERSION };
  writeFileSync(metaFile, JSON.stringify(meta));
  return meta;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Wall time, and CPU time (user + system, children included) when /usr/bin/time is there. */
function timed(cmd, args, options) {
  const t0 = performance.now();
  const r = TIME
    ? spawnSync(TIME, ['-f', '@@cpu %U %S', cmd, ...args], { ...options, encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(cmd, args, { ...options, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /@@cpu ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { ms, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN, r };
}

function best(runs) {
  return { ms: Math.min(...runs.map((x) => x.ms)), cpu: Math.min(...runs.map((x) => x.cpu)) };
}

export async function run() {
  const count = Number(process.env.KEYTOOL_BENCH_GIT_COMMITS ?? 10_000);
  const h = await history(count);
  const cache = path.join(work, 'cache');
  rmSync(cache, { recursive: true, force: true });
  const env = { ...process.env, XDG_CACHE_HOME: cache, NO_COLOR: '1' };
  const opts = { cwd: h.dir, env };

  const git = best([0, 1, 2].map(() => timed('git', ['log', '--format=%H%n%B', 'main'], opts)));
  const node = best([0, 1, 2].map(() => timed(process.execPath, ['-e', '0'], opts)));
  let n = 0;
  const authenticate = (workers) => {
    const { ms, cpu, r } = timed(keytool, ['git', 'authenticate', h.intro, h.signer, '--cache-key', `bench/${n++}`], { ...opts, env: { ...env, ...(workers === undefined ? {} : { KEYTOOL_GIT_WORKERS: String(workers) }) } });
    if (!r.stderr.includes(`successfully authenticated commit ${h.head}`)) throw new Error(r.stderr);
    return { ms, cpu };
  };
  const inline = best([0, 1].map(() => authenticate(0)));
  const threads = best([0, 1].map(() => authenticate(undefined)));
  const cached = best([0, 1, 2].map(() => timed(keytool, ['git', 'authenticate', h.intro, h.signer, '--cache-key', 'bench/0'], opts)));
  const checked = h.commits - 1;
  const workers = Math.max(0, Math.min(4, availableParallelism() - 1)); // VerifyPool.defaultSize()
  const rate = (t) => Math.round(checked / (t.ms / 1000));
  const cpu = (t) => (Number.isNaN(t.cpu) ? '' : `, CPU ${t.cpu.toFixed(0)} ms`);
  console.log(`history: ${h.commits} commits (6 Ed25519 keys + 1 RSA-2048, SHA-512 signatures, a merge every 100); ${availableParallelism()} cores`);
  console.log(`baseline 'git log' reading every commit: ${git.ms.toFixed(0)} ms${cpu(git)}`);
  console.log(`first run, verifying in main thread:      ${inline.ms.toFixed(0)} ms${cpu(inline)}, ${rate(inline)} commits/s, ${(inline.ms / git.ms).toFixed(1)}x git log`);
  console.log(`first run, ${workers} verification thread${workers === 1 ? '' : 's'} (default):${' '.repeat(workers === 1 ? 1 : 0)}${threads.ms.toFixed(0)} ms${cpu(threads)}, ${rate(threads)} commits/s, ${(threads.ms / git.ms).toFixed(1)}x git log`);
  console.log(`cached run (nothing new):           ${cached.ms.toFixed(0)} ms, ${(cached.ms / node.ms).toFixed(1)}x bare 'node -e 0' (${node.ms.toFixed(0)} ms)`);
  console.log(`projection: ${(100_000 / Math.max(rate(inline), rate(threads))).toFixed(0)} s for a 100,000-commit history on first run`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
