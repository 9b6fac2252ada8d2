// What belongs to the node that will run keytool: the daemon helper's V8 start-up snapshot,
// dist/helper.blob, built from dist/helper-snapshot.cjs, and the code cache of `keytool list` and
// `show` (codeCache() below). A snapshot loads only in the exact node binary (version, V8 flags)
// that made it, and V8 refuses another's code cache, so both are made on the machine that runs
// them, never shipped:
//  - `npm run build` makes them in a checkout (scripts/build.mjs calls snapshot() and codeCache());
//  - `npm pack` leaves them out of the package, and installing the package makes them (postinstall);
//  - after upgrading node, or if the install ran with --ignore-scripts:
//      npm rebuild -g guix-keytool      (or: node <package>/scripts/snapshot.mjs)
// bin/keytool uses the snapshot only with the node recorded beside it (dist/helper.blob.node:
// its path, its version, the V8 flags) and only while that node is not newer than the blob; else
// it runs the plain bundle, dist/helper.cjs, which works everywhere, about a third slower to start
// (`npm run bench`: 1.78× bare node against the snapshot's 1.35×).
// Run as a script it never fails an installation: without the snapshot keytool still works.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The helper's V8 flags: young-generation semi-spaces capped at 4 MiB keep a long session's
// RSS flat (default sizing grows them to 16 MiB in steps, +16 MiB of RSS each time) at no
// measurable cost in throughput. A snapshot only loads under the flags it was built with, so
// they are recorded beside it and bin/keytool passes them on.
// --no-rehash-snapshot: keep the string hash seed chosen when the snapshot was built instead
// of rehashing every string of the 5 MB snapshot at each start (about 6% of the start-up
// time). The seed is still random, per build; the helper keeps no hash table keyed by data
// from the outside, so a fixed seed offers no hash-flooding foothold.
const HELPER_FLAGS = ['--max-semi-space-size=4', '--no-rehash-snapshot'];

/**
 * Build `dir`/helper.blob from `dir`/helper-snapshot.cjs with this node, and record the node
 * beside it. Each file is written under a temporary name and renamed, so a helper starting
 * meanwhile finds the old pair or the new blob (the record changes last).
 */
export function snapshot(dir) {
  const blob = path.join(dir, 'helper.blob');
  const tmp = `${blob}.${process.pid}`;
  try {
    execFileSync(process.execPath, [...HELPER_FLAGS, '--snapshot-blob', tmp, '--build-snapshot', path.join(dir, 'helper-snapshot.cjs')], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    renameSync(tmp, blob);
    writeFileSync(`${tmp}.node`, `${process.execPath}\n${process.version}\n${HELPER_FLAGS.join(' ')}\n`);
    renameSync(`${tmp}.node`, `${blob}.node`);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.node`, { force: true });
  }
}

// The V8 flags of `keytool list`, `show` and `--version`: bin/keytool passes them (see there why
// this one is safe for those commands).
const QUICK_FLAGS = ['--no-rehash-snapshot'];

/**
 * Make `dir`/cli/quick.cache, the V8 code cache of the quick path (`keytool list` and `show`:
 * src/cli/quick.ts, src/cli/code-cache.ts), after a warm-up on the example keys in `examples`.
 * Like the snapshot it belongs to this node: another node's V8 refuses it, and keytool then
 * compiles the quick path as usual.
 */
export function codeCache(dir, examples) {
  const [maker, quick] = [path.join(dir, 'cli', 'code-cache.cjs'), path.join(dir, 'cli', 'quick.cjs')].map((f) => JSON.stringify(f));
  const script = `require(${maker}).makeCodeCache(${quick}, (q) => q.warmUp(${JSON.stringify(examples)}))
    .catch((e) => { console.error(e.message); process.exit(1); });`;
  // In a node of its own, under the flags bin/keytool runs the quick path with: V8 takes a code
  // cache only under the flags it was made with.
  execFileSync(process.execPath, [...QUICK_FLAGS, '-e', script], { stdio: ['ignore', 'inherit', 'pipe'] });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dir = path.join(root, 'dist');
  // In a fresh checkout (npm ci runs postinstall too) there is nothing to make them from yet.
  if (existsSync(path.join(dir, 'helper-snapshot.cjs'))) {
    try {
      snapshot(dir);
    } catch (e) {
      console.error(`guix-keytool: the helper's start-up snapshot was not built (${e.message.split('\n')[0]}); keytool authenticate uses its plain bundle, which works, only starts more slowly`);
    }
  }
  if (existsSync(path.join(dir, 'cli', 'code-cache.cjs'))) {
    try {
      codeCache(dir, path.join(root, 'keys-example'));
    } catch (e) {
      const why = (e.stderr?.toString() || e.message).trim().split('\n')[0];
      console.error(`guix-keytool: the code cache of keytool list and show was not made (${why}); they work, only start more slowly`);
    }
  }
}
