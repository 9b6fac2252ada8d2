// Not a test: in-process sign/verify rates of src/crypto against libgcrypt's (gcry-oracle bench),
// same key, same machine, alternating rounds, best round of each kept (shared machines are noisy).
//   npx esbuild test/crypto/microbench.ts --bundle --platform=node --format=esm \
//     --outfile=test/.tmp/microbench.mjs && node test/.tmp/microbench.mjs [LABEL] [N] [ROUNDS]
// Run from the repository root. LABEL is a key of test/fixtures/signatures.json: ecdsa-ed25519
// (default), ecdsa-p256, rsa-2048, ...
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkSignature, loadKeyPair, signHash } from '../../src/crypto/index.js';

const TMP_ROOT = path.resolve('test/.tmp');
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const vectorKeys = (JSON.parse(readFileSync('test/fixtures/signatures.json', 'utf8')) as { keys: { label: string; secret_key_file: string; public_key_file: string }[] }).keys;
function oraclePath(): string {
  const binary = path.join(TMP_ROOT, 'microbench', 'gcry-oracle');
  const flags = execFileSync('libgcrypt-config', ['--cflags', '--libs'], { encoding: 'utf8' }).trim().split(/\s+/);
  mkdirSync(path.dirname(binary), { recursive: true });
  execFileSync('cc', ['-O2', '-o', binary, 'test/support/gcry-oracle.c', ...flags]);
  return binary;
}

const [label = 'ecdsa-ed25519', n = '2000', r = '5'] = process.argv.slice(2);
const N = Number(n);
const key = vectorKeys.find((k) => k.label === label);
if (!key) throw new Error(`no key labelled ${label}`);
const dir = path.join(TMP_ROOT, 'microbench');
mkdirSync(dir, { recursive: true });
const [sec, pub] = [path.join(dir, `${label}.sec`), path.join(dir, `${label}.pub`)];
writeFileSync(sec, fromHex(key.secret_key_file));
writeFileSync(pub, fromHex(key.public_key_file));

const pair = loadKeyPair(sec);
pair.publicKey.prepare(true);
const hashes = Array.from({ length: N }, (_, i) => Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j * 7) & 255));
const best = { sign: 0, verify: 0, csign: 0, cverify: 0 };
const oracle = oraclePath();
for (let round = 0; round < Number(r); round++) {
  let t = performance.now();
  const sigs = hashes.map((h) => signHash(pair, h));
  best.sign = Math.max(best.sign, (N / (performance.now() - t)) * 1000);
  t = performance.now();
  for (const s of sigs) if (checkSignature(s, () => true).status !== 'valid') throw new Error('a signature did not verify');
  best.verify = Math.max(best.verify, (N / (performance.now() - t)) * 1000);
  const [, cs, , cv] = execFileSync(oracle, ['bench', sec, pub, n]).toString().trim().split(' ');
  best.csign = Math.max(best.csign, Number(cs));
  best.cverify = Math.max(best.cverify, Number(cv));
}
const f = (x: number) => x.toFixed(0).padStart(6);
console.log(`${label}  sign: ours ${f(best.sign)}/s  libgcrypt ${f(best.csign)}/s  ${(best.sign / best.csign).toFixed(2)}x`);
console.log(`${label}  verify: ours ${f(best.verify)}/s  libgcrypt ${f(best.cverify)}/s  ${(best.verify / best.cverify).toFixed(2)}x`);
