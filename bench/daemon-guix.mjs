// What users feel of the helper: signed exports and verified imports of many small store items
// through the real guix-daemon (GNU Guix 1.5.0 in the real-Guix test root), one client
// connection per item as `guix copy` and offloading make them: one `guix archive --export ITEM`
// and one `guix archive --import` per item. Two daemons serve the same store with the same key
// pair and ACL, one with the real `guix authenticate`, one with ours (keytool-guix); their runs
// are interleaved item by item (alternating who goes first) and compared item by item.
//
// It needs the root that test/real-guix/setup.sh builds, and root privileges (chroot, mounts):
// from `npm run bench` (outside), it re-runs itself through setup.sh when the root is there and
// says so and skips when it is not. KEYTOOL_BENCH_DAEMON_ITEMS sets the number of items (40).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median } from './authenticate.mjs';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '..');
const work = path.join(root, 'test', '.tmp', 'bench-daemon-guix');
const setup = path.join(root, 'test', 'real-guix', 'setup.sh');
const cachedRoot = process.env.GUIX_KEYTOOL_ROOT ?? '/var/cache/guix-keytool/root';

/** The tier's support module (TypeScript), bundled for this script. */
async function support() {
  mkdirSync(work, { recursive: true });
  const outfile = path.join(work, 'support.mjs');
  await build({
    stdin: { contents: "export * from './daemon.ts'; export * from './items.ts'; export * from './root.ts';", resolveDir: path.join(root, 'test', 'real-guix', 'support'), loader: 'ts' },
    outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

/** Inside setup.sh's namespace: the measurement. */
async function measure() {
  const count = Number(process.env.KEYTOOL_BENCH_DAEMON_ITEMS ?? 40);
  const { freshStore, makeConfigDir, mustRun, startDaemon, stopAll, writeInRoot, WORK } = await support();
  await freshStore('root');
  const config = await makeConfigDir('bench', { keys: 'guix' });
  const env = { GUIX_CONFIGURATION_DIRECTORY: config.dir };
  await mustRun(['sh', '-c', `guix archive --authorize < ${config.dir}/signing-key.pub`], { env });
  const daemons = {};
  try {
    [daemons.real, daemons.ours] = await Promise.all([
      startDaemon({ name: 'bench-real', config, helper: 'real' }),
      startDaemon({ name: 'bench-ours', config, helper: 'ours' }),
    ]);
    // Small items, each a few dozen bytes, added by Guix's own client code in one session.
    const script = `${WORK}/scheme/bench-add.scm`;
    writeInRoot(script, `(use-modules (guix store))
(with-store s
  (let loop ((i 0))
    (when (< i ${count})
      (display (add-text-to-store s (string-append "bench-" (number->string i)) (string-append "small item " (number->string i) "\\n") '()))
      (newline)
      (loop (+ i 1)))))
`);
    const added = await daemons.real.guix(['repl', '--', script]);
    if (added.status !== 0) throw new Error(`adding ${count} items failed:\n${added.stderr}`);
    const items = added.stdout.toString().trim().split('\n');

    const times = { export: { real: [], ours: [] }, import: { real: [], ours: [] } };
    const archives = [];
    const once = async (op, who, item, i) => {
      const t0 = performance.now();
      const r = op === 'export' ? await daemons[who].guix(['archive', '--export', item]) : await daemons[who].guix(['archive', '--import'], { input: archives[i] });
      times[op][who].push(performance.now() - t0);
      if (r.status !== 0 || r.stderr) throw new Error(`${who} helper: guix archive --${op} ${item} failed (${r.status}):\n${r.stderr}`);
      return r.stdout;
    };
    const order = (i) => (i % 2 ? ['ours', 'real'] : ['real', 'ours']);
    // Warm-up (page cache, Guile's compiled modules): one of each, not counted.
    for (const who of ['real', 'ours']) await daemons[who].guix(['archive', '--export', items[0]]);
    for (const [i, item] of items.entries()) {
      const out = {};
      for (const who of order(i)) out[who] = await once('export', who, item, i);
      if (!out.real.equals(out.ours)) throw new Error(`${item}: the two helpers' signed exports differ`);
      archives.push(out.real);
    }
    // Imports of items the store holds already: the daemon still checks the signature (with the
    // helper's `verify`) before it looks at whether the item is valid.
    for (const [i, item] of items.entries()) for (const who of order(i)) await once('import', who, item, i);

    // What the comment above claims, checked after the timed runs: a logging helper sees a verify.
    const log = `${config.dir}/helper.log`;
    daemons.check = await startDaemon({ name: 'bench-check', config, helper: 'ours', env: { KEYTOOL_AUTHENTICATE_LOG: log } });
    await daemons.check.guix(['archive', '--import'], { input: archives[0] });
    const verified = (await mustRun(['cat', log])).stdout.toString().match(/ verify -> 0$/gm)?.length ?? 0;
    if (verified !== 1) throw new Error(`importing an item the store holds: ${verified} verify requests, expected 1`);

    // The ratio is the median of each item's ours/real: the two runs of an item are back to back,
    // so they share the machine's load, which on a busy machine moves absolute times by 2x.
    const row = (op) => {
      const { real, ours } = times[op];
      const ratio = median(ours.map((t, i) => t / real[i]));
      const delta = median(ours.map((t, i) => t - real[i]));
      return `${op === 'export' ? 'signed export' : 'verified import'} of one item, one client each (medians of ${count}): ` +
        `ours ${median(ours).toFixed(0)} ms, real helper ${median(real).toFixed(0)} ms; per item ours/real ${ratio.toFixed(2)}x (${delta >= 0 ? '+' : ''}${delta.toFixed(0)} ms)`;
    };
    console.log(`${count} small items through guix-daemon ${process.env.GUIX_KEYTOOL_GUIX_VERSION}, client 'guix archive' per item, runs interleaved`);
    console.log(row('export'));
    console.log(row('import'));
  } finally {
    await stopAll(Object.values(daemons));
  }
}

export async function run() {
  if (process.env.GUIX_KEYTOOL_ROOT) return measure();
  const marker = path.join(cachedRoot, '.guix-keytool-root');
  if (process.getuid?.() !== 0 || !existsSync(marker)) {
    console.log(`skipped: needs the real-Guix root (${cachedRoot}) and root privileges. Build it with ` +
      '`sudo test/real-guix/setup.sh` (about 1.2 GB, a few minutes), then run `sudo npm run bench` again.');
    return;
  }
  const r = spawnSync(setup, [process.execPath, here], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench daemon-guix: ${path.relative(root, setup)} exited ${r.status}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
