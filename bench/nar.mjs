// Nar hashing throughput: `bin/keytool nar hash TREE` against `sha256sum` of the same bytes (the
// nar of TREE, written once with `keytool nar pack`), in the same run. Two trees: one of large
// files (I/O and SHA-256 bound) and one of many small files (per-file overhead). Figures are
// medians of interleaved runs; the ratio is keytool's time over sha256sum's (1.0 = as fast).
// The tree is generated under test/.tmp and removed afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keytool = path.join(root, 'bin', 'keytool');
const MiB = 1 << 20;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function fill(file, size, block) {
  const fd = openSync(file, 'w');
  for (let done = 0; done < size; done += block.length) writeSync(fd, block, 0, Math.min(block.length, size - done));
  closeSync(fd);
}

function time(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  const t1 = process.hrtime.bigint();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  return { seconds: Number(t1 - t0) / 1e9, stdout: r.stdout.toString() };
}

function measure(label, tree, nar, runs) {
  const kt = [];
  const ref = [];
  let hash;
  for (let i = 0; i < runs; i++) {
    const a = time(keytool, ['nar', 'hash', '--hex', tree]);
    const b = time('sha256sum', [nar]);
    kt.push(a.seconds);
    ref.push(b.seconds);
    hash = [a.stdout.trim().replace(/^sha256:/, ''), b.stdout.split(' ')[0]];
  }
  if (hash[0] !== hash[1]) throw new Error(`${label}: keytool and sha256sum disagree (${hash[0]} vs ${hash[1]})`);
  const size = statSync(nar).size;
  const k = median(kt);
  const s = median(ref);
  console.log(`${label}: nar ${(size / MiB).toFixed(0)} MiB`);
  console.log(`  keytool nar hash   ${(size / MiB / k).toFixed(0).padStart(5)} MiB/s  (${k.toFixed(3)} s, includes node start-up and tree walk)`);
  console.log(`  sha256sum of nar   ${(size / MiB / s).toFixed(0).padStart(5)} MiB/s  (${s.toFixed(3)} s)`);
  console.log(`  ratio keytool/sha256sum time: ${(k / s).toFixed(2)}x`);
}

export async function run() {
  const tmp = path.join(root, 'test', '.tmp');
  mkdirSync(tmp, { recursive: true });
  const dir = mkdtempSync(path.join(tmp, 'bench-nar-'));
  try {
    const block = randomBytes(MiB);
    const big = path.join(dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < 4; i++) fill(path.join(big, `blob${i}`), 64 * MiB, block);
    const many = path.join(dir, 'many');
    for (let d = 0; d < 20; d++) {
      mkdirSync(path.join(many, `d${d}`), { recursive: true });
      for (let f = 0; f < 250; f++) fill(path.join(many, `d${d}`, `f${f}`), 1 + ((f * 7919) % 8192), block);
    }
    for (const [label, tree, runs] of [['256 MiB in 4 files', big, 5], ['5000 small files', many, 5]]) {
      const nar = `${tree}.nar`;
      execFileSync(keytool, ['nar', 'pack', tree, '-o', nar]);
      time(keytool, ['nar', 'hash', tree]); // warm the page cache for both sides
      time('sha256sum', [nar]);
      measure(label, tree, nar, runs);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
