// Keys for the archive tests: the spec's A.1 test key, and libgcrypt-made keys from
// test/fixtures/signatures.json (the team's copy of the shared vectors, made by Debian's
// libgcrypt 1.10.1 through gcry-oracle.c; see test/fixtures/README.md).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keyPairFromSexp } from '../../src/crypto/index.js';
import { parseSexp } from '../../src/sexp/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const A1 = {
  q: 'A667B2B55D3A515F5627025B3473EAA648F4D5DAD66D39BD0BECA99F04D46869',
  d: '7F21FF505337A8FD19F7F75C4C0A5D360F841BD540786B93413C1A74F26835F0',
};
export const A1_PUBLIC = `(public-key \n (ecc \n  (curve Ed25519)\n  (q #${A1.q}#)\n  )\n )\n`;
export const A1_SECRET = `(private-key \n (ecc \n  (curve Ed25519)\n  (q #${A1.q}#)\n  (d #${A1.d}#)\n  )\n )\n`;
export const a1Pair = () => keyPairFromSexp(parseSexp(A1_SECRET), parseSexp(A1_PUBLIC));

/** Write a key pair as signing-key.{sec,pub} (secret 0400, as Guix does) into `dir`. */
export function writeKeyPair(dir: string, secret: string | Uint8Array, pub: string | Uint8Array, base = 'signing-key'): string {
  const sec = path.join(dir, `${base}.sec`);
  writeFileSync(sec, secret);
  chmodSync(sec, 0o400);
  writeFileSync(path.join(dir, `${base}.pub`), pub);
  return sec;
}

/** An ACL file holding `keys` (public-key texts), in Guix's format. */
export function aclText(keys: string[]): string {
  if (!keys.length) return '(acl)\n';
  return `(acl ${keys.map((k) => `(entry ${k} (tag (guix import)))`).join(' ')})\n`;
}

interface VectorKey {
  label: string;
  public_key_file: string;
  secret_key_file: string;
  signatures: { hash: string; signature: string; verify: string }[];
}
export function libgcryptKeys(): VectorKey[] {
  return JSON.parse(readFileSync(path.join(here, '..', 'fixtures', 'signatures.json'), 'utf8')).keys as VectorKey[];
}

/** The interop tests' keys: the first vector key of each label, Ed25519 left out. */
export function interopKeys(): VectorKey[] {
  const seen = new Set<string>();
  return libgcryptKeys().filter((k) => k.label !== 'eddsa-ed25519' && !seen.has(k.label) && seen.add(k.label));
}

/** Write `k` as DIR/k.sec and DIR/k.pub (for the oracle); returns the texts and file names. */
export function writeVectorKey(dir: string, k: VectorKey): { sec: Buffer; pub: Buffer; secFile: string; pubFile: string } {
  const sec = Buffer.from(k.secret_key_file, 'hex');
  const pub = Buffer.from(k.public_key_file, 'hex');
  mkdirSync(dir, { recursive: true });
  const secFile = path.join(dir, 'k.sec');
  const pubFile = path.join(dir, 'k.pub');
  writeFileSync(secFile, sec);
  writeFileSync(pubFile, pub);
  return { sec, pub, secFile, pubFile };
}
