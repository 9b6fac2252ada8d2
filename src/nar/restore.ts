// Restoring a nar into the file system, as the daemon's restorePath does: directories 0777 and
// files 0666 (0777 when executable) less the umask, every file created exclusively, symbolic
// links verbatim. Nothing is ever overwritten and nothing is left half-written: a tree is built
// in a private staging directory (made by us, 0700, so no other user can even enter it) and moved
// into place only when complete; an error or a signal removes the staging directory.
//
// Node 20 has no openat(), so files are created by path. A path is only as safe as each directory
// on it, so every directory we create is remembered by device and inode, and before anything is
// created in it, its path must still lead to it (lstat, which does not follow a final symbolic
// link, and would reach another inode through a swapped ancestor). A directory moved away or
// replaced by a symbolic link while the stream arrives stops the restore instead of being written
// through.
//
// Cost: per event, one name check and one full path to hand to the kernel (at most PATH_MAX bytes:
// the reader bounds it), taken from the directory stack, never rebuilt from every name; names for
// messages are made only for a message. The kernel, though, walks every directory on a path at
// each call, and a file takes four calls by path (check, create, check, compare), so an event at
// depth d costs about 4d name lookups there (measured: 20,000 empty files at depth 1,000 take about
// 2.5 times the system time of depth 1). Only openat() would avoid that, and Node 20 has none;
// process.chdir() changes the whole process, no option in a library; creating through
// /proc/self/fd/N/name of a descriptor held per open directory would need /proc and up to 1,024
// descriptors, and the checks by path, which the defence rests on, would still walk.
import { randomBytes } from 'node:crypto';
import {
  closeSync, constants, fchmodSync, fstatSync, linkSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeSync, type BigIntStats,
} from 'node:fs';
import path from 'node:path';
import { displayable } from '../display.js';
import { KeytoolError } from '../errors.js';
import { undoOnSignal } from '../fsutil/cleanup.js';
import { strerror } from '../helper/strerror.js';
import { NAR_ROOT, NarParser, showPath, type NarEvent, type NarLimits, type NarPath } from './reader.js';

/** The longest file name Linux file systems take (NAME_MAX). */
const NAME_MAX = 255;
const SLASH = Buffer.from('/');

/** A directory known by device and inode: its path is trusted only while it still leads there. */
interface KnownDir {
  path: Buffer;
  dev: bigint;
  ino: bigint;
  /** How messages name it (made only for a message). */
  shown: () => string;
}

const lstatBig = (p: string | Buffer): BigIntStats | undefined => lstatSync(p, { bigint: true, throwIfNoEntry: false });

/** Refuse to create anything in `dir` unless its path still leads to the directory we know. */
function checkStill(dir: KnownDir): void {
  const st = lstatBig(dir.path);
  if (!st || !st.isDirectory() || st.dev !== dir.dev || st.ino !== dir.ino) {
    throw new KeytoolError(`${dir.shown()} was moved or replaced while extracting (another process changed it); stopped without writing through it`);
  }
}

function knownDir(p: Buffer, shown: () => string): KnownDir {
  const st = lstatBig(p);
  if (!st?.isDirectory()) throw new KeytoolError(`${shown()} was replaced as soon as it was created (another process changed it); stopped`);
  return { path: p, dev: st.dev, ino: st.ino, shown };
}

/** Why a file-system call failed, in words (never an errno name). */
export function fsProblem(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT': return 'a directory on its path does not exist';
    case 'ENOTDIR': case 'EEXIST': return 'something on its path is not a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENAMETOOLONG': return 'its path, or a name on it, is longer than the system allows';
    case 'ELOOP': return 'too many levels of symbolic links on its path';
    default: return strerror(e);
  }
}

/** Why `name` cannot be a file name (`its name …`), or undefined when it can. */
export function nameProblem(name: Uint8Array): string | undefined {
  if (!name.length) return 'is empty';
  if ((name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e)) return 'is `.` or `..`, not a file name';
  if (name.includes(0)) return 'holds a NUL byte';
  if (name.includes(0x2f)) return 'holds a `/`';
  if (name.length > NAME_MAX) return `is ${name.length} bytes long, more than the ${NAME_MAX} a file name may have`;
  return undefined;
}

/** A path of the archive for a message: escaped by showPath, and bounded (a nar nests 1024 deep). */
function shownNar(p: NarPath): string {
  const s = `/${showPath(p)}`;
  return s.length <= 400 ? s : `${s.slice(0, 400)}… (${s.length} characters)`;
}

/**
 * Applies nar events as the nar `root` inside a directory we know (a staging directory). Every
 * call is synchronous, so nothing else runs between a check and the creation it guards.
 */
export class NarRestorer {
  private fd: number | undefined;
  private filePath: NarPath = NAR_ROOT;
  /** dirs[d]: the directory made for the nar's directory at depth d (the root is depth 0). */
  private readonly dirs: KnownDir[] = [];

  constructor(private readonly container: KnownDir, private readonly root: string) {}

  /** The parent directory of `p` (as we know it) and the path to create. */
  private place(p: NarPath): { parent: KnownDir; at: Buffer } {
    const parent = p.depth ? this.dirs[p.depth - 1]! : this.container;
    const name = p.depth ? p.name : Buffer.from(this.root);
    const bad = nameProblem(name);
    if (bad) throw new KeytoolError(`its name ${bad}`);
    return { parent, at: Buffer.concat([parent.path, SLASH, name]) };
  }

  apply(e: NarEvent): void {
    try {
      switch (e.type) {
        case 'directory': {
          const { parent, at } = this.place(e.path);
          checkStill(parent);
          mkdirSync(at, 0o777);
          checkStill(parent);
          this.dirs.length = e.path.depth;
          const p = e.path;
          this.dirs.push(knownDir(at, () => `directory ${shownNar(p)} of the archive`));
          break;
        }
        case 'symlink': {
          const { parent, at } = this.place(e.path);
          checkStill(parent);
          symlinkSync(Buffer.from(e.target), at);
          checkStill(parent);
          break;
        }
        case 'file': {
          const { parent, at } = this.place(e.path);
          checkStill(parent);
          this.fd = openSync(at, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, e.executable ? 0o777 : 0o666);
          this.filePath = e.path;
          // The file we hold must be the one at that path in our directory before any byte goes in.
          checkStill(parent);
          const mine = fstatSync(this.fd, { bigint: true });
          const there = lstatBig(at);
          if (!there || there.dev !== mine.dev || there.ino !== mine.ino) throw new KeytoolError(`${parent.shown()} was changed while extracting (another process changed it); stopped`);
          break;
        }
        case 'data': {
          let off = 0;
          while (off < e.bytes.length) off += writeSync(this.fd!, e.bytes, off, e.bytes.length - off);
          break;
        }
        case 'file-end':
          closeSync(this.fd!);
          this.fd = undefined;
          break;
      }
    } catch (err) {
      const p = e.type === 'data' ? this.filePath : e.path;
      const what = `cannot restore ${shownNar(p)}`;
      if (err instanceof KeytoolError) throw new KeytoolError(`${what}: ${err.message}`);
      const code = (err as NodeJS.ErrnoException).code;
      throw new KeytoolError(`${what}: ${code === 'ENAMETOOLONG' ? 'the path is longer than the system allows (the archive nests too deep for this file system)' : fsProblem(err)}`);
    }
  }

  /** Close anything left open (after an error). */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
    }
    this.fd = undefined;
  }
}

/** `dest` as given, without trailing slashes (with one, lstat() would follow a symbolic link there). */
function bare(dest: string): string {
  if (dest === '') throw new KeytoolError('the destination DIR is an empty string; give the name of a directory', 2);
  return dest.replace(/(?<=.)\/+$/, '');
}

/** A file name shortened for use inside a temporary name (which adds to its length). */
const shortName = (name: string): string => [...name].slice(0, 40).join('');

/** A fresh name beside `dest` for building it. */
export const stagingPath = (dest: string): string => path.join(path.dirname(dest), `.${shortName(path.basename(dest))}.keytool-${randomBytes(6).toString('hex')}`);

/**
 * A private directory (0700, made by us) where trees are built before they are moved into
 * place; removed on error and on SIGINT, SIGTERM or SIGHUP.
 */
export class StagingDir {
  private readonly forget: () => void;

  private constructor(readonly dir: KnownDir) {
    this.forget = undoOnSignal(() => rmSync(dir.path, { recursive: true, force: true }));
  }

  /** Make `parent/<prefix><random>`; `forWhat` names the destination in messages. */
  static create(parent: string, prefix: string, forWhat: string): StagingDir {
    const p = path.join(parent, `${prefix}${randomBytes(6).toString('hex')}`);
    try {
      mkdirSync(p, 0o700);
    } catch (e) {
      throw new KeytoolError(`cannot create ${forWhat}: cannot make a staging directory in '${displayable(parent)}': ${fsProblem(e)}`);
    }
    // A umask may have taken our own bits away: set exactly 0700 through a descriptor that
    // cannot have followed a link.
    let fd: number | undefined;
    try {
      fd = openSync(p, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      fchmodSync(fd, 0o700);
    } catch {
      rmSync(p, { recursive: true, force: true });
      throw new KeytoolError(`cannot create ${forWhat}: the staging directory '${displayable(p)}' was replaced as soon as it was made (another process changed it)`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return new StagingDir(knownDir(Buffer.from(p), () => `the staging directory '${displayable(p)}'`));
  }

  /** A restorer writing the nar `name` in here. */
  restorer(name: string): NarRestorer {
    return new NarRestorer(this.dir, name);
  }

  /** Move the finished `name` to `dest` (whose parent is `destDir` when we know it), refusing to replace anything. */
  moveOut(name: string, dest: string | Buffer, shownDest: string, destDir?: KnownDir): void {
    const at = Buffer.concat([this.dir.path, SLASH, Buffer.from(name)]);
    const exists = (): never => {
      throw new KeytoolError(`'${shownDest}' already exists; refusing to overwrite it`);
    };
    try {
      checkStill(this.dir);
      if (destDir) checkStill(destDir);
      if (lstatSync(at).isDirectory()) {
        if (lstatBig(dest)) exists();
        renameSync(at, dest);
      } else {
        // link() fails instead of replacing: the no-overwrite move for files and links.
        linkSync(at, dest);
        unlinkSync(at);
      }
    } catch (e) {
      if (e instanceof KeytoolError) throw e;
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' || (e as NodeJS.ErrnoException).code === 'ENOTEMPTY') exists();
      throw new KeytoolError(`cannot create '${shownDest}': ${fsProblem(e)}`);
    }
  }

  /** Undo `moveOut` (when a later item cannot be moved): back in here, to be removed with the rest. */
  moveBack(name: string, dest: string | Buffer): void {
    renameSync(dest, Buffer.concat([this.dir.path, SLASH, Buffer.from(name)]));
  }

  /** Remove the staging directory and everything still in it. */
  remove(): void {
    this.forget();
    try {
      rmSync(this.dir.path, { recursive: true, force: true });
    } catch (e) {
      throw new KeytoolError(`cannot remove ${this.dir.shown()}: ${fsProblem(e)}; remove it by hand`);
    }
  }
}

/**
 * What is at a path we are to create (undefined when nothing is), not following a final symbolic
 * link; a failed check is said as `cannot create 'SHOWN': …`.
 */
export function statTarget(target: string | Buffer, shown = displayable(String(target))): BigIntStats | undefined {
  try {
    return lstatBig(target);
  } catch (e) {
    throw new KeytoolError(`cannot create '${shown}': ${fsProblem(e)}`);
  }
}

/**
 * The destination of `nar unpack`, checked before anything is read: a new name (a symbolic link
 * there counts as existing: it is neither replaced nor followed) in an existing directory.
 */
function checkNewTarget(dest: string): string {
  const target = bare(dest);
  const shown = displayable(target);
  const name = path.basename(target);
  const bad = nameProblem(Buffer.from(name));
  if (bad && name !== '/' && name !== '') throw new KeytoolError(`cannot create '${shown}': its name ${bad}`);
  const st = statTarget(target);
  if (st) throw new KeytoolError(`'${shown}' already exists${st.isSymbolicLink() ? ' (as a symbolic link, which is never followed)' : ''}; refusing to overwrite it`);
  const parent = path.dirname(target);
  try {
    if (!statSync(parent).isDirectory()) throw new KeytoolError(`cannot create '${shown}': '${displayable(parent)}' is not a directory`);
  } catch (e) {
    if (e instanceof KeytoolError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeytoolError(`cannot create '${shown}': ${code === 'ENOENT' ? `directory '${displayable(parent)}' does not exist` : fsProblem(e)}`);
  }
  return target;
}

/** The directory `archive extract` writes into, made if missing; never a symbolic link. */
export interface ExtractionDir {
  /** As given, without trailing slashes. */
  path: string;
  /** Made by this run (so removed again if nothing is extracted). */
  created: boolean;
  known: KnownDir;
}

export function prepareExtractionDir(dest: string): ExtractionDir {
  const target = bare(dest);
  const shown = `'${displayable(target)}'`;
  const name = path.basename(target);
  const bad = nameProblem(Buffer.from(name));
  if (bad && name !== '' && name !== '.' && name !== '..') throw new KeytoolError(`cannot create ${shown}: its name ${bad}`);
  const st = statTarget(target);
  if (st?.isSymbolicLink()) {
    throw new KeytoolError(`${shown} is a symbolic link; refusing to extract through it (as nar unpack does): give the directory it points to, or a new name`);
  }
  if (st && !st.isDirectory()) throw new KeytoolError(`${shown} exists and is not a directory`);
  if (!st) {
    try {
      mkdirSync(target, { recursive: true });
    } catch (e) {
      throw new KeytoolError(`cannot create ${shown}: ${fsProblem(e)}`);
    }
  }
  return { path: target, created: !st, known: knownDir(Buffer.from(target), () => `the destination ${shown}`) };
}

/** Restore the nar read from `source` at `dest`; all or nothing. Returns the nar's size. */
export async function restoreNar(source: AsyncIterable<Uint8Array>, dest: string, limits?: NarLimits): Promise<number> {
  const target = checkNewTarget(dest);
  const staging = StagingDir.create(path.dirname(target), `.${shortName(path.basename(target))}.keytool-`, `'${displayable(target)}'`);
  const restorer = staging.restorer('root');
  const parser = new NarParser(limits);
  try {
    for await (const chunk of source) {
      for (const e of parser.push(chunk)) restorer.apply(e);
    }
    const size = parser.end();
    staging.moveOut('root', target, displayable(target));
    return size;
  } finally {
    restorer.abort();
    staging.remove();
  }
}
