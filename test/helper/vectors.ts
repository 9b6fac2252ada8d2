// The libgcrypt-made key pairs and signatures (test/fixtures/signatures.json, copied from the
// team's shared vectors, made by gcry-oracle with Debian's libgcrypt 1.10.1 and checked 574/574
// identical to the real `guix authenticate`), and a Guix configuration directory built from them.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printAcl } from '../../src/acl/acl.js';
import { parseSexp, type SexpList } from '../../src/sexp/index.js';
import { TMP_ROOT } from '../support/oracle.js';
import { ROOT } from './daemon-client.js';

export interface VectorKey {
  label: string;
  genkey: string;
  public_key_file: string;
  secret_key_file: string;
  signatures: { hash: string; signature?: string; verify?: string; error?: string }[];
}

export function loadVectors(): VectorKey[] {
  const file = path.join(ROOT, 'test', 'fixtures', 'signatures.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { keys: VectorKey[] }).keys;
}

export interface ConfigDir {
  dir: string;
  /** Secret key file of vector key i (the public key beside it, .sec -> .pub). */
  secretKey: (i: number) => string;
}

/**
 * A configuration directory: every vector key as key-<i>.sec/.pub, signing-key.sec/.pub = key 0,
 * and an ACL authorizing the keys whose indexes are in `authorized` (default: all but EdDSA ones,
 * which Guix's ACL would accept but which can never verify anything).
 */
export function makeConfigDir(keys: VectorKey[], options: { authorized?: (k: VectorKey, i: number) => boolean; acl?: boolean } = {}): ConfigDir {
  mkdirSync(TMP_ROOT, { recursive: true });
  const dir = mkdtempSync(path.join(TMP_ROOT, 'authenticate-'));
  const pubs: SexpList[] = [];
  keys.forEach((k, i) => {
    writeFileSync(path.join(dir, `key-${i}.sec`), Buffer.from(k.secret_key_file, 'hex'), { mode: 0o600 });
    writeFileSync(path.join(dir, `key-${i}.pub`), Buffer.from(k.public_key_file, 'hex'));
    if (options.authorized?.(k, i) ?? !k.label.startsWith('eddsa')) pubs.push(parseSexp(Buffer.from(k.public_key_file, 'hex')) as SexpList);
  });
  writeFileSync(path.join(dir, 'signing-key.sec'), Buffer.from(keys[0]!.secret_key_file, 'hex'), { mode: 0o600 });
  writeFileSync(path.join(dir, 'signing-key.pub'), Buffer.from(keys[0]!.public_key_file, 'hex'));
  if (options.acl ?? true) writeFileSync(path.join(dir, 'acl'), printAcl(pubs));
  chmodSync(dir, 0o755);
  return { dir, secretKey: (i) => path.join(dir, `key-${i}.sec`) };
}
