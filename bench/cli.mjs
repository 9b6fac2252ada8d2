// The `keytool` commands a person types every day, against bare `node -e 0` in the same run
// (issue 14: target <= 1.3x): spawn to exit, medians of interleaved runs, and CPU time per start.
// `list` and `show` run the quick path (src/cli/quick.ts) from its code cache.
// Both sides run without NODE_EXTRA_CA_CERTS (bin/keytool keeps it from node for every command
// but `substitutes check`; set, it would make `node -e 0` parse a certificate bundle).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, configDir, cpuPerRun, fmt, median, shellQuote } from './authenticate.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keytool = path.join(root, 'bin', 'keytool');

export async function run() {
  const cfg = configDir();
  const env = { ...cleanEnv(), GUIX_CONFIGURATION_DIRECTORY: cfg.dir };
  const runs = Number(process.env.BENCH_CLI_RUNS ?? 61);
  const cases = {
    'node -e 0': [process.execPath, '-e', '0'],
    // What bin/keytool starts list, show and --version with (see there): the part of their
    // figures that is node's own start under that flag.
    'node --no-rehash… -e 0': [process.execPath, '--no-rehash-snapshot', '-e', '0'],
    'keytool --version': [keytool, '--version'],
    'keytool list (2 keys)': [keytool, 'list'],
    'keytool show KEY': [keytool, 'show', cfg.keys['ecdsa-ed25519'].pub],
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const [name, [cmd, ...args]] of Object.entries(cases)) {
    const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}: ${r.stderr}`);
  }
  for (let i = 0; i < runs; i++) {
    for (const [name, [cmd, ...args]] of Object.entries(cases)) {
      const t = process.hrtime.bigint();
      spawnSync(cmd, args, { env, stdio: 'ignore' });
      times[name].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  // CPU time per start (cpuPerRun), interleaved too: a round of each at a time.
  const cpu = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < 5; round++) {
    for (const [name, argv] of Object.entries(cases)) {
      const n = Math.ceil(runs / 5);
      cpu[name].push(cpuPerRun(argv.map(shellQuote).join(' '), n, { env }));
    }
  }
  rmSync(cfg.dir, { recursive: true, force: true });
  const base = median(times['node -e 0']);
  const cpuBase = median(cpu['node -e 0']);
  console.log(`CLI start-up, spawn to exit (median of ${runs}, interleaved), and CPU time per start (median of 5 rounds):`);
  for (const name of Object.keys(cases)) {
    const [t, c] = [median(times[name]), median(cpu[name])];
    console.log(`  ${name.padEnd(24)} ${fmt(t, 1).padStart(6)} ms  ${fmt(t / base)}x   CPU ${fmt(c, 1).padStart(6)} ms  ${fmt(c / cpuBase)}x bare node`);
  }
  const worst = Math.max(...['keytool --version', 'keytool list (2 keys)'].map((k) => median(times[k]) / base));
  console.log(`  target --version and list <= 1.30x: ${worst <= 1.3 ? 'met' : 'NOT met'} (worst ${fmt(worst)}x)`);
  onATerminal(env, runs, median(times['keytool list (2 keys)']) - base);
}

/**
 * As a person runs it: standard output on a terminal (a pseudo-terminal made by script(1), which
 * adds its own start to both sides, so the figure is the difference to `node -e 0` run the same way).
 */
function onATerminal(env, runs, offTerminal) {
  if (spawnSync('script', ['--version']).status !== 0) {
    console.log('  on a terminal: script(1) is missing, not measured');
    return;
  }
  const viaScript = (command) => () => spawnSync('script', ['-qec', command, '/dev/null'], { env, stdio: 'ignore' });
  const cases = { 'node -e 0': viaScript(`${shellQuote(process.execPath)} -e 0`), 'keytool list': viaScript(`${shellQuote(keytool)} list`) };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, run] of Object.entries(cases)) {
      const t = process.hrtime.bigint();
      run();
      times[name].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const extra = median(times['keytool list']) - median(times['node -e 0']);
  console.log(`  on a terminal (script(1), median of ${runs}): keytool list ${fmt(extra, 1)} ms more than node -e 0 (off a terminal: ${fmt(offTerminal, 1)} ms)`);
}
