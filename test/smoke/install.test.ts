// The package as a user gets it: `npm pack` from a checkout that was never built (prepack must
// build dist/), then `npm install -g --prefix` of the tarball into a temporary prefix, and the
// installed commands run from there: help under both names, list, a sign/verify round trip through
// the daemon helper, the man pages through MANPATH. The helper's start-up snapshot and the code
// cache of `list` and `show` are never in the package; installing makes them with the installing
// node, and `npm rebuild` makes them again.
// The registry is asked only for what the npm cache lacks (--prefer-offline).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
const hasNpm = spawnSync('npm', ['--version']).status === 0;
const hasMan = spawnSync('man', ['--version']).status === 0;

let root = '';
let prefix = '';
let tarball = '';
const installed = () => path.join(prefix, 'lib/node_modules/guix-keytool');
const env = () => ({ ...process.env, NO_COLOR: '1', PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` });
const npm = (args: string[], cwd: string) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });

beforeAll(() => {
  if (!hasNpm) return;
  root = mkdtempSync(path.join(tmpdir(), 'kt-install-'));
  // A checkout as `git clone` leaves it (the files git knows, no dist/), with the dependencies npm
  // ci installed (this checkout's, linked).
  const checkout = path.join(root, 'checkout');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(path.join(REPO, f))) continue; // deleted, not yet committed
    mkdirSync(path.dirname(path.join(checkout, f)), { recursive: true });
    cpSync(path.join(REPO, f), path.join(checkout, f));
  }
  expect(existsSync(path.join(checkout, 'dist'))).toBe(false);
  symlinkSync(path.join(REPO, 'node_modules'), path.join(checkout, 'node_modules'));
  const name = npm(['pack', '--pack-destination', root], checkout).trim().split('\n').at(-1)!;
  tarball = path.join(root, name);
  prefix = path.join(root, 'prefix');
  npm(['install', '-g', '--prefix', prefix, '--prefer-offline', tarball], root);
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!hasNpm)('the package installed with npm install -g --prefix', () => {
  it('holds the built program and no start-up snapshot', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('package/dist/cli/keytool.mjs');
    expect(listing).toContain('package/dist/helper.cjs');
    expect(listing).toContain('package/man/guix-keytool.1');
    expect(listing.filter((f) => f.includes('helper.blob'))).toEqual([]);
    expect(listing).toContain('package/dist/cli/quick.cjs');
    expect(listing.filter((f) => f.endsWith('.cache'))).toEqual([]);
  });

  it('answers --help under both names, each naming itself', () => {
    for (const name of ['guix-keytool', 'keytool']) {
      const r = spawnSync(path.join(prefix, 'bin', name), ['--help'], { encoding: 'utf8', env: env() });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`$ ${name} <command>`);
      expect(r.stdout).toContain(`${name} list`);
    }
  });

  /** `keytool list` from the installation; and whether V8 takes the quick path's code cache there. */
  const listKeys = () => {
    const dir = path.join(root, 'guix-list');
    rmSync(dir, { recursive: true, force: true });
    cpSync(path.join(REPO, 'keys-example'), dir, { recursive: true });
    const r = spawnSync(path.join(prefix, 'bin/guix-keytool'), ['list', '--config-dir', dir], { encoding: 'utf8', env: { ...env(), KEYTOOL_DEBUG: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('bordeaux.guix.gnu.org');
    expect(r.stdout).toContain('52df a234 d73f 7e27');
    expect(r.stderr).toMatch(/^keytool: (started from the code cache|no code cache of its own for this node and these V8 flags: compiled) \(.*\)\n$/);
    return { cached: r.stderr.includes('started from the code cache') };
  };

  it('lists the keys of a configuration directory, from the code cache the installation made', () => {
    expect(listKeys()).toEqual({ cached: true });
  });

  it('lists them without that cache too; npm rebuild makes it again', () => {
    rmSync(path.join(installed(), 'dist', 'cli', 'quick.cache'));
    expect(listKeys()).toEqual({ cached: false });
    npm(['rebuild', '-g', '--prefix', prefix, 'guix-keytool'], root);
    expect(listKeys()).toEqual({ cached: true });
  });

  /** Sign a hash, then verify the signature, through the installed `keytool authenticate`. */
  const roundTrip = () => {
    const dir = path.join(root, 'guix-auth');
    rmSync(dir, { recursive: true, force: true });
    cpSync(path.join(REPO, 'keys-example'), dir, { recursive: true });
    const helper = (request: string) => {
      const r = spawnSync(path.join(prefix, 'bin/keytool'), ['authenticate'], { input: request, encoding: 'latin1', env: { ...env(), GUIX_CONFIGURATION_DIRECTORY: dir } });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return r.stdout;
    };
    const key = path.join(dir, 'signing-key.sec');
    const hash = '07'.repeat(32);
    const signed = helper(`sign ${key.length}:${key} ${hash.length}:${hash}\n`);
    expect(signed).toMatch(/^0 \d+:\(signature /);
    const signature = signed.replace(/^0 \d+:/, '');
    expect(helper(`verify ${signature.length}:${signature}\n`)).toBe(`0 64:${hash}`);
  };

  it('signs and verifies through keytool authenticate, from the snapshot the installation built', () => {
    const dist = path.join(installed(), 'dist');
    expect(readdirSync(dist)).toContain('helper.blob');
    const [node, version] = readFileSync(path.join(dist, 'helper.blob.node'), 'utf8').split('\n');
    expect(version).toBe(process.version);
    expect(existsSync(node!)).toBe(true);
    roundTrip();
  });

  it('signs and verifies from the plain bundle without the snapshot; npm rebuild builds it again', () => {
    const dist = path.join(installed(), 'dist');
    rmSync(path.join(dist, 'helper.blob'));
    rmSync(path.join(dist, 'helper.blob.node'));
    roundTrip();
    npm(['rebuild', '-g', '--prefix', prefix, 'guix-keytool'], root);
    expect(readdirSync(dist)).toEqual(expect.arrayContaining(['helper.blob', 'helper.blob.node']));
    roundTrip();
  });

  it.skipIf(!hasMan)('shows the man pages by either name, and the helper\'s in section 8', () => {
    const man = (...args: string[]) =>
      spawnSync('man', ['-P', 'cat', ...args], { encoding: 'utf8', env: { ...env(), MANPATH: path.join(prefix, 'share/man'), MANWIDTH: '80', MAN_KEEP_FORMATTING: '' } });
    for (const page of ['guix-keytool', 'keytool']) {
      const r = man(page);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/keytool - .*Guix/);
    }
    const r = man('8', 'keytool-authenticate');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('guix authenticate');
  });
});
