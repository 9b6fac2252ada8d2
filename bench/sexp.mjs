// S-expression codec speed: reading and printing a Guix signature (what the helper does per
// request), as ratios against JSON.parse / JSON.stringify of the same data measured in this run.
// The codec is bundled from src/sexp/ on the fly (the dist/ bundles do not export it).
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HASH = '2749F0EA9F26C6C7BE746A9CFF8FA4C2F2A02B000070DBA78429E9A11F87C6EB';
const R = '0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9';
const Q = '8D156F295D24B0D9A86FA5741A840FF2D24F60F7B6C4134814AD55625971B394';
const SIGNATURE = `(signature (data (flags rfc6979) (hash sha256 #${HASH}#)) (sig-val (ecdsa (r #${R}#) (s #${R}#))) (public-key (ecc (curve Ed25519) (q #${Q}#))))`;
const DATA = { signature: { data: { flags: 'rfc6979', hash: ['sha256', HASH] }, 'sig-val': { ecdsa: { r: R, s: R } }, 'public-key': { ecc: { curve: 'Ed25519', q: Q } } } };

function perOp(f, ms = 400) {
  for (let i = 0; i < 2000; i++) f();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 500; i++) f();
    n += 500;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / n; // ns per operation
}

export async function run() {
  const out = path.join(root, 'test', '.tmp', 'bench-sexp.mjs');
  mkdirSync(path.dirname(out), { recursive: true });
  await build({ entryPoints: [path.join(root, 'src/sexp/index.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
  const { parseSexp, printAdvanced, printCanonical, SexpReader } = await import(pathToFileURL(out).href);

  const sig = parseSexp(SIGNATURE);
  const advanced = printAdvanced(sig);
  const canonical = printCanonical(sig);
  const json = JSON.stringify(DATA);
  const parseBase = perOp(() => JSON.parse(json));
  const printBase = perOp(() => JSON.stringify(DATA));
  const rows = [
    ['read advanced signature', perOp(() => parseSexp(advanced)), parseBase, 'JSON.parse'],
    ['read canonical signature', perOp(() => parseSexp(canonical)), parseBase, 'JSON.parse'],
    ['read advanced, 16-byte chunks', perOp(() => {
      const r = new SexpReader();
      for (let i = 0; i < advanced.length; i += 16) r.push(advanced.subarray(i, i + 16));
      return r.end();
    }), parseBase, 'JSON.parse'],
    ['print advanced', perOp(() => printAdvanced(sig)), printBase, 'JSON.stringify'],
    ['print canonical', perOp(() => printCanonical(sig)), printBase, 'JSON.stringify'],
  ];
  console.log(`signature: ${advanced.length} bytes advanced, ${canonical.length} canonical; JSON of the same data ${json.length} bytes`);
  for (const [name, ns, base, baseName] of rows) {
    console.log(`${name.padEnd(32)} ${(ns / 1000).toFixed(2).padStart(7)} µs  ${(ns / base).toFixed(2).padStart(5)}× ${baseName}`);
  }
  // A hostile length prefix must fail at once, not allocate.
  const hostile = Buffer.from('(a 99999999999:');
  const failNs = perOp(() => {
    try {
      parseSexp(hostile);
    } catch {
      /* expected */
    }
  }, 200);
  console.log(`${'refuse 99999999999: prefix'.padEnd(32)} ${(failNs / 1000).toFixed(2).padStart(7)} µs  ${(failNs / parseBase).toFixed(2).padStart(5)}× JSON.parse`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
