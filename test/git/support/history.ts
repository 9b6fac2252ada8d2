// A large signed history, fast: commit, tree and blob objects are written straight into
// .git/objects (zlib + SHA-1, as git stores loose objects), commits signed in-process with
// OpenPGP keys made here, then packed with one `git repack`. Used by the benchmark (10,000+
// commits) and by tests (a few hundred).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { makeSigner, type TestSigner } from '../../../src/git/openpgp/sign.js';
import { formatFingerprint, hex } from '../../../src/git/openpgp/index.js';

export interface History {
  dir: string;
  intro: string;
  signer: string; // formatted fingerprint of the introduction's signer
  head: string;
  commits: number;
}

function writeObject(gitDir: string, type: string, body: Buffer): string {
  const data = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
  const id = createHash('sha1').update(data).digest('hex');
  const dir = path.join(gitDir, 'objects', id.slice(0, 2));
  const file = path.join(dir, id.slice(2));
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, deflateSync(data, { level: 1 }));
  }
  return id;
}

function tree(gitDir: string, entries: [string, string][]): string {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return writeObject(gitDir, 'tree', Buffer.concat(sorted.map(([name, id]) => Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.from(id, 'hex')]))));
}

/**
 * `count` commits (mostly linear, a two-commit side branch merged every 100 commits), signed in
 * turn by `signers` keys (Ed25519, plus one RSA key when `rsa`), all authorized.
 */
export function generateHistory(dir: string, count: number, options: { signers?: number; rsa?: boolean } = {}): History {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const gitDir = path.join(dir, '.git');
  const signers: TestSigner[] = [];
  for (let i = 0; i < (options.signers ?? 4); i++) signers.push(makeSigner('ed25519'));
  if (options.rsa) signers.push(makeSigner('rsa'));

  const auth = `(authorizations\n (version 0)\n (${signers.map((s, i) => `("${formatFingerprint(s.publicKey.fingerprint)}"\n   (name "signer${i}"))`).join('\n  ')}))\n`;
  const authBlob = writeObject(gitDir, 'blob', Buffer.from(auth));
  const keyTree = tree(gitDir, signers.map((s, i) => [`signer${i}-${hex(s.publicKey.keyId)}.key`, writeObject(gitDir, 'blob', Buffer.from(s.publicKeyPacket))]));
  const keyCommit = writeObject(gitDir, 'commit', Buffer.from(`tree ${keyTree}\nauthor Bench <bench@example.org> 1600000000 +0000\ncommitter Bench <bench@example.org> 1600000000 +0000\n\nKeyring.\n`));

  let time = 1_600_000_000;
  let n = 0;
  const commit = (parents: string[], signer: TestSigner): string => {
    const t = tree(gitDir, [['.guix-authorizations', authBlob], ['counter', writeObject(gitDir, 'blob', Buffer.from(`${n}\n`))]]);
    const who = `Bench <bench@example.org> ${time++} +0000`;
    const headers = `tree ${t}\n${parents.map((p) => `parent ${p}\n`).join('')}author ${who}\ncommitter ${who}\n`;
    const message = `\nCommit number ${n}.\n\nA line of description, about as long as a real one.\n`;
    const payload = Buffer.from(headers + message);
    const sig = signer.sign(payload, 'sha512').replace(/\n$/, '').split('\n').join('\n ');
    n++;
    return writeObject(gitDir, 'commit', Buffer.from(`${headers}gpgsig ${sig}\n${message}`));
  };

  const intro = commit([], signers[0]!);
  let head = intro;
  while (n < count) {
    if (n % 100 === 99 && n + 3 <= count) {
      const side1 = commit([head], signers[(n + 1) % signers.length]!);
      const side2 = commit([side1], signers[(n + 2) % signers.length]!);
      const main = commit([head], signers[n % signers.length]!);
      head = commit([main, side2], signers[0]!);
    } else {
      head = commit([head], signers[n % signers.length]!);
    }
  }
  execFileSync('git', ['update-ref', 'refs/heads/main', head], { cwd: dir });
  execFileSync('git', ['update-ref', 'refs/heads/keyring', keyCommit], { cwd: dir });
  execFileSync('git', ['repack', '-adq'], { cwd: dir });
  execFileSync('git', ['prune-packed'], { cwd: dir });
  return { dir, intro, signer: formatFingerprint(signers[0]!.publicKey.fingerprint), head, commits: n };
}
