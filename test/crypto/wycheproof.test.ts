// Project Wycheproof vectors that apply to what Guix verifies (test/fixtures/wycheproof/, copied
// from C2SP/wycheproof, Apache-2.0): ECDSA P-256 and secp256k1 with SHA-256 in IEEE P1363 form,
// RSA-2048/3072 PKCS#1 v1.5 with SHA-256. Wycheproof signs messages, Guix signs hashes: we hash the
// message with SHA-256 and verify `(data (flags ..) (hash sha256 #H#))`. Guix carries r, s and RSA s
// as S-expression numbers, so the fixed-width octet strings are decoded here first; a wrong
// length is a wrong encoding and counts as rejected, as Wycheproof expects.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSexp } from '../../src/crypto/index.js';
import { atom, list } from '../../src/sexp/index.js';
import { FIXTURES, fromHex } from './fixtures.js';

interface WTest {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface WGroup {
  publicKey: { uncompressed?: string; curve?: string; modulus?: string; publicExponent?: string };
  sha: string;
  tests: WTest[];
}
const load = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, 'wycheproof', name), 'utf8')) as { testGroups: WGroup[]; numberOfTests: number };

const dataFor = (msg: string, flag: string) => list('data', list('flags', flag), list('hash', 'sha256', atom(sha256(fromHex(msg)))));

/** What we decide for one test: true = accepted. */
type Decide = (g: WGroup, t: WTest) => boolean;

function run(file: string, decide: Decide) {
  const { testGroups, numberOfTests } = load(file);
  const all = testGroups.flatMap((g) => g.tests.map((t) => [g, t] as const));
  it('has every test', () => expect(all.length).toBe(numberOfTests));
  let accepted = 0;
  it.each(all.map(([g, t]) => [`${t.tcId} ${t.comment || t.flags.join(',')} → ${t.result}`, g, t] as const))('%s', (_name, g, t) => {
    expect(g.sha).toBe('SHA-256');
    const ok = decide(g, t);
    if (ok) accepted++;
    // "acceptable" (RSA: a DigestInfo without its NULL) is refused by libgcrypt, which compares
    // the whole encoding; so are we.
    expect(ok).toBe(t.result === 'valid');
  });
  it('accepted some and rejected some', () => {
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(all.length);
  });
}

function ecdsaDecide(curveName: string, width: number): Decide {
  return (g, t) => {
    const pub = list('public-key', list('ecc', list('curve', curveName), list('q', atom(fromHex(g.publicKey.uncompressed!)))));
    let key;
    try {
      key = publicKeyFromSexp(pub);
    } catch {
      return false; // a public key that is not a point of the curve
    }
    const sig = fromHex(t.sig);
    if (sig.length !== 2 * width) return false;
    const sigVal = list('sig-val', list('ecdsa', list('r', atom(sig.subarray(0, width))), list('s', atom(sig.subarray(width)))));
    return key.verify(dataFor(t.msg, 'rfc6979'), sigVal);
  };
}

const rsaDecide: Decide = (g, t) => {
  const n = fromHex(g.publicKey.modulus!);
  const pub = list('public-key', list('rsa', list('n', atom(n)), list('e', atom(fromHex(g.publicKey.publicExponent!)))));
  const key = publicKeyFromSexp(pub);
  const k = Math.ceil((Buffer.from(n).toString('hex').replace(/^(00)+/, '').length * 4) / 8);
  const sig = fromHex(t.sig);
  if (sig.length !== k) return false;
  return key.verify(dataFor(t.msg, 'pkcs1'), list('sig-val', list('rsa', list('s', atom(sig)))));
};

describe('Wycheproof ECDSA P-256 SHA-256 P1363', () => run('ecdsa_secp256r1_sha256_p1363_test.json', ecdsaDecide('NIST P-256', 32)));
describe('Wycheproof ECDSA secp256k1 SHA-256 P1363', () => run('ecdsa_secp256k1_sha256_p1363_test.json', ecdsaDecide('secp256k1', 32)));
describe('Wycheproof RSA-2048 PKCS#1 v1.5 SHA-256', () => run('rsa_signature_2048_sha256_test.json', rsaDecide));
describe('Wycheproof RSA-3072 PKCS#1 v1.5 SHA-256', () => run('rsa_signature_3072_sha256_test.json', rsaDecide));
