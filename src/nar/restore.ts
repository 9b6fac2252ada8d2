// Restoring a nar into the file system, as the daemon's restorePath does: directories 0777 and
// files 0666 (0777 when executable) less the umask, every file created exclusively, symbolic
// links verbatim. Nothing is ever overwritten: a tree is built under a fresh temporary name
// beside its destination and moved into place only when complete, so an error leaves nothing.
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, rename, rm, symlink, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { KeytoolError } from '../errors.js';
import { NarParser, showPath, type NarEvent, type NarLimits, type NarPath } from './reader.js';

/** Applies nar events under `root` (which must not exist yet). */
export class NarRestorer {
  private file: FileHandle | undefined;
  constructor(private readonly root: string) {}

  private target(p: NarPath): Buffer {
    const base = Buffer.from(this.root);
    return p.length ? Buffer.concat([base, ...p.flatMap((c) => [Buffer.from('/'), Buffer.from(c)])]) : base;
  }

  async apply(e: NarEvent): Promise<void> {
    try {
      switch (e.type) {
        case 'directory':
          await mkdir(this.target(e.path), 0o777);
          break;
        case 'symlink':
          await symlink(Buffer.from(e.target), this.target(e.path));
          break;
        case 'file':
          this.file = await open(this.target(e.path), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, e.executable ? 0o777 : 0o666);
          break;
        case 'data': {
          let off = 0;
          while (off < e.bytes.length) off += (await this.file!.write(e.bytes, off, e.bytes.length - off)).bytesWritten;
          break;
        }
        case 'file-end':
          await this.file!.close();
          this.file = undefined;
          break;
      }
    } catch (err) {
      if (err instanceof KeytoolError) throw err;
      const p = 'path' in e ? `/${showPath(e.path)}` : 'file contents';
      throw new KeytoolError(`cannot restore ${p}: ${(err as Error).message}`);
    }
  }

  /** Close anything left open (after an error). */
  async abort(): Promise<void> {
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** A fresh name beside `dest` for building it. */
export const stagingPath = (dest: string): string => path.join(path.dirname(dest), `.${path.basename(dest)}.keytool-${randomBytes(6).toString('hex')}`);

/** Move a finished tree into place, refusing to replace anything at `dest`. */
export async function moveIntoPlace(staged: string, dest: string): Promise<void> {
  const st = await lstat(staged);
  if (st.isDirectory()) {
    if (await exists(dest)) throw new KeytoolError(`'${dest}' already exists; refusing to overwrite it`);
    await rename(staged, dest);
  } else {
    // link() fails with EEXIST instead of replacing: the no-overwrite move for files and links.
    try {
      await link(staged, dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new KeytoolError(`'${dest}' already exists; refusing to overwrite it`);
      throw new KeytoolError(`cannot create '${dest}': ${(e as Error).message}`);
    }
    await unlink(staged);
  }
}

/** Restore the nar read from `source` at `dest`; all or nothing. Returns the nar's size. */
export async function restoreNar(source: AsyncIterable<Uint8Array>, dest: string, limits?: NarLimits): Promise<number> {
  if (await exists(dest)) throw new KeytoolError(`'${dest}' already exists; refusing to overwrite it`);
  const staged = stagingPath(dest);
  const restorer = new NarRestorer(staged);
  const parser = new NarParser(limits);
  try {
    for await (const chunk of source) {
      for (const e of parser.push(chunk)) await restorer.apply(e);
    }
    const size = parser.end();
    await moveIntoPlace(staged, dest);
    return size;
  } catch (e) {
    await restorer.abort();
    await rm(staged, { recursive: true, force: true });
    throw e;
  }
}
