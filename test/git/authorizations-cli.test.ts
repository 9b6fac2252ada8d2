// End to end: `bin/keytool git authorizations list --file F` on hostile `.guix-authorizations`
// files. Every one ends in a message in words (exit 1), never an internal error, and the message
// stays short whatever the size of the file.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, keytool } from '../cli/support/run.js';
import { TMP_ROOT } from '../support/oracle.js';

const base = path.join(TMP_ROOT, 'git', `authorizations-cli-${process.pid}`);
const MiB10 = 10 * 1024 * 1024;

beforeAll(() => {
  assertBuilt();
  mkdirSync(base, { recursive: true });
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
function list(text: string) {
  const file = path.join(base, `f${n++}`);
  writeFileSync(file, text);
  const r = keytool(['git', 'authorizations', 'list', '--json', '--file', file], { cwd: base });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replaceAll(file, 'F') };
}

const file = (entries: string, version = '0') => `(authorizations (version ${version}) (${entries}))`;

describe('keytool git authorizations list --file (hostile files)', () => {
  it('reads 10,000 nested lists, quotes and 100,000 datum comments where Guix ignores them', () => {
    const deep = `${'('.repeat(10_000)}${')'.repeat(10_000)}`;
    for (const text of [file(`("ab" ${deep})`), file(`("ab" ${"'".repeat(10_000)}x)`), `${'#;'.repeat(100_000)}${'x '.repeat(100_000)}${file('("ab")')}`]) {
      const r = list(text);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).authorizations).toEqual([{ fingerprint: 'ab', name: null }]);
    }
  });

  it('refuses absurd nesting with a message', () => {
    expect(list('('.repeat(MiB10))).toEqual({ status: 1, stdout: '', stderr: 'keytool: F:1:100001: nested more than 100000 levels deep (lists, quotes and datum comments)\n' });
  });

  it('reads "\\x110000;" as Guile does, and refuses \\U110000 in words', () => {
    const r = list(file('("ab" (name "\\x110000;"))'));
    expect(JSON.parse(r.stdout).authorizations).toEqual([{ fingerprint: 'ab', name: '\x110000;' }]);
    expect(list(file('("ab" (name "\\U110000"))'))).toEqual({ status: 1, stdout: '', stderr: 'keytool: F:1:43: invalid escape "\\U110000" in string: beyond the last Unicode code point\n' });
  });

  it('lists a 10 MiB fingerprint, and refuses a 10 MiB bad one with a short message', () => {
    const ok = list(file(`("${'a'.repeat(MiB10)}")`));
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).authorizations[0].fingerprint).toHaveLength(MiB10);
    const bad = list(file(`("${'a'.repeat(MiB10)}x")`));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(`keytool: F: fingerprint "${'a'.repeat(80)}… (10485761 characters)": not a hexadecimal fingerprint ("x" is not a hexadecimal digit)\n`);
  });

  it('says what is wrong with the version', () => {
    expect(list(file('', '"0"')).stderr).toBe('keytool: F: the authorizations format version "0" is a string, not a number: write (version 0)\n');
    expect(list(file('', '#e0.0')).status).toBe(0);
  });
});

describe('keytool git authorizations list (terminal output)', () => {
  it('escapes names and bounds fingerprints on the terminal; --json keeps them exact', () => {
    const f = path.join(base, 'terminal');
    const name = '\x1b]0;TITLE\x07\x1b[2K\rok fake\nnext';
    writeFileSync(f, file(`("${'a'.repeat(40)}" (name "${name.replace(/\x1b/g, '\\x1b').replace(/\x07/g, '\\a').replace(/\r/g, '\\r').replace(/\n/g, '\\n')}")) ("${'b'.repeat(100_000)}")`));
    const r = keytool(['git', 'authorizations', 'list', '--file', f], { cwd: base });
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('\\x1b]0;TITLE\\x07\\x1b[2K\\rok fake\\nnext');
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
    expect(lines[1]!.length).toBeLessThan(200);
    const j = keytool(['git', 'authorizations', 'list', '--json', '--file', f], { cwd: base });
    expect(JSON.parse(j.stdout).authorizations[0].name).toBe(name);
  });
});
