// The CLI wrapper's shell conventions: data on stdout, errors on stderr, exit 2 for misuse.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeCli, run } from '../../src/cli/main.js';
import { VERSION } from '../../src/version.js';
import pkg from '../../package.json' with { type: 'json' };

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { stdout, stderr, get out() { return out; }, get err() { return err; } };
}

async function keytool(argv: string[]) {
  const io = capture();
  const code = await run(argv, { stdin: new PassThrough(), stdout: io.stdout, stderr: io.stderr, env: {} });
  return { code, out: io.out, err: io.err };
}

describe('keytool command line', () => {
  it('prints its version on stdout', async () => {
    const r = await keytool(['--version']);
    expect(r).toEqual({ code: 0, out: `keytool (guix-keytool) ${VERSION}\n`, err: '' });
  });

  it('keeps src/version.ts in step with package.json', () => {
    expect(VERSION).toBe(pkg.version);
  });

  it('reports an unknown option on stderr with exit 2', async () => {
    const r = await keytool(['--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/Unsupported option name/);
  });
});

describe('usage text', () => {
  it('names option values after the option instead of clipanion\'s #0', async () => {
    const { namePlaceholders } = await import('../../src/cli/main.js');
    expect(namePlaceholders('[--config-dir #0] [-f,--format #0] [--json]')).toBe('[--config-dir CONFIG-DIR] [-f,--format FORMAT] [--json]');
    const r = await keytool(['list', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--config-dir CONFIG-DIR');
    expect(r.out).not.toContain('#0');
  });
});

describe('package.json', () => {
  it('installs every man page built from man/*.md, guix-keytool(1) as keytool(1), and nothing else', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const pages = readdirSync(new URL('../../man/', import.meta.url))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `man/${f.replace(/\.md$/, '')}`);
    expect([...pkg.man].sort()).toEqual([...pages, 'man/guix-keytool.1'].sort());
    expect(readFileSync(new URL('../../man/guix-keytool.1', import.meta.url), 'utf8')).toMatch(/^\.so man1\/keytool\.1$/m);
  });

  it('installs the launcher and the guix dispatcher', () => {
    expect(pkg.bin).toEqual({ keytool: 'bin/keytool', 'guix-keytool': 'bin/keytool', 'keytool-guix': 'bin/keytool-guix' });
  });
});

describe('finding your way', () => {
  // Every proper prefix of a command's words that is not itself a command: nar, archive, git, git channel…
  const paths = makeCli(false).definitions().map((d) => d.path);
  const groups = [...new Set(paths.flatMap((p) => p.split(' ').slice(1, -1).map((_w, i, ws) => ws.slice(0, i + 1).join(' '))))].filter((g) => !paths.includes(`keytool ${g}`));

  it('knows the groups a person types', () => {
    expect(groups).toEqual(expect.arrayContaining(['nar', 'archive', 'git', 'narinfo', 'substitutes', 'git channel']));
  });
  const groupCommands = (group: string) => makeCli(false).definitions().filter((d) => d.path.startsWith(`keytool ${group} `));

  it.each(groups)('keytool %s, with or without --help, lists the commands of the group, one line each', async (group) => {
    const words = group.split(' ');
    for (const argv of [words, [...words, '--help'], ['help', ...words]]) {
      const r = await keytool(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).not.toContain('Multiple commands');
      const lines = r.out.split('\n').filter((l) => l.startsWith('  keytool '));
      expect(lines.map((l) => l.trim().split(/ {2,}/)[0])).toEqual(groupCommands(group).map((d) => d.path));
      for (const [i, d] of groupCommands(group).entries()) expect(lines[i]).toContain(d.description!.trim());
    }
  });

  it('keytool help shows the general help; keytool help COMMAND... that command\'s', async () => {
    const general = await keytool(['--help']);
    expect(await keytool(['help'])).toEqual(general);
    expect(general.out).toContain('keytool list');
    expect(await keytool(['help', 'nar', 'pack'])).toEqual(await keytool(['nar', 'pack', '--help']));
    expect((await keytool(['help', 'sign'])).out).toContain('Sign a SHA-256 hash');
  });

  it('names the missing required option', async () => {
    for (const argv of [['sign'], ['sign', '00'.repeat(32)]]) {
      const r = await keytool(argv);
      expect(r).toEqual({ code: 2, out: '', err: 'keytool sign: missing required option --key (see keytool sign --help)\n' });
    }
  });

  it('names itself as invoked', async () => {
    const io = capture();
    await run(['--help'], { stdin: new PassThrough(), stdout: io.stdout, stderr: io.stderr, env: { KEYTOOL_INVOKED_AS: 'guix-keytool' } });
    expect(io.out).toContain('$ guix-keytool <command>');
  });
});
