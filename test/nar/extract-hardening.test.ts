// Extraction under attack, end to end through bin/keytool: a directory swapped for a symbolic link
// while a piped stream is paused (by this process, and by another user), signals mid-stream, a
// symbolic link given as DIR, file names no file system takes, and messages in words.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { constants } from 'node:os';
import { loadKeyPair, signHash } from '../../src/crypto/index.js';
import { exportBundle } from '../../src/nar/bundle.js';
import { str } from '../../src/nar/wire.js';
import { printAdvanced } from '../../src/sexp/index.js';
import { assertBuilt, canRunAsNobody, exampleConfig, KEYTOOL, keytool, NOBODY, scratch } from '../cli/support/run.js';
import { collect, DEP, HELLO, narOf } from './helpers.js';

const ENV = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** keytool with stdin a pipe we write to in parts; `umask000` runs it under umask 000. */
function piped(args: string[], cwd: string, umask000 = false) {
  const child = umask000
    ? spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', KEYTOOL, ...args], { cwd, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(KEYTOOL, args, { cwd, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.stdin.on('error', () => undefined); // a run that stopped early closes its end
  const exit = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
  return { child, exit, send: (b: Uint8Array) => child.stdin.write(b), end: (b?: Uint8Array) => child.stdin.end(b) };
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const isDir = (p: string): boolean => lstatSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
const stagingIn = (dir: string, prefix: string): string[] => readdirSync(dir).filter((n) => n.startsWith(prefix)).map((n) => path.join(dir, n));

/** The archive's directory `a` being restored (once `a/b` exists) somewhere under a staging directory. */
function stagedA(staging: string[]): string | undefined {
  for (const s of staging) {
    for (const c of [s, ...(isDir(s) ? readdirSync(s).map((n) => path.join(s, n)) : [])]) {
      if (isDir(path.join(c, 'a', 'b'))) return path.join(c, 'a');
    }
  }
  return undefined;
}

/** Nar tokens, for nars no file system could hold. */
const tokens = (...parts: string[]): Buffer => Buffer.concat(parts.map((p) => str(p)));

let work: string;
let conf: string;
let raceNar: Buffer; // a/ { b/, zzzz }: paused after a/b, the next entry goes into a
let raceBundle: Buffer;
let okBundle: Buffer;
const sign = (h: Uint8Array): Uint8Array => printAdvanced(signHash(loadKeyPair(path.join(conf, 'signing-key.sec')), h));
const cut = (b: Buffer): number => b.indexOf(Buffer.from('zzzz\0\0\0\0')) - 8; // before the name `zzzz`

beforeAll(async () => {
  assertBuilt();
  work = scratch('extract');
  conf = exampleConfig('extract-cfg');
  const tree = path.join(work, 'tree');
  mkdirSync(path.join(tree, 'a', 'b'), { recursive: true });
  writeFileSync(path.join(tree, 'a', 'zzzz'), 'payload\n');
  raceNar = await narOf(tree);
  raceBundle = await collect(exportBundle([{ storePath: HELLO, references: [], source: tree }], sign));
  okBundle = await collect(exportBundle([{ storePath: DEP, references: [], source: tree }], sign));
});

describe('a directory swapped for a symbolic link mid-stream', () => {
  // The swap happens once `a/b` is seen, normally after the run has finished with its chunk (hence
  // the pause); if it lands between creating the last directory and re-checking its parent, that
  // check refuses it instead, naming that directory: both outcomes are right.
  const swap = async (a: string, outside: string): Promise<void> => {
    await new Promise((r) => setTimeout(r, 100));
    renameSync(a, `${a}.moved`);
    symlinkSync(outside, a);
  };

  it('nar unpack: refused with the directory named, nothing written outside, nothing left', async () => {
    const outside = scratch('outside');
    const run = piped(['nar', 'unpack', '-', 'out'], work);
    run.send(raceNar.subarray(0, cut(raceNar)));
    const a = await waitFor('a/b', () => stagedA(stagingIn(work, '.out.keytool-')));
    await swap(a, outside);
    run.end(raceNar.subarray(cut(raceNar)));
    const r = await run.exit;
    expect(readdirSync(outside)).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^keytool: cannot restore \/a\/(zzzz|b): directory \/a of the archive was moved or replaced while extracting \(another process changed it\); stopped without writing through it\n$/);
    expect(existsSync(path.join(work, 'out'))).toBe(false);
    expect(stagingIn(work, '.out.keytool-')).toEqual([]);
  });

  it('archive extract: refused before any signature could let it out, nothing written outside, DIR as it was', async () => {
    const outside = scratch('outside');
    const run = piped(['archive', 'extract', '--config-dir', conf, '-', 'xout'], work);
    run.send(raceBundle.subarray(0, cut(raceBundle)));
    const a = await waitFor('a/b', () => (isDir(path.join(work, 'xout')) ? stagedA(stagingIn(path.join(work, 'xout'), '.keytool-extract-')) : undefined));
    await swap(a, outside);
    run.end(raceBundle.subarray(cut(raceBundle)));
    const r = await run.exit;
    expect(readdirSync(outside)).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^keytool: bundle item 1: cannot restore \/a\/(zzzz|b): directory \/a of the archive was moved or replaced while extracting \(another process changed it\); stopped without writing through it; nothing extracted\n$/);
    expect(existsSync(path.join(work, 'xout'))).toBe(false); // made by this run, so removed again
  });

  it('nar unpack: an ancestor swapped for a link to a look-alike tree is caught too', async () => {
    const outside = scratch('outside');
    mkdirSync(path.join(outside, 'b', 'c'), { recursive: true }); // what the link leads to looks like ours
    const tree = path.join(scratch('deep'), 'tree');
    mkdirSync(path.join(tree, 'a', 'b', 'c'), { recursive: true });
    writeFileSync(path.join(tree, 'a', 'b', 'zzzz'), 'payload\n');
    const nar = await narOf(tree);
    const run = piped(['nar', 'unpack', '-', 'deep-out'], work);
    run.send(nar.subarray(0, cut(nar)));
    const a = await waitFor('a/b/c', () => {
      const found = stagedA(stagingIn(work, '.deep-out.keytool-'));
      return found && isDir(path.join(found, 'b', 'c')) ? found : undefined;
    });
    await swap(a, outside);
    run.end(nar.subarray(cut(nar)));
    const r = await run.exit;
    expect(readdirSync(path.join(outside, 'b')).sort()).toEqual(['c']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^keytool: cannot restore \/a\/b\/(zzzz|c): directory \/a\/b of the archive was moved or replaced while extracting \(another process changed it\); stopped without writing through it\n$/);
    expect(stagingIn(work, '.deep-out.keytool-')).toEqual([]);
  });

  it.skipIf(!canRunAsNobody)('another user cannot even enter the staging directory, even under umask 000', async () => {
    const outside = scratch('outside');
    const run = piped(['nar', 'unpack', '-', 'nobody-out'], work, true);
    run.send(raceNar.subarray(0, cut(raceNar)));
    const a = await waitFor('a/b', () => stagedA(stagingIn(work, '.nobody-out.keytool-')));
    const racer = spawnSync(process.execPath, ['-e', `const fs = require('fs'); fs.renameSync(${JSON.stringify(a)}, ${JSON.stringify(`${a}.moved`)}); fs.symlinkSync(${JSON.stringify(outside)}, ${JSON.stringify(a)});`], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
    expect(racer.status).not.toBe(0);
    expect(racer.stderr).toMatch(/EACCES/);
    run.end(raceNar.subarray(cut(raceNar)));
    const r = await run.exit;
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(readdirSync(outside)).toEqual([]);
    expect(readFileSync(path.join(work, 'nobody-out', 'a', 'zzzz'), 'utf8')).toBe('payload\n');
    expect(lstatSync(path.join(work, 'nobody-out')).mode & 0o777).toBe(0o777); // the tree's own modes: umask 000
  });
});

describe('a signal mid-stream', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s: nar unpack removes its staging tree and dies by the signal', async (sig) => {
    const name = `sig-${sig}`;
    const run = piped(['nar', 'unpack', '-', name], work);
    run.send(raceNar.subarray(0, cut(raceNar)));
    await waitFor('a/b', () => stagedA(stagingIn(work, `.${name}.keytool-`)));
    run.child.kill(sig);
    const r = await run.exit;
    expect(r.signal === sig || r.code === 128 + constants.signals[sig]).toBe(true);
    expect(stagingIn(work, `.${name}.keytool-`)).toEqual([]);
    expect(existsSync(path.join(work, name))).toBe(false);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s: archive extract removes its staging tree and the DIR it made', async (sig) => {
    const dir = path.join(work, `xsig-${sig}`);
    const run = piped(['archive', 'extract', '--config-dir', conf, '-', dir], work);
    run.send(raceBundle.subarray(0, cut(raceBundle)));
    await waitFor('a/b', () => (isDir(dir) ? stagedA(stagingIn(dir, '.keytool-extract-')) : undefined));
    run.child.kill(sig);
    const r = await run.exit;
    expect(r.signal === sig || r.code === 128 + constants.signals[sig]).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });

  it('archive extract into an existing DIR: the DIR stays, its staging tree goes', async () => {
    const dir = path.join(work, 'xsig-existing');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'mine'), 'keep\n');
    const run = piped(['archive', 'extract', '--config-dir', conf, '-', dir], work);
    run.send(raceBundle.subarray(0, cut(raceBundle)));
    await waitFor('a/b', () => stagedA(stagingIn(dir, '.keytool-extract-')));
    run.child.kill('SIGTERM');
    await run.exit;
    expect(readdirSync(dir)).toEqual(['mine']);
  });
});

describe('one rule for DIR: never through a symbolic link', () => {
  it('archive extract refuses a symbolic link to a directory (with or without a trailing slash), as nar unpack does', () => {
    const d = scratch('linkdir');
    mkdirSync(path.join(d, 'real'));
    symlinkSync('real', path.join(d, 'link'));
    writeFileSync(path.join(d, 'b.bundle'), okBundle);
    for (const dir of ['link', 'link/']) {
      const r = keytool(['archive', 'extract', '--config-dir', conf, 'b.bundle', dir], { cwd: d });
      expect(r).toMatchObject({ status: 1, stdout: '' });
      expect(r.stderr).toBe("keytool: 'link' is a symbolic link; refusing to extract through it (as nar unpack does): give the directory it points to, or a new name\n");
    }
    expect(readdirSync(path.join(d, 'real'))).toEqual([]);
    const nar = keytool(['nar', 'unpack', '-', 'link/'], { cwd: d, input: raceNar });
    expect(nar).toMatchObject({ status: 1, stderr: "keytool: 'link' already exists (as a symbolic link, which is never followed); refusing to overwrite it\n" });
    expect(readdirSync(path.join(d, 'real'))).toEqual([]);
  });

  it('a dangling symbolic link or a regular file as DIR: said in words', () => {
    const d = scratch('baddir');
    symlinkSync('nowhere', path.join(d, 'dangling'));
    writeFileSync(path.join(d, 'file'), 'x');
    writeFileSync(path.join(d, 'b.bundle'), okBundle);
    expect(keytool(['archive', 'extract', '--config-dir', conf, 'b.bundle', 'dangling'], { cwd: d }).stderr).toBe("keytool: 'dangling' is a symbolic link; refusing to extract through it (as nar unpack does): give the directory it points to, or a new name\n");
    expect(keytool(['archive', 'extract', '--config-dir', conf, 'b.bundle', 'file'], { cwd: d })).toMatchObject({ status: 1, stderr: "keytool: 'file' exists and is not a directory\n" });
    expect(keytool(['archive', 'extract', '--config-dir', conf, 'b.bundle', 'file/sub'], { cwd: d })).toMatchObject({ status: 1, stderr: "keytool: cannot create 'file/sub': something on its path is not a directory\n" });
    expect(existsSync(path.join(d, 'nowhere'))).toBe(false);
    expect(readdirSync(d).sort()).toEqual(['b.bundle', 'dangling', 'file']);
  });
});

describe('names no file system takes, and other messages in words', () => {
  const long = 'x'.repeat(300);

  it('an empty DIR, a 300-byte DIR name, a missing parent', () => {
    const d = scratch('names');
    expect(keytool(['nar', 'unpack', '-', ''], { cwd: d, input: raceNar })).toMatchObject({ status: 2, stderr: 'keytool: the destination DIR is an empty string; give the name of a directory\n' });
    expect(keytool(['nar', 'unpack', '-', long], { cwd: d, input: raceNar })).toMatchObject({ status: 1, stderr: `keytool: cannot create '${long}': its name is 300 bytes long, more than the 255 a file name may have\n` });
    expect(keytool(['nar', 'unpack', '-', 'no/such/dir'], { cwd: d, input: raceNar })).toMatchObject({ status: 1, stderr: "keytool: cannot create 'no/such/dir': directory 'no/such' does not exist\n" });
    expect(keytool(['archive', 'extract', '--config-dir', conf, '-', ''], { cwd: d, input: okBundle })).toMatchObject({ status: 2, stderr: 'keytool: the destination DIR is an empty string; give the name of a directory\n' });
    expect(keytool(['archive', 'extract', '--config-dir', conf, '-', long], { cwd: d, input: okBundle })).toMatchObject({ status: 1, stderr: `keytool: cannot create '${long}': its name is 300 bytes long, more than the 255 a file name may have\n` });
    expect(readdirSync(d)).toEqual([]);
  });

  it('a 300-byte file name inside the nar: which file, and why', () => {
    const d = scratch('longentry');
    const nar = tokens('nix-archive-1', '(', 'type', 'directory', 'entry', '(', 'name', long, 'node', '(', 'type', 'regular', 'contents', 'hi', ')', ')', ')');
    const r = keytool(['nar', 'unpack', '-', 'out'], { cwd: d, input: nar });
    expect(r).toMatchObject({ status: 1, stderr: `keytool: cannot restore /${long}: its name is 300 bytes long, more than the 255 a file name may have\n` });
    expect(readdirSync(d)).toEqual([]);
  });

  it('a store path with a NUL byte or `..` as its file name: refused in words, nothing extracted', async () => {
    const d = scratch('nulpath');
    const tree = path.join(d, 'tree');
    mkdirSync(tree);
    writeFileSync(path.join(tree, 'f'), 'x');
    for (const storePath of ['/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-he\0llo', '/gnu/store/..']) {
      writeFileSync(path.join(d, 'b.bundle'), await collect(exportBundle([{ storePath, references: [], source: tree }], sign)));
      const r = keytool(['archive', 'extract', '--config-dir', conf, 'b.bundle', 'out'], { cwd: d });
      expect(r.status).toBe(1);
      expect(r.stderr).not.toMatch(/internal error|null bytes|E[A-Z]{3,}/);
      expect(r.stderr).toMatch(/^keytool: b\.bundle: bundle item 1: .*; nothing extracted\n$/);
      expect(readdirSync(d).sort()).toEqual(['b.bundle', 'tree']);
    }
  });

  it('a failure within the first chunk read still names the item and says nothing was extracted', () => {
    const d = scratch('firstchunk');
    const bad = Buffer.from(okBundle);
    bad.write('zzzy', bad.indexOf('zzzz\0'), 'latin1'); // `zzzy` after `b`: still sorted, but the hash no longer matches
    const unsorted = Buffer.from(okBundle);
    unsorted.write('a', unsorted.indexOf('zzzz\0'), 'latin1'); // `azzz` after `b`: not sorted
    writeFileSync(path.join(d, 'bad.bundle'), bad);
    writeFileSync(path.join(d, 'unsorted.bundle'), unsorted);
    const r1 = keytool(['archive', 'extract', '--config-dir', conf, 'bad.bundle', 'out'], { cwd: d });
    expect(r1.stderr).toBe(`keytool: bundle item 1: ${DEP}: signed hash doesn't match actual contents of imported archive; archive could be corrupt, or someone is trying to import a Trojan horse; nothing extracted\n`);
    const r2 = keytool(['archive', 'extract', '--config-dir', conf, 'unsorted.bundle', 'out'], { cwd: d });
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/^keytool: \S+: bundle item 1: NAR directory is not sorted: 'azzz' comes after 'b' \(at byte \d+ in "\/a"\); nothing extracted\n$/);
    expect(keytool(['archive', 'extract', '--config-dir', conf, '-', 'out'], { cwd: d, input: 'not a bundle at all' }).stderr).toMatch(/; nothing extracted\n$/);
    expect(readdirSync(d).sort()).toEqual(['bad.bundle', 'unsorted.bundle']);
  });

  it('the good bundle still extracts, and its name is printed', () => {
    const d = scratch('good');
    writeFileSync(path.join(d, 'b.bundle'), okBundle);
    const r = keytool(['archive', 'extract', '--config-dir', conf, 'b.bundle', 'out/'], { cwd: d });
    expect(r).toMatchObject({ status: 0, stdout: `out/${path.basename(DEP)}\n`, stderr: '1 item verified and extracted\n' });
    expect(readdirSync(path.join(d, 'out'))).toEqual([path.basename(DEP)]);
    expect(lstatSync(path.join(d, 'out', path.basename(DEP), 'a', 'b')).isDirectory()).toBe(true);
  });
});
