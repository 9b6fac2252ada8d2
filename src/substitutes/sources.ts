// What `keytool substitutes check` checks: the items named on its command line. A source is a
// substitute server (base URL), a narinfo URL, a directory (a static mirror laid out as servers
// lay it out, `HASH.narinfo` and `nar/...`, or a `guix publish --cache` directory,
// `COMPRESSION/NAME.narinfo` beside `COMPRESSION/NAME.nar`) or a narinfo file. Items (store paths,
// store file names or hash parts) after a server or directory are looked up there.
import { opendir, readFile, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { displayable, excerpt } from '../display.js';
import { KeytoolError } from '../errors.js';
import { narinfoFiles } from '../nar/cli/narinfo.js';
import { checkStorePath } from '../nar/storepath.js';
import { fileProblem } from '../fsutil/problem.js';

/** The store item a narinfo must describe, when the request says. */
export interface Expected {
  hashPart: string;
  storePath?: string;
}

export type Location = { kind: 'url'; url: string } | { kind: 'file'; path: string };

export interface Item {
  /** How verdicts name the item: the narinfo's URL or file name. */
  name: string;
  narinfo: Location;
  expect?: Expected;
  /** Where relative nar URLs point: the server's base URL, or the mirror's directory. */
  base: Location;
}

const HASH = /^[0-9abcdfghijklmnpqrsvwxyz]{32}$/;
/** Whether `s` is an http or https URL. */
export const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/** A store path's hash part (its file name's first 32 characters). */
export const hashPart = (p: string): string => path.posix.basename(p).slice(0, 32);

/** An item argument (store path, `HASH-NAME`, `HASH`), or undefined for a source. */
function parseItem(arg: string, storeDir: string): Expected | undefined {
  if (arg.startsWith(`${storeDir}/`)) {
    checkStorePath(arg, storeDir, 'item');
    return { hashPart: hashPart(arg), storePath: arg };
  }
  if (HASH.test(arg)) return { hashPart: arg };
  if (HASH.test(arg.slice(0, 32)) && arg[32] === '-' && !arg.includes('/')) return parseItem(`${storeDir}/${arg}`, storeDir);
  return undefined;
}

/** What a narinfo's name says it describes: `HASH.narinfo` or `HASH-NAME.narinfo`. */
function expectedFromName(name: string, storeDir: string): Expected | undefined {
  if (!name.endsWith('.narinfo')) return undefined;
  try {
    return parseItem(decodeURIComponent(name.slice(0, -'.narinfo'.length)), storeDir);
  } catch {
    return undefined;
  }
}

/** A narinfo given by itself: it must describe what its file name `fileName` says, if it says. */
function namedNarinfo(item: Item, fileName: string, storeDir: string): Item {
  const e = expectedFromName(fileName, storeDir);
  return e ? { ...item, expect: e } : item;
}

/** A server's base URL as Guix joins it (no trailing slash). */
const trimSlash = (url: string): string => url.replace(/\/+$/, '');

/** The items of a directory: `HASH.narinfo`, else through publish's `hashes/HASH` mapping. */
async function inDirectory(dir: string, want: Expected, storeDir: string): Promise<Item> {
  const at = (p: string): Item => ({ name: p, narinfo: { kind: 'file', path: p }, expect: want, base: { kind: 'file', path: dir } });
  const flat = path.join(dir, `${want.hashPart}.narinfo`);
  if (await isFile(flat)) return at(flat);
  let storePath = want.storePath;
  if (!storePath) {
    try {
      storePath = (await readFile(path.join(dir, 'hashes', want.hashPart), 'utf8')).trim();
      checkStorePath(storePath, storeDir, 'mapped store path');
    } catch {
      storePath = undefined;
    }
  }
  if (storePath) {
    for (const c of ['gzip', 'zstd', 'lzip', 'none']) {
      const p = path.join(dir, c, `${path.posix.basename(storePath)}.narinfo`);
      if (await isFile(p)) return at(p);
    }
  }
  return at(flat); // reported as not found, under the name a mirror would use
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Lines of an items file (`-`: stdin), blank lines and `#` comments skipped, read as they come. */
async function* itemLines(file: string, stdin: NodeJS.ReadableStream): AsyncGenerator<string> {
  let input: NodeJS.ReadableStream;
  if (file === '-') input = stdin;
  else {
    try {
      if (!(await stat(file)).isFile()) throw new KeytoolError(`the items file ${displayable(file)} is not a regular file`, 2);
    } catch (e) {
      if (e instanceof KeytoolError) throw e;
      throw new KeytoolError(`cannot read the items file ${displayable(file)}: ${fileProblem(e, file)}`, 2);
    }
    input = createReadStream(file);
  }
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const t = line.trim();
    if (t && !t.startsWith('#')) yield t;
  }
}

interface Source {
  arg: string;
  items: Expected[];
}

/** Group the arguments into sources, each with the items that follow it. */
function groupArguments(args: string[], storeDir: string): Source[] {
  const sources: Source[] = [];
  for (const a of args) {
    let item: Expected | undefined;
    try {
      item = parseItem(a, storeDir);
    } catch (e) {
      throw new KeytoolError(`${(e as Error).message}`, 2);
    }
    if (item) {
      const last = sources[sources.length - 1];
      if (!last) throw new KeytoolError(`${displayable(a)}: give a server URL or a directory before the items to look up there`, 2);
      last.items.push(item);
    } else sources.push({ arg: a, items: [] });
  }
  return sources;
}

/** Every item to check, streamed: a mirror's thousands are never all in memory. */
export async function* items(args: string[], itemsFile: string | undefined, storeDir: string, stdin: NodeJS.ReadableStream): AsyncGenerator<Item> {
  for (const src of groupArguments(args, storeDir)) {
    const wanted = async function* (): AsyncGenerator<Expected> {
      yield* src.items;
      if (!itemsFile) return;
      for await (const line of itemLines(itemsFile, stdin)) {
        let e: Expected | undefined;
        try {
          e = parseItem(line, storeDir);
        } catch (err) {
          throw new KeytoolError(`${displayable(itemsFile)}: ${(err as Error).message}`, 2);
        }
        if (!e) throw new KeytoolError(`${displayable(itemsFile)}: "${excerpt(line)}" is not a store path, store file name or hash part`, 2);
        yield e;
      }
    };
    const takesItems = src.items.length > 0 || itemsFile !== undefined;
    if (isUrl(src.arg)) {
      let url: URL;
      try {
        url = new URL(src.arg);
      } catch {
        throw new KeytoolError(`${displayable(src.arg)} is not a valid URL`, 2);
      }
      if (url.pathname.endsWith('.narinfo') && !takesItems) {
        const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
        const base = url.href.slice(0, url.href.lastIndexOf('/', url.href.length - url.search.length - url.hash.length));
        yield namedNarinfo({ name: url.href, narinfo: { kind: 'url', url: url.href }, base: { kind: 'url', url: base } }, name, storeDir);
        continue;
      }
      if (!takesItems) throw new KeytoolError(`${displayable(src.arg)}: give the store paths or hash parts to check there (as arguments after the URL, or with --items-from FILE): a server cannot be listed`, 2);
      const base = trimSlash(url.href);
      for await (const want of wanted()) {
        const u = `${base}/${want.hashPart}.narinfo`;
        yield { name: u, narinfo: { kind: 'url', url: u }, expect: want, base: { kind: 'url', url: base } };
      }
      continue;
    }
    let st;
    try {
      st = await stat(src.arg);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new KeytoolError(`${displayable(src.arg)}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : 'cannot be read'} (a source is an http(s) URL, a directory or a narinfo file)`, 2);
    }
    if (st.isDirectory()) {
      if (takesItems) {
        for await (const want of wanted()) yield await inDirectory(src.arg, want, storeDir);
        continue;
      }
      if (await isDirectory(path.join(src.arg, 'hashes'))) {
        // publish's cache holds the same narinfo once per compression directory: each item once.
        for await (const ent of await opendir(path.join(src.arg, 'hashes'))) {
          if (HASH.test(ent.name)) yield await inDirectory(src.arg, { hashPart: ent.name }, storeDir);
        }
        continue;
      }
      for await (const file of narinfoFiles([src.arg])) {
        yield namedNarinfo({ name: file, narinfo: { kind: 'file', path: file }, base: { kind: 'file', path: src.arg } }, path.basename(file), storeDir);
      }
      continue;
    }
    if (src.items.length) throw new KeytoolError(`${displayable(src.arg)} is a file: items are looked up in a directory or on a server`, 2);
    yield namedNarinfo({ name: src.arg, narinfo: { kind: 'file', path: src.arg }, base: { kind: 'file', path: path.dirname(src.arg) } }, path.basename(src.arg), storeDir);
  }
}
