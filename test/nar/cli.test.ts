// End to end through the built bin/keytool, as a user runs it: nar pack/hash/unpack/ls, archive
// export/list/verify/extract with the keys in keys-example/, narinfo sign/verify on a directory.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendixTree, DEP, HELLO, helloFile, scratch, sha256hex } from './helpers.js';
import { A4_UNSIGNED } from './narinfo-fixtures.js';
import { oracle } from '../support/oracle.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEYTOOL = path.join(REPO, 'bin/keytool');

interface Run { status: number; out: Buffer; stdout: string; stderr: string }
function kt(args: string[], opts: { input?: Uint8Array | string; cwd?: string } = {}): Run {
  const r = spawnSync(KEYTOOL, args, { input: opts.input, cwd: opts.cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }, maxBuffer: 256 << 20 });
  return { status: r.status ?? -1, out: r.stdout, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

let work: string;
let conf: string;
beforeAll(() => {
  if (!existsSync(path.join(REPO, 'dist/cli/keytool.mjs'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
  work = scratch('cli');
  conf = path.join(work, 'conf');
  cpSync(path.join(REPO, 'keys-example'), conf, { recursive: true });
  chmodSync(path.join(conf, 'signing-key.sec'), 0o400);
  appendixTree(path.join(work, 'tree'));
  mkdirSync(path.join(work, 'dep'));
  writeFileSync(path.join(work, 'dep', 'lib.so'), 'not really a library\n');
});

describe('keytool nar', () => {
  it('hash prints the A.2 NarHash; --json adds size and hex', () => {
    const r = kt(['nar', 'hash', 'tree'], { cwd: work });
    expect(r).toMatchObject({ status: 0, stdout: 'sha256:1r2djnkij7x037r2fjmvpqs0ajp7451jkba2az6n9mdxa5d8vir7\n', stderr: '' });
    expect(JSON.parse(kt(['nar', 'hash', '--json', 'tree'], { cwd: work }).stdout)).toEqual({
      path: 'tree', narHash: 'sha256:1r2djnkij7x037r2fjmvpqs0ajp7451jkba2az6n9mdxa5d8vir7', narSize: 1072, sha256: '27c78d5a51bdd564cd5742ad294321e74a0534bebb4a27f219a01f19a7954de4',
    });
  });

  it('pack → ls → unpack (file and stdin) → same nar; never overwrites', () => {
    const nar = kt(['nar', 'pack', 'tree'], { cwd: work });
    expect(nar.status).toBe(0);
    expect(sha256hex(nar.out)).toBe('27c78d5a51bdd564cd5742ad294321e74a0534bebb4a27f219a01f19a7954de4');
    expect(kt(['nar', 'pack', '-o', 'tree.nar', 'tree'], { cwd: work }).status).toBe(0);
    expect(readFileSync(path.join(work, 'tree.nar')).equals(nar.out)).toBe(true);
    expect(kt(['nar', 'ls', 'tree.nar'], { cwd: work }).stdout).toBe('D .\nr B 0 B\nr a.txt 6 B\nS link -> a.txt\nD sub\nx sub/run.sh 18 B\n');
    expect(kt(['nar', 'unpack', 'tree.nar', 'copy1'], { cwd: work }).status).toBe(0);
    expect(kt(['nar', 'unpack', '-', 'copy2'], { cwd: work, input: nar.out }).status).toBe(0);
    for (const c of ['copy1', 'copy2']) expect(kt(['nar', 'pack', c], { cwd: work }).out.equals(nar.out)).toBe(true);
    const again = kt(['nar', 'unpack', 'tree.nar', 'copy1'], { cwd: work });
    expect(again.status).toBe(1);
    expect(again.stderr).toBe("keytool: 'copy1' already exists; refusing to overwrite it\n");
  });

  it('a corrupt nar: exit 1, what and where, nothing created', () => {
    const bad = Buffer.from(kt(['nar', 'pack', 'tree'], { cwd: work }).out);
    bad.write('a.tx', bad.indexOf('link'), 'latin1'); // "a.tx" after "a.txt": not sorted
    const r = kt(['nar', 'unpack', '-', 'bad'], { cwd: work, input: bad });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`keytool: standard input: NAR directory is not sorted: 'a.tx' comes after 'a.txt' (at byte ${bad.indexOf('a.tx\0') - 8} in "/")\n`);
    expect(existsSync(path.join(work, 'bad'))).toBe(false);
    expect(readdirSync(work).filter((n) => n.includes('keytool-'))).toEqual([]);
  });

  it('missing path: exit 1 with the name; missing argument: exit 2', () => {
    expect(kt(['nar', 'hash', 'nope'], { cwd: work })).toMatchObject({ status: 1, stderr: "keytool: cannot archive 'nope': no such file or directory\n" });
    expect(kt(['nar', 'unpack', 'tree.nar'], { cwd: work }).status).toBe(2);
  });
});

describe('keytool archive', () => {
  const exportArgs = ['archive', 'export', '--key', 'conf/signing-key.sec', '--store-path', HELLO, '--reference', DEP, 'tree', '--store-path', DEP, 'dep'];

  it('export → list → verify → extract', () => {
    const ex = kt([...exportArgs, '-o', 'b.bundle'], { cwd: work });
    expect(ex).toMatchObject({ status: 0, stderr: '' });
    const list = kt(['archive', 'list', '--json', '--config-dir', 'conf', 'b.bundle'], { cwd: work });
    const items = list.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(items.map((i) => [i.storePath, i.references, i.signed, i.keyType])).toEqual([
      [DEP, [], true, 'ECDSA/Ed25519'], // dependencies first
      [HELLO, [DEP], true, 'ECDSA/Ed25519'],
    ]);
    expect(items[1].narSize).toBe(1072);
    const v = kt(['archive', 'verify', '--config-dir', 'conf', 'b.bundle'], { cwd: work });
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^ok {6}${DEP}  signed by [0-9a-f ]{19} ECDSA/Ed25519\nok {6}${HELLO}  signed by`));
    const x = kt(['archive', 'extract', '--config-dir', 'conf', 'b.bundle', 'out'], { cwd: work });
    expect(x.status).toBe(0);
    expect(kt(['nar', 'hash', `out/${path.basename(HELLO)}`], { cwd: work }).stdout).toBe('sha256:1r2djnkij7x037r2fjmvpqs0ajp7451jkba2az6n9mdxa5d8vir7\n');
    expect(readdirSync(path.join(work, 'out')).sort()).toEqual([path.basename(HELLO), path.basename(DEP)].sort());
    // stdout streaming: the same bytes as -o.
    expect(kt(exportArgs, { cwd: work }).out.equals(readFileSync(path.join(work, 'b.bundle')))).toBe(true);
    // The signature in the bundle verifies with libgcrypt.
    const sig = /\(signature[\s\S]*?\n \)\n/.exec(readFileSync(path.join(work, 'b.bundle')).toString('latin1'))![0];
    expect(oracle(['verify'], Buffer.from(sig, 'latin1')).stdout.toString()).toBe('ok\n');
  });

  it('a flipped nar byte: verify names the item and says Trojan horse; extract writes nothing', () => {
    const b = readFileSync(path.join(work, 'b.bundle'));
    b[b.indexOf('echo hi')] ^= 0x20;
    writeFileSync(path.join(work, 'bad.bundle'), b);
    const v = kt(['archive', 'verify', '--config-dir', 'conf', 'bad.bundle'], { cwd: work });
    expect(v.status).toBe(1);
    expect(v.stdout).toContain(`FAILED  ${HELLO}: signed hash doesn't match actual contents of imported archive; archive could be corrupt, or someone is trying to import a Trojan horse\n`);
    expect(v.stdout).toMatch(new RegExp(`^ok {6}${DEP}`));
    expect(v.stderr).toBe('keytool: 1 of 2 items failed verification\n');
    const j = kt(['archive', 'verify', '--json', '--config-dir', 'conf', 'bad.bundle'], { cwd: work });
    expect(j.stdout.trim().split('\n').map((l) => JSON.parse(l).status)).toEqual(['valid', 'hash-mismatch']);
    const x = kt(['archive', 'extract', '--config-dir', 'conf', 'bad.bundle', 'out2'], { cwd: work });
    expect(x.status).toBe(1);
    expect(x.stderr).toMatch(/Trojan horse; nothing extracted\n$/);
    expect(existsSync(path.join(work, 'out2'))).toBe(false);
  });

  it('an ACL without the signer: unauthorized, exit 1', () => {
    writeFileSync(path.join(work, 'empty-acl'), '(acl)\n');
    const v = kt(['archive', 'verify', '--acl', 'empty-acl', 'b.bundle'], { cwd: work });
    expect(v.status).toBe(1);
    expect(v.stdout).toMatch(/FAILED .*: unauthorized public key [0-9a-f]{64} \(not in empty-acl\)/);
  });

  it('misuse exits 2 with a message', () => {
    const r = kt(['archive', 'export', '--store-path', HELLO], { cwd: work });
    expect(r).toMatchObject({ status: 2, stderr: `keytool: archive export: --store-path ${HELLO} has no directory after it\n` });
    expect(kt(['archive', 'export', '--store-path', '/tmp/x', 'tree'], { cwd: work })).toMatchObject({ status: 2, stderr: "keytool: store path '/tmp/x' is not in the store /gnu/store\n" });
    expect(kt(['archive', 'export', '--help'], { cwd: work }).stdout).toContain('--store-path');
  });
});

describe('keytool narinfo', () => {
  it('sign in place, verify a directory, --json, edits above and below the Signature line', () => {
    const dir = path.join(work, 'mirror');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.narinfo'), A4_UNSIGNED);
    writeFileSync(path.join(dir, 'unsigned.narinfo'), A4_UNSIGNED);
    writeFileSync(path.join(dir, 'README'), 'not a narinfo');
    expect(kt(['narinfo', 'sign', '--key', 'conf/signing-key.sec', '--host', 'mirror.example', 'mirror/a.narinfo'], { cwd: work })).toMatchObject({ status: 0, stderr: 'signed mirror/a.narinfo\n' });
    const signed = readFileSync(path.join(dir, 'a.narinfo'), 'utf8');
    expect(signed.split('\n')[5]).toMatch(/^Signature: 1;mirror\.example;KHNpZ25hdHVyZSAK/);
    writeFileSync(path.join(dir, 'below.narinfo'), signed.replace('FileSize: 321', 'FileSize: 1'));
    writeFileSync(path.join(dir, 'above.narinfo'), signed.replace('NarSize: 1072', 'NarSize: 1'));
    const r = kt(['narinfo', 'verify', '--json', '--config-dir', 'conf', 'mirror'], { cwd: work });
    expect(r.status).toBe(1);
    const byFile = Object.fromEntries(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((o) => [path.basename(o.file), o.status]));
    expect(byFile).toEqual({ 'a.narinfo': 'valid', 'below.narinfo': 'valid', 'above.narinfo': 'hash-mismatch', 'unsigned.narinfo': 'unsigned' });
    const one = kt(['narinfo', 'verify', '--config-dir', 'conf', 'mirror/a.narinfo', 'mirror/below.narinfo'], { cwd: work });
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/^mirror\/a\.narinfo: valid \(signed by [0-9a-f ]{19}\)\n/);
    const text = kt(['narinfo', 'verify', '--config-dir', 'conf', 'mirror/above.narinfo'], { cwd: work });
    expect(text.stdout).toBe("mirror/above.narinfo: hash-mismatch: hash mismatch for substitute at 'nar/gzip/0123456789abcdfghijklmnpqrsvwxyz-tree' (the signed hash is not the hash of the signed text)\n");
    expect(kt(['narinfo', 'verify', '--acl', 'empty-acl', 'mirror/a.narinfo'], { cwd: work }).stdout).toMatch(/unauthorized: substitute at .* is signed by an unauthorized party/);
  });

  it('sign from stdin to stdout', () => {
    const r = kt(['narinfo', 'sign', '--key', 'conf/signing-key.sec', '--host', 'h', '-'], { cwd: work, input: A4_UNSIGNED });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[5]).toMatch(/^Signature: 1;h;/);
  });
});

describe('keytool nar hash and pack on a single file', () => {
  it('matches A.2', () => {
    const f = helloFile(scratch('cli-file'));
    expect(sha256hex(kt(['nar', 'pack', f]).out)).toBe('1c37d01af40be2e80691de3cc3df44377a699afbb17c68f080964b2fd071fc13');
  });
});
