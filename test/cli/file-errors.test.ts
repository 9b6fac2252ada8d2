// Every command, given a file that is missing, a directory, under a file (not a directory),
// unreadable, empty or garbage, says in words which file and what is wrong: never an errno name
// (ENOENT, EISDIR...) and never "internal error".
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { assertBuilt, EXAMPLE, exampleConfig, isRoot, keytool, permissionTestsRun, scratch, unprivileged } from './support/run.js';

assertBuilt();

type Case = 'missing' | 'directory' | 'not a directory' | 'unreadable' | 'empty' | 'garbage';
const ALL: Case[] = ['missing', 'directory', 'not a directory', 'unreadable', 'empty', 'garbage'];
const NO_CONTENT: Case[] = ['missing', 'directory', 'not a directory', 'unreadable'];
const AS_DIR: Case[] = ['missing', 'not a directory', 'empty', 'garbage']; // where a directory is expected

const ERRNO_NAMES = Object.keys(constants.errno);
const HASH = 'a'.repeat(64);
const STORE_PATH = '/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-hello';

/** Makes the file of `kind` at `<dir>/slot<suffix>` and returns its path. */
function makeSlot(dir: string, kind: Case, suffix: string): string {
  const p = path.join(dir, `slot${suffix}`);
  switch (kind) {
    case 'missing': return p;
    case 'directory': mkdirSync(p); return p;
    case 'not a directory': writeFileSync(path.join(dir, 'plain'), 'x'); return path.join(dir, 'plain', `slot${suffix}`);
    case 'unreadable': writeFileSync(p, '(public-key)'); chmodSync(p, 0o000); return p;
    case 'empty': writeFileSync(p, ''); return p;
    case 'garbage': writeFileSync(p, '\x00\x01garbage (((\n'); return p;
  }
}

interface Row {
  /** `@` stands for the file under test. */
  args: (cfg: string, work: string) => string[];
  cases: Case[];
  /** Suffix of the file's name (`.sec`: a secret key is looked for by its name). */
  suffix?: string;
  /** Cases that may succeed (the file is acceptable there). */
  mayPass?: Case[];
}

const rows: Record<string, Row> = {
  'show FILE': { args: () => ['show', '@'], cases: ALL },
  'authorize FILE': { args: (cfg) => ['authorize', '--config-dir', cfg, '@'], cases: ALL },
  'deauthorize FILE': { args: (cfg) => ['deauthorize', '--config-dir', cfg, '@'], cases: ALL },
  'verify FILE': { args: () => ['verify', '--no-acl', '@'], cases: ALL },
  'sign --key FILE': { args: () => ['sign', '--key', '@', HASH], cases: ALL, suffix: '.sec' },
  'sign --file FILE': { args: (cfg) => ['sign', '--key', path.join(cfg, 'signing-key.sec'), '--file', '@'], cases: NO_CONTENT },
  'list --config-dir DIR': { args: () => ['list', '--config-dir', '@'], cases: AS_DIR },
  'acl export --config-dir DIR': { args: () => ['acl', 'export', '--config-dir', '@'], cases: AS_DIR },
  'generate --config-dir DIR': { args: () => ['generate', '--config-dir', '@'], cases: ['not a directory', 'empty', 'garbage'] },
  'nar pack PATH': { args: () => ['nar', 'pack', '@'], cases: ['missing', 'not a directory', 'unreadable'] },
  'nar pack -o FILE': { args: (_c, work) => ['nar', 'pack', path.join(work, 'content'), '-o', '@'], cases: ['directory', 'not a directory'] },
  'nar hash PATH': { args: () => ['nar', 'hash', '@'], cases: ['missing', 'not a directory', 'unreadable'] },
  'nar unpack FILE': { args: (_c, work) => ['nar', 'unpack', '@', path.join(work, 'out')], cases: ALL },
  'nar ls FILE': { args: () => ['nar', 'ls', '@'], cases: ALL },
  'archive list BUNDLE': { args: () => ['archive', 'list', '@'], cases: ALL, mayPass: ['empty'] },
  'archive verify BUNDLE': { args: (cfg) => ['archive', 'verify', '--config-dir', cfg, '@'], cases: ALL, mayPass: ['empty'] },
  'archive verify --acl FILE': { args: (cfg) => ['archive', 'verify', '--acl', '@', path.join(cfg, 'acl')], cases: ALL },
  'archive extract BUNDLE': { args: (cfg, work) => ['archive', 'extract', '--config-dir', cfg, '@', path.join(work, 'out')], cases: ALL, mayPass: ['empty'] },
  'archive export --key FILE': { args: (_c, work) => ['archive', 'export', '--key', '@', '--store-path', STORE_PATH, path.join(work, 'content')], cases: ALL, suffix: '.sec' },
  'archive export --items-from FILE': { args: () => ['archive', 'export', '--items-from', '@'], cases: ALL },
  'archive export -o FILE': { args: (cfg, work) => ['archive', 'export', '--key', path.join(cfg, 'signing-key.sec'), '-o', '@', '--store-path', STORE_PATH, path.join(work, 'content')], cases: ['directory', 'not a directory'] },
  'narinfo verify FILE': { args: (cfg) => ['narinfo', 'verify', '--config-dir', cfg, '@'], cases: ALL },
  'narinfo verify --acl FILE': { args: (cfg) => ['narinfo', 'verify', '--acl', '@', path.join(cfg, 'acl')], cases: ALL },
  'narinfo sign FILE': { args: (cfg) => ['narinfo', 'sign', '--key', path.join(cfg, 'signing-key.sec'), '@'], cases: ALL },
  'substitutes check DIR': { args: (cfg) => ['substitutes', 'check', '--config-dir', cfg, '@', STORE_PATH], cases: ['missing', 'not a directory', 'empty'] },
  'git authenticate -r DIR': { args: () => ['git', 'authenticate', '-r', '@'], cases: ['missing', 'not a directory', 'empty'] },
};

/** The configuration directory's own files as the slot: an ACL that is a directory, empty... */
const aclRows: Record<string, (cfg: string) => string[]> = {
  list: (cfg) => ['list', '--config-dir', cfg],
  'acl export': (cfg) => ['acl', 'export', '--config-dir', cfg],
  authorize: (cfg) => ['authorize', '--config-dir', cfg, path.join(EXAMPLE, 'rsa/signing-key.pub')],
  'show --config-dir': (cfg) => ['show', '--config-dir', cfg, path.join(EXAMPLE, 'signing-key.pub')],
};

function check(label: string, kind: Case, argv: string[], slot: string, mayPass: boolean, input?: string): void {
  const needsNobody = kind === 'unreadable' && isRoot;
  const r = keytool(argv, { ...(needsNobody ? unprivileged : {}), input: input ?? '' });
  const said = r.stderr + r.stdout;
  for (const name of ERRNO_NAMES) expect(said, `${label} (${kind}) shows ${name}: ${said}`).not.toMatch(new RegExp(`\\b${name}\\b`));
  expect(said, `${label} (${kind})`).not.toContain('internal error');
  if (mayPass && r.status === 0) return;
  expect(r.status, `${label} (${kind}) should fail: ${said}`).not.toBe(0);
  // (narinfo verify reports a narinfo's verdict on stdout, naming it there)
  expect(said, `${label} (${kind}) names the file`).toContain(path.basename(slot));
}

describe('file errors are said in words, for every command', () => {
  const table = Object.entries(rows).flatMap(([label, row]) => row.cases.map((kind) => [label, kind, row] as const));
  it.each(table)('%s: %s', (label, kind, row) => {
    if (kind === 'unreadable' && !permissionTestsRun) return;
    const cfg = exampleConfig('ferr-cfg');
    const work = scratch('ferr');
    if (kind === 'unreadable') chmodSync(work, 0o777); // the only thing nobody cannot do is read the file
    writeFileSync(path.join(work, 'content'), 'hello\n');
    const slot = makeSlot(work, kind, row.suffix ?? '');
    const argv = row.args(cfg, work).map((a) => (a === '@' ? slot : a));
    check(label, kind, argv, slot, row.mayPass?.includes(kind) ?? false);
  });

  const aclTable = Object.keys(aclRows).flatMap((label) => (['directory', 'unreadable', 'empty', 'garbage'] as Case[]).map((kind) => [label, kind] as const));
  it.each(aclTable)('%s with an acl that is %s', (label, kind) => {
    if (kind === 'unreadable' && !permissionTestsRun) return;
    const cfg = exampleConfig('ferr-acl');
    chmodSync(cfg, 0o777);
    const acl = path.join(cfg, 'acl');
    rmSync(acl);
    if (kind === 'directory') mkdirSync(acl);
    else writeFileSync(acl, kind === 'garbage' ? '\x00garbage (((' : kind === 'unreadable' ? readFileSync(path.join(EXAMPLE, 'acl')) : '');
    if (kind === 'unreadable') chmodSync(acl, 0o000);
    check(label, kind, aclRows[label]!(cfg), acl, false);
  });

  it('sexp with nothing on standard input says so', () => {
    const r = keytool(['sexp'], { input: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/standard input is empty/);
    expect(r.stdout).toBe('');
  });
});
