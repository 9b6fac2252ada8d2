// The helper's warm-up while its V8 start-up snapshot is built (src/helper/snapshot.ts): a whole
// session — read the ACL, one `sign` and one `verify` per key type, through the request reader
// and the reply encoder — on throw-away keys in a temporary directory. V8 compiles each function
// the first time it runs and the snapshot keeps that bytecode, so a started helper's first reply
// runs compiled code instead of compiling a hundred functions on the way (about two thirds of a
// first signature's time before). Nothing of it stays: the directory is removed, the keys are
// dropped from the key cache, and the tables of the throw-away keys were never built.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { forgetWarmUp, generateKeyPair } from '../crypto/index.js';
import { printAdvanced, list } from '../sexp/index.js';
import { RequestReader } from './protocol.js';
import { encodeReply, Session } from './server.js';

/** The key types warmed up: every curve and RSA (their code paths differ). */
const GENKEYS = [
  '(genkey (ecdsa (curve Ed25519) (flags rfc6979)))',
  '(genkey (ecdsa (curve "NIST P-256")))',
  '(genkey (ecdsa (curve "NIST P-384")))',
  '(genkey (ecdsa (curve "NIST P-521")))',
  '(genkey (ecdsa (curve secp256k1)))',
  '(genkey (rsa (nbits 4:1024)))',
];

const request = (command: string, ...args: Uint8Array[]): Buffer =>
  Buffer.concat([Buffer.from(command, 'latin1'), ...args.flatMap((a) => [Buffer.from(` ${a.length}:`, 'latin1'), a]), Buffer.from('\n')]);

/** Run sign and verify once per key type; throws if a reply is not a success (a broken build). */
export function warmUpSession(genkeys: readonly string[] = GENKEYS): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'keytool-warm-up-'));
  try {
    const files = genkeys.map((genkey, i) => {
      const { publicKey, secretKey } = generateKeyPair(genkey);
      const sec = path.join(dir, `key-${i}.sec`);
      writeFileSync(sec, printAdvanced(secretKey), { mode: 0o600 });
      writeFileSync(path.join(dir, `key-${i}.pub`), printAdvanced(publicKey));
      return { sec, publicKey };
    });
    const acl = list('acl', ...files.map((f) => list('entry', f.publicKey, list('tag', list('guix', 'import')))));
    writeFileSync(path.join(dir, 'acl'), printAdvanced(acl));
    const session = new Session({ configDir: dir });
    const reader = new RequestReader();
    const ask = (bytes: Buffer): Buffer => {
      const [event] = reader.push(bytes);
      const reply = encodeReply(session.handle(event!));
      if (!reply.subarray(0, 2).equals(Buffer.from('0 '))) throw new Error(`the warm-up got ${reply.toString('latin1').slice(0, 200)}`);
      return reply.subarray(reply.indexOf(':') + 1);
    };
    for (const f of files) {
      const signature = ask(request('sign', Buffer.from(f.sec, 'latin1'), Buffer.from('ab'.repeat(32), 'latin1')));
      ask(request('verify', signature));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    forgetWarmUp();
  }
}
