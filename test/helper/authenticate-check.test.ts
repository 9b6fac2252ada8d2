// `keytool authenticate --check`: how the administrator learns what the helper, serving, can tell
// nobody (an unwritable log, an unreadable key pair, an unusable ACL); and the helper still
// serving, silently, when its log cannot be written.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TMP_ROOT } from '../support/oracle.js';
import { assertBuilt, keytoolBin } from './daemon-client.js';

let dir: string;
beforeAll(() => {
  assertBuilt();
  mkdirSync(TMP_ROOT, { recursive: true });
  dir = mkdtempSync(path.join(TMP_ROOT, 'keytool-check-'));
  cpSync(path.join(__dirname, '../../keys-example'), path.join(dir, 'conf'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(env: Record<string, string>) {
  const r = spawnSync(keytoolBin(), ['authenticate', '--check'], { env: { PATH: process.env.PATH!, GUIX_CONFIGURATION_DIRECTORY: path.join(dir, 'conf'), ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('keytool authenticate --check', () => {
  it('reports a good set-up and exits 0', () => {
    const log = path.join(dir, 'ok.log');
    const r = check({ KEYTOOL_AUTHENTICATE_LOG: log });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ok +ACL .*\/acl: 3 authorized key\(s\)$/m);
    expect(r.stdout).toMatch(/^ok +key pair .*signing-key\.sec: loads/m);
    expect(r.stdout).toMatch(/^ok +log .*ok\.log: writable$/m);
    expect(r.stdout).toMatch(/No problems found\.\n$/);
    expect(existsSync(log)).toBe(true);
  });

  it('names a log it cannot write, says the helper still serves, and exits 1', () => {
    // A directory that does not exist: unwritable even for root, who runs the suite.
    const log = path.join(dir, 'no-such-dir', 'keytool.log');
    const r = check({ KEYTOOL_AUTHENTICATE_LOG: log });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`PROBLEM log ${log} cannot be written by`);
    expect(r.stdout).toContain('(No such file or directory): the helper still serves, but logs nothing');
    expect(r.stdout).not.toMatch(/ENOENT/);
  });

  it('names an unusable ACL and an unloadable key pair', () => {
    const conf = path.join(dir, 'broken');
    cpSync(path.join(dir, 'conf'), conf, { recursive: true });
    writeFileSync(path.join(conf, 'acl'), '(acl (entry');
    writeFileSync(path.join(conf, 'signing-key.sec'), 'not a key', { mode: 0o600 });
    const r = check({ GUIX_CONFIGURATION_DIRECTORY: conf });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^PROBLEM ACL .*broken\/acl is unusable, so every import is refused: /m);
    expect(r.stdout).toMatch(/^PROBLEM failed to load key pair at '.*signing-key\.sec': the secret key is not an S-expression/m);
    expect(r.stdout).toMatch(/^note +KEYTOOL_AUTHENTICATE_LOG is not set/m);
    expect(r.stdout).toMatch(/2 problem\(s\) found\.\n$/);
  });

  it('while serving, an unwritable log changes nothing: same replies, nothing on stderr', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(keytoolBin(), ['authenticate'], { env: { PATH: process.env.PATH!, GUIX_CONFIGURATION_DIRECTORY: path.join(dir, 'conf'), ...env }, input: 'verify 5:wrong\nnope\n' });
    const plain = run({});
    const unwritable = run({ KEYTOOL_AUTHENTICATE_LOG: path.join(dir, 'no-such-dir', 'keytool.log') });
    expect(unwritable.status).toBe(0);
    expect(unwritable.stderr.length).toBe(0);
    expect(unwritable.stdout.toString('latin1')).toBe(plain.stdout.toString('latin1'));
    expect(unwritable.stdout.toString('latin1')).toBe('500 27:corrupt signature data: ()\n404 15:invalid command');
    expect(readFileSync(path.join(dir, 'ok.log'), 'utf8')).toBe('');
  });
});
