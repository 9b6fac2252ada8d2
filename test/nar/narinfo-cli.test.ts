// `keytool narinfo sign|verify` end to end on hostile files, through the built bin/keytool: bytes
// read as bytes (never decoded with replacement, never rewritten), and every name or value from
// input escaped on the terminal while --json keeps it exact.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratch } from './helpers.js';
import { A4_UNSIGNED } from './narinfo-fixtures.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEYTOOL = path.join(REPO, 'bin/keytool');
const ITEM = '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-tree';

interface Run { status: number; out: Buffer; stdout: string; stderr: string }
function kt(args: string[], opts: { input?: Uint8Array | string; cwd?: string } = {}): Run {
  const r = spawnSync(KEYTOOL, args, { input: opts.input, cwd: opts.cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, out: r.stdout, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

let work: string;
const sign = (file: string): Run => kt(['narinfo', 'sign', '--key', 'conf/signing-key.sec', '--host', 'h', file], { cwd: work });
const verify = (...args: string[]): Run => kt(['narinfo', 'verify', '--config-dir', 'conf', ...args], { cwd: work });

beforeAll(() => {
  if (!existsSync(path.join(REPO, 'dist/cli/keytool.mjs'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
  work = scratch('narinfo-cli');
  cpSync(path.join(REPO, 'keys-example'), path.join(work, 'conf'), { recursive: true });
  chmodSync(path.join(work, 'conf', 'signing-key.sec'), 0o400);
});

describe('keytool narinfo on hostile files', () => {
  it('sign refuses invalid UTF-8 and leaves the file as it was; verify calls it malformed', () => {
    const [first, ...rest] = A4_UNSIGNED.split('\n');
    const bytes = Buffer.concat([Buffer.from(`${first}\nX-Note: `), Buffer.from([0xff]), Buffer.from(`\n${rest.join('\n')}`)]);
    const file = path.join(work, 'ff.narinfo');
    writeFileSync(file, bytes);
    const r = sign('ff.narinfo');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`keytool: ff.narinfo: not valid UTF-8 at byte ${bytes.indexOf(0xff)} (line 2): Guix refuses the whole narinfo (it reads it as strict UTF-8); fix the file's encoding\n`);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(verify('ff.narinfo').stdout).toMatch(/^ff\.narinfo: malformed: cannot read narinfo: not valid UTF-8 at byte/);
  });

  it('a signed U+FFFD swapped for FF is malformed, not valid', () => {
    const file = path.join(work, 'fffd.narinfo');
    writeFileSync(file, A4_UNSIGNED.replace('tree\nNarHash', 'tree\nX-Note: \ufffd\nNarHash'));
    expect(sign('fffd.narinfo').status).toBe(0);
    const signedBytes = readFileSync(file);
    expect(verify('fffd.narinfo').stdout).toMatch(/^fffd\.narinfo: valid/);
    const at = signedBytes.indexOf(Buffer.from('\ufffd'));
    writeFileSync(file, Buffer.concat([signedBytes.subarray(0, at), Buffer.from([0xff]), signedBytes.subarray(at + 3)]));
    const r = verify('fffd.narinfo');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^fffd\.narinfo: malformed: cannot read narinfo: not valid UTF-8 at byte \d+ \(line 2\)/);
  });

  it('sign keeps non-ASCII bytes exactly (stdin too)', () => {
    const text = A4_UNSIGNED.replace('FileSize: 321', 'FileSize: 321\nX-Note: caf\u00e9 \ufffd');
    const r = kt(['narinfo', 'sign', '--key', 'conf/signing-key.sec', '--host', 'h', '-'], { cwd: work, input: text });
    expect(r.status).toBe(0);
    expect(r.out.toString('utf8').replace(/Signature: .*\n/, '')).toBe(text);
  });

  it('names and values from input are escaped on the terminal; --json keeps them exact', () => {
    const name = 'evil\x1b]0;pwned\x07\nfake.narinfo: valid.narinfo';
    const storePath = '/gnu/store/\x1b[31mred\u202e';
    writeFileSync(path.join(work, name), A4_UNSIGNED.replace(ITEM, storePath));
    const r = verify(name);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`evil\\x1b]0;pwned\\x07\\nfake.narinfo: valid.narinfo: malformed: unusable narinfo: StorePath "/gnu/store/\\x1b[31mred\\u202e" is not a valid store file name (expected /gnu/store/<32 Nix base32 characters>-<name>)\n`);
    const j = JSON.parse(verify('--json', name).stdout);
    expect(j).toMatchObject({ file: name, status: 'malformed', storePath });
    // Sign: the file name in its message and in "signed …".
    const s = sign(name);
    expect(s.stderr).toContain('evil\\x1b]0;pwned\\x07\\nfake.narinfo: valid.narinfo: StorePath "/gnu/store/\\x1b[31mred\\u202e"');
    expect(s.stderr).not.toMatch(/[\x1b\x07\u202e]/);
    writeFileSync(path.join(work, name), A4_UNSIGNED);
    expect(sign(name).stderr).toBe('signed evil\\x1b]0;pwned\\x07\\nfake.narinfo: valid.narinfo\n');
    const missing = verify('missing\x1b.narinfo');
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^keytool: cannot read missing\\x1b\.narinfo: no such file or directory\n1 narinfo: 1 unreadable /);
  });

  it('the StorePath must be in the store ($NIX_STORE_DIR), and sign refuses one outside it', () => {
    // (A validly signed /gnu/store/../../etc/passwd is in narinfo-hostile.test.ts: keytool will not sign one.)
    writeFileSync(path.join(work, 'a.narinfo'), A4_UNSIGNED);
    expect(sign('a.narinfo').status).toBe(0);
    expect(verify('a.narinfo').status).toBe(0);
    const other = spawnSync(KEYTOOL, ['narinfo', 'verify', '--config-dir', 'conf', 'a.narinfo'], { cwd: work, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', NIX_STORE_DIR: '/etc' } });
    expect(other.stdout.toString()).toBe(`a.narinfo: malformed: unusable narinfo: StorePath "${ITEM}" is not in the store /etc\n`);
    const refused = kt(['narinfo', 'sign', '--key', 'conf/signing-key.sec', '--host', 'h', '-'], { cwd: work, input: A4_UNSIGNED.replace(ITEM, '/gnu/store/../../etc/passwd') });
    expect(refused).toMatchObject({ status: 1, stdout: '' });
    expect(refused.stderr).toContain('-: StorePath "/gnu/store/../../etc/passwd" is not in the store /gnu/store');
  });
});
