// The quick path (src/cli/quick.ts): `keytool list` and `show` without clipanion. It must take
// only command lines clipanion reads the same way, and then do what the CLI does, byte for byte;
// its code cache (src/cli/code-cache.ts) must be used when it is the bundle's own, and never
// otherwise.
import { spawnSync } from 'node:child_process';
import { isatty } from 'node:tty';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ListCommand } from '../../src/cli/commands/list.js';
import { ShowCommand } from '../../src/cli/commands/show.js';
import { makeCli, run } from '../../src/cli/main.js';
import { isTerminal, quickForm, type QuickForm } from '../../src/cli/quick.js';
import { assertBuilt, EXAMPLE, exampleConfig, keytool, REPO, scratch } from './support/run.js';

beforeAll(assertBuilt);

/** What clipanion makes of `argv`, in the quick path's terms; undefined when it is not list or show, or an error. */
function clipanionForm(argv: string[]): QuickForm | undefined {
  let command;
  try {
    command = makeCli(false).process(argv, { env: {} } as never);
  } catch {
    return undefined;
  }
  if (command.help) return undefined;
  const c = command as unknown as { json: boolean; configDirOption?: string; file?: string };
  const form = (name: QuickForm['command']): QuickForm => ({ command: name, json: c.json, ...(c.configDirOption !== undefined && { configDir: c.configDirOption }) });
  if (command instanceof ListCommand) return form('list');
  if (command instanceof ShowCommand) return { ...form('show'), file: c.file };
  return undefined;
}

const TOKENS = ['list', 'show', '--json', '--config-dir', '--config-dir=d', '--config-dir=a=b', '--config-dir=', 'd', 'f.pub', '-', '--', '-h', '--help', '--no-json', '--json=true', '--jsonx', '-j', '--config', '', 'a b', 'ü', '--acl', '-V'];

describe('the command lines the quick path takes', () => {
  it('are read as clipanion reads them (random command lines from the options\' own words)', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.constantFrom('list', 'show'), fc.array(fc.constantFrom(...TOKENS), { maxLength: 5 }), (command, rest) => {
        const argv = [command, ...rest];
        const quick = quickForm(argv);
        if (quick === undefined) return;
        taken++;
        expect(quick, argv.join(' ')).toEqual(clipanionForm(argv));
      }),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(100);
  });

  it('include the everyday forms, and leave the rest to the CLI', () => {
    for (const argv of [['list'], ['list', '--json'], ['list', '--config-dir', 'd'], ['list', '--config-dir=d', '--json'], ['show', 'f.pub'], ['show', '--json', 'f.pub'], ['show', 'f.pub', '--config-dir', 'd']]) {
      expect(quickForm(argv), argv.join(' ')).toEqual(clipanionForm(argv));
      expect(quickForm(argv), argv.join(' ')).toBeDefined();
    }
    for (const argv of [['list', '--help'], ['list', '-h'], ['show', '-'], ['show'], ['list', 'extra'], ['show', 'a', 'b'], ['list', '--json', '--json'], ['list', '--config-dir'], ['list', '--config-dir', '--json'], ['lst'], ['show', '--', '-f'], ['list', '--config-dir=d', '--config-dir=e']]) {
      expect(quickForm(argv), argv.join(' ')).toBeUndefined();
    }
  });
});

function fakeStream(): PassThrough & { text: () => string } {
  const s = new PassThrough() as PassThrough & { text: () => string };
  let buf = '';
  s.on('data', (d: Buffer) => (buf += d.toString()));
  s.text = () => buf;
  return s;
}

/** The CLI's answer (clipanion's path, in process), in the environment keytool() gives the program. */
async function viaCli(argv: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const [stdout, stderr] = [fakeStream(), fakeStream()];
  const status = await run(argv, { stdin: new PassThrough(), stdout, stderr, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env } });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

describe('what the quick path answers', () => {
  it('is what the CLI answers, for every kind of configuration and key file', async () => {
    const ok = exampleConfig('quick-ok');
    expect(keytool(['authorize', '--config-dir', ok, '--label', 'my build farm', path.join(ok, 'p256', 'signing-key.pub')]).status).toBe(0);
    const noAcl = exampleConfig('quick-noacl', false);
    const badAcl = exampleConfig('quick-badacl');
    writeFileSync(path.join(badAcl, 'acl'), '(acl (entry (public-key');
    const unusable = exampleConfig('quick-eddsa');
    writeFileSync(path.join(unusable, 'acl'), '(acl (entry (public-key (ecc (curve Ed25519) (flags eddsa) (q #8D156F295D24B0D9A86FA5741A840FF2D24F60F7B6C4134814AD55625971B394#))) (tag (guix import))))');
    const empty = scratch('quick-empty');
    const garbage = path.join(empty, 'garbage.pub');
    writeFileSync(garbage, '(public-key (ecc (curve Ed25519) (q #00#)))');
    const cases: [string[], Record<string, string>?][] = [
      [['list', '--config-dir', ok]],
      [['list', '--json', `--config-dir=${ok}`]],
      [['list'], { GUIX_CONFIGURATION_DIRECTORY: ok }],
      [['list', '--config-dir', noAcl]],
      [['list', '--config-dir', badAcl]],
      [['list', '--config-dir', unusable]],
      [['list', '--json', '--config-dir', unusable]],
      [['list', '--config-dir', path.join(empty, 'missing')]],
      [['list', '--config-dir', garbage]],
      ...['signing-key', 'p256/signing-key', 'rsa/signing-key', 'ci.guix.gnu.org'].flatMap((k): [string[]][] => [
        [['show', path.join(EXAMPLE, `${k}.pub`), '--config-dir', ok]],
        [['show', '--json', path.join(EXAMPLE, `${k}.pub`), '--config-dir', ok]],
      ]),
      [['show', path.join(EXAMPLE, 'rsa', 'signing-key.sec'), '--config-dir', ok]],
      [['show', path.join(EXAMPLE, 'signing-key.sec')], { GUIX_CONFIGURATION_DIRECTORY: noAcl }],
      [['show', garbage, '--config-dir', ok]],
      [['show', path.join(empty, 'missing.pub'), '--config-dir', ok]],
      [['show', empty, '--config-dir', ok]],
      [['show', path.join(EXAMPLE, 'signing-key.pub'), '--config-dir', badAcl]],
    ];
    for (const [argv, env] of cases) {
      expect(quickForm(argv), argv.join(' ')).toBeDefined();
      const { status, stdout, stderr } = keytool(argv, { env });
      expect({ status, stdout, stderr }, argv.join(' ')).toEqual(await viaCli(argv, env));
    }
  });

  it('writes all of a long output into a pipe that would block (non-blocking, reader late), in order', () => {
    // 2,100 keys: some 830 KB of JSON, written at once into a 64 KiB pipe.
    const dir = exampleConfig('quick-long');
    const acl = readFileSync(path.join(dir, 'acl'), 'latin1');
    const entries = acl.slice(acl.indexOf('(entry'), acl.lastIndexOf(')'));
    writeFileSync(path.join(dir, 'acl'), `(acl ${entries.repeat(700)})`);
    const argv = ['list', '--json', '--config-dir', dir];
    // perl (perl-base, in every Debian) makes the pipe non-blocking: node has no pipe(2).
    const script = `use Fcntl; pipe(R, W) or die; fcntl(W, F_SETFL, fcntl(W, F_GETFL, 0) | O_NONBLOCK) or die;
      my $pid = fork(); if ($pid == 0) { close R; open(STDOUT, '>&', \\*W) or die; exec @ARGV or die; }
      close W; sleep 1; binmode STDOUT; print while <R>; waitpid($pid, 0); exit($? >> 8);`;
    const r = spawnSync('perl', ['-e', script, path.join(REPO, 'bin', 'keytool'), ...argv], { env: { PATH: process.env.PATH, NO_COLOR: '1' }, maxBuffer: 16 << 20 });
    expect({ status: r.status, stderr: r.stderr.toString() }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout.length).toBeGreaterThan(800_000);
    expect(r.stdout.toString()).toBe(keytool(argv).stdout);
  });

  it('is in colour on a terminal only, as the CLI decides (a real terminal, /dev/null, a pipe)', () => {
    const argv = ['list', '--config-dir', EXAMPLE];
    const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
    const onTerminal = spawnSync('script', ['-qec', [path.join(REPO, 'bin', 'keytool'), ...argv].map(quote).join(' '), '/dev/null'], { encoding: 'utf8', env: { PATH: process.env.PATH, TERM: 'xterm' } });
    expect(onTerminal.status).toBe(0);
    expect(onTerminal.stdout).toContain('\x1b[1m');
    const toDevNull = spawnSync('sh', ['-c', `"$@" >/dev/null; echo $?`, 'sh', path.join(REPO, 'bin', 'keytool'), ...argv], { encoding: 'utf8', env: { PATH: process.env.PATH, TERM: 'xterm' } });
    expect(toDevNull.stdout).toBe('0\n');
    expect(keytool(argv, { env: { NO_COLOR: undefined, TERM: 'xterm' } }).stdout).not.toContain('\x1b[');
  });

  it('tells terminals as tty.isatty does: files, memory devices, other devices, a pseudo-terminal\'s both ends', () => {
    const files = [path.join(EXAMPLE, 'acl'), '/dev/null', '/dev/zero', '/dev/urandom', '/dev/ptmx', '/dev/autofs', '/dev/tty'];
    let terminals = 0;
    for (const file of files) {
      let fd;
      try {
        fd = openSync(file, 'r');
      } catch {
        continue; // not on this machine, or not ours to open (/dev/tty without a terminal)
      }
      expect(isTerminal(fd), file).toBe(isatty(fd));
      if (isatty(fd)) terminals++;
      closeSync(fd);
    }
    expect(terminals).toBeGreaterThan(0); // /dev/ptmx: a pseudo-terminal's master
    // A pseudo-terminal's slave side, as in a terminal window: standard input, output and error under script(1).
    const check = `const q = require(${JSON.stringify(path.join(REPO, 'dist', 'cli', 'quick.cjs'))}); const tty = require('node:tty');
      console.log(JSON.stringify([0, 1, 2].map((fd) => [q.isTerminal(fd), tty.isatty(fd)])));`;
    const r = spawnSync('script', ['-qec', `${process.execPath} -e "$CHECK"`, '/dev/null'], { encoding: 'utf8', env: { PATH: process.env.PATH, CHECK: check } });
    expect(JSON.parse(r.stdout.trim())).toEqual([[true, true], [true, true], [true, true]]);
  });
});

describe('the quick path\'s code cache', () => {
  const quick = path.join(REPO, 'dist', 'cli', 'quick.cjs');
  /** Whether V8 took the cache beside `bundle`, and whether the bundle then works, in a plain node. */
  const load = (bundle: string) => {
    const script = `const r = require(${JSON.stringify(path.join(REPO, 'dist', 'cli', 'code-cache.cjs'))}).loadWithCodeCache(${JSON.stringify(bundle)});
      console.log(JSON.stringify({ cached: r.cached, works: r.exports.quickForm(['list', '--json']).json }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { cached: boolean; works: boolean };
  };
  const copy = (name: string, edit?: { source?: (s: string) => string; cache?: (b: Buffer) => Buffer | undefined }) => {
    const dir = scratch(name);
    mkdirSync(dir, { recursive: true });
    const bundle = path.join(dir, 'quick.cjs');
    writeFileSync(bundle, (edit?.source ?? ((s) => s))(readFileSync(quick, 'utf8')));
    const cache = (edit?.cache ?? ((b) => b))(readFileSync(path.join(REPO, 'dist', 'cli', 'quick.cache')));
    if (cache) writeFileSync(path.join(dir, 'quick.cache'), cache);
    return bundle;
  };

  it('is made by the build, and V8 takes it as bin/keytool runs the quick path', () => {
    for (const argv of [['list', '--config-dir', EXAMPLE], ['show', path.join(EXAMPLE, 'signing-key.pub')]]) {
      const r = keytool(argv, { env: { KEYTOOL_DEBUG: '1' } });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe(`keytool: started from the code cache (${path.join(REPO, 'bin', '..', 'dist', 'cli', 'quick.cache')})\n`);
    }
    // Under other V8 flags (here none: bin/keytool passes --no-rehash-snapshot), V8 refuses it.
    expect(load(quick)).toEqual({ cached: false, works: true });
  });

  it('is not used with another build of the bundle, when cut short, or when missing; the bundle works all the same', () => {
    const otherBuild = copy('cache-other', { source: (s) => s.replace(/build-id: ([0-9a-f])/, (_m, c: string) => `build-id: ${c === '0' ? '1' : '0'}`) });
    expect(load(otherBuild)).toEqual({ cached: false, works: true });
    expect(load(copy('cache-short', { cache: (b) => b.subarray(0, b.length - 100) }))).toEqual({ cached: false, works: true });
    expect(load(copy('cache-none', { cache: () => undefined }))).toEqual({ cached: false, works: true });
    // And the launcher still answers from such a bundle.
    const dir = scratch('cache-launcher');
    mkdirSync(path.join(dir, 'cli'), { recursive: true });
    for (const f of ['keytool.cjs', 'quick.cjs']) copyFileSync(path.join(REPO, 'dist', 'cli', f), path.join(dir, 'cli', f));
    writeFileSync(path.join(dir, 'cli', 'quick.cache'), Buffer.from('0'.repeat(32)));
    const r = spawnSync(process.execPath, [path.join(dir, 'cli', 'keytool.cjs'), 'list', '--config-dir', EXAMPLE], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toContain('this machine');
  });
});
