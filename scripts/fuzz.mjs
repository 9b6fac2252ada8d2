// `npm run fuzz`: the long fuzz run. Bundles test/fuzz/child.ts with esbuild (plain node, no
// TypeScript loader), then runs each target in its own process, one after the other (one core),
// and prints, per target: inputs, time, inputs/s, slowest input, peak RSS, outcome counts, bugs.
//
//   node scripts/fuzz.mjs [--runs N] [--seed S] [--targets a,b] [--max-ms 1000] [--max-rss-mb 1024]
//                         [--hang-s 60] [--out fuzz-failures]
//   node scripts/fuzz.mjs --replay fuzz-failures/<file>.bin     (feed one saved input again)
//
// Bounds: an input taking longer than --max-ms is a bug (reported with its time); a process that
// gives no sign of life for --hang-s is killed and the input it was on saved; a process whose RSS
// passes --max-rss-mb (or that dies) is a bug too, with its input saved. Every bug's input is
// saved under --out (raw bytes, and a .json with the seed, index, cuts, error and stack); the
// exit status is 1 when there was any bug.
import { build } from 'esbuild';
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGETS = ['nar', 'bundle', 'narinfo', 'openpgp-packets', 'openpgp-armor', 'guix-authorizations', 'sexp', 'helper-protocol'];

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.FUZZ_RUNS ?? '1000000' },
    seed: { type: 'string', default: process.env.FUZZ_SEED ?? String(Date.now() % 2 ** 31) },
    targets: { type: 'string', default: TARGETS.join(',') },
    'max-ms': { type: 'string', default: '1000' },
    'max-rss-mb': { type: 'string', default: '1024' },
    'hang-s': { type: 'string', default: '60' },
    out: { type: 'string', default: 'fuzz-failures' },
    replay: { type: 'string' },
  },
});
const runs = Number(opts.runs);
const seed = Number(opts.seed);
const maxMillis = Number(opts['max-ms']);
const maxRssMb = Number(opts['max-rss-mb']);
const hangMs = Number(opts['hang-s']) * 1000;
const outDir = path.resolve(root, opts.out);

const work = mkdtempSync(path.join(tmpdir(), 'keytool-fuzz-run-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const bundle = path.join(work, 'child.mjs');
await build({
  entryPoints: [path.join(root, 'test/fuzz/child.ts')],
  outfile: bundle,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline', // stacks name the source files
  banner: { js: "import { createRequire as __fuzzCreateRequire } from 'node:module'; const require = __fuzzCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

/** The input a child was on, from its state file (see encodeState in test/fuzz/child.ts). */
function readState(file) {
  if (!existsSync(file)) return undefined;
  const b = readFileSync(file);
  if (b.length < 12) return undefined;
  const s = b.subarray(4, 4 + b.readUInt32LE(0));
  const count = s.readUInt32LE(4);
  const cuts = Array.from({ length: count }, (_, i) => s.readUInt32LE(8 + 4 * i));
  return { index: s.readUInt32LE(0), input: { bytes: new Uint8Array(s.subarray(8 + 4 * count)), cuts } };
}

/** Run one child to completion; resolves with its report, or with the fault that ended it. */
function runChild(job) {
  return new Promise((resolve) => {
    const child = fork(bundle, [], {
      serialization: 'advanced',
      execArgv: [`--max-old-space-size=${maxRssMb}`, '--enable-source-maps'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    let lastSign = Date.now();
    let peakRss = 0;
    let killedFor;
    const kill = (why) => {
      killedFor ??= why;
      child.kill('SIGKILL');
    };
    const watchdog = setInterval(() => {
      if (Date.now() - lastSign > hangMs) kill(`no sign of life for ${hangMs / 1000} s (a hang)`);
    }, 500);
    child.on('message', (m) => {
      lastSign = Date.now();
      if (m.type === 'progress') {
        peakRss = Math.max(peakRss, m.rss);
        if (m.rss > maxRssMb * 2 ** 20) kill(`RSS ${(m.rss / 2 ** 20).toFixed(0)} MiB passed the ${maxRssMb} MiB bound`);
        if (process.stderr.isTTY) process.stderr.write(`\r${job.target}: ${m.done} inputs, RSS ${(m.rss / 2 ** 20).toFixed(0)} MiB   `);
      } else result = m;
    });
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      if (result) return resolve({ ...result, peakRss: Math.max(peakRss, (result.maxRssKiB ?? 0) * 1024) });
      resolve({ type: 'died', why: killedFor ?? `the process died (${signal ?? `exit status ${code}`})`, state: readState(job.stateFile), peakRss });
    });
    child.send(job);
  });
}

const hex = (b) => Buffer.from(b).toString('hex');

/** Save a bug's input (the shrunk one when there is one) and its story; returns the file name. */
function save(target, bug) {
  mkdirSync(outDir, { recursive: true });
  const input = bug.minimal ?? bug.input;
  const id = createHash('sha256').update(bug.signature).digest('hex').slice(0, 12);
  const base = path.join(outDir, `${target}-${id}`);
  writeFileSync(`${base}.bin`, input.bytes);
  writeFileSync(`${base}.json`, `${JSON.stringify({ target, seed, index: bug.index, count: bug.count, signature: bug.signature, message: bug.message, stack: bug.stack, cuts: input.cuts, originalLength: bug.input.bytes.length, hex: input.bytes.length <= 4096 ? hex(input.bytes) : undefined }, null, 1)}\n`);
  return path.relative(process.cwd(), `${base}.bin`);
}

if (opts.replay) {
  const file = path.resolve(opts.replay);
  const meta = JSON.parse(readFileSync(file.replace(/\.bin$/, '.json'), 'utf8'));
  const r = await runChild({ target: meta.target, runs: 1, seed: 0, maxMillisPerInput: maxMillis, stateFile: path.join(work, 'state'), replay: { bytes: new Uint8Array(readFileSync(file)), cuts: meta.cuts ?? [] } });
  if (r.type !== 'replayed') {
    console.log(`${meta.target}: ${r.why}`);
    process.exit(1);
  }
  console.log(`${meta.target}: ${r.fault ? `BUG after ${r.millis.toFixed(1)} ms\n${r.fault}` : `${r.outcome} in ${r.millis.toFixed(1)} ms, no bug`}`);
  process.exit(r.fault ? 1 : 0);
}

const selected = opts.targets.split(',').filter(Boolean);
for (const t of selected) if (!TARGETS.includes(t)) throw new Error(`no fuzz target ${JSON.stringify(t)} (targets: ${TARGETS.join(', ')})`);
console.log(`fuzz: ${runs} inputs per target, seed ${seed} (rerun with --seed ${seed}), bounds ${maxMillis} ms per input, ${maxRssMb} MiB RSS, hang after ${hangMs / 1000} s`);

const rows = [];
let failed = false;
for (const target of selected) {
  const stateFile = path.join(work, `${target}.state`);
  const r = await runChild({ target, runs, seed, maxMillisPerInput: maxMillis, stateFile });
  const mib = (r.peakRss / 2 ** 20).toFixed(0);
  if (r.type === 'died') {
    failed = true;
    const bug = { signature: r.why, message: r.why, stack: '', index: r.state?.index ?? -1, count: 1, input: r.state?.input ?? { bytes: new Uint8Array(0), cuts: [] } };
    rows.push([target, r.state ? `${r.state.index}` : '?', '-', '-', '-', mib, '-', '-', '1']);
    console.log(`\n${target}: ${r.why} on input #${bug.index}; input saved as ${save(target, bug)}`);
    continue;
  }
  const { report } = r;
  if (r.peakRss > maxRssMb * 2 ** 20) {
    report.bugs.push({ signature: `peak RSS ${mib} MiB over the ${maxRssMb} MiB bound`, message: 'memory bound', stack: '', index: -1, count: 1, input: { bytes: new Uint8Array(0), cuts: [] } });
  }
  rows.push([target, String(report.runs), report.seconds.toFixed(1), (report.runs / report.seconds).toFixed(0), `${report.maxMillis.toFixed(1)}`, mib, String(report.counts.accepted), String(report.counts.refused), String(report.bugs.length)]);
  for (const bug of report.bugs) {
    failed = true;
    const input = bug.minimal ?? bug.input;
    console.log(`\n${target}: BUG${bug.known ? ` (known: ${bug.known})` : ''} ${bug.signature}\n  ${bug.message.slice(0, 400)}\n  first at input #${bug.index}, ${bug.count} input(s); shrunk to ${input.bytes.length} bytes${input.cuts.length ? `, cuts ${JSON.stringify(input.cuts)}` : ''}: ${hex(input.bytes).slice(0, 200)}${input.bytes.length > 100 ? '…' : ''}\n  saved as ${save(target, bug)}`);
  }
}

const header = ['target', 'inputs', 'time (s)', 'inputs/s', 'slowest (ms)', 'peak RSS (MiB)', 'accepted', 'refused', 'bugs'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(`\n${line(header)}\n|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|\n${rows.map(line).join('\n')}`);
console.log(`\nseed ${seed}; node ${process.version}; ${failed ? `bugs found: inputs saved under ${path.relative(process.cwd(), outDir)}/` : 'no bug'}`);
process.exit(failed ? 1 : 0);
