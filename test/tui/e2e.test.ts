// The real `bin/keytool acl` in a real pseudo-terminal: tmux, 80×24. Sends keys, reads the screen,
// saves, and checks the ACL on disk; checks colours follow NO_COLOR and that without a terminal the
// editor refuses, naming the commands to use instead. Each test runs its own tmux server (own
// socket), killed afterwards whatever happens.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAcl, readPublicKeyFile } from '../../src/acl/store.js';
import { loadLabels } from '../../src/acl/labels.js';
import type { ConfigPaths } from '../../src/config.js';
import { fingerprint } from '../../src/fingerprint.js';
import { EXAMPLE, ROOT, cleanScratch, freshConfig, sleep, waitFor } from './support.js';

const KEYTOOL = path.join(ROOT, 'bin/keytool');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/cli/keytool.mjs'))) execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
});
afterAll(() => cleanScratch());

let sessions: Tmux[] = [];
afterEach(() => {
  for (const t of sessions) t.kill();
  sessions = [];
});

class Tmux {
  readonly socket = `keytool-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  constructor(command: string, cwd: string, env: Record<string, string>) {
    sessions.push(this);
    // The command's own environment: no CI variables from the test run unless the test sets them.
    const vars = Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    const script = `env -u CI -u CONTINUOUS_INTEGRATION ${vars} ${command}; echo "EXIT:$?"; sleep 600`;
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-x', '80', '-y', '24', '-s', 'ed', '-c', cwd, script);
  }
  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
  screen(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'ed');
  }
  async until(text: string | RegExp): Promise<string> {
    return waitFor(() => {
      const s = this.screen();
      if (typeof text === 'string' ? s.includes(text) : text.test(s)) return s;
      throw new Error(`screen:\n${s}`);
    }, String(text), 15_000);
  }
  /** Keys by tmux name (Enter, Escape, Down, ...), one at a time as a person types them. */
  async keys(...names: string[]): Promise<void> {
    for (const k of names) {
      this.tmux('send-keys', '-t', 'ed', k);
      await sleep(60);
    }
  }
  async text(s: string): Promise<void> {
    this.tmux('send-keys', '-t', 'ed', '-l', s);
    await sleep(60);
  }
  /** `text` pasted as tmux pastes a buffer: bracketed when the program asked for it (line breaks sent as CR). */
  async paste(text: string): Promise<void> {
    this.tmux('set-buffer', '-b', 'kt', text);
    this.tmux('paste-buffer', '-p', '-d', '-b', 'kt', '-t', 'ed');
    await sleep(60);
  }
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
}

/** `keytool acl` on `paths` in its own tmux, TERM=xterm-256color plus `env`; `redirect` ends the command line. */
const editor = (paths: ConfigPaths, env: Record<string, string> = {}, redirect = '') =>
  new Tmux(`${KEYTOOL} acl --config-dir ${paths.dir}${redirect}`, paths.dir, { TERM: 'xterm-256color', ...env });

const fprs = (paths: ConfigPaths) => loadAcl(paths, { create: false }).keys.map((k) => fingerprint(k));

describe.skipIf(!hasTmux)('keytool acl in tmux', () => {
  it('adds and removes keys, labels one, saves, and the ACL on disk says so', async () => {
    const paths = freshConfig();
    const t = editor(paths);
    let s = await t.until('3 keys · no unsaved changes');
    expect(s.split('\n').every((l) => l.length <= 80)).toBe(true);
    expect(s).toMatch(/^› {3}bordeaux\.guix\.gnu\.org +ECDSA\/Ed25519 +52df a234 d73f 7e27$/m);
    expect(s).toMatch(/q quit/);

    await t.keys('a');
    await t.until('Add a key to the ACL');
    await t.text('p256/signing-key.pu');
    await t.until('✗ no such file');
    await t.text('b');
    await t.until('✓ ECDSA/NIST P-256 key');
    await t.keys('Enter');
    await t.until('4 keys · 1 unsaved change');

    await t.keys('j', 'j', 'd'); // p256, bordeaux, ci: remove ci
    await t.until('Remove ci.guix.gnu.org?');
    await t.keys('y');
    await t.until('3 keys · 2 unsaved changes');

    await t.keys('End', 'l');
    await t.until('label:');
    await t.text('example key');
    await t.keys('Enter');
    await t.until('3 unsaved changes');

    await t.keys('s');
    s = await t.until('Save 3 changes to');
    expect(s).toContain('+ add     ECDSA/NIST P-256');
    expect(s).toContain('- remove  ECDSA/Ed25519     30e7 f84d 37e9 7a13  ci.guix.gnu.org');
    expect(s).toContain('~ label');
    expect(fprs(paths)).toHaveLength(3); // nothing written yet
    await t.keys('y');
    await t.until('saved 3 changes');

    const want = [path.join(EXAMPLE, 'p256/signing-key.pub'), path.join(EXAMPLE, 'bordeaux.guix.gnu.org.pub'), path.join(EXAMPLE, 'signing-key.pub')];
    expect(fprs(paths)).toEqual(want.map((f) => fingerprint(readPublicKeyFile(f))));
    expect(readFileSync(paths.acl, 'latin1')).toMatch(/^\(acl \n \(entry \n {2}\(public-key \n {3}\(ecc \n {4}\(curve "NIST P-256"\)/);
    expect(loadLabels(paths).get(fingerprint(readPublicKeyFile(want[2]!)))).toBe('example key');

    await t.keys('q');
    s = await t.until('EXIT:0');
    // The alternate screen is gone: the shell's screen is back, with the one-line report.
    expect(s).toContain(`keytool: saved ${paths.acl}`);
    expect(s).not.toContain('LABEL');
  });

  it('takes text and Enter sent in one go as typed one by one: the label is set and the dialog closes', async () => {
    const paths = freshConfig();
    const t = editor(paths);
    await t.until('3 keys');
    await t.keys('End', 'l');
    await t.until('label:');
    t.tmux('send-keys', '-t', 'ed', 'build box', 'Enter', 'k');
    const s = await t.until('1 unsaved change');
    expect(s).not.toContain('label:');
    expect(s).toMatch(/^ {2}\* build box +ECDSA\/Ed25519 /m);
    expect(s).toMatch(/^› {3}ci\.guix\.gnu\.org /m); // k moved up from the last key
  });

  it('takes a bracketed paste as text, line breaks included, and turns bracketed paste off on leaving', async () => {
    const paths = freshConfig();
    const t = editor(paths);
    await t.until('3 keys');
    await t.paste('dy'); // pasted text is no command: nothing is removed
    await t.keys('End', 'l');
    await t.until('label:');
    expect(t.screen()).toContain('3 keys · no unsaved changes');
    await t.paste('ci\nbuilder\n');
    let s = await t.until('label: ci builder');
    await t.keys('Enter');
    s = await t.until('1 unsaved change');
    expect(s).toMatch(/^› \* ci builder +ECDSA\/Ed25519 /m);
    await t.keys('q');
    await t.until('Quit without saving?');
    await t.keys('y');
    await t.until('EXIT:0');
    // Back in the shell (the script sleeps): a paste is echoed as it comes, without markers.
    await t.paste('after');
    s = await t.until('after');
    expect(s).not.toContain('200~');
  });

  it('turns bracketed paste off when killed too', async () => {
    const t = editor(freshConfig());
    await t.until('3 keys');
    // The pane runs the script's shell; its one child is the editor (env and the launcher exec node).
    const shell = t.tmux('display', '-p', '-t', 'ed', '#{pane_pid}').trim();
    const pid = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', shell], { encoding: 'utf8' }).trim());
    process.kill(pid, 'SIGTERM');
    await t.until('EXIT:143');
    await t.paste('after');
    expect(await t.until('after')).not.toContain('200~');
  });

  it('asks before quitting with unsaved changes and writes nothing when told to discard', async () => {
    const paths = freshConfig();
    const before = readFileSync(paths.acl);
    const t = editor(paths);
    await t.until('3 keys');
    await t.keys('d');
    await t.until('Remove bordeaux.guix.gnu.org?');
    await t.keys('y');
    await t.until('2 keys · 1 unsaved change');
    await t.keys('q');
    await t.until('Quit without saving?');
    await t.keys('y');
    const s = await t.until('EXIT:0');
    expect(s).not.toContain('keytool: saved');
    expect(readFileSync(paths.acl)).toEqual(before);
  });

  it('draws in colour on a terminal, and with NO_COLOR without a single colour escape', async () => {
    const sgr = (screen: string) => [...screen.matchAll(/\x1b\[([0-9;]*)m/g)].map((m) => m[1]!).filter((p) => p !== '' && p !== '0' && p !== '39' && p !== '49');
    const paths = freshConfig();
    const coloured = editor(paths, { FORCE_COLOR: '1' });
    await coloured.until('3 keys');
    expect(sgr(coloured.screen(true)).length).toBeGreaterThan(0);
    const plain = editor(paths, { FORCE_COLOR: '1', NO_COLOR: '1' });
    await plain.until('3 keys');
    expect(sgr(plain.screen(true))).toEqual([]);
    expect(plain.screen()).toMatch(/^› {3}bordeaux/m); // the selection still shows, by its marker
  });

  it('follows the terminal when it is resized, even with $CI set (where ink would draw only at exit)', async () => {
    const paths = freshConfig();
    const t = editor(paths, { CI: 'true' });
    await t.until('ALGORITHM');
    t.tmux('resize-window', '-t', 'ed', '-x', '56', '-y', '16');
    const s = await t.until(/^› +bordeaux\.guix\.gnu\.org +52df a234 d73f 7e27 *$/m);
    expect(s).not.toContain('ALGORITHM');
    expect(s).toContain('q quit');
    expect(s.split('\n').every((l) => l.length <= 56)).toBe(true);
  });
});

describe.skipIf(!hasTmux)('keytool acl with its output redirected', () => {
  it('refuses when standard output is not a terminal, though standard input is', async () => {
    const paths = freshConfig();
    const out = `${paths.dir}/out.txt`;
    const t = editor(paths, {}, ` > ${out}`);
    const s = await t.until('EXIT:');
    // The terminal wraps the message; join its lines.
    expect(s.replace(/\n/g, '')).toContain(
      'keytool: acl is an interactive editor and standard output is not a terminal; use keytool list, keytool show, keytool authorize or keytool deauthorize instead',
    );
    expect(s).toContain('EXIT:2');
    expect(readFileSync(out, 'utf8')).toBe('');
  });
});

describe('keytool acl without a terminal', () => {
  it('refuses with exit status 2 and names the non-interactive commands', () => {
    const paths = freshConfig();
    const r = spawnSync(KEYTOOL, ['acl', '--config-dir', paths.dir], { input: '', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 2,
      stdout: '',
      stderr: 'keytool: acl is an interactive editor and standard input is not a terminal; use keytool list, keytool show, keytool authorize or keytool deauthorize instead\n',
    });
  });
});
