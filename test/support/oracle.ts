// The libgcrypt oracle: test/support/gcry-oracle.c (copied from the team's shared tools) built
// against Debian's libgcrypt20-dev, so tests can ask the real library what it prints, signs and
// verifies. Built once per checkout into test/.tmp/; `.ci/run` installs libgcrypt20-dev.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Kept between runs: the built oracle. */
const CACHE = path.resolve(here, '..', '.tmp');
/** Scratch files of this test run, removed when it ends (support/scratch-setup.ts). */
export const TMP_ROOT = process.env.KEYTOOL_TEST_SCRATCH ?? CACHE;
const source = path.join(here, 'gcry-oracle.c');
const binary = path.join(CACHE, 'gcry-oracle');

/** Path of the built oracle; compiles it when missing or older than its source. */
export function oraclePath(): string {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(CACHE, { recursive: true });
  const flags = execFileSync('libgcrypt-config', ['--cflags', '--libs'], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
  const tmp = `${binary}.${process.pid}`;
  execFileSync('cc', ['-O2', '-o', tmp, source, ...flags], { stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(tmp, binary); // atomic: parallel test files may build at once
  return binary;
}

export interface OracleResult {
  status: number;
  stdout: Buffer;
}

/** Run the oracle with arguments and stdin bytes. */
export function oracle(args: string[], input: Uint8Array = new Uint8Array()): OracleResult {
  const r = spawnSync(oraclePath(), args, { input, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout };
}

/** libgcrypt's printout of `input` in one format, or its error line ("ERR code offset text"). */
export function oracleFormat(mode: 'canon' | 'adv' | 'base64', input: Uint8Array): { ok: true; output: Buffer } | { ok: false; code: number; offset: number; message: string } {
  const r = oracle(['fmt', mode], input);
  if (r.status === 0) return { ok: true, output: r.stdout };
  const m = /^ERR (\d+) (\d+) (.*)\n?$/.exec(r.stdout.toString('latin1'));
  if (!m) throw new Error(`gcry-oracle: unexpected output ${JSON.stringify(r.stdout.toString('latin1'))}`);
  return { ok: false, code: Number(m[1]), offset: Number(m[2]), message: m[3]! };
}
