// bin/keytool-guix, the program guix-daemon's GUIX can point at: `authenticate` is ours, every other
// sub-command goes to the real guix with the same arguments, stdio and exit status, and it never
// hands a command back to itself.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TMP_ROOT } from '../support/oracle.js';
import { builtRoot } from './daemon-client.js';

let DISPATCHER: string;
let dir: string;
let fakeGuix: string;

beforeAll(() => {
  DISPATCHER = path.join(builtRoot(), 'bin', 'keytool-guix');
  mkdirSync(TMP_ROOT, { recursive: true });
  dir = mkdtempSync(path.join(TMP_ROOT, 'dispatcher-'));
  fakeGuix = path.join(dir, 'guix');
  // A "real guix" that shows what it was given and exits with a status we choose.
  writeFileSync(
    fakeGuix,
    '#!/bin/sh\nprintf "real guix:"; for a in "$@"; do printf " [%s]" "$a"; done; echo; echo "stdin: $(cat)"; echo "to stderr" >&2; exit ${FAKE_STATUS:-0}\n',
  );
  chmodSync(fakeGuix, 0o755);
});

const run = (args: string[], env: NodeJS.ProcessEnv, input = '') =>
  spawnSync(DISPATCHER, args, { env: { PATH: process.env.PATH, ...env }, input, encoding: 'latin1' });

describe('keytool-guix', () => {
  it('hands every other sub-command to $KEYTOOL_REAL_GUIX with the same arguments, stdio and status', () => {
    const r = run(['substitute', '--query', 'a b', '', "it's"], { KEYTOOL_REAL_GUIX: fakeGuix, FAKE_STATUS: '7' }, 'hello\n');
    expect(r.stdout).toBe("real guix: [substitute] [--query] [a b] [] [it's]\nstdin: hello\n");
    expect(r.stderr).toBe('to stderr\n');
    expect(r.status).toBe(7);
  });

  it('passes through even with no arguments at all', () => {
    const r = run([], { KEYTOOL_REAL_GUIX: fakeGuix });
    expect(r.stdout).toBe('real guix:\nstdin: \n');
    expect(r.status).toBe(0);
  });

  it('serves authenticate itself, never the real guix', () => {
    const r = run(['authenticate'], { KEYTOOL_REAL_GUIX: fakeGuix, GUIX_CONFIGURATION_DIRECTORY: dir }, 'frobnicate\n');
    expect(r.stdout).toBe('404 15:invalid command');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const v = run(['authenticate', '--version'], { KEYTOOL_REAL_GUIX: fakeGuix });
    expect(v.stdout).toMatch(/^keytool authenticate \d+\.\d+\.\d+\n$/);
  });

  it('works through a symbolic link (how it is usually installed)', () => {
    const link = path.join(dir, 'guix-link');
    symlinkSync(DISPATCHER, link);
    const r = spawnSync(link, ['gc', '--list-busy'], { env: { PATH: process.env.PATH, KEYTOOL_REAL_GUIX: fakeGuix }, encoding: 'latin1' });
    expect(r.stdout).toBe('real guix: [gc] [--list-busy]\nstdin: \n');
    const a = spawnSync(link, ['authenticate'], { env: { PATH: process.env.PATH, GUIX_CONFIGURATION_DIRECTORY: dir }, input: '', encoding: 'latin1' });
    expect([a.status, a.stdout, a.stderr]).toEqual([0, '', '']);
  });

  it('refuses, on stderr with status 1, when KEYTOOL_REAL_GUIX is itself', () => {
    const link = path.join(dir, 'self-link');
    symlinkSync(DISPATCHER, link);
    for (const self of [DISPATCHER, link]) {
      const r = run(['substitute'], { KEYTOOL_REAL_GUIX: self });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain("is keytool-guix itself; point it at the real guix");
    }
  });

  it('refuses a wrapper that leads back to it (a loop)', () => {
    const wrapper = path.join(dir, 'loop-wrapper');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(DISPATCHER)} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const r = run(['pull'], { KEYTOOL_REAL_GUIX: wrapper });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('leads back to keytool-guix (loop)');
  });

  it('refuses a missing or non-executable real guix', () => {
    const r = run(['substitute'], { KEYTOOL_REAL_GUIX: path.join(dir, 'nope') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('is not an executable file');
    const d = run(['substitute'], { KEYTOOL_REAL_GUIX: dir });
    expect(d.status).toBe(1);
  });
});
