// `keytool acl export`: the ACL as the Scheme list guix-configuration's authorized-keys takes.
// Each (plain-file NAME TEXT) must hold one key that reads back as the ACL's key, in ACL order.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAclBytes } from '../../src/acl/store.js';
import { parseSexp, sexpEqual } from '../../src/sexp/index.js';
import { exampleConfig, keytool, scratch, EXAMPLE } from './support/run.js';

/** The (name, text) of every plain-file in the output; Scheme string escapes undone. */
function plainFiles(scheme: string): { name: string; text: string }[] {
  const re = /\(plain-file "((?:[^"\\]|\\.)*)"\s+"((?:[^"\\]|\\.)*)"\)/g;
  const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
  return [...scheme.matchAll(re)].map((m) => ({ name: unescape(m[1]!), text: unescape(m[2]!) }));
}

describe('keytool acl export', () => {
  it('prints every ACL key, in order, as a plain-file named and commented after its label', () => {
    const dir = exampleConfig('export');
    expect(keytool(['authorize', '--config-dir', dir, '--label', 'my "build" box/2', path.join(EXAMPLE, 'rsa', 'signing-key.pub')]).status).toBe(0);
    const r = keytool(['acl', 'export', '--config-dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const acl = parseAclBytes(readFileSync(path.join(dir, 'acl')), 'acl');
    const files = plainFiles(r.stdout);
    expect(files).toHaveLength(acl.length);
    files.forEach((f, i) => expect(sexpEqual(parseSexp(f.text), acl[i]!)).toBe(true));
    expect(files.map((f) => f.name)).toEqual(['my-build-box-2.pub', 'bordeaux.guix.gnu.org.pub', 'ci.guix.gnu.org.pub', 'this-machine.pub']);
    for (const f of files) expect(f.name).toMatch(/^[A-Za-z0-9+_?=-][A-Za-z0-9+._?=-]*$/);
    expect(r.stdout).toContain(' ;; my "build" box/2 — fingerprint ');
    expect(r.stdout).toMatch(/^\(list\n/m);
    expect(r.stdout).toContain('(authorized-keys THIS-LIST)');
  });

  it('an empty ACL is the empty list; a missing one is what Guix would create', () => {
    const dir = exampleConfig('export-empty');
    for (const f of ['ci.guix.gnu.org.pub', 'bordeaux.guix.gnu.org.pub', 'signing-key.pub']) expect(keytool(['deauthorize', '--force', '--config-dir', dir, path.join(dir, f)]).status).toBe(0);
    const empty = keytool(['acl', 'export', '--config-dir', dir]);
    expect(empty.status).toBe(0);
    expect(empty.stdout.trimEnd().endsWith("\n'()")).toBe(true);
    const none = exampleConfig('export-none', false);
    const r = keytool(['acl', 'export', '--config-dir', none]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('does not exist yet; exporting what Guix would create it with');
    expect(plainFiles(r.stdout).map((f) => f.name)).toEqual(['this-machine.pub']);
  });

  it('refuses a missing configuration directory in words', () => {
    const r = keytool(['acl', 'export', '--config-dir', path.join(scratch('export-missing'), 'nope')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('does not exist (is Guix installed? see --config-dir)');
  });
});
