// The CLI wrapper's shell conventions: data on stdout, errors on stderr, exit 2 for misuse.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
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
  it('installs every man page built from man/*.md, and nothing else', async () => {
    const { readdirSync } = await import('node:fs');
    const pages = readdirSync(new URL('../../man/', import.meta.url))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `man/${f.replace(/\.md$/, '')}`)
      .sort();
    expect([...pkg.man].sort()).toEqual(pages);
  });

  it('installs the launcher and the guix dispatcher', () => {
    expect(pkg.bin).toEqual({ keytool: 'bin/keytool', 'guix-keytool': 'bin/keytool', 'keytool-guix': 'bin/keytool-guix' });
  });
});
