// The libgcrypt vectors (test/fixtures/signatures.json, made by Debian's libgcrypt 1.10.1 through
// gcry-oracle), decoded once for the crypto tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSexp } from '../../src/sexp/index.js';
import type { SexpList } from '../../src/sexp/model.js';

export interface VectorSignature {
  hash: string;
  signature?: string;
  verify?: string;
  error?: string;
}
export interface VectorKey {
  label: string;
  genkey: string;
  public_key_file: string;
  secret_key_file: string;
  signatures: VectorSignature[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.join(here, '..', 'fixtures');
export const vectorKeys = (JSON.parse(readFileSync(path.join(FIXTURES, 'signatures.json'), 'utf8')) as { keys: VectorKey[] }).keys;

export const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
export const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
export const parseHex = (h: string): SexpList => parseSexp(fromHex(h)) as SexpList;

/** The `i`-th key labelled `label`. */
export const vectorKey = (label: string, i = 0): VectorKey => vectorKeys.filter((k) => k.label === label)[i]!;

/** One key of each kind (the first of its label). */
export function firstOfEachLabel(): VectorKey[] {
  const seen = new Set<string>();
  return vectorKeys.filter((k) => !seen.has(k.label) && seen.add(k.label));
}
