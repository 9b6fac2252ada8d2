// What bin/keytool and the launcher (src/cli/launcher.ts) do to start the CLI fast: --version
// without the command line parser, and NODE_EXTRA_CA_CERTS (a certificate bundle node would
// parse at every start) kept from node for every command but `substitutes check`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION_LINE } from '../../src/version.js';
import { assertBuilt, EXAMPLE, keytool } from './support/run.js';

beforeAll(assertBuilt);

describe('keytool start-up', () => {
  it('answers --version and -V alone, and leaves anything after them to the parser', () => {
    for (const flag of ['--version', '-V']) expect(keytool([flag])).toMatchObject({ status: 0, stdout: VERSION_LINE, stderr: '' });
    const r = keytool(['--version', 'extra']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Extraneous positional argument');
  });

  it('keeps NODE_EXTRA_CA_CERTS from node for the commands that use no TLS, and gives it to substitutes check', () => {
    // node reads the bundle when it starts and warns on stderr when it cannot: the warning says
    // whether node was given the variable.
    const env = { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.crt' };
    for (const args of [['--version'], ['list', '--config-dir', EXAMPLE], ['show', `${EXAMPLE}/signing-key.pub`]]) {
      const r = keytool(args, { env });
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.status, args.join(' ')).toBe(0);
    }
    expect(keytool(['substitutes', 'check', '--help'], { env }).stderr).toContain('/nonexistent/ca.crt');
  });

  it('lists every command for --help and a group, and says which command was meant', () => {
    const help = keytool(['--help']).stdout;
    for (const c of ['keytool list', 'keytool nar pack', 'keytool substitutes check']) expect(help).toContain(c);
    expect(keytool(['nar']).stdout).toContain('keytool nar unpack');
    expect(keytool(['lst']).stderr).toContain('keytool list');
  });
});

/** The packages `file` reaches through static imports and re-exports (type-only ones left out): what loading it evaluates. */
function staticPackages(file: string, seen = new Set<string>(), packages = new Set<string>()): Set<string> {
  if (seen.has(file)) return packages;
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export) (?!type )[^;]*?from '([^']+)';/gm)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) staticPackages(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')), seen, packages);
    else packages.add(spec);
  }
  return packages;
}

describe('what list and show load', () => {
  it('on the quick path: no clipanion, no curve of noble\'s, not node:crypto, not node:tty', () => {
    // clipanion and the command classes cost more than node's own start-up; noble's curves more
    // than the rest of a `keytool list` (a key is described without them); node:crypto and
    // node:tty (with the stream and net modules they load) a sixth and a tenth of a bare node start.
    const quick = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/quick.ts');
    const packages = [...staticPackages(quick)];
    expect(packages).toContain('@noble/hashes/sha2.js'); // the walk does reach the key code
    expect(packages.filter((p) => /^(clipanion|typanion|ink|react|@noble\/curves)|^node:(crypto|tty|stream|net|readline)$/.test(p))).toEqual([]);
  });

  it('in the quick path\'s bundle: no module initialized lazily (a dynamic import would make it so), nothing of SHA-512', () => {
    // esbuild wraps every module a dynamic import's target shares in a lazy initializer, and then
    // keeps all of its code: noble's SHA-512 tables were built at every `keytool list`.
    const bundle = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/quick.cjs'), 'utf8');
    expect(bundle).toContain('function jacobi('); // it is the quick path's bundle
    expect(bundle).not.toContain('__esm(');
    expect(bundle).not.toMatch(/SHA512/);
  });
});
